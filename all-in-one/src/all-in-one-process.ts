/**
 * The all-in-one process: the WebSocket tier (/collab), the REST API (/api/v1, /.well-known), voice
 * (/media) and the web app (/) on one port, on embedded defaults unless DATABASE_URL, REDIS_URL… say
 * otherwise. Each part can also run as its own process (npm run collab, npm run api, npm run media,
 * npm run worker, npm run runner); test runs happen in this process unless RUN_WORKER=off.
 */
import { fileURLToPath } from 'node:url';
import { App, us_listen_socket_close, us_socket_local_port, type us_listen_socket } from 'uWebSockets.js';
import { z } from 'zod';
import { apiConfigSection, buildApi, serveApiOnSharedPort } from '@pocdojo/api';
import { createVoiceService, mediaSettingsShape, refineMediaSettings } from '@pocdojo/media';
import {
  createRunner,
  RunMetrics,
  runnerSettingsShape,
  runServiceSettingsShape,
  RunWorker,
  runWorkerSwitchShape,
} from '@pocdojo/runner';
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
import { attachOperationalRoutes, collabConfigSchema, createCollabTier } from '@pocdojo/server';
import { DojoVoiceBridge } from './dojo-voice-bridge.ts';
import { attachWebApp } from './web-app.ts';

const allInOneConfigSchema = collabConfigSchema
  .extend(apiConfigSection.shape)
  .extend(mediaSettingsShape)
  .extend(runnerSettingsShape)
  .extend(runServiceSettingsShape)
  .extend(runWorkerSwitchShape)
  .extend({
    WEB_ROOT: z
      .string()
      .min(1)
      .default(fileURLToPath(new URL('../../clients/web/dist', import.meta.url))),
  })
  .superRefine(refineMediaSettings);

const config = readConfigOrExit(allInOneConfigSchema);

const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo' });
routeConsoleTo(logger);
process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));

const registry = createMetricsRegistry({ service: 'pocdojo' });
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
// Who is muted lives in each dojo's control document; the bridge keeps voice following it.
const voiceBridge = new DojoVoiceBridge(collab.hocuspocus, logger.child({ component: 'voice-bridge' }));
const voice = await createVoiceService({
  config,
  verifier: identity.verifier,
  logger: logger.child({ component: 'voice' }),
  registry,
  policy: voiceBridge,
  revocations,
});
voiceBridge.connect(voice);
voice.attach(app, '/media');
attachOperationalRoutes(app, { readiness, registry });
const api = await buildApi({
  config,
  database,
  identity,
  logger: logger.child({ component: 'api' }),
  metrics: registry,
});
serveApiOnSharedPort(app, api, { bodyLimit: config.API_BODY_LIMIT });
await attachWebApp(app, config.WEB_ROOT, logger.child({ component: 'web' }));

const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
  app.listen(config.HOST, config.PORT, (socket) =>
    socket
      ? resolve(socket)
      : reject(new Error(`cannot listen on ${config.HOST}:${config.PORT} (is another process using that port?)`)),
  );
});
const port = us_socket_local_port(listenSocket);
logger.info(
  { host: config.HOST, port, nodeId: collab.nodeId, embeddedDatabase: database.embedded, voice: voice.status() },
  'listening',
);

let runWorker: RunWorker | undefined;
const lifecycle = drainOnSignals({
  logger,
  readiness,
  deadlineMs: config.SHUTDOWN_DEADLINE_MS,
  async drain() {
    us_listen_socket_close(listenSocket);
    await voice.close();
    await voiceBridge.close();
    // Running tests get part of the deadline to finish; the rest are handed back for a retry after restart.
    await runWorker?.stop(Math.min(config.RUNNER_DRAIN_SECONDS * 1000, config.SHUTDOWN_DEADLINE_MS / 2));
    await collab.drain();
    await api.close();
    stopWatching();
    await revocations.close();
    await database.close();
  },
});
const stopWatching = watchDatabase({
  database,
  readiness,
  logger,
  migrate: async () => {
    await migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger);
    // The run worker needs the runs tables; it starts once they exist.
    if (config.RUN_WORKER === 'inline' && !runWorker && !lifecycle.draining()) {
      runWorker = await RunWorker.start({
        database,
        runner: createRunner(config),
        settings: config,
        logger,
        metrics: new RunMetrics(registry),
      });
    }
  },
});
