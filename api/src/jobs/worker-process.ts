import {
  createLogger,
  createMetricsRegistry,
  drainOnSignals,
  migrateAsOwner,
  openDatabase,
  readConfigOrExit,
  Readiness,
  startOperationsServer,
} from '@pocdojo/shared';
import { createVideoMetrics } from '../videos/video-metrics.ts';
import { startVideoServices } from '../videos/video-services.ts';
import { workerConfigSchema } from './worker-config.ts';

/**
 * `npm run worker`: a process that only renders queued videos, for deployments that keep rendering off
 * the API nodes (set VIDEO_WORKER=off there), with `/healthz`, `/readyz` and `/metrics` (render outcomes
 * and durations) on PORT. It needs DATABASE_URL: the embedded database lives inside
 * the all-in-one process, which renders videos itself. SIGTERM/SIGINT hand the current job back for a
 * retry; SIGKILL is covered by the heartbeats, after which another worker retries it.
 */
const config = readConfigOrExit(workerConfigSchema);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-worker' });
const registry = createMetricsRegistry({ service: 'worker' });
const readiness = new Readiness();
readiness.require('worker', 'starting');
readiness.registerMetric(registry);
const operations = await startOperationsServer({ host: config.HOST, port: config.PORT, readiness, registry, logger });
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  logger,
  poolSize: 4,
});
await migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger);
const services = await startVideoServices(config, database, logger, {
  startWorker: true,
  metrics: createVideoMetrics(registry),
});
readiness.set('worker', true);
logger.info({ storage: services.store.kind, port: operations.port }, 'worker ready');

// Closing hands the job being rendered back for a retry at once; 20 s fits the pod's 30 s grace.
drainOnSignals({
  logger,
  readiness,
  deadlineMs: 20_000,
  async drain() {
    await services.close();
    await database.close();
    await operations.close();
  },
});
