import type { Hocuspocus } from '@hocuspocus/server';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { Logger } from '@pocdojo/shared';
import type { DurableAcks } from '@pocdojo/sync';
import { closeCodes } from './close-codes.ts';
import type { CollabMetrics } from './collab-metrics.ts';
import { CollabSocket, type CollabSocketData } from './collab-socket.ts';
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

type ClientConnection = ReturnType<Hocuspocus['handleConnection']>;

interface Session {
  socket: CollabSocket;
  client: ClientConnection;
  rate: MessageRate;
}

/**
 * The `/collab` WebSocket route: uWebSockets.js sockets handed to Hocuspocus. Every frame is checked
 * (size by uWS, rate, protocol shape) before Hocuspocus sees it; a bad client is closed alone, with a
 * close code that says why, and a log line.
 */
export class CollabEndpoint {
  private readonly sessions = new Map<WebSocket<CollabSocketData>, Session>();
  private accepting = true;

  private readonly hocuspocus: Hocuspocus;
  private readonly socketsByRequest: WeakMap<Request, CollabSocket>;
  private readonly acks: DurableAcks;
  private readonly broadcast: RoomBroadcast;
  private readonly awareness: AwarenessIntake;
  private readonly metrics: CollabMetrics;
  private readonly logger: Logger;

  constructor(
    deps: {
      hocuspocus: Hocuspocus;
      /** Lets the tenant guard find the socket behind a Hocuspocus request (to close it when its token expires). */
      socketsByRequest: WeakMap<Request, CollabSocket>;
      acks: DurableAcks;
      broadcast: RoomBroadcast;
      awareness: AwarenessIntake;
      metrics: CollabMetrics;
      logger: Logger;
    },
    private readonly options: CollabEndpointOptions,
  ) {
    ({
      hocuspocus: this.hocuspocus,
      socketsByRequest: this.socketsByRequest,
      acks: this.acks,
      broadcast: this.broadcast,
      awareness: this.awareness,
      metrics: this.metrics,
      logger: this.logger,
    } = deps);
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
        const headers = new Headers();
        req.forEach((key, value) => headers.append(key, value));
        const query = req.getQuery();
        const url = `http://${headers.get('host') ?? 'localhost'}${req.getUrl()}${query ? `?${query}` : ''}`;
        const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
        res.upgrade<CollabSocketData>(
          { request: new Request(url, { headers }), remoteAddress },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const data = ws.getUserData();
        const socket = new CollabSocket(ws, this.acks, this.metrics.framesSent, this.broadcast);
        data.socket = socket;
        this.socketsByRequest.set(data.request, socket);
        const client = this.hocuspocus.handleConnection(socket, data.request);
        this.sessions.set(ws, {
          socket,
          client,
          rate: new MessageRate(this.options.messagesPerSecond, this.options.messageBurst),
        });
        this.metrics.connections.inc();
      },
      message: (ws, message) => {
        const session = this.sessions.get(ws);
        if (!session) return;
        // uWS reuses the buffer after this callback returns; Hocuspocus works asynchronously.
        const frame = new Uint8Array(message.slice(0));
        this.metrics.bytesIn.inc(frame.byteLength);
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
        this.metrics.messagesIn.inc({ type: String(check.type) });
        if (check.update) this.metrics.updateBytes.inc(check.update.byteLength);
        const connection = check.awareness && session.socket.connectionFor(check.address);
        if (check.awareness && connection) void this.awareness.apply(connection, check.awareness);
        else session.client.handleMessage(frame);
      },
      close: (ws, code, message) => {
        const session = this.sessions.get(ws);
        if (!session) return;
        this.sessions.delete(ws);
        session.socket.markClosed();
        this.metrics.connections.dec();
        session.client.handleClose({ code, reason: Buffer.from(message).toString() });
      },
    });
  }

  /** Stops accepting new sockets (load balancers see /readyz fail and new upgrades get 503). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every socket with "service restart": providers reconnect, to another node behind a balancer. */
  closeAll(): void {
    for (const session of this.sessions.values()) session.socket.close(closeCodes.serviceRestart, 'server restarting');
  }

  private reject(ws: WebSocket<CollabSocketData>, session: Session, code: number, reason: string): void {
    this.metrics.closed.inc({ reason: String(code) });
    this.metrics.errors.inc({ component: 'client' });
    this.logger.warn({ remoteAddress: ws.getUserData().remoteAddress, code, reason }, 'closing connection');
    session.socket.close(code, reason);
  }
}
