import {
  createLogger,
  createMetricsRegistry,
  drainOnSignals,
  migrateAsOwner,
  openDatabase,
  readConfigOrExit,
  Readiness,
  startOperationsServer,
  watchDatabase,
} from '@pocdojo/shared';
import { createRunner } from './runner-config.ts';
import { runnerProcessConfigSchema } from './runner-process-config.ts';
import { RunMetrics } from './service/run-metrics.ts';
import { RunWorker } from './service/run-worker.ts';

/**
 * `npm run runner`: a process that only runs tests, for deployments that keep sandboxes off the
 * collaboration and API nodes (set RUN_WORKER=off on the all-in-one server then). It needs DATABASE_URL:
 * the embedded database lives inside the all-in-one process, which runs tests by itself. SIGTERM/SIGINT
 * drain: no new runs, RUNNER_DRAIN_SECONDS for the running ones, then they are aborted and handed back.
 */
const config = readConfigOrExit(runnerProcessConfigSchema);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-runner' });
const registry = createMetricsRegistry({ service: 'runner' });
const readiness = new Readiness();
readiness.require('database', 'not yet reachable');
readiness.require('migrations', 'not yet applied');
readiness.require('runner', 'starting');
readiness.registerMetric(registry);
const operations = await startOperationsServer({ host: config.HOST, port: config.PORT, readiness, registry, logger });
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  logger,
  poolSize: Math.max(4, config.RUNNER_CONCURRENCY + 2),
});
await migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger);
const worker = await RunWorker.start({
  database,
  runner: createRunner(config),
  settings: config,
  logger,
  metrics: new RunMetrics(registry),
});
// Ready once this runner told the others which languages it can run, and until it drains.
readiness.track('runner', () => worker.ready || 'publishing its languages, or draining');
const stopWatching = watchDatabase({
  database,
  readiness,
  logger,
  migrate: () => migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger),
});
logger.info({ port: operations.port }, 'runner ready');

// Running runs get RUNNER_DRAIN_SECONDS; handing the rest back and closing must fit in 15 s more.
drainOnSignals({
  logger,
  readiness,
  deadlineMs: config.RUNNER_DRAIN_SECONDS * 1000 + 15_000,
  async drain() {
    await worker.stop(config.RUNNER_DRAIN_SECONDS * 1000);
    stopWatching();
    await database.close();
    await operations.close();
  },
});
