/**
 * The Hocuspocus peer: `@hocuspocus/server`'s default `Server` (crossws on `ws`), no extensions, as a user
 * would start it from the package's README. Every token is accepted (no `onAuthenticate` hook). With
 * REDIS_URL it adds `@hocuspocus/extension-redis`, Hocuspocus's own way to fan out between nodes.
 */
import { Redis } from '@hocuspocus/extension-redis';
import { Server } from '@hocuspocus/server';
import { readPeerConfig } from './peer-config.ts';

const config = readPeerConfig();
const redis = config.REDIS_URL ? new URL(config.REDIS_URL) : undefined;
const server = new Server({
  port: config.PORT,
  address: config.HOST,
  quiet: true,
  // Exit through process.exit on SIGTERM (below) so `--cpu-prof` can write its profile.
  stopOnSignals: false,
  extensions: redis
    ? [new Redis({ host: redis.hostname, port: Number(redis.port || 6379), prefix: config.REDIS_PREFIX })]
    : [],
});
await server.listen();
process.on('SIGTERM', () => void server.destroy().finally(() => process.exit(0)));
