/**
 * The collaboration tier as its own process (`npm run collab`): `/collab` plus `/healthz`, `/readyz` and
 * `/metrics` on PORT, nothing of the API, voice or web app. Scaled deployments run N of these behind a
 * balancer, sharing DATABASE_URL and REDIS_URL; tokens are checked against AUTH_JWKS_URL (the API's key
 * set) or the signing key in a DATA_DIR shared with the API. SIGTERM/SIGINT drain: clients are asked to
 * reconnect elsewhere (1012) and everything pending is committed before the process exits.
 */
import { App, us_listen_socket_close, us_socket_local_port, type us_listen_socket } from 'uWebSockets.js';
import { z } from 'zod';
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  drainOnSignals,
  migrateAsOwner,
  openDatabase,
  readConfigOrExit,
  Readiness,
  routeConsoleTo,
  TokenRevocations,
  watchDatabase,
} from '@pocdojo/shared';
import { createCollabTier } from './collab-tier.ts';
import { collabConfigSchema } from './config.ts';
import { attachOperationalRoutes } from './http-routes.ts';

const config = readConfigOrExit(
  collabConfigSchema.extend({
    DATABASE_URL: z.url({
      error: 'a separate collaboration node needs the shared database (npm start runs everything on the embedded one)',
    }),
  }),
);

const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-collab' });
routeConsoleTo(logger);
process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));

const registry = createMetricsRegistry({ service: 'collab' });
const readiness = new Readiness();
readiness.require('database', 'not yet reachable');
readiness.require('migrations', 'not yet applied');
readiness.registerMetric(registry);

const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
const revocations = TokenRevocations.start(database, logger.child({ component: 'auth' }));
readiness.track('token revocations', () => revocations.status);
const identity = await createIdentity(config, { revocations });
const app = App();
const collab = createCollabTier(app, { config, database, identity, logger, registry, readiness, revocations });
attachOperationalRoutes(app, { readiness, registry });

const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
  app.listen(config.HOST, config.PORT, (socket) =>
    socket
      ? resolve(socket)
      : reject(new Error(`cannot listen on ${config.HOST}:${config.PORT} (is another process using that port?)`)),
  );
});
logger.info({ host: config.HOST, port: us_socket_local_port(listenSocket), nodeId: collab.nodeId }, 'listening');

const stopWatching = watchDatabase({
  database,
  readiness,
  logger,
  migrate: () => migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger),
});

drainOnSignals({
  logger,
  readiness,
  deadlineMs: config.SHUTDOWN_DEADLINE_MS,
  async drain() {
    us_listen_socket_close(listenSocket);
    await collab.drain();
    stopWatching();
    await revocations.close();
    await database.close();
  },
});
