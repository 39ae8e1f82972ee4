import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, JobQueue, migrateToLatest, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { RunQueue, type RunRequestInput } from '@pocdojo/shared/runs/run-queue';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';

const logger = createLogger({ level: 'silent', name: 'run-queue-test' });
const jobName = 'run';

const request = (tenantId: string, dojoId: string, by = 'ann'): RunRequestInput => ({
  tenantId,
  dojoId,
  language: 'python',
  turn: 1,
  requestedBy: by,
  requestedByName: by.toUpperCase(),
  auto: false,
  files: { 'test_kata.py': 'def test_one():\n    assert True\n' },
  stateVector: new Uint8Array([1, 2, 3]),
});

for (const mode of ['postgres', 'embedded'] as const) {
  describe(`test run requests and fairness on ${mode === 'postgres' ? 'a real Postgres server' : 'embedded PGlite'}`, () => {
    let dataDir: string;
    let testDatabase: TestDatabase | undefined;
    let database: DatabaseHandle;
    let jobs: JobQueue;
    let runs: RunQueue;
    const admit = () => runs.admit((trx, runId) => jobs.send(jobName, { runId }, trx));
    const status = async (id: string) =>
      (
        await database.db
          .selectFrom('dojo_runs')
          .select(['status', 'admitted_at'])
          .where('id', '=', id)
          .executeTakeFirst()
      )?.status;
    const queuedJobs = async () =>
      (
        await sql<{ run_id: string }>`SELECT data->>'runId' AS run_id FROM pgboss.job WHERE name = ${jobName}`.execute(
          database.db,
        )
      ).rows.map((row) => row.run_id);

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'run-queue-test-'));
      testDatabase = mode === 'postgres' ? await createTestDatabase('pocdojo_runs') : undefined;
      database = await openDatabase({
        databaseUrl: testDatabase?.url,
        dataDir,
        logger,
        poolSize: testDatabase ? 8 : 1,
      });
      await migrateToLatest(database.db, logger);
      jobs = await JobQueue.start({ database, logger });
      await jobs.define(jobName, { retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 120 });
      runs = new RunQueue(database.db, 2);
    });
    afterAll(async () => {
      await jobs.stop();
      await database.close();
      await testDatabase?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      await database.db.deleteFrom('dojo_runs').execute();
      await sql`DELETE FROM pgboss.job WHERE name = ${jobName}`.execute(database.db);
    });

    it('keeps one queued run per dojo: a newer request replaces the one still waiting', async () => {
      const first = await runs.request(request('t1', 'd1'));
      const second = await runs.request(request('t1', 'd1', 'bob'));
      expect(second.replaced).toEqual([first.id]);
      expect(await status(first.id)).toBe('replaced');
      expect(await status(second.id)).toBe('queued');
      // Another dojo of the same tenant keeps its own.
      const other = await runs.request(request('t1', 'd2'));
      expect(other.replaced).toEqual([]);
      const recent = await runs.recent('t1', 'd1', 50);
      expect(recent.map((run) => [run.status, run.requestedByName])).toEqual([
        ['replaced', 'ANN'],
        ['queued', 'BOB'],
      ]);
    });

    it('replaces an admitted run too, which its job then skips, and frees its place', async () => {
      const first = await runs.request(request('t1', 'd1'));
      expect(await admit()).toEqual([first.id]);
      const second = await runs.request(request('t1', 'd1'));
      expect(await status(first.id)).toBe('replaced');
      expect(await runs.start(first.id, 'runner-1')).toBeUndefined();
      expect(await admit()).toEqual([second.id]);
    });

    it('admits at most the per-tenant limit of one tenant, so another tenant’s run is not starved', async () => {
      const storm: string[] = [];
      for (let dojo = 0; dojo < 10; dojo++) storm.push((await runs.request(request('busy', `d${dojo}`))).id);
      const single = await runs.request(request('quiet', 'q1'));
      const admitted = await admit();
      expect(admitted).toEqual([storm[0], storm[1], single.id]);
      expect((await queuedJobs()).sort()).toEqual([...admitted].sort());
      // Nothing more until a run of the busy tenant ends.
      expect(await admit()).toEqual([]);
    });

    it('admits the tenant’s next run when one finishes or fails', async () => {
      const ids: string[] = [];
      for (let dojo = 0; dojo < 4; dojo++) ids.push((await runs.request(request('t1', `d${dojo}`))).id);
      expect(await admit()).toEqual(ids.slice(0, 2));
      expect(await runs.start(ids[0] as string, 'runner-1')).toMatchObject({
        status: 'running',
        runner_id: 'runner-1',
      });
      // Running still holds its place.
      expect(await admit()).toEqual([]);
      await runs.finish(ids[0] as string, {
        light: 'green',
        passed: 3,
        failed: 0,
        failing: [],
        output: 'ok',
        outputTruncated: false,
        message: 'all 3 tests passed',
        durationMs: 812,
      });
      expect(await admit()).toEqual([ids[2]]);
      await runs.fail(ids[1] as string, 'Rust is not available on this server');
      expect(await admit()).toEqual([ids[3]]);
      const done = await runs.find('t1', ids[0] as string);
      expect(done).toMatchObject({ status: 'done', light: 'green', passed: 3, failing: [], duration_ms: 812 });
      expect((await runs.recent('t1', 'd1', 50))[0]).toMatchObject({
        status: 'failed',
        message: 'Rust is not available on this server',
      });
    });

    it('numbers the queue: admitted runs in admission order, then each tenant’s waiting runs behind all of them', async () => {
      const a = [] as string[];
      for (let dojo = 0; dojo < 4; dojo++) a.push((await runs.request(request('a', `d${dojo}`))).id);
      await runs.request(request('b', 'd0'));
      await admit(); // a0, a1, b0 admitted; a2, a3 wait.
      const position = async (tenant: string, dojo: string) =>
        (await runs.recent(tenant, dojo, 50)).find((run) => run.status === 'queued')?.position;
      expect(await position('a', 'd0')).toBe(1);
      expect(await position('a', 'd1')).toBe(2);
      expect(await position('b', 'd0')).toBe(3);
      expect(await position('a', 'd2')).toBe(4);
      expect(await position('a', 'd3')).toBe(5);
      // A runner takes a0: everyone moves up.
      await runs.start(a[0] as string, 'runner-1');
      expect(await position('a', 'd1')).toBe(1);
      expect(await position('a', 'd3')).toBe(4);
      expect((await runs.recent('a', 'd0', 50))[0]).toMatchObject({ status: 'running', position: null });
    });

    it('hands an aborted run back to the queue, or replaces it when the dojo asked again meanwhile', async () => {
      const first = await runs.request(request('t1', 'd1'));
      await admit();
      await runs.start(first.id, 'runner-1');
      await runs.handBack(first.id);
      expect(await status(first.id)).toBe('queued');
      expect(await runs.start(first.id, 'runner-2')).toMatchObject({ status: 'running', runner_id: 'runner-2' });
      await runs.request(request('t1', 'd1'));
      await runs.handBack(first.id);
      expect(await status(first.id)).toBe('replaced');
    });
  });
}
