import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, migrateToLatest, openDatabase, readConfig, type DatabaseHandle } from '@pocdojo/shared';
import { RunQueue, runNotifyChannel } from '@pocdojo/shared/runs/run-queue';
import { createRunner, runnerSettingsShape, runServiceSettingsShape, RunWorker, type Runner } from '../src/index.ts';
import { fixtures } from './language-fixtures.ts';
import { sharedCacheDir } from './test-runner.ts';

/**
 * The run service as `npm start` hosts it: in-process, on the embedded PGlite. Its admission tick is a
 * minute, longer than the wait here: the run is admitted because its request's notification reached the
 * runner, and each status change reaches a listener on the same database (as the room's does).
 */
const logger = createLogger({ level: 'silent', name: 'run-worker-embedded-test' });

describe('the run service on the embedded PGlite', () => {
  let dataDir: string;
  const workDir = join(tmpdir(), `pocdojo-run-embedded-${process.pid}`);
  let database: DatabaseHandle;
  let worker: RunWorker;
  let runner: Runner;
  const heard: string[] = [];
  let unlisten: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-run-embedded-'));
    // Not under the private (0700) data directory: the sandbox's user must reach the run's files.
    await mkdir(workDir, { recursive: true });
    await mkdir(sharedCacheDir, { recursive: true });
    await symlink(sharedCacheDir, join(workDir, 'cache'));
    database = await openDatabase({ databaseUrl: undefined, dataDir, logger });
    await migrateToLatest(database.db, logger);
    const settings = readConfig(z.object({ ...runnerSettingsShape, ...runServiceSettingsShape }), {
      RUNNER_WORK_DIR: workDir,
      RUNNER_WALL_SECONDS: '60',
      RUNNER_CPU_SECONDS: '60',
      RUNNER_CONCURRENCY: '1',
      RUNNER_ADMIT_INTERVAL_MS: '60000',
    });
    runner = createRunner(settings);
    worker = await RunWorker.start({ database, runner, settings, logger });
    expect(await runner.available('python')).toEqual({ ok: true });
    unlisten = await database.listen(runNotifyChannel, {
      notified: (payload) => heard.push(payload),
      resumed: () => {},
    });
  });

  afterAll(async () => {
    await unlisten?.();
    await worker?.stop(5_000);
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  it('admits a queued run on its notification and tells a listener each change, to the light', async () => {
    const runs = new RunQueue(database.db, 2);
    const { id } = await runs.request({
      tenantId: 'acme',
      dojoId: 'd_embedded',
      language: 'python',
      turn: 1,
      requestedBy: 'ann',
      requestedByName: 'Ann',
      auto: false,
      files: { ...(await runner.kata('python')), ...fixtures.python.solved },
      stateVector: new Uint8Array([0]),
    });
    const deadline = Date.now() + 50_000;
    let row = await runs.find('acme', id);
    while (row?.status !== 'done' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      row = await runs.find('acme', id);
    }
    expect(row).toMatchObject({ status: 'done', light: 'green' });
    // Requested, admitted, started, finished: four changes, each told.
    expect(heard.filter((payload) => payload === 'acme/d_embedded').length).toBeGreaterThanOrEqual(4);
  });
});
