import type { Hocuspocus } from '@hocuspocus/server';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { SpanKind, startSpan, withActiveSpan, type Logger } from '@pocdojo/shared';
import type { DurableAcks } from '@pocdojo/sync';
import { closeCodes } from './close-codes.ts';
import type { CollabMetrics } from './collab-metrics.ts';
import { CollabSocket, type CollabSession, type CollabSocketData, type SocketContext } from './collab-socket.ts';
import { checkClientFrame, messageTypes } from './frame-guard.ts';
import { MessageRate } from './message-rate.ts';
import type { RoomBroadcast } from './room-broadcast.ts';
import type { AwarenessIntake } from './awareness-intake.ts';

export interface CollabEndpointOptions {
  path: string;
  maxMessageBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
}

/**
 * The route's Request as Hocuspocus sees it, with a path-only `url`. Hocuspocus reads query parameters
 * from `request.url` for every hook payload, several times per message: an absolute URL costs a full URL
 * parse each time, a path a string split. (No hook of ours reads them: the token travels in the auth
 * message.)
 */
function routeRequest(path: string): Request {
  const request = new Request(`http://localhost${path}`);
  Object.defineProperty(request, 'url', { value: path });
  return request;
}

/**
 * The `/collab` WebSocket route: uWebSockets.js sockets handed to Hocuspocus. Every frame is checked
 * (size by uWS, rate, protocol shape) before Hocuspocus sees it; a bad client is closed alone, with a
 * close code that says why, and a log line.
 *
 * Every socket hands Hocuspocus the same Request, the route's own: nothing reads per-socket headers or
 * query (the token travels in the auth message), and a Request per socket with its Headers, URL and
 * AbortSignal was the largest part of an idle connection's memory. The hooks find the socket through the
 * connection's context instead.
 *
 * When tracing, each socket is a trace: a `collab connection` span from open to close (close code and
 * reason on it), with what its messages cause (authentication, document loads, dojo commands and their
 * queries) as children. Commits are shared by many sockets and trace on their own (see sync/).
 */
export class CollabEndpoint {
  private readonly sessions = new Set<CollabSession>();
  private accepting = true;
  private expirySweep: NodeJS.Timeout | undefined;
  private readonly request: Request;

  constructor(
    private readonly deps: {
      hocuspocus: Hocuspocus;
      acks: DurableAcks;
      broadcast: RoomBroadcast;
      awareness: AwarenessIntake;
      metrics: CollabMetrics;
      logger: Logger;
    },
    private readonly options: CollabEndpointOptions,
  ) {
    this.request = routeRequest(options.path);
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  attach(app: TemplatedApp): void {
    app.ws<CollabSocketData>(this.options.path, {
      // uWS drops a socket past its own limit without a close frame; up to twice our limit we read the
      // message and close with 1009 and a reason, so the client can tell what happened.
      maxPayloadLength: Math.min(this.options.maxMessageBytes * 2, 256 * 1024 * 1024),
      // A reader that cannot keep up is dropped (and resyncs on reconnect) rather than silently losing frames.
      maxBackpressure: 64 * 1024 * 1024,
      closeOnBackpressureLimit: true,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        if (!this.accepting) {
          res.writeStatus('503 Service Unavailable').end('draining');
          return;
        }
        res.upgrade<CollabSocketData>(
          {},
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const socket = new CollabSocket(ws, this.deps.acks, this.deps.metrics.framesSent, this.deps.broadcast);
        const context: SocketContext = { socket };
        const span = startSpan('collab connection', {
          kind: SpanKind.SERVER,
          newTrace: true,
          attributes: {
            'network.protocol.name': 'websocket',
            'url.path': this.options.path,
            'client.address': Buffer.from(ws.getRemoteAddressAsText()).toString(),
          },
        });
        const session: CollabSession = {
          socket,
          client: withActiveSpan(span, () => this.deps.hocuspocus.handleConnection(socket, this.request, context)),
          rate: new MessageRate(this.options.messagesPerSecond, this.options.messageBurst),
          span,
        };
        ws.getUserData().session = session;
        this.sessions.add(session);
        this.deps.metrics.connections.inc();
      },
      message: (ws, message) => {
        const { session } = ws.getUserData();
        if (!session) return;
        // uWS reuses the buffer after this callback returns; Hocuspocus works asynchronously.
        const frame = new Uint8Array(message.slice(0));
        this.deps.metrics.bytesIn.count += frame.byteLength;
        if (frame.byteLength > this.options.maxMessageBytes) {
          this.reject(
            ws,
            session,
            closeCodes.messageTooBig,
            `message too big (limit ${this.options.maxMessageBytes} bytes)`,
          );
          return;
        }
        if (!session.rate.take()) {
          this.reject(ws, session, closeCodes.rateLimited, 'rate limited: too many messages');
          return;
        }
        // A connection-level pong (one byte, no address) answers a ping this server never sends; drop it.
        if (frame.length === 1 && frame[0] === messageTypes.pong) return;
        const check = checkClientFrame(frame, { maxAddressLength: 512, maxStatelessLength: 64 * 1024 });
        if (!check.ok) {
          this.reject(ws, session, closeCodes.invalidMessage, check.reason);
          return;
        }
        const { messagesIn, updateBytes } = this.deps.metrics;
        messagesIn[check.type] = (messagesIn[check.type] ?? 0) + 1;
        if (check.update) updateBytes.count += check.update.byteLength;
        const connection = check.awareness && session.socket.connectionFor(check.address);
        if (check.awareness && connection) this.deps.awareness.take(connection, check.awareness);
        else withActiveSpan(session.span, () => session.client.handleMessage(frame));
      },
      close: (ws, code, message) => {
        const { session } = ws.getUserData();
        if (!session || !this.sessions.delete(session)) return;
        session.socket.markClosed();
        this.deps.metrics.connections.dec();
        const reason = Buffer.from(message).toString();
        withActiveSpan(session.span, () => session.client.handleClose({ code, reason }));
        session.span.setAttributes({ 'websocket.close.code': code, 'websocket.close.reason': reason });
        session.span.end();
      },
    });
    this.expirySweep = setInterval(() => this.closeExpired(), 1000);
    this.expirySweep.unref();
  }

  /** Stops accepting new sockets (load balancers see /readyz fail and new upgrades get 503). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every socket with "service restart": providers reconnect, to another node behind a balancer. */
  closeAll(): void {
    clearInterval(this.expirySweep);
    for (const session of this.sessions) session.socket.close(closeCodes.serviceRestart, 'server restarting');
  }

  /** Once a second: sockets whose token has expired close, and their providers reconnect with a fresh one. */
  private closeExpired(): void {
    const now = Date.now() / 1000;
    for (const { socket } of this.sessions)
      if (socket.expiresAt <= now) socket.close(closeCodes.unauthorized, 'token expired');
  }

  private reject(ws: WebSocket<CollabSocketData>, session: CollabSession, code: number, reason: string): void {
    this.deps.metrics.closed.inc({ reason: String(code) });
    this.deps.metrics.errors.inc({ component: 'client' });
    const remoteAddress = Buffer.from(ws.getRemoteAddressAsText()).toString();
    this.deps.logger.warn({ remoteAddress, code, reason }, 'closing connection');
    session.span.addEvent('refused', { 'websocket.close.code': code, 'websocket.close.reason': reason });
    session.socket.close(code, reason);
  }
}
