/**
 * A collaboration client written the way a native (Yrs) team would write one, from docs/protocol.md
 * alone: a plain WebSocket, the message framing by hand, and the CRDT in Yrs (through its `ywasm`
 * build). No Hocuspocus provider, no Yjs, no y-protocols — only lib0 for the varint framing that the
 * protocol specifies (Yrs ships the same encoding in `yrs::encoding`).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { applyUpdate, encodeStateAsUpdate, encodeStateVector, type YDoc } from 'ywasm';

export const messageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  stateless: 5,
  close: 7,
  syncStatus: 8,
  ping: 9,
  pong: 10,
} as const;
const syncStep = { step1: 0, step2: 1, update: 2 } as const;
const authType = { token: 0, permissionDenied: 1, authenticated: 2 } as const;

/** One document on the shared socket. */
export interface RawDocument {
  name: string;
  doc: YDoc;
  scope: 'read-write' | 'readonly' | undefined;
  denied: string | undefined;
  /** Set once the server's sync step 2 (its whole state) has been applied. */
  synced: boolean;
  /** Count of durable acknowledgements (SyncStatus 1) and refusals (SyncStatus 0). */
  acks: number;
  refusals: number;
  /** Other clients' awareness states by client id (null = left). */
  awareness: Map<number, unknown>;
  stateless: string[];
}

export class RawYrsClient {
  private readonly socket: WebSocket;
  private readonly documents = new Map<string, RawDocument & { sentVector: Uint8Array; awarenessClock: number }>();
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer) => this.receive(new Uint8Array(data)));
  }

  /** Authenticate one document with its token, then start the sync handshake (the server queues it until auth). */
  open(name: string, token: string, doc: YDoc): RawDocument {
    const entry = {
      name,
      doc,
      scope: undefined,
      denied: undefined,
      synced: false,
      acks: 0,
      refusals: 0,
      awareness: new Map(),
      stateless: [],
      sentVector: encodeStateVector(doc),
      awarenessClock: 0,
    };
    this.documents.set(name, entry);
    this.send(name, messageType.auth, (encoder) => {
      encoding.writeVarUint(encoder, authType.token);
      encoding.writeVarString(encoder, token);
    });
    this.send(name, messageType.sync, (encoder) => {
      encoding.writeVarUint(encoder, syncStep.step1);
      encoding.writeVarUint8Array(encoder, encodeStateVector(doc));
    });
    return entry;
  }

  document(name: string): RawDocument | undefined {
    return this.documents.get(name);
  }

  /** Sends everything the document gained locally since the last call, as one update. */
  flush(name: string): void {
    const entry = this.documents.get(name);
    if (!entry) return;
    const vector = encodeStateVector(entry.doc);
    if (vector.length === entry.sentVector.length && vector.every((byte, index) => byte === entry.sentVector[index]))
      return;
    const update = encodeStateAsUpdate(entry.doc, entry.sentVector);
    entry.sentVector = encodeStateVector(entry.doc);
    this.send(name, messageType.sync, (encoder) => {
      encoding.writeVarUint(encoder, syncStep.update);
      encoding.writeVarUint8Array(encoder, update);
    });
  }

  /** Publishes this client's presence; the clock must grow with every change. */
  setAwareness(name: string, state: unknown): void {
    const entry = this.documents.get(name);
    if (!entry) return;
    entry.awarenessClock += 1;
    const update = encoding.createEncoder();
    encoding.writeVarUint(update, 1);
    encoding.writeVarUint(update, Number(entry.doc.id));
    encoding.writeVarUint(update, entry.awarenessClock);
    encoding.writeVarString(update, JSON.stringify(state));
    this.send(name, messageType.awareness, (encoder) =>
      encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update)),
    );
  }

  sendStateless(name: string, payload: string): void {
    this.send(name, messageType.stateless, (encoder) => encoding.writeVarString(encoder, payload));
  }

  close(): void {
    this.socket.close(1000, 'done');
  }

  private send(name: string, type: number, body: (encoder: encoding.Encoder) => void): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, name);
    encoding.writeVarUint(encoder, type);
    body(encoder);
    this.socket.send(encoding.toUint8Array(encoder));
  }

  private receive(data: Uint8Array): void {
    // The server's keep-alive: one byte, no document name.
    if (data.length === 1 && data[0] === messageType.ping) {
      this.socket.send(Uint8Array.of(messageType.pong));
      return;
    }
    const decoder = decoding.createDecoder(data);
    const name = decoding.readVarString(decoder);
    const entry = this.documents.get(name);
    if (!entry) return;
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case messageType.auth: {
        const kind = decoding.readVarUint(decoder);
        if (kind === authType.authenticated) entry.scope = decoding.readVarString(decoder) as 'read-write' | 'readonly';
        else if (kind === authType.permissionDenied) entry.denied = decoding.readVarString(decoder);
        break;
      }
      case messageType.sync: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === syncStep.step1) {
          // The server asks for what it lacks: answer with step 2, the diff against its state vector.
          this.send(name, messageType.sync, (encoder) => {
            encoding.writeVarUint(encoder, syncStep.step2);
            encoding.writeVarUint8Array(encoder, encodeStateAsUpdate(entry.doc, payload));
          });
        } else {
          // Local edits not yet sent go first: after applying, the state vector covers them too.
          this.flush(name);
          applyUpdate(entry.doc, payload, 'server');
          // What came from the server need not be sent back.
          entry.sentVector = encodeStateVector(entry.doc);
          if (step === syncStep.step2) entry.synced = true;
        }
        break;
      }
      case messageType.awareness: {
        const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
        const count = decoding.readVarUint(update);
        for (let index = 0; index < count; index += 1) {
          const clientId = decoding.readVarUint(update);
          decoding.readVarUint(update); // clock
          const state = JSON.parse(decoding.readVarString(update)) as unknown;
          entry.awareness.set(clientId, state);
        }
        break;
      }
      case messageType.stateless:
        entry.stateless.push(decoding.readVarString(decoder));
        break;
      case messageType.syncStatus:
        if (decoding.readVarInt(decoder) === 1) entry.acks += 1;
        else entry.refusals += 1;
        break;
      default:
        break;
    }
  }
}
