/**
 * One collaboration client inside a k6 VU, over k6's WebSocket API, speaking the real protocol: token, sync
 * step 1/2, updates and awareness, encoded by the same module the Node benchmark uses (`src/protocol.ts`).
 *
 * Update latency without shared clocks between VUs: every keystroke types a short token `·<send ms base36>`
 * (9 characters), so any receiver reads the send instant out of the update itself. All VUs of one k6 process
 * share its clock; for distributed runs keep the load generators NTP-synced.
 */
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'k6/timers';
import { WebSocket, type MessageEvent } from 'k6/websockets';
import * as Y from 'yjs';
import {
  decodeMessage,
  encodeAuth,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  isPing,
  pongFrame,
  type Framing,
} from '../src/protocol.ts';
import { encodeAwarenessUpdate } from '@pocdojo/shared/awareness-update';

// Custom metrics must be created in the init context, which is where this module is evaluated.
export const metrics = {
  connectTime: new Trend('collab_connect_time', true),
  syncTime: new Trend('collab_sync_time', true),
  updateLatency: new Trend('collab_update_latency', true),
  ackLatency: new Trend('collab_ack_latency', true),
  updatesSent: new Counter('collab_updates_sent'),
  updatesReceived: new Counter('collab_updates_received'),
  joinFailed: new Rate('collab_join_failed'),
  unexpectedClose: new Counter('collab_unexpected_close'),
};

export interface SessionOptions {
  url: string;
  documentName: string;
  token: string;
  /** Shown to others in the awareness state. */
  name: string;
  /** How long to stay connected before closing. */
  holdMs: number;
  /** Keystrokes per second; 0 for a silent observer. */
  typingRate: number;
  /** Called once the client holds the server's state. */
  onSynced?: (session: CollabSession) => void;
}

/** Stock providers renew their awareness state every 15 s; the server drops sockets silent for too long. */
const awarenessRenewMs = 15_000;
const stampPattern = /·([0-9a-z]{8})/g;

export class CollabSession {
  readonly doc = new Y.Doc();
  private readonly framing: Framing;
  private socket: WebSocket | undefined;
  private awarenessClock = 0;
  private readonly pendingAcks: number[] = [];
  private closing = false;
  private synced = false;
  /** A VU's iteration only ends once none of its timers is pending: `close` clears them all. */
  private readonly intervals: number[] = [];
  private readonly timeouts: number[] = [];
  /** From opening the socket to holding the server's state; 0 until then. */
  syncMs = 0;

  constructor(private readonly options: SessionOptions) {
    this.framing = { kind: 'hocuspocus', documentName: options.documentName };
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'server' || !this.socket) return;
      this.pendingAcks.push(Date.now());
      metrics.updatesSent.add(1);
      this.socket.send(encodeUpdate(this.framing, update));
    });
  }

  open(): void {
    const startedAt = Date.now();
    const socket = new WebSocket(this.options.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      metrics.connectTime.add(Date.now() - startedAt);
      socket.send(encodeAuth(this.options.documentName, this.options.token));
      socket.send(encodeSyncStep1(this.framing, Y.encodeStateVector(this.doc)));
      this.sendAwareness();
    };
    socket.onmessage = (event?: MessageEvent) => {
      if (!event || !(event.data instanceof ArrayBuffer)) return;
      this.receive(new Uint8Array(event.data), startedAt);
    };
    socket.onclose = () => {
      if (!this.closing) metrics.unexpectedClose.add(1);
      if (!this.synced) metrics.joinFailed.add(true);
      this.close();
    };
    this.intervals.push(setInterval(() => this.sendAwareness(), awarenessRenewMs));
    this.timeouts.push(setTimeout(() => this.close(), this.options.holdMs));
  }

  private receive(frame: Uint8Array, startedAt: number): void {
    const socket = this.socket as WebSocket;
    if (isPing(frame)) return socket.send(pongFrame);
    const { message } = decodeMessage('hocuspocus', frame);
    switch (message.type) {
      case 'sync-step2':
        Y.applyUpdate(this.doc, message.update, 'server');
        if (!this.synced) {
          this.synced = true;
          this.syncMs = Date.now() - startedAt;
          metrics.syncTime.add(this.syncMs);
          metrics.joinFailed.add(false);
          this.startTyping();
          this.options.onSynced?.(this);
        }
        return;
      case 'update':
        this.recordLatency(message.update);
        return Y.applyUpdate(this.doc, message.update, 'server');
      case 'sync-step1':
        return socket.send(encodeSyncStep2(this.framing, Y.encodeStateAsUpdate(this.doc, message.stateVector)));
      case 'sync-status': {
        const sentAt = this.pendingAcks.shift();
        if (sentAt !== undefined) metrics.ackLatency.add(Date.now() - sentAt);
        return;
      }
      case 'permission-denied':
        // Counted as a failed join by the close handler.
        return this.close();
      default:
        return;
    }
  }

  /** Reads the send instants typed into the text by other clients (see the header). */
  private recordLatency(update: Uint8Array): void {
    const receivedAt = Date.now();
    for (const struct of Y.decodeUpdate(update).structs) {
      if (!(struct instanceof Y.Item) || struct.id.client === this.doc.clientID) continue;
      if (!(struct.content instanceof Y.ContentString)) continue;
      // An exec loop rather than matchAll: fewer assumptions about k6's JavaScript runtime.
      stampPattern.lastIndex = 0;
      for (let match = stampPattern.exec(struct.content.str); match; match = stampPattern.exec(struct.content.str)) {
        metrics.updateLatency.add(receivedAt - parseInt(match[1] as string, 36));
        metrics.updatesReceived.add(1);
      }
    }
  }

  private startTyping(): void {
    if (this.options.typingRate <= 0) return;
    const text = this.doc.getText('code');
    // Spread typists' keystrokes over the interval instead of having every VU type at the same instant.
    const interval = 1000 / this.options.typingRate;
    this.timeouts.push(
      setTimeout(() => {
        this.intervals.push(
          setInterval(() => {
            text.insert(text.length, `·${Date.now().toString(36).padStart(8, '0')}`);
            this.sendAwareness(text.length);
          }, interval),
        );
      }, Math.random() * interval),
    );
  }

  /** An awareness update with this user's name and cursor, as editor bindings send on every cursor move. */
  private sendAwareness(cursor = 0): void {
    if (!this.socket || this.socket.readyState !== 1) return;
    const state = { user: { name: this.options.name }, cursor: { anchor: cursor, head: cursor } };
    const update = encodeAwarenessUpdate([{ clientId: this.doc.clientID, clock: ++this.awarenessClock, state }]);
    this.socket.send(encodeAwareness(this.framing, update));
  }

  /** Types `bytes` of text in chunks, waiting for the server's acknowledgements, then calls `done`. */
  fill(bytes: number, chunkBytes: number, done: () => void): void {
    const text = this.doc.getText('code');
    const line = 'const answer = compute(input); // the kata keeps growing\n';
    const step = () => {
      if (text.length >= bytes) {
        if (this.pendingAcks.length === 0) return done();
        return void this.timeouts.push(setTimeout(step, 20));
      }
      if (this.pendingAcks.length > 4) return void this.timeouts.push(setTimeout(step, 5));
      const size = Math.min(chunkBytes, bytes - text.length);
      text.insert(text.length, line.repeat(Math.ceil(size / line.length)).slice(0, size));
      this.timeouts.push(setTimeout(step, 0));
    };
    step();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    for (const id of this.intervals) clearInterval(id);
    for (const id of this.timeouts) clearTimeout(id);
    this.socket?.close();
  }
}
