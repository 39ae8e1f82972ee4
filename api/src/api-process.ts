/**
 * The REST API as its own process (`npm run api`), for scaling it apart from the WebSocket tier:
 * reads the configuration, opens and migrates the database, serves /api/v1 plus /healthz, /readyz
 * and /metrics on PORT, and shuts down cleanly on SIGTERM/SIGINT. With WEB_ROOT (a built `clients/web/dist`)
 * it serves the web app at `/` too, so a split deployment needs no other web server.
 */
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  flushTraces,
  migrateAsOwner,
  openDatabase,
  readConfigOrExit,
  TokenRevocations,
} from '@pocdojo/shared';
import { apiProcessConfigSchema } from './api-process-config.ts';
import { buildApi } from './app.ts';

const config = readConfigOrExit(apiProcessConfigSchema);

const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-api' });
const metrics = createMetricsRegistry({ service: 'api' });
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
await migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger);
const revocations = TokenRevocations.start(database, logger.child({ component: 'auth' }));
await revocations.firstRead;
const identity = await createIdentity(config, { revocations });
const app = await buildApi({ config, database, identity, logger, metrics }, { webRoot: config.WEB_ROOT });
const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info(
  { address, embeddedDatabase: database.embedded, search: config.OPENSEARCH_URL ? 'opensearch' : 'postgres' },
  'API listening',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API shutting down');
  // Stop accepting requests and let in-flight ones finish, then release the database.
  const deadline = setTimeout(() => {
    logger.error('shutdown took longer than 10s; exiting');
    process.exit(1);
  }, 10_000);
  deadline.unref();
  try {
    await app.close();
    await revocations.close();
    await database.close();
    await flushTraces();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
