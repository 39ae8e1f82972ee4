import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { codeFiles, codeLanguages, readCodeFiles } from '@pocdojo/shared/contract/dojo-documents';
import { createLogger, openDatabase } from '@pocdojo/shared';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { loadDocument } from '@pocdojo/sync';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { createDojoRow, dojoDocuments, join, type Member } from './dojo-support.ts';

/**
 * Ending a dojo makes it read-only for everyone, on the server: typing and file operations (which are
 * edits of the `code` document's maps) are refused and undone, and nothing of them reaches the
 * database. A facilitator can reopen it, and editing works again.
 */
const tenantId = 't_end';
const dojoId = 'd_end';
let database: TestDatabase;
let server: ServerProcess;
let fay: Member;
let ann: Member;
let bob: Member;
const everyone = () => [fay, ann, bob];

/** The `code` document as the database holds it, loaded the way a server loads it. */
async function storedFiles(): Promise<Record<string, string>> {
  const logger = createLogger({ level: 'silent', name: 'test' });
  const handle = await openDatabase({ databaseUrl: database.url, dataDir: '', logger, poolSize: 1 });
  try {
    const loaded = await loadDocument(handle.db, dojoDocuments(tenantId, dojoId).code);
    const doc = new Y.Doc();
    for (const update of loaded.updates) Y.applyUpdate(doc, update);
    return Object.fromEntries(Object.entries(readCodeFiles(doc)).map(([path, file]) => [path, file.text]));
  } finally {
    await handle.close();
  }
}

async function sessionRows(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM dojo_sessions WHERE dojo_id = $1', [dojoId]);
    return rows.length;
  } finally {
    await client.end();
  }
}

const settled = () => everyone().every((member) => member.connection.unsyncedChanges === 0);

beforeAll(async () => {
  database = await createTestDatabase();
  server = await ServerProcess.start({ databaseUrl: database.url });
  await createDojoRow(database.url, { tenantId, dojoId, format: 'randori', turnMinutes: 5 });
  fay = await join(server, { tenantId, dojoId, userId: 'fay', name: 'Fay', role: 'facilitator' });
  ann = await join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' });
  bob = await join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' });
  await Promise.all(everyone().map((member) => member.connection.whenSynced()));
  await eventually(() => Object.keys(fay.control.participants).length === 3, 'everyone listed');
});

afterAll(async () => {
  for (const member of everyone()) member?.leave();
  await server?.stop();
  await database?.drop();
});

describe('an ended dojo', () => {
  it('takes the driver’s edits while it runs', async () => {
    expect(await fay.connection.send('setRotation', { order: ['ann', 'bob'] })).toMatchObject({ ok: true });
    expect(await fay.connection.send('start', {})).toMatchObject({ ok: true });
    await eventually(() => ann.control.driverId === 'ann', 'ann drives');
    ann.type('main.ts', 'let score = 0;');
    codeLanguages(ann.connection.docs.code).set('main.ts', 'typescript');
    await eventually(() => everyone().every((m) => m.text('main.ts') === 'let score = 0;'), 'everyone has it');
    await eventually(settled, 'the edit is stored');
  });

  it('refuses the last driver’s typing and file operations once the facilitator ends it', async () => {
    expect(await fay.connection.send('end', {})).toMatchObject({ ok: true });
    await eventually(() => everyone().every((m) => m.control.phase === 'ended'), 'everyone sees the end');
    expect(await sessionRows()).toBe(1);

    const code = ann.connection.docs.code;
    ann.type('main.ts', ' // after the end');
    const added = new Y.Text('sneaked in');
    code.transact(() => codeFiles(code).set('extra.ts', added));
    code.transact(() => {
      codeFiles(code).set('renamed.ts', new Y.Text(ann.text('main.ts')));
      codeFiles(code).delete('main.ts');
      codeLanguages(code).delete('main.ts');
    });
    code.transact(() => codeFiles(code).delete('main.ts'));
    await eventually(() => ann.eventsNamed('editRejected').length >= 3, 'ann is told, for each of them');
    expect(ann.eventsNamed('editRejected')[0]?.data.reason).toBe(
      'this dojo has ended; its code is read-only until a facilitator reopens it',
    );
    await eventually(
      () => [...codeFiles(code).keys()].join() === 'main.ts' && ann.text('main.ts') === 'let score = 0;',
      'ann’s document is back to the server’s',
    );
    await eventually(settled, 'nothing left to send');
    for (const member of everyone()) {
      expect(readCodeFiles(member.connection.docs.code)).toEqual({
        'main.ts': { text: 'let score = 0;', language: 'typescript' },
      });
    }
  });

  it('refuses the facilitator’s edits too', async () => {
    const before = fay.eventsNamed('editRejected').length;
    fay.type('main.ts', ' // the facilitator');
    await eventually(() => fay.eventsNamed('editRejected').length === before + 1, 'fay is told');
    await eventually(() => fay.text('main.ts') === 'let score = 0;', 'fay’s document is back to the server’s');
  });

  it('stored none of the refused edits', async () => {
    await eventually(settled, 'settled');
    expect(await storedFiles()).toEqual({ 'main.ts': 'let score = 0;' });
  });

  it('refuses reopen from a participant', async () => {
    expect(await ann.connection.send('reopen', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('is reopened by the facilitator, paused with the same driver, and takes edits again', async () => {
    expect(await fay.connection.send('reopen', {})).toMatchObject({ ok: true });
    await eventually(() => everyone().every((m) => m.control.phase === 'paused'), 'everyone sees it reopened');
    expect(ann.control).toMatchObject({ turn: 2, driverId: 'ann' });
    expect(await sessionRows()).toBe(0);

    ann.type('main.ts', '\nroll(pins);');
    codeFiles(ann.connection.docs.code).set('game_test.ts', new Y.Text('test("gutter game")'));
    await eventually(
      () =>
        everyone().every((m) => m.text('main.ts') === 'let score = 0;\nroll(pins);' && m.text('game_test.ts') !== ''),
      'everyone has the new edits',
    );
    await eventually(settled, 'the edits are stored');
    expect(await storedFiles()).toEqual({
      'main.ts': 'let score = 0;\nroll(pins);',
      'game_test.ts': 'test("gutter game")',
    });
  });

  it('ends again, with a snapshot of the new turn and a new summary', async () => {
    expect(await fay.connection.send('end', {})).toMatchObject({ ok: true });
    await eventually(() => ann.control.phase === 'ended', 'ended again');
    expect(await sessionRows()).toBe(1);
  });
});
