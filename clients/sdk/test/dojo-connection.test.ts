import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { ServerProcess } from '@pocdojo/server/testing/server-process';
import { DojoConnection, type DojoSelf } from '../src/dojo-connection.ts';
import { codeFiles, codeLanguages, readChatMessages, readControlState } from '../src/dojo-documents.ts';

async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe('DojoConnection against the real collaboration server', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  const connections: DojoConnection[] = [];
  const documents = { code: 't_sdk/dojo/d1/code', chat: 't_sdk/dojo/d1/chat', control: 't_sdk/dojo/d1/control' };

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await ServerProcess.start({ databaseUrl: database.url });
  });

  afterAll(async () => {
    for (const connection of connections) connection.destroy();
    await server?.stop();
    await database?.drop();
  });

  const open = async (self: DojoSelf) => {
    const token = await server.token({
      sub: self.userId,
      tid: 't_sdk',
      roles: [self.role],
      dojo: 'd1',
      name: self.name,
    });
    const connection = new DojoConnection({ url: server.wsUrl, documents, token, self, WebSocketPolyfill: WebSocket });
    connections.push(connection);
    await connection.whenSynced();
    return connection;
  };

  it('multiplexes the three dojo documents over one socket and syncs all of them', async () => {
    const ada = await open({ userId: 'ada', name: 'Ada', role: 'facilitator' });
    expect(ada.status).toBe('connected');
    expect(ada.isSynced).toBe(true);
    expect(new Set(Object.values(ada.providers).map((provider) => provider.configuration.websocketProvider)).size).toBe(
      1,
    );
  });

  it('converges concurrent edits of a file between two participants and acknowledges them', async () => {
    const ada = await open({ userId: 'ada2', name: 'Ada', role: 'participant' });
    const bob = await open({ userId: 'bob', name: 'Bob', role: 'participant' });
    ada.docs.code.transact(() => {
      codeFiles(ada.docs.code).set('kata.ts', new Y.Text('export const add = (a: number, b: number) => a + b;\n'));
      codeLanguages(ada.docs.code).set('kata.ts', 'typescript');
    });
    await eventually(() => codeFiles(bob.docs.code).has('kata.ts'), 'the file reaches bob');
    codeFiles(ada.docs.code).get('kata.ts')?.insert(0, '// ada\n');
    codeFiles(bob.docs.code).get('kata.ts')?.insert(0, '// bob\n');
    const text = (connection: DojoConnection) => codeFiles(connection.docs.code).get('kata.ts')?.toString();
    await eventually(
      () =>
        text(ada) === text(bob) && (text(ada)?.includes('// ada') ?? false) && (text(ada)?.includes('// bob') ?? false),
      'convergence',
    );
    expect(codeLanguages(bob.docs.code).get('kata.ts')).toBe('typescript');
    await eventually(() => ada.unsyncedChanges === 0 && bob.unsyncedChanges === 0, 'both acknowledged');
  });

  it('shares presence with name, role, colour and the open file', async () => {
    const cleo = await open({ userId: 'cleo', name: 'Cleo', role: 'participant' });
    const dan = await open({ userId: 'dan', name: 'Dan', role: 'observer' });
    cleo.setPresence({ file: 'kata.ts', topLine: 3 });
    // The two fields may reach Dan in two presence broadcasts (the server paces them), so wait for both.
    await eventually(
      () => dan.peers().some((peer) => peer.userId === 'cleo' && peer.file === 'kata.ts' && peer.topLine === 3),
      'dan sees cleo',
    );
    const seen = dan.peers().find((peer) => peer.userId === 'cleo');
    expect(seen).toMatchObject({ name: 'Cleo', role: 'participant', topLine: 3, user: { name: 'Cleo' } });
    expect(seen?.color).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it('shows the others again as soon as its connection comes back, not at their next presence renewal', async () => {
    const eve = await open({ userId: 'eve', name: 'Eve', role: 'participant' });
    const fin = await open({ userId: 'fin', name: 'Fin', role: 'participant' });
    const finSeesEve = () => fin.peers().some((peer) => peer.userId === 'eve');
    await eventually(finSeesEve, 'fin sees eve');
    fin.socket.disconnect();
    await eventually(() => !finSeesEve(), 'fin shows nobody while offline');
    void fin.socket.connect();
    // Eve renews her presence every 15 s: seeing her well before says the server's resent state counted.
    await eventually(finSeesEve, 'fin sees eve again', 5_000);
    expect(eve.status).toBe('connected');
  });

  it('answers every command: a chat is accepted and written by the server, a facilitator command is refused', async () => {
    const eve = await open({ userId: 'eve', name: 'Eve', role: 'participant' });
    expect(await eve.send('chat', { text: 'hello dojo' })).toMatchObject({ type: 'reply', ok: true });
    await eventually(
      () => readChatMessages(eve.docs.chat).some((message) => message.text === 'hello dojo'),
      'the chat message',
    );
    expect(readChatMessages(eve.docs.chat).find((message) => message.text === 'hello dojo')).toMatchObject({
      authorId: 'eve',
      authorName: 'Eve',
    });
    const refused = await eve.send('rotate', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('stops reconnecting once a facilitator removes the member', async () => {
    const fay = await open({ userId: 'fay', name: 'Fay', role: 'facilitator' });
    const gus = await open({ userId: 'gus', name: 'Gus', role: 'participant' });
    const events: string[] = [];
    gus.on('event', (event) => events.push(event.name));
    await eventually(() => 'gus' in readControlState(fay.docs.control).participants, 'gus registered');
    expect(await fay.send('remove', { userId: 'gus' })).toMatchObject({ ok: true });
    await eventually(() => events.includes('removed'), 'the removed event');
    await eventually(() => gus.status === 'disconnected', 'gus disconnected');
    expect(gus.socket.shouldConnect).toBe(false);
  });
});

describe('DojoConnection in Node', () => {
  it('can be destroyed while its socket is still connecting, without an uncaught error', async () => {
    // A server that takes the TCP connection and never answers the WebSocket handshake.
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const connection = new DojoConnection({
        url: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/collab`,
        documents: { code: 't/dojo/d/code', chat: 't/dojo/d/chat', control: 't/dojo/d/control' },
        token: 'unused',
        self: { userId: 'u', name: 'U', role: 'participant' },
        WebSocketPolyfill: WebSocket,
      });
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(connection.status).toBe('connecting');
      connection.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
