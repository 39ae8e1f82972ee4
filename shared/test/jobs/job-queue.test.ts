import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  JobQueue,
  migrateToLatest,
  openDatabase,
  type DatabaseHandle,
  type JobContext,
} from '@pocdojo/shared';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const logger = createLogger({ level: 'silent', name: 'job-queue-test' });
const payload = z.object({ label: z.string() });
const quickPolicy = { retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 600 };

/** Resolves with the value the first time `check` returns one, polling the database-backed state. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

for (const mode of ['postgres', 'embedded'] as const) {
  describe(`the job queue on ${mode === 'postgres' ? 'a real Postgres server' : 'the embedded PGlite default'}`, () => {
    let dataDir: string;
    let testDatabase: TestDatabase | undefined;
    let database: DatabaseHandle;
    let queue: JobQueue;

    // Embedded: one connection, as pglite-socket mixes up concurrent extended-protocol batches of several
    // connections in its single session (electric-sql/pglite#1046).
    const open = () =>
      openDatabase({ databaseUrl: testDatabase?.url, dataDir, logger, poolSize: testDatabase ? 8 : 1 });
    const startQueue = () =>
      JobQueue.start({ database, logger, heartbeatSeconds: 1, stallSeconds: 3, pollingIntervalSeconds: 0.5 });

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'job-queue-test-'));
      testDatabase = mode === 'postgres' ? await createTestDatabase('pocdojo_jobs') : undefined;
      database = await open();
      await migrateToLatest(database.db, logger);
      queue = await startQueue();
    });
    afterAll(async () => {
      await queue.stop();
      await database.close();
      await testDatabase?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('runs a job with its validated data and marks it completed', async () => {
      await queue.define('greet', quickPolicy);
      const seen: string[] = [];
      await queue.work('greet', payload, async (job) => {
        seen.push(job.data.label);
      });
      const id = await queue.send('greet', { label: 'hello' });
      await eventually(
        async () => ((await queue.state('greet', id))?.state === 'completed' ? true : undefined),
        'completion',
      );
      expect(seen).toEqual(['hello']);
    });

    it('retries a failing job with backoff until it succeeds', async () => {
      await queue.define('flaky', quickPolicy);
      const attempts: Array<Pick<JobContext<unknown>, 'attempt' | 'lastAttempt'>> = [];
      await queue.work('flaky', payload, async ({ attempt, lastAttempt }) => {
        attempts.push({ attempt, lastAttempt });
        if (attempt < 2) throw new Error('first attempt fails');
      });
      const id = await queue.send('flaky', { label: 'x' });
      const final = await eventually(async () => {
        const state = await queue.state('flaky', id);
        return state?.state === 'completed' ? state : undefined;
      }, 'the retry');
      expect(final.retryCount).toBe(1);
      expect(attempts).toEqual([
        { attempt: 1, lastAttempt: false },
        { attempt: 2, lastAttempt: false },
      ]);
    });

    it('fails a job for good once its retries are used up', async () => {
      await queue.define('doomed', { ...quickPolicy, retryLimit: 0 });
      const lastAttempts: boolean[] = [];
      await queue.work('doomed', payload, async ({ lastAttempt }) => {
        lastAttempts.push(lastAttempt);
        throw new Error('always broken');
      });
      const id = await queue.send('doomed', { label: 'x' });
      const final = await eventually(async () => {
        const state = await queue.state('doomed', id);
        return state?.state === 'failed' ? state : undefined;
      }, 'the failure');
      expect(JSON.stringify(final.output)).toContain('always broken');
      expect(lastAttempts).toEqual([true]);
    });

    it('keeps queued jobs across a restart of the process and its database', async () => {
      await queue.define('later', quickPolicy);
      const id = await queue.send('later', { label: 'kept' });
      await queue.stop();
      await database.close();

      database = await open();
      queue = await startQueue();
      const seen: string[] = [];
      await queue.work('later', payload, async (job) => {
        seen.push(job.data.label);
      });
      await eventually(
        async () => ((await queue.state('later', id))?.state === 'completed' ? true : undefined),
        'completion',
      );
      expect(seen).toEqual(['kept']);
    });

    // Only on a real server: separate worker processes need DATABASE_URL (the embedded database lives
    // inside the all-in-one process, whose own worker a restart covers above).
    if (mode === 'postgres') {
      it('retries the job of a worker process killed mid-job, elsewhere', async () => {
        await queue.define('slow', quickPolicy);
        const id = await queue.send('slow', { label: 'crash me' });
        const script = fileURLToPath(new URL('./slow-worker.ts', import.meta.url));
        const child = spawn(process.execPath, ['--import', 'tsx', script, database.connectionString], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        try {
          const lines = createInterface({ input: child.stdout });
          const [line] = (await once(lines, 'line')) as [string];
          expect(line).toBe(`started ${id} attempt 1`);
        } finally {
          child.kill('SIGKILL');
          await once(child, 'exit');
        }

        const attempts: number[] = [];
        await queue.work('slow', payload, async (job) => {
          attempts.push(job.attempt);
        });
        await eventually(
          async () => ((await queue.state('slow', id))?.state === 'completed' ? true : undefined),
          'the retry',
        );
        expect(attempts).toEqual([2]);
      });
    }
  });
}
