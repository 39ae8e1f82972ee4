import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, migrateToLatest, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { RunQueue, type RunRequestInput } from '@pocdojo/shared/runs/run-queue';
import { liveLanguages } from '@pocdojo/shared/runs/runner-availability';
import { createServicesLogin, createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { fixtures, pythonKata } from './language-fixtures.ts';
import { sharedCacheDir } from './test-runner.ts';

/** `npm run runner` as a child process on a private database: it takes runs, stores lights, drains. */
const logger = createLogger({ level: 'silent', name: 'run-service-test' });
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const kata = pythonKata;
const slowTest = {
  'test_slow.py': 'import time\n\n\ndef test_takes_a_while():\n    time.sleep(4)\n    assert True\n',
};

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface RunnerProcess {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

describe('the runner service (npm run runner)', () => {
  let testDatabase: TestDatabase;
  let servicesLogin: TestDatabase;
  let database: DatabaseHandle;
  let runs: RunQueue;
  let workDir: string;
  const children: ChildProcess[] = [];

  async function startRunner(env: Record<string, string> = {}): Promise<RunnerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        PATH: process.env.PATH ?? '',
        // As deployed: the runner logs in as the services' role (admission, start, results under
        // row-level security) and migrates with the owner's login.
        DATABASE_URL: servicesLogin.url,
        DATABASE_OWNER_URL: testDatabase.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        RUNNER_WORK_DIR: workDir,
        RUNNER_CONCURRENCY: '2',
        RUNNER_HEARTBEAT_SECONDS: '1',
        // Longer than any wait here: runs are admitted when their request's notification arrives.
        RUNNER_ADMIT_INTERVAL_MS: '60000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'runner ready' && entry.port) resolve(entry.port);
      });
      void exited.then((code) => reject(new Error(`runner exited with ${code} before listening`)));
    });
    return { child, port, exited };
  }

  const request = (dojoId: string, files: Record<string, string>): RunRequestInput => ({
    tenantId: 'acme',
    dojoId,
    language: 'python',
    turn: 1,
    requestedBy: 'ann',
    requestedByName: 'Ann',
    auto: false,
    files,
    stateVector: new Uint8Array([0]),
  });
  const settled = (id: string) =>
    eventually(async () => {
      const row = await runs.find('acme', id);
      return row && (row.status === 'done' || row.status === 'failed') ? row : undefined;
    }, `run ${id} to finish`);

  beforeAll(async () => {
    testDatabase = await createTestDatabase('pocdojo_runner');
    database = await openDatabase({ databaseUrl: testDatabase.url, dataDir: tmpdir(), logger, poolSize: 4 });
    await migrateToLatest(database.db, logger);
    servicesLogin = await createServicesLogin(testDatabase);
    runs = new RunQueue(database.db, 2);
    // The start points' caches are built once for every runner test (the runner keeps them in its work dir).
    workDir = join(tmpdir(), `pocdojo-run-service-${process.pid}`);
    await mkdir(workDir, { recursive: true });
    await mkdir(sharedCacheDir, { recursive: true });
    await symlink(sharedCacheDir, join(workDir, 'cache')).catch(() => undefined);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database.close();
    await testDatabase.drop();
    await servicesLogin?.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('takes queued runs, stores red and green results, publishes its languages and metrics', async () => {
    const runner = await startRunner();
    const base = `http://127.0.0.1:${runner.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await eventually(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 'readiness');
    // Each language is offered once its probe settles; until then it is listed as getting ready.
    const python = await eventually(
      async () =>
        (await liveLanguages(database.db, 3)).find((language) => language.id === 'python' && language.available),
      'Python to be offered',
    );
    expect(python).toMatchObject({ available: true, testFramework: 'pytest' });

    const red = await runs.request(request('red-dojo', kata));
    const green = await runs.request(request('green-dojo', { ...kata, ...fixtures.python.solved }));
    expect(await settled(red.id)).toMatchObject({
      status: 'done',
      light: 'red',
      passed: 1,
      failed: 1,
      failing: ['test_three_is_fizz'],
    });
    const greenRow = await settled(green.id);
    expect(greenRow).toMatchObject({ status: 'done', light: 'green', passed: 2, failed: 0 });
    expect(greenRow.runner_id).toEqual(expect.any(String));
    expect(greenRow.admitted_at!.getTime()).toBeLessThanOrEqual(greenRow.started_at!.getTime());

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/pocdojo_runs_total\{outcome="green",service="runner"\} 1/);
    expect(metrics).toMatch(/pocdojo_runs_total\{outcome="red",service="runner"\} 1/);
    expect(metrics).toMatch(/pocdojo_run_queue_wait_seconds_count\{service="runner"\} 2/);

    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    // Gone from the languages at once: it withdrew its heartbeat.
    const after = (await liveLanguages(database.db, 3)).find((language) => language.id === 'python');
    expect(after).toMatchObject({ available: false, reason: 'no runner is running' });
  });

  it('fails a run of a language this runner cannot run, with a sentence', async () => {
    const runner = await startRunner({ RUNNER_BWRAP: '/nonexistent/bwrap' });
    const run = await runs.request(request('nowhere-dojo', kata));
    expect(await settled(run.id)).toMatchObject({
      status: 'failed',
      message: 'Python 3 is not available on this server',
      light: null,
    });
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
  });

  it('drains on SIGTERM: a running run finishes within the grace period', async () => {
    const runner = await startRunner({ RUNNER_DRAIN_SECONDS: '30' });
    const run = await runs.request(request('slow-dojo', slowTest));
    await eventually(
      async () => ((await runs.find('acme', run.id))?.status === 'running' ? true : undefined),
      'the run to start',
    );
    runner.child.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    expect(await runs.find('acme', run.id)).toMatchObject({ status: 'done', light: 'green', passed: 1 });
  });

  it('hands a run back when the grace period ends first, and another runner finishes it', async () => {
    const impatient = await startRunner({ RUNNER_DRAIN_SECONDS: '0' });
    const run = await runs.request(request('handed-dojo', slowTest));
    await eventually(
      async () => ((await runs.find('acme', run.id))?.status === 'running' ? true : undefined),
      'the run to start',
    );
    impatient.child.kill('SIGTERM');
    expect(await impatient.exited).toBe(0);
    expect(await runs.find('acme', run.id)).toMatchObject({ status: 'queued', light: null });
    const next = await startRunner();
    expect(await settled(run.id)).toMatchObject({ status: 'done', light: 'green' });
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});
