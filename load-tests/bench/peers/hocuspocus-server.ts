/**
 * The Hocuspocus peer: `@hocuspocus/server`'s default `Server` (crossws on `ws`), no extensions, as a user
 * would start it from the package's README. Every token is accepted (no `onAuthenticate` hook).
 */
import { Server } from '@hocuspocus/server';
import { readPeerConfig } from './peer-config.ts';

const config = readPeerConfig();
const server = new Server({ port: config.PORT, address: config.HOST, quiet: true });
await server.listen();
