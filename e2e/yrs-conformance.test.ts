/**
 * Native-editor conformance: a Yrs document driven over the raw protocol of docs/protocol.md and a
 * Yjs client (the SDK's DojoConnection) edit the same dojo on the real server; the Yrs client also
 * sends dojo commands and reads their replies and the server-written chat.
 */
import { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { codeFiles, readChatMessages } from '@pocdojo/shared/contract/dojo-documents';
import { decodeServerMessage, encodeCommand, okReply } from '@pocdojo/shared/contract/dojo-protocol';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { type YArray, YDoc, type YMap, YText } from 'ywasm';
import { ServerProcess } from '@pocdojo/server/testing/server-process';
import { type RawDocument, RawYrsClient } from './support/raw-yrs-client.ts';

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe('a Yrs client over the raw protocol, next to a Yjs client', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let yjs: DojoConnection;
  let native: RawYrsClient;
  let nativeCode: RawDocument;
  let nativeToken: () => Promise<string>;
  const nativeDoc = new YDoc({});
  const documents = {
    code: 't_native/dojo/k1/code',
    chat: 't_native/dojo/k1/chat',
    control: 't_native/dojo/k1/control',
  };
  const nativeText = (): string | undefined => {
    const text: unknown = (nativeDoc.getMap('files') as YMap).get('kata.rs', undefined);
    return text instanceof YText ? text.toString(undefined) : undefined;
  };
  const yjsText = (): string | undefined => codeFiles(yjs.docs.code).get('kata.rs')?.toString();

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await ServerProcess.start({ databaseUrl: database.url });
    const token = (sub: string, name: string) =>
      server.token({ sub, tid: 't_native', roles: ['participant'], dojo: 'k1', name });
    nativeToken = () => token('ios-user', 'Ian (iOS)');
    yjs = new DojoConnection({
      url: server.wsUrl,
      documents,
      token: await token('web-user', 'Wendy (web)'),
      self: { userId: 'web-user', name: 'Wendy (web)', role: 'participant' },
      WebSocketPolyfill: WebSocket,
    });
    await yjs.whenSynced();
    native = new RawYrsClient(server.wsUrl);
    await native.opened;
    nativeCode = native.open(documents.code, await nativeToken(), nativeDoc);
  });

  afterAll(async () => {
    native?.close();
    yjs?.destroy();
    await server?.stop();
    await database?.drop();
  });

  it('authenticates read-write and completes the sync handshake', async () => {
    await eventually(() => nativeCode.scope !== undefined && nativeCode.synced, 'auth + sync step 2');
    expect(nativeCode.scope).toBe('read-write');
    expect(nativeCode.denied).toBeUndefined();
  });

  it('receives a file the Yjs client creates', async () => {
    yjs.docs.code.transact(() => codeFiles(yjs.docs.code).set('kata.rs', new Y.Text('fn main() {}\n')));
    await eventually(() => nativeText() === 'fn main() {}\n', 'the file reaches the Yrs document');
  });

  it('converges with the Yjs client on concurrent edits of the same text, and gets durable acks', async () => {
    const text = (nativeDoc.getMap('files') as YMap).get('kata.rs', undefined) as YText;
    const acksBefore = nativeCode.acks;
    // Both edit before seeing the other's change.
    text.insert(0, '// from Yrs\n', undefined, undefined);
    codeFiles(yjs.docs.code).get('kata.rs')?.insert(13, '// from Yjs\n');
    native.flush(documents.code);
    await eventually(
      () =>
        nativeText() === yjsText() &&
        (yjsText()?.includes('// from Yrs') ?? false) &&
        (nativeText()?.includes('// from Yjs') ?? false),
      'convergence',
    );
    expect(nativeText()).toBe('// from Yrs\nfn main() {}\n// from Yjs\n');
    await eventually(() => nativeCode.acks > acksBefore, 'a SyncStatus acknowledgement for the Yrs update');
    expect(nativeCode.refusals).toBe(0);
  });

  it('exchanges presence both ways, with the identity the server takes from the token', async () => {
    // The native client claims to be someone else; the server stamps its real identity over that.
    native.setAwareness(documents.code, {
      userId: 'someone-else',
      name: 'Mallory',
      color: '#1b998b',
      role: 'participant',
      file: 'kata.rs',
      topLine: 1,
    });
    await eventually(
      () => yjs.peers().some((peer) => peer.userId === 'ios-user' && peer.file === 'kata.rs'),
      'the web client sees the native presence',
    );
    await eventually(
      () =>
        [...nativeCode.awareness.values()].some(
          (state) => (state as { userId?: string } | null)?.userId === 'web-user',
        ),
      'the native client sees the web presence',
    );
    const web = [...nativeCode.awareness.values()].find(
      (state) => (state as { userId?: string } | null)?.userId === 'web-user',
    );
    expect(web).toMatchObject({ name: 'Wendy (web)', role: 'participant', user: { name: 'Wendy (web)' } });
    expect(yjs.peers().find((peer) => peer.file === 'kata.rs' && peer.userId === 'ios-user')).toMatchObject({
      name: 'Ian (iOS)',
      user: { name: 'Ian (iOS)' },
    });
    expect(yjs.peers().some((peer) => peer.userId === 'someone-else')).toBe(false);
  });

  it('sends a dojo command over a stateless message and gets its reply; the server writes the chat', async () => {
    const chatDoc = new YDoc({});
    const nativeControl = native.open(documents.control, await nativeToken(), new YDoc({}));
    const nativeChat = native.open(documents.chat, await nativeToken(), chatDoc);
    await eventually(() => nativeControl.synced && nativeChat.synced, 'control and chat synced');
    native.sendStateless(documents.control, encodeCommand('ios-1', 'chat', { text: 'hello from Yrs' }));
    await eventually(() => nativeControl.stateless.length > 0, 'a reply');
    expect(decodeServerMessage(nativeControl.stateless[0] ?? '')).toEqual({ kind: 'reply', reply: okReply('ios-1') });
    const messages = () =>
      (chatDoc.getArray('messages') as YArray).toJson(undefined) as { authorName: string; text: string }[];
    await eventually(() => messages().length === 1, 'the message in the Yrs chat document');
    expect(messages()[0]).toMatchObject({ authorId: 'ios-user', authorName: 'Ian (iOS)', text: 'hello from Yrs' });
    await eventually(() => readChatMessages(yjs.docs.chat).length === 1, 'the message in the Yjs chat document');
  });

  it('gets an error reply for a command its role does not allow', async () => {
    native.sendStateless(documents.control, encodeCommand('ios-2', 'rotate', {}));
    const control = () => native.document(documents.control);
    await eventually(() => (control()?.stateless.length ?? 0) > 1, 'a second reply');
    expect(decodeServerMessage(control()?.stateless[1] ?? '')).toMatchObject({
      kind: 'reply',
      reply: { id: 'ios-2', ok: false, error: { code: 'forbidden' } },
    });
  });
});
