/**
 * One live connection to a dojo: a single WebSocket (`HocuspocusProviderWebsocket`) multiplexing the
 * dojo's three documents, presence on `code`, and the command channel on `control` (see
 * dojo-protocol.ts). Works in browsers and in Node: in Node < 22 pass `ws` as `WebSocketPolyfill`.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider';
import * as Y from 'yjs';
import { type DojoDocumentPart, dojoDocumentParts } from './dojo-documents.ts';
import {
  type CommandArgs,
  type CommandName,
  type DojoEvent,
  decodeServerMessage,
  encodeCommand,
  errorReply,
  type Reply,
} from './dojo-protocol.ts';
import { colorFor, lightColor, type Peer, type Presence, readPeers } from './presence.ts';
import { destroySocket } from './socket-teardown.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface DojoSelf {
  userId: string;
  name: string;
  role: Presence['role'];
}

export interface DojoConnectionOptions {
  /** The collaboration endpoint, e.g. `ws://127.0.0.1:8080/collab`. */
  url: string;
  /** The dojo's document names, as `POST /api/v1/dojos/:id/join` returns them. */
  documents: Record<DojoDocumentPart, string>;
  /** The join token, or a function that fetches a fresh one (called again on every reconnect). */
  token: string | (() => Promise<string>);
  self: DojoSelf;
  /** A WebSocket constructor for runtimes without a global one (Node 20: the `ws` package). */
  WebSocketPolyfill?: unknown;
  /** How long a command waits for its reply before it counts as `unavailable`. */
  commandTimeoutMs?: number;
}

interface Listeners {
  status: (status: ConnectionStatus) => void;
  unsynced: (count: number) => void;
  peers: (peers: Peer[]) => void;
  event: (event: DojoEvent) => void;
  denied: (part: DojoDocumentPart, reason: string) => void;
  synced: () => void;
}

type ListenerSets = { [K in keyof Listeners]: Set<Listeners[K]> };

export class DojoConnection {
  readonly socket: HocuspocusProviderWebsocket;
  readonly docs: Record<DojoDocumentPart, Y.Doc>;
  readonly providers: Record<DojoDocumentPart, HocuspocusProvider>;
  readonly self: DojoSelf;
  status: ConnectionStatus = 'connecting';
  private readonly listeners: ListenerSets = {
    status: new Set(),
    unsynced: new Set(),
    peers: new Set(),
    event: new Set(),
    denied: new Set(),
    synced: new Set(),
  };
  private readonly pending = new Map<
    string,
    { resolve: (reply: Reply) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly commandTimeoutMs: number;
  private nextCommand = 0;
  private readonly idPrefix = Math.random().toString(36).slice(2, 10);

  constructor(options: DojoConnectionOptions) {
    this.self = options.self;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.socket = new HocuspocusProviderWebsocket({
      url: options.url,
      ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
      // Reconnect quickly at first, then back off to 10 s so a restarted server is found again soon.
      // (The retry library refuses a delay below minDelay, and then never connects at all.)
      delay: 500,
      minDelay: 250,
      factor: 1.5,
      maxDelay: 10_000,
    });
    this.socket.on('status', ({ status }: { status: WebSocketStatus }) => this.setStatus(status));
    const token = options.token;
    const docs = {} as Record<DojoDocumentPart, Y.Doc>;
    const providers = {} as Record<DojoDocumentPart, HocuspocusProvider>;
    for (const part of dojoDocumentParts) {
      const document = new Y.Doc();
      docs[part] = document;
      providers[part] = new HocuspocusProvider({
        websocketProvider: this.socket,
        name: options.documents[part],
        document,
        token: typeof token === 'string' ? token : () => token(),
        // Presence lives on `code` only; the other two documents carry no awareness traffic.
        awareness: part === 'code' ? undefined : null,
        onAuthenticationFailed: ({ reason }) => this.listeners.denied.forEach((listener) => listener(part, reason)),
        onUnsyncedChanges: () => this.emitUnsynced(),
        onSynced: () => {
          if (this.isSynced) this.listeners.synced.forEach((listener) => listener());
        },
      });
    }
    this.docs = docs;
    this.providers = providers;
    providers.control.on('stateless', ({ payload }: { payload: string }) => this.receive(payload));
    const awareness = providers.code.awareness;
    if (awareness) {
      const color = colorFor(options.self.userId);
      awareness.setLocalState({
        userId: options.self.userId,
        name: options.self.name,
        role: options.self.role,
        color,
        file: null,
        topLine: null,
        user: { name: options.self.name, color, colorLight: lightColor(color) },
      } satisfies Omit<Presence, 'cursor'>);
      awareness.on('change', () => {
        const peers = this.peers();
        this.listeners.peers.forEach((listener) => listener(peers));
      });
      // The provider drops the others' presence when the socket closes but keeps their clocks, and the
      // states the server sends again after a reconnection carry the same clocks, which y-protocols
      // ignores: everyone would stay hidden until their next renewal (up to 15 s). Forgetting the clocks
      // of those no longer shown, once authenticated again and before those states arrive, shows them.
      providers.code.on('authenticated', () => {
        for (const clientId of [...awareness.meta.keys()])
          if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId);
      });
    }
    // Providers given a shared socket do not attach themselves.
    for (const part of dojoDocumentParts) providers[part].attach();
  }

  get awareness() {
    const awareness = this.providers.code.awareness;
    if (!awareness) throw new Error('the code document always carries awareness');
    return awareness;
  }

  get isSynced(): boolean {
    return dojoDocumentParts.every((part) => this.providers[part].isSynced);
  }

  /** Local edits the server has not yet acknowledged, over the three documents. */
  get unsyncedChanges(): number {
    return dojoDocumentParts.reduce((sum, part) => sum + this.providers[part].unsyncedChanges, 0);
  }

  /** Resolves once all three documents completed their first sync with the server. */
  whenSynced(): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('synced', () => {
        off();
        resolve();
      });
    });
  }

  on<K extends keyof Listeners>(name: K, listener: Listeners[K]): () => void {
    const set = this.listeners[name] as Set<Listeners[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Other clients' presence on the code document. */
  peers(): Peer[] {
    return readPeers(this.awareness.getStates() as Map<number, Record<string, unknown>>, this.awareness.clientID);
  }

  /**
   * Takes the role a fresh join token carries: a change of the person's roles closes their connections,
   * and the join that reconnects them says what they are now. (The server stamps the role into presence
   * itself; this keeps the client's own view of it the same.)
   */
  changeRole(role: Presence['role']): void {
    this.self.role = role;
    this.awareness.setLocalStateField('role', role);
  }

  /**
   * Updates this client's own presence fields (file, top line, the editor of someone not in the web
   * editor; y-codemirror.next sets `cursor`).
   */
  setPresence(fields: Partial<Pick<Presence, 'file' | 'topLine' | 'editor'>>): void {
    for (const [key, value] of Object.entries(fields)) this.awareness.setLocalStateField(key, value);
  }

  /**
   * Sends a dojo command and resolves with the server's reply. Never rejects: a reply that does not
   * come within the timeout resolves as an `unavailable` error, so callers handle one shape.
   */
  send<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Reply> {
    this.nextCommand += 1;
    const id = `${this.idPrefix}-${this.nextCommand}`;
    const payload = encodeCommand(id, name, args);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(errorReply(id, 'unavailable', `no reply to "${name}" within ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      this.pending.set(id, { resolve, timer });
      this.providers.control.sendStateless(payload);
    });
  }

  /** Closes the socket and all three documents; pending commands resolve as `unavailable`. */
  destroy(): void {
    for (const [id, { resolve, timer }] of this.pending) {
      clearTimeout(timer);
      resolve(errorReply(id, 'unavailable', 'connection closed'));
    }
    this.pending.clear();
    for (const part of dojoDocumentParts) this.providers[part].destroy();
    destroySocket(this.socket);
    for (const part of dojoDocumentParts) this.docs[part].destroy();
    Object.values(this.listeners).forEach((set) => set.clear());
  }

  private receive(payload: string): void {
    const message = decodeServerMessage(payload);
    if (message.kind === 'reply') {
      const waiting = this.pending.get(message.reply.id);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(message.reply.id);
      waiting.resolve(message.reply);
    } else if (message.kind === 'event') {
      this.listeners.event.forEach((listener) => listener(message.event));
      // A removed member is refused from now on: reconnecting would only be denied again.
      if (message.event.name === 'removed') this.socket.disconnect();
    }
  }

  private setStatus(status: WebSocketStatus): void {
    const next: ConnectionStatus =
      status === WebSocketStatus.Connected
        ? 'connected'
        : status === WebSocketStatus.Connecting
          ? 'connecting'
          : 'disconnected';
    if (next === this.status) return;
    this.status = next;
    this.listeners.status.forEach((listener) => listener(next));
  }

  private emitUnsynced(): void {
    const count = this.unsyncedChanges;
    this.listeners.unsynced.forEach((listener) => listener(count));
  }
}
