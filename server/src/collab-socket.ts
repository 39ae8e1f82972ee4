import type { Connection, Hocuspocus, WebSocketLike } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'uWebSockets.js';
import type { Span } from '@pocdojo/shared';
import type { DurableAcks } from '@pocdojo/sync';
import { closeCodes } from './close-codes.ts';
import { messageTypes, readFrameHeader } from './frame-guard.ts';
import type { MessageRate } from './message-rate.ts';
import type { RoomBroadcast } from './room-broadcast.ts';
import type { Tally } from './collab-metrics.ts';

const wsOpen = 1;
const wsClosed = 3;
const authPermissionDenied = 1;
const authAuthenticated = 2;

/** What every uWS socket on /collab carries; `session` is set when it opens. */
export interface CollabSocketData {
  session?: CollabSession;
}

type ClientConnection = ReturnType<Hocuspocus['handleConnection']>;

/** One open socket: its Hocuspocus side, its own message budget and its trace. */
export interface CollabSession {
  socket: CollabSocket;
  client: ClientConnection;
  rate: MessageRate;
  span: Span;
}

/** The Hocuspocus context every connection of a socket starts from: the hooks find the socket there. */
export interface SocketContext {
  socket: CollabSocket;
}

/** The socket behind a hook's connection context, if it came in over /collab. */
export function socketOf(context: unknown): CollabSocket | undefined {
  const socket: unknown = typeof context === 'object' && context !== null ? Reflect.get(context, 'socket') : undefined;
  return socket instanceof CollabSocket ? socket : undefined;
}

/**
 * Hocuspocus's view of one uWebSockets.js socket (its `WebSocketLike`), which only ever carries frames
 * meant for this socket (broadcasts go through the room's topic, see room-broadcast.ts). On the way out:
 * acknowledgements wait for the durable commit of what they acknowledge, in order; "authenticated"
 * subscribes the socket to its document's broadcasts and "close" ends that; and a document that could
 * not be loaded closes the socket with "unavailable" so the provider retries, instead of the provider
 * taking it as a final permission denial.
 *
 * Thousands of these sit idle on a node, so the collections are created when first needed and the
 * token expiry is a number the endpoint's one sweep reads, not a timer each.
 */
export class CollabSocket implements WebSocketLike {
  readyState = wsOpen;
  private ackTails: Map<string, Promise<unknown>> | undefined;
  /** When the earliest token used on this socket expires (epoch seconds). */
  expiresAt = Number.POSITIVE_INFINITY;
  /** Message addresses this socket receives broadcasts of, with Hocuspocus's connection once established. */
  private addresses: Map<string, Connection | undefined> | undefined;

  constructor(
    private readonly ws: WebSocket<CollabSocketData>,
    private readonly acks: DurableAcks,
    private readonly framesSent: Tally,
    private readonly broadcast: RoomBroadcast,
  ) {}

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState !== wsOpen || !(data instanceof Uint8Array)) return;
    const { address, type, bodyOffset } = readFrameHeader(data);
    if (type === messageTypes.syncStatus) {
      this.sendAcknowledgement(address, data);
      return;
    }
    if (type === messageTypes.close) this.unsubscribe(address);
    this.write(data);
    if (type === messageTypes.auth) {
      const decoder = decoding.createDecoder(data);
      decoder.pos = bodyOffset;
      const outcome = decoding.readVarUint(decoder);
      if (outcome === authAuthenticated) this.subscribe(address);
      else if (outcome === authPermissionDenied) {
        this.unsubscribe(address);
        if (decoding.readVarString(decoder).startsWith('unavailable'))
          this.close(closeCodes.unavailable, 'document unavailable, retry');
      }
    }
  }

  /** Hocuspocus has set up `connection` on this socket (its initial messages are handled). */
  established(connection: Connection): void {
    // It is forgotten with its address: Hocuspocus sends "close" when it ends a document connection.
    const address = connection.messageAddress;
    this.subscribe(address);
    this.addresses?.set(address, connection);
  }

  /** The established document connection for `address`, if there is one. */
  connectionFor(address: string): Connection | undefined {
    const connection = this.addresses?.get(address);
    return connection?.document.hasConnection(connection) ? connection : undefined;
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== wsOpen) return;
    this.readyState = 2;
    this.ws.end(code ?? 1000, reason?.slice(0, 120));
  }

  /** Called from the uWS close handler: the socket is gone, nothing may touch it any more. */
  markClosed(): void {
    this.readyState = wsClosed;
    // uWS has dropped the socket's subscriptions itself; only the room's count is left to update.
    for (const address of this.addresses?.keys() ?? []) this.broadcast.unsubscribed(address);
    this.addresses = undefined;
  }

  /** Keeps the earliest expiry of the tokens used on this socket; the endpoint closes it then. */
  expireAt(epochSeconds: number): void {
    this.expiresAt = Math.min(this.expiresAt, epochSeconds);
  }

  private subscribe(address: string): void {
    const addresses = (this.addresses ??= new Map());
    if (addresses.has(address)) return;
    addresses.set(address, undefined);
    this.ws.subscribe(address);
    this.broadcast.subscribed(address);
  }

  private unsubscribe(address: string): void {
    if (!this.addresses?.delete(address)) return;
    this.ws.unsubscribe(address);
    this.broadcast.unsubscribed(address);
  }

  private sendAcknowledgement(address: string, frame: Uint8Array): void {
    const durable = this.acks.pending(this, address);
    const previous = this.ackTails?.get(address);
    if (!durable && !previous) {
      this.write(frame);
      return;
    }
    const tail = Promise.all([previous, durable]).then(
      () => this.write(frame),
      () => undefined,
    );
    const tails = (this.ackTails ??= new Map());
    tails.set(address, tail);
    void tail.finally(() => {
      if (tails.get(address) === tail) tails.delete(address);
    });
  }

  private write(frame: Uint8Array): void {
    if (this.readyState !== wsOpen) return;
    this.ws.send(frame, true);
    this.framesSent.count++;
  }
}
