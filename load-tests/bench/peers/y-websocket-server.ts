/**
 * The y-websocket reference server: its own `bin/utils` `setupWSConnection` behind a `ws` server, as its
 * `bin/server.js` wires it (which cannot be told to report an ephemeral port). The document is the URL path.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { readPeerConfig } from './peer-config.ts';

const require = createRequire(import.meta.url);
const { setupWSConnection } = require('y-websocket/bin/utils') as {
  setupWSConnection: (socket: WebSocket, request: IncomingMessage) => void;
};

const config = readPeerConfig();
const sockets = new WebSocketServer({ noServer: true });
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end('okay');
});
sockets.on('connection', setupWSConnection);
server.on('upgrade', (request, socket, head) => {
  sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
});
server.listen(config.PORT, config.HOST);
// Exit through process.exit so `--cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
