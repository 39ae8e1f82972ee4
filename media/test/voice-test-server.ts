import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, us_listen_socket_close, us_socket_local_port, type us_listen_socket } from 'uWebSockets.js';
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  readConfig,
  type Claims,
  type Registry,
  type TokenRevocations,
} from '@pocdojo/shared';
import { mediaConfigSchema } from '../src/media-config.ts';
import { createVoiceService, type VoiceService } from '../src/voice-service.ts';
import type { DojoVoicePolicy } from '../src/dojo-voice-policy.ts';
import { startLocalStunServer } from './local-stun-server.ts';
import { VoiceTestClient } from './webrtc-voice-client.ts';

export interface VoiceTestServer {
  url: string;
  voice: VoiceService;
  registry: Registry;
  token(claims: Omit<Claims, 'exp' | 'iat' | 'jti'>, ttlSeconds?: number): Promise<string>;
  /** A new WebRTC client connected to /media; closed with the server. */
  connectClient(): Promise<VoiceTestClient>;
  close(): Promise<void>;
}

/**
 * The voice service on a real uWebSockets.js app on a spare port, with an embedded identity in a temporary
 * DATA_DIR. `env` takes the same variables as production (MEDIA_WORKERS, MEDIASOUP_WORKER_BIN…).
 */
export async function startVoiceTestServer(
  env: Record<string, string> = {},
  policy?: DojoVoicePolicy,
  revocations?: TokenRevocations,
): Promise<VoiceTestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-media-'));
  const config = readConfig(mediaConfigSchema, { DATA_DIR: dataDir, LOG_LEVEL: 'warn', MEDIA_WORKERS: '1', ...env });
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'media-test' });
  const identity = await createIdentity(config, { revocations });
  const issuer = identity.issuer;
  if (!issuer) throw new Error('embedded identity must issue tokens');
  const registry = createMetricsRegistry();
  const voice = await createVoiceService({
    config,
    verifier: identity.verifier,
    logger,
    registry,
    policy,
    revocations,
  });
  const app = App();
  voice.attach(app);
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (socket) => (socket ? resolve(socket) : reject(new Error('listen failed')))),
  );
  const url = `ws://127.0.0.1:${us_socket_local_port(listenSocket)}/media`;
  const stun = await startLocalStunServer();
  const clients: VoiceTestClient[] = [];
  return {
    url,
    voice,
    registry,
    token: (claims, ttlSeconds = 600) => issuer.issue(claims, ttlSeconds),
    async connectClient() {
      const client = await VoiceTestClient.connect(url, stun.url);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await stun.close();
      await voice.close();
      us_listen_socket_close(listenSocket);
      app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
