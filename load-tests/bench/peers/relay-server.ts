/**
 * The floor: a bare uWebSockets.js relay with no CRDT at all. A socket joins the room named by its URL path
 * (a uWS topic) and every binary frame it sends is published verbatim to the room's other sockets. What this
 * costs per delivered frame is the kernel send plus uWS's framing, the least any tier can spend.
 */
import { App, us_listen_socket_close, type us_listen_socket } from 'uWebSockets.js';
import { readPeerConfig } from './peer-config.ts';

interface Member {
  room: string;
}

const config = readPeerConfig();
let listenSocket: us_listen_socket | false = false;

App()
  .ws<Member>('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    idleTimeout: 0,
    upgrade: (response, request, context) => {
      response.upgrade<Member>(
        { room: request.getUrl() },
        request.getHeader('sec-websocket-key'),
        request.getHeader('sec-websocket-protocol'),
        request.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (socket) => {
      socket.subscribe(socket.getUserData().room);
    },
    message: (socket, message, isBinary) => {
      socket.publish(socket.getUserData().room, message, isBinary);
    },
  })
  .get('/*', (response) => {
    response.end('ok');
  })
  .listen(config.HOST, config.PORT, (socket) => {
    listenSocket = socket;
  });

process.on('SIGTERM', () => {
  if (listenSocket) us_listen_socket_close(listenSocket);
  process.exit(0);
});
