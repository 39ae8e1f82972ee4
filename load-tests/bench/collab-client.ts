import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  decodeMessage,
  emptyStateVector,
  emptyUpdate,
  encodeAuth,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isPing,
  pongFrame,
  type Framing,
} from '../src/protocol.ts';

/**
 * How a server under test is spoken to. `hocuspocus`: our tier and @hocuspocus/server (token, address prefix,
 * sync status acks). `y-websocket`: the reference server (document in the URL). `relay`: the bare uWS relay,
 * which has no handshake and forwards every frame verbatim to the other sockets of the room.
 */
export type Dialect = 'hocuspocus' | 'y-websocket' | 'relay';

export interface Endpoint {
  dialect: Dialect;
  url: string;
  documentName: string;
  token: string;
  /**
   * The loopback address this client leaves from. Each (source, destination) pair has its own ephemeral port
   * range (about 28,000 ports), so tens of thousands of clients on one machine need several source addresses.
   */
  localAddress?: string;
}

export interface ClientEvents {
  /** A document update from the server (`update` frames, and step 2 after the initial sync). */
  onUpdate?(update: Uint8Array): void;
  /** A sync status: the server applied (or refused) one of this client's updates. */
  onAck?(applied: boolean): void;
  /** The socket closed after the join completed (the server dropped the client). */
  onClose?(code: number): void;
}

export interface JoinTiming {
  /** From opening the socket to the WebSocket handshake completing. */
  connectMs: number;
  /** From opening the socket to holding the server's state (step 2 received and, with a doc, applied). */
  syncMs: number;
}

export class JoinError extends Error {
  constructor(
    readonly reason: 'refused' | 'closed' | 'timeout' | 'socket',
    message: string,
  ) {
    super(message);
    this.name = 'JoinError';
  }
}

/**
 * One collaboration client over `ws`. Readers keep no Y.Doc (they only look at what arrives, which keeps the
 * load generator cheap); writers and the large-document joiner hold one and apply the server's state.
 */
export class CollabClient {
  private socket: WebSocket | undefined;
  private readonly framing: Framing;

  constructor(
    readonly endpoint: Endpoint,
    readonly doc: Y.Doc | undefined,
    private readonly events: ClientEvents = {},
  ) {
    this.framing =
      endpoint.dialect === 'y-websocket'
        ? { kind: 'y-websocket' }
        : { kind: 'hocuspocus', documentName: endpoint.documentName };
  }

  join(timeoutMs = 30_000): Promise<JoinTiming> {
    const startedAt = performance.now();
    let connectMs = 0;
    const { dialect } = this.endpoint;
    const socket = new WebSocket(this.endpoint.url, {
      perMessageDeflate: false,
      maxPayload: 256 * 1024 * 1024,
      ...(this.endpoint.localAddress ? { localAddress: this.endpoint.localAddress } : {}),
    });
    socket.binaryType = 'nodebuffer';
    this.socket = socket;
    return new Promise<JoinTiming>((resolve, reject) => {
      let settled = false;
      let joined = false;
      // What arrived before a failure says where the handshake stopped.
      const received: string[] = [];
      const timer = setTimeout(
        () =>
          fail(
            new JoinError('timeout', `no sync within ${timeoutMs} ms (received: ${received.join(', ') || 'nothing'})`),
          ),
        timeoutMs,
      );
      const fail = (error: JoinError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners('close');
        socket.terminate();
        reject(error);
      };
      const done = () => {
        if (settled) return;
        settled = joined = true;
        clearTimeout(timer);
        resolve({ connectMs, syncMs: performance.now() - startedAt });
      };
      socket.on('error', (error) => fail(new JoinError('socket', error.message)));
      socket.on('close', (code, reason) => {
        if (joined) return this.events.onClose?.(code);
        fail(new JoinError('closed', `closed ${code} ${reason.toString()}`));
      });
      socket.on('open', () => {
        connectMs = performance.now() - startedAt;
        if (dialect === 'relay') return done();
        const stateVector = this.doc ? Y.encodeStateVector(this.doc) : emptyStateVector;
        if (dialect === 'hocuspocus') socket.send(encodeAuth(this.endpoint.documentName, this.endpoint.token));
        socket.send(encodeSyncStep1(this.framing, stateVector));
      });
      socket.on('message', (data: Buffer) => {
        const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (isPing(frame)) return socket.send(pongFrame);
        // The relay forwards the writer's Hocuspocus frames untouched.
        const { message } = decodeMessage(dialect === 'relay' ? 'hocuspocus' : this.framing.kind, frame);
        if (!joined && received.length < 8) received.push(message.type);
        switch (message.type) {
          case 'sync-step2':
            if (this.doc) Y.applyUpdate(this.doc, message.update, 'server');
            if (joined) this.events.onUpdate?.(message.update);
            return done();
          case 'update':
            if (this.doc) Y.applyUpdate(this.doc, message.update, 'server');
            return this.events.onUpdate?.(message.update);
          case 'sync-step1':
            return socket.send(
              encodeSyncStep2(
                this.framing,
                this.doc ? Y.encodeStateAsUpdate(this.doc, message.stateVector) : emptyUpdate,
              ),
            );
          case 'sync-status':
            return this.events.onAck?.(message.applied);
          case 'permission-denied':
            return fail(new JoinError('refused', `permission denied: ${message.reason}`));
          default:
            return undefined;
        }
      });
    });
  }

  sendUpdate(update: Uint8Array): void {
    this.socket?.send(encodeUpdate(this.framing, update));
  }

  sendAwareness(awarenessUpdate: Uint8Array): void {
    this.socket?.send(encodeAwareness(this.framing, awarenessUpdate));
  }

  /** Bytes queued in the client that the kernel has not accepted yet: back-pressure from the server. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  close(): void {
    this.socket?.removeAllListeners('close');
    this.socket?.terminate();
  }
}
