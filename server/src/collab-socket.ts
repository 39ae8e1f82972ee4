import type { Connection, WebSocketLike } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'uWebSockets.js';
import type { DurableAcks } from '@pocdojo/sync';
import { closeCodes } from './close-codes.ts';
import { messageTypes, readFrameHeader } from './frame-guard.ts';
import type { RoomBroadcast } from './room-broadcast.ts';

const wsOpen = 1;
const wsClosed = 3;
const authPermissionDenied = 1;
const authAuthenticated = 2;

/** What every uWS socket on /collab carries; `socket` is set when it opens. */
export interface CollabSocketData {
  request: Request;
  remoteAddress: string;
  socket?: CollabSocket;
}

/**
 * Hocuspocus's view of one uWebSockets.js socket (its `WebSocketLike`), which only ever carries frames
 * meant for this socket (broadcasts go through the room's topic, see room-broadcast.ts). On the way out:
 * acknowledgements wait for the durable commit of what they acknowledge, in order; "authenticated"
 * subscribes the socket to its document's broadcasts and "close" ends that; and a document that could
 * not be loaded closes the socket with "unavailable" so the provider retries, instead of the provider
 * taking it as a final permission denial.
 */
export class CollabSocket implements WebSocketLike {
  readyState = wsOpen;
  private readonly ackTails = new Map<string, Promise<unknown>>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiryDue: number | undefined;
  /** Message addresses this socket receives broadcasts of. */
  private readonly topics = new Set<string>();
  /** Hocuspocus's established document connections on this socket, by message address. */
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly ws: WebSocket<CollabSocketData>,
    private readonly acks: DurableAcks,
    private readonly framesSent: { count: number },
    private readonly broadcast: RoomBroadcast,
  ) {}

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState !== wsOpen || !(data instanceof Uint8Array)) return;
    const { address, type, bodyOffset } = readFrameHeader(data);
    if (type === messageTypes.syncStatus) {
      this.sendAcknowledgement(address, data);
      return;
    }
    if (type === messageTypes.close) this.broadcast.unsubscribe(this.ws, this.topics, address);
    this.write(data);
    if (type === messageTypes.auth) {
      const decoder = decoding.createDecoder(data);
      decoder.pos = bodyOffset;
      const outcome = decoding.readVarUint(decoder);
      if (outcome === authAuthenticated) this.broadcast.subscribe(this.ws, this.topics, address);
      else if (outcome === authPermissionDenied) {
        this.broadcast.unsubscribe(this.ws, this.topics, address);
        if (decoding.readVarString(decoder).startsWith('unavailable'))
          this.close(closeCodes.unavailable, 'document unavailable, retry');
      }
    }
  }

  /** Hocuspocus has set up `connection` on this socket (its initial messages are handled). */
  established(connection: Connection): void {
    const address = connection.messageAddress;
    this.connections.set(address, connection);
    connection.onClose(() => {
      if (this.connections.get(address) === connection) this.connections.delete(address);
    });
  }

  /** The established document connection for `address`, if there is one. */
  connectionFor(address: string): Connection | undefined {
    return this.connections.get(address);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== wsOpen) return;
    this.readyState = 2;
    this.ws.end(code ?? 1000, reason?.slice(0, 120));
  }

  /** Called from the uWS close handler: the socket is gone, nothing may touch it any more. */
  markClosed(): void {
    this.readyState = wsClosed;
    clearTimeout(this.expiryTimer);
    for (const address of [...this.topics]) this.broadcast.unsubscribe(this.ws, this.topics, address, true);
  }

  /** Closes the socket when the earliest token used on it expires; the provider reconnects with a fresh one. */
  expireAt(epochSeconds: number): void {
    const ms = epochSeconds * 1000 - Date.now();
    if (this.expiryTimer && this.expiryDue !== undefined && this.expiryDue <= epochSeconds) return;
    clearTimeout(this.expiryTimer);
    this.expiryDue = epochSeconds;
    // setTimeout holds 32-bit delays; longer-lived tokens are re-checked on reconnect anyway.
    this.expiryTimer = setTimeout(
      () => this.close(closeCodes.unauthorized, 'token expired'),
      Math.min(Math.max(ms, 0), 2 ** 31 - 1),
    );
  }

  private sendAcknowledgement(address: string, frame: Uint8Array): void {
    const durable = this.acks.pending(this, address);
    const previous = this.ackTails.get(address);
    if (!durable && !previous) {
      this.write(frame);
      return;
    }
    const tail = Promise.all([previous, durable]).then(
      () => this.write(frame),
      () => undefined,
    );
    this.ackTails.set(address, tail);
    void tail.finally(() => {
      if (this.ackTails.get(address) === tail) this.ackTails.delete(address);
    });
  }

  private write(frame: Uint8Array): void {
    if (this.readyState !== wsOpen) return;
    this.ws.send(frame, true);
    this.framesSent.count++;
  }
}
