import type { Connection, Document, Extension, onLoadDocumentPayload } from '@hocuspocus/server';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Tally } from './collab-metrics.ts';

type Encode = (messageAddress: string) => Uint8Array;
type Broadcast = (encode: Encode, filter?: (connection: Connection) => boolean) => void;

/**
 * Everything a document broadcasts (updates, awareness, stateless messages) goes out as one encode and
 * one uWS topic publish per message address, instead of one `send` per connection.
 *
 * Hocuspocus 4.7 broadcasts by walking every connection of the document in JavaScript and handing each
 * the same buffer; with a thousand readers that walk, not the CRDT, was most of the server's work per
 * edit. Here a socket subscribes to its message address (the document name, or `name\0session` for
 * session-aware providers) the moment Hocuspocus tells it that it is authenticated for that address,
 * and uWS writes a publish to every subscriber in native code. A socket subscribed before its document
 * connection is set up may receive updates before its initial sync: Yjs updates commute, so that is
 * harmless. Broadcasts with a per-connection filter keep Hocuspocus's own walk.
 *
 * The per-document `broadcast` is a private method of Hocuspocus's `Document`; it is replaced on each
 * document as it loads, and a version that lacks it stops the server at the first load rather than
 * quietly falling back to the slow path.
 */
export class RoomBroadcast implements Pick<Extension, 'priority' | 'onLoadDocument'> {
  /** Before persistence (1000) loads content, so nothing is broadcast the slow way. */
  readonly priority = 3000;
  /** Per document name, its message addresses with how many sockets subscribe to each. */
  private readonly addresses = new Map<string, Map<string, number>>();

  constructor(
    private readonly app: TemplatedApp,
    private readonly framesSent: Tally,
  ) {}

  onLoadDocument({ document }: onLoadDocumentPayload): Promise<void> {
    const walk: unknown = Reflect.get(document, 'broadcast');
    if (typeof walk !== 'function')
      throw new Error('@hocuspocus/server Document has no broadcast method: room broadcast needs 4.7');
    const walkEveryConnection = walk.bind(document) as Broadcast;
    const publish: Broadcast = (encode, filter) => {
      if (filter) return walkEveryConnection(encode, filter);
      this.publish(document, encode);
    };
    Reflect.set(document, 'broadcast', publish);
    return Promise.resolve();
  }

  /** One more socket subscribed to `address` (a uWS topic). */
  subscribed(address: string): void {
    const documentName = documentOf(address);
    let counts = this.addresses.get(documentName);
    if (!counts) {
      counts = new Map();
      this.addresses.set(documentName, counts);
    }
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }

  /** One socket fewer subscribed to `address`. */
  unsubscribed(address: string): void {
    const documentName = documentOf(address);
    const counts = this.addresses.get(documentName);
    const remaining = (counts?.get(address) ?? 1) - 1;
    if (remaining > 0) counts?.set(address, remaining);
    else {
      counts?.delete(address);
      if (counts?.size === 0) this.addresses.delete(documentName);
    }
  }

  private publish(document: Document, encode: Encode): void {
    const counts = this.addresses.get(document.name);
    if (!counts) return;
    for (const address of counts.keys()) {
      const subscribers = this.app.numSubscribers(address);
      if (subscribers === 0) continue;
      this.app.publish(address, encode(address), true);
      this.framesSent.count += subscribers;
    }
  }
}

/** The document part of a message address (`name` or `name\0session`). */
function documentOf(address: string): string {
  const separator = address.indexOf('\0');
  return separator === -1 ? address : address.slice(0, separator);
}
