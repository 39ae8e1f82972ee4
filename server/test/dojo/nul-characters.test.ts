import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { createDojoRow, join, turnRows, type Member } from './dojo-support.ts';

/**
 * Postgres text and jsonb cannot hold U+0000. The collaboration tier stores what commands, code and
 * tokens carry (removals, turn snapshots, session summaries), so it refuses NUL where it comes in: a
 * command with a clear `invalid` reply, a code edit undone with `editRejected`, a token as invalid.
 * Nothing of it reaches the database, and the connection and the server carry on.
 */
const tenantId = 't_nul';
const dojoId = 'd_nul';
const nul = 'a\u0000b';
let database: TestDatabase;
let server: ServerProcess;
let facilitator: Member;
let ann: Member;
let bob: Member;

async function removalCount(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM dojo_removals WHERE dojo_id = $1', [
      dojoId,
    ]);
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await ServerProcess.start({ databaseUrl: database.url });
  await createDojoRow(database.url, { tenantId, dojoId, format: 'randori', turnMinutes: 2 });
  facilitator = await join(server, { tenantId, dojoId, userId: 'fac', name: 'Fay', role: 'facilitator' });
  ann = await join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' });
  bob = await join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' });
  await Promise.all([facilitator, ann, bob].map((member) => member.connection.whenSynced()));
});

afterAll(async () => {
  for (const member of [facilitator, ann, bob]) member?.leave();
  await server?.stop();
  await database?.drop();
});

describe('a NUL character sent to the collaboration tier', () => {
  it('makes a command fail with invalid, naming the argument, and stores nothing', async () => {
    const commands = [
      ['chat', { text: nul }, 'args.text'],
      ['remove', { userId: nul }, 'args.userId'],
      ['grantRole', { userId: nul, role: 'participant' }, 'args.userId'],
      ['setRotation', { order: ['ann', nul] }, 'args.order.1'],
      ['summon', { path: nul, line: 1 }, 'args.path'],
      ['handover', { to: nul }, 'args.to'],
    ] as const;
    for (const [name, args, field] of commands) {
      const reply = await facilitator.connection.send(name, args as never);
      expect({ name, reply }).toMatchObject({
        name,
        reply: { ok: false, error: { code: 'invalid', message: `${field}: must not contain NUL (U+0000) characters` } },
      });
    }
    expect(facilitator.chat).toEqual([]);
    expect(await removalCount()).toBe(0);
  });

  it('leaves the connection and the server working', async () => {
    expect(await facilitator.connection.send('chat', { text: 'still here' })).toMatchObject({ ok: true });
    await eventually(() => ann.chat.some((message) => message.text === 'still here'), 'Ann sees the chat message');
  });

  it('undoes a code edit holding a NUL with editRejected, so turn snapshots can still be stored', async () => {
    for (const [name, args] of [
      ['setHandoverRule', { rule: 'manual' }],
      ['setRotation', { order: ['ann', 'bob'] }],
      ['lock', { mode: 'driver' }],
      ['start', {}],
    ] as const) {
      expect(await facilitator.connection.send(name, args as never)).toMatchObject({ ok: true });
    }
    await eventually(() => ann.control.driverId === 'ann', 'Ann drives');
    ann.type('main.ts', 'kept;');
    await eventually(() => bob.text('main.ts') === 'kept;', 'Bob sees the driver’s text');

    ann.type('main.ts', nul);
    await eventually(() => ann.eventsNamed('editRejected').length === 1, 'Ann told her edit was refused');
    expect(ann.eventsNamed('editRejected')[0]?.data.reason).toBe('the code must not contain NUL (U+0000) characters');
    await eventually(() => ann.text('main.ts') === 'kept;', 'Ann’s document rolled back');
    expect(bob.text('main.ts')).toBe('kept;');

    expect(await ann.connection.send('handover', {})).toMatchObject({ ok: true });
    const [turn] = await turnRows(database.url, dojoId);
    expect(turn?.files['main.ts']?.text).toBe('kept;');
    ann.type('main.ts', 'not the driver;');
    await eventually(() => ann.eventsNamed('editRejected').length === 2, 'the lock still applies after the refusal');
  });

  it('refuses a token whose claims hold a NUL, as an invalid token', async () => {
    const mallory = await join(server, { tenantId, dojoId, userId: 'mallory', name: nul, role: 'participant' });
    try {
      await eventually(() => mallory.denied.length > 0, 'the token refused');
      expect(mallory.denied[0]).toBe('unauthorized: invalid token');
    } finally {
      mallory.leave();
    }
    expect(await facilitator.connection.send('chat', { text: 'server still up' })).toMatchObject({ ok: true });
  });
});
