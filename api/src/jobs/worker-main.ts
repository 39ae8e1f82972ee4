import { z } from 'zod';
import { createLogger, migrateToLatest, openDatabase, readConfigOrExit } from '@pocdojo/shared';
import { videoServiceConfigSchema } from '../videos/video-config.ts';
import { startVideoServices } from '../videos/video-services.ts';

/**
 * `npm run worker`: a process that only renders queued videos, for deployments that keep rendering off
 * the API nodes (set VIDEO_WORKER=off there). It needs DATABASE_URL: the embedded database lives inside
 * the all-in-one process, which renders videos itself. SIGTERM/SIGINT hand the current job back for a
 * retry; SIGKILL is covered by the heartbeats, after which another worker retries it.
 */
const config = readConfigOrExit(
  videoServiceConfigSchema.extend({
    DATABASE_URL: z.url({
      error: 'a separate worker needs the shared database (the all-in-one process renders by itself)',
    }),
  }),
);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-worker' });
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  logger,
  poolSize: 4,
});
await migrateToLatest(database.db, logger);
const services = await startVideoServices(config, database, logger, { startWorker: true });
logger.info({ storage: services.store.kind }, 'worker ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping');
  await services.close();
  await database.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
