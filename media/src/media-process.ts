/**
 * The voice service as its own process (`npm run media`), for scaling voice apart from the WebSocket tier:
 * /media signaling plus /healthz, /readyz and /metrics on MEDIA_PORT. The all-in-one process mounts the same
 * service on its own port instead. With DATABASE_URL it reads token revocations as the other services do
 * (a revoked person's join is refused and their sessions end); without, a session ends at its token's expiry.
 */
import {
  App,
  us_listen_socket_close,
  us_socket_local_port,
  type HttpResponse,
  type us_listen_socket,
} from 'uWebSockets.js';
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  flushTraces,
  openDatabase,
  readConfigOrExit,
  Readiness,
  TokenRevocations,
} from '@pocdojo/shared';
import { mediaConfigSchema } from './media-config.ts';
import { createVoiceService } from './voice-service.ts';

const config = readConfigOrExit(mediaConfigSchema);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'pocdojo-media' });
const registry = createMetricsRegistry({ service: 'media' });
const database = config.DATABASE_URL
  ? await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger, poolSize: 2 })
  : undefined;
const revocations = database && TokenRevocations.start(database, logger.child({ component: 'auth' }));
const identity = await createIdentity(config, { revocations });
const voice = await createVoiceService({ config, verifier: identity.verifier, logger, registry, revocations });
// The same conditions and `pocdojo_readiness_check` metric as the other services, so their alert covers voice.
const readiness = new Readiness();
readiness.track('voice', () => {
  const status = voice.status();
  return status.available || status.reason;
});
// Until the revocations are read, a revoked token would pass: not ready, as the other services.
if (revocations) readiness.track('tokenRevocations', () => revocations.status);
readiness.registerMetric(registry);

function reply(res: HttpResponse, status: string, contentType: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', contentType).end(body);
  });
}

const app = App();
voice.attach(app);
app.get('/healthz', (res) => reply(res, '200 OK', 'application/json', '{"status":"ok"}'));
app.get('/readyz', (res) => {
  const { ready, body } = readiness.summary();
  // The other services' body, and what voice runs on (workers, mediasoup version) beside it.
  reply(
    res,
    ready ? '200 OK' : '503 Service Unavailable',
    'application/json',
    JSON.stringify({ ...body, voice: voice.status() }),
  );
});
app.get('/metrics', (res) => {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  registry.metrics().then(
    (text) => {
      if (!aborted) reply(res, '200 OK', registry.contentType, text);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'metrics failed');
      if (!aborted) reply(res, '500 Internal Server Error', 'text/plain', 'metrics failed');
    },
  );
});

const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
  app.listen(config.HOST, config.MEDIA_PORT, (socket) =>
    socket
      ? resolve(socket)
      : reject(new Error(`cannot listen on ${config.HOST}:${config.MEDIA_PORT} (is another process using that port?)`)),
  ),
);
logger.info(
  { host: config.HOST, port: us_socket_local_port(listenSocket), voice: voice.status() },
  'media service listening',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'media service stopping');
  us_listen_socket_close(listenSocket);
  await voice.close();
  await revocations?.close();
  await database?.close();
  app.close();
  await flushTraces();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
