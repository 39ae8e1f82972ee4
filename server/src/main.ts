/**
 * The all-in-one process: one port for the WebSocket tier (and, as they land, the REST API, the voice
 * service and the web app), on embedded defaults unless DATABASE_URL, REDIS_URL… say otherwise.
 */
import { App, us_listen_socket_close, us_socket_local_port, type us_listen_socket } from 'uWebSockets.js';
import {
  ConfigError,
  createIdentity,
  createLogger,
  createMetricsRegistry,
  migrateToLatest,
  openDatabase,
  readConfig,
  routeConsoleTo,
} from '@pocdojo/shared';
import { createCollabTier } from './collab-tier.ts';
import { collabConfigSchema } from './config.ts';
import { attachOperationalRoutes } from './http-routes.ts';
import { Readiness } from './readiness.ts';
import { watchDatabase } from './database-watch.ts';

function loadConfig() {
  try {
    return readConfig(collabConfigSchema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
const config = loadConfig();

const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo' });
routeConsoleTo(logger);
process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));

const registry = createMetricsRegistry({ service: 'pocdojo' });
const readiness = new Readiness();
readiness.require('database', 'not yet reachable');
readiness.require('migrations', 'not yet applied');

const identity = await createIdentity(config);
const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
const app = App();
const collab = createCollabTier(app, { config, database, identity, logger, registry, readiness });
attachOperationalRoutes(app, { readiness, registry });
app.get('/.well-known/jwks.json', (res) => {
  res.writeHeader('content-type', 'application/json').end(JSON.stringify(identity.jwks));
});

const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
  app.listen(config.HOST, config.PORT, (socket) =>
    socket ? resolve(socket) : reject(new Error(`cannot listen on ${config.HOST}:${config.PORT}`)),
  );
});
const port = us_socket_local_port(listenSocket);
logger.info({ host: config.HOST, port, nodeId: collab.nodeId, embeddedDatabase: database.embedded }, 'listening');

const stopWatching = watchDatabase({
  database,
  readiness,
  logger,
  migrate: () => migrateToLatest(database.db, logger),
});

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal, deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'draining');
  readiness.set('shutdown', 'draining');
  const deadline = setTimeout(() => {
    logger.error('drain deadline passed; exiting with updates still pending');
    process.exit(1);
  }, config.SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  us_listen_socket_close(listenSocket);
  await collab.drain();
  stopWatching();
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
