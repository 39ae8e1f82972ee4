/**
 * A dojo joined from a folder: the SDK's connection to the three documents, the folder mirror of
 * `code`, the room's rules applied to the folder (read-only while the person may not edit), presence
 * as "in their own editor, last saved <file>", and everything the room says as sentences for the
 * terminal. `pocdojo join` is this plus a prompt; the tests drive it directly.
 */
import { resolve } from 'node:path';
import WebSocket from 'ws';
import type { ApiClient, DojoJoin } from '@pocdojo/sdk/api-client';
import { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import {
  type ChatMessage,
  type ControlState,
  chatMessages,
  controlState,
  mayEdit,
  readChatMessages,
  readControlState,
} from '@pocdojo/sdk/dojo-documents';
import type { DojoEvent, Reply } from '@pocdojo/sdk/dojo-protocol';
import { effectiveRole } from '@pocdojo/sdk/dojo-roles';
import { claimFolder } from './folder-marker.ts';
import { FolderMirror, type MirrorNotice } from './mirror/folder-mirror.ts';
import { type Connectivity, nameIn, roomNews, statusLine } from './room-news.ts';
import { explain } from './signed-in-api.ts';

/** What the room says, for the terminal (or a test) to show. */
export type RoomLine =
  | { kind: 'room'; text: string }
  | { kind: 'chat'; message: ChatMessage; text: string }
  | { kind: 'summon'; path: string; line: number; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'notice'; notice: MirrorNotice; text: string }
  | { kind: 'connection'; connectivity: Connectivity; text: string };

export interface JoinOptions {
  api: ApiClient;
  server: string;
  dojoId: string;
  folder: string;
  say: (line: RoomLine) => void;
  /** How long `close` waits for unsynced edits to reach the server. */
  closeWaitMs?: number;
}

/** The name of this program in presence: the web app shows people "in their own editor". */
export const editorName = 'pocdojo';

export class JoinedDojo {
  readonly mirror: FolderMirror;
  private control: ControlState;
  private connectivity: Connectivity = 'connecting';
  private chatSeen: number;
  private readonly offs: Array<() => void> = [];
  private closing: Promise<boolean> | undefined;

  private constructor(
    readonly connection: DojoConnection,
    private readonly join: DojoJoin,
    folder: string,
    private readonly options: JoinOptions,
  ) {
    this.control = readControlState(connection.docs.control);
    this.chatSeen = readChatMessages(connection.docs.chat).length;
    this.mirror = new FolderMirror({
      folder,
      doc: connection.docs.code,
      mayEdit: () => this.mayEdit(),
      notify: (notice) => options.say({ kind: 'notice', notice, text: notice.message }),
      saved: (path) => connection.setPresence({ file: path }),
    });
  }

  static async open(options: JoinOptions): Promise<JoinedDojo> {
    const folder = resolve(options.folder);
    const self = options.api.session?.user;
    if (!self) throw new Error('not logged in: run `pocdojo login --server <url>` first');
    const first = await options.api.joinDojo(options.dojoId);
    if (!first.ok) throw new Error(`cannot join this dojo: ${explain(first.error, options.server)}`);
    await claimFolder(folder, { server: options.server, dojoId: options.dojoId });
    const join = first.value;
    const wsUrl = new URL(join.url, options.server.replace(/^http/, 'ws')).toString();
    const tokens = new JoinTokens(options.api, options.dojoId, join);
    const connection = new DojoConnection({
      url: wsUrl,
      documents: join.documents,
      token: () => tokens.current(),
      self: { userId: self.id, name: self.displayName, role: join.role },
      WebSocketPolyfill: WebSocket,
    });
    connection.setPresence({ editor: editorName, file: null });
    await connection.whenSynced();
    const joined = new JoinedDojo(connection, join, folder, options);
    joined.listen();
    await joined.mirror.start();
    return joined;
  }

  get userId(): string {
    return this.connection.self.userId;
  }

  /** The room's rules for this person now, with a facilitator's grants in `control` applied. */
  mayEdit(): boolean {
    const role = effectiveRole(this.control, this.userId, { role: this.join.role, observing: this.join.observing });
    return mayEdit(this.control, this.userId, role);
  }

  status(now = Date.now()): string {
    return statusLine(
      this.control,
      this.userId,
      now,
      this.connectivity,
      this.connection.unsyncedChanges,
      this.mayEdit(),
    );
  }

  runTests(): Promise<Reply> {
    return this.connection.send('run', {});
  }

  chat(text: string): Promise<Reply> {
    return this.connection.send('chat', { text });
  }

  requestDrive(): Promise<Reply> {
    return this.connection.send('requestDrive', {});
  }

  raiseHand(raised: boolean): Promise<Reply> {
    return this.connection.send('raiseHand', { raised });
  }

  /**
   * Leaves: the saves seen so far go into the dojo, the server gets a moment to acknowledge them, and
   * the folder stays as last synced (writable again). True when nothing was left unsynced.
   */
  close(): Promise<boolean> {
    this.closing ??= this.leave();
    return this.closing;
  }

  private async leave(): Promise<boolean> {
    await this.mirror.stop();
    const until = Date.now() + (this.options.closeWaitMs ?? 5000);
    while (this.connection.unsyncedChanges > 0 && Date.now() < until) await new Promise((done) => setTimeout(done, 50));
    const clean = this.connection.unsyncedChanges === 0;
    for (const off of this.offs) off();
    this.connection.destroy();
    return clean;
  }

  private listen(): void {
    const { connection, options } = this;
    const say = options.say;
    for (const text of roomNews(undefined, this.control, this.userId)) say({ kind: 'room', text });
    if (!this.mayEdit()) say({ kind: 'room', text: 'You may not edit right now: your files are read-only.' });

    const onControl = () => {
      const next = readControlState(connection.docs.control);
      const before = this.mayEdit();
      const previous = this.control;
      this.control = next;
      for (const text of roomNews(previous, next, this.userId)) say({ kind: 'room', text });
      const after = this.mayEdit();
      this.mirror.updateAccess().then(
        () => {
          if (before !== after)
            say({
              kind: 'room',
              text: after
                ? 'You may edit again: your files are writable.'
                : 'You may not edit now: your files are read-only.',
            });
        },
        (error: unknown) => say({ kind: 'room', text: `Could not change the files' permissions: ${String(error)}` }),
      );
    };
    const state = controlState(connection.docs.control);
    state.observe(onControl);
    this.offs.push(() => state.unobserve(onControl));

    const onChat = () => {
      const messages = readChatMessages(connection.docs.chat);
      for (const message of messages.slice(this.chatSeen))
        say({ kind: 'chat', message, text: `${message.authorName}: ${message.text}` });
      this.chatSeen = messages.length;
    };
    const chat = chatMessages(connection.docs.chat);
    chat.observe(onChat);
    this.offs.push(() => chat.unobserve(onChat));

    this.offs.push(connection.on('event', (event) => this.onEvent(event)));
    this.offs.push(
      connection.on('status', (status) => {
        const connectivity: Connectivity =
          status === 'connected' ? 'online' : this.connectivity === 'connecting' ? 'connecting' : 'reconnecting';
        if (connectivity === this.connectivity) return;
        this.connectivity = connectivity;
        const unsynced = connection.unsyncedChanges;
        say({
          kind: 'connection',
          connectivity,
          text:
            connectivity === 'online'
              ? 'Online.'
              : `Connection lost; reconnecting…${unsynced > 0 ? ` (${unsynced} unsynced changes kept)` : ''}`,
        });
      }),
    );
    if (connection.status === 'connected') this.connectivity = 'online';
  }

  private onEvent(event: DojoEvent): void {
    const say = this.options.say;
    if (event.name === 'summon') {
      const { path, line, by } = event.data;
      say({
        kind: 'summon',
        path,
        line,
        text: `📣 ${nameIn(this.control, by, this.userId)} asks everyone to look at ${path}:${line}`,
      });
    } else if (event.name === 'editRejected') {
      say({ kind: 'refused', text: `Your change was refused (${event.data.reason}); the file is put back.` });
    } else if (event.name === 'removed') {
      say({ kind: 'refused', text: 'A facilitator removed you from this dojo.' });
    }
  }
}

/**
 * Join tokens for the connection: the one the join returned, then a fresh one from the API whenever a
 * (re)connection finds the last one about to expire, so a long session outlives any single token. The
 * three documents ask at once on every connect; they share one request.
 */
class JoinTokens {
  private token: string;
  private expiresAt: number;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly dojoId: string,
    join: DojoJoin,
  ) {
    this.token = join.token;
    this.expiresAt = JoinTokens.expiry(join);
  }

  current(): Promise<string> {
    if (Date.now() < this.expiresAt) return Promise.resolve(this.token);
    this.pending ??= this.api
      .joinDojo(this.dojoId)
      .then((result) => {
        if (!result.ok) throw new Error(`cannot rejoin the dojo: ${result.error.message}`);
        this.token = result.value.token;
        this.expiresAt = JoinTokens.expiry(result.value);
        return this.token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  // A minute of margin: a token must still be valid when the server checks it.
  private static expiry(join: DojoJoin): number {
    return Date.now() + Math.max(0, join.expiresIn - 60) * 1000;
  }
}
