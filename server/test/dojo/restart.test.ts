import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { join, turnRows, type Member } from './dojo-support.ts';

/**
 * The turn timer lives in the persisted control state, not in a process: a server killed mid-turn
 * (no chance to release its lease) comes back, its stale lease expires, and the timer carries on
 * from the stored state without repeating a turn.
 */
const tenantId = 't_restart';
const dojoId = 'd_restart';
let database: TestDatabase;
let server: ServerProcess;
const members: Member[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  server = await ServerProcess.start({ databaseUrl: database.url });
});

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.stop();
  await database?.drop();
});

async function joinAll(): Promise<[Member, Member, Member]> {
  const people = await Promise.all([
    join(server, { tenantId, dojoId, userId: 'fay', name: 'Fay', role: 'facilitator' }),
    join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' }),
    join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' }),
  ]);
  members.push(...people);
  await Promise.all(people.map((member) => member.connection.whenSynced()));
  return people;
}

describe('the turn timer across a server restart', () => {
  it('carries on from the stored state after kill -9 and a restart', async () => {
    const [fay, ann] = await joinAll();
    await eventually(() => Object.keys(fay.control.participants).length === 3, 'everyone listed');
    expect(await fay.connection.send('setTurnLength', { seconds: 5 })).toMatchObject({ ok: true });
    expect(await fay.connection.send('setRotation', { order: ['ann', 'bob'] })).toMatchObject({ ok: true });
    expect(await fay.connection.send('start', {})).toMatchObject({ ok: true });
    await eventually(() => ann.control.turn === 2, 'turn 2 begins', 20_000);

    await server.kill();
    for (const member of members.splice(0)) member.leave();
    await server.restart();

    const [, , bob] = await joinAll();
    expect(bob.control.turn).toBeGreaterThanOrEqual(2);
    await eventually(() => bob.control.turn === 3, 'turn 3 begins after the restart', 30_000);
    expect(bob.control).toMatchObject({ driverId: 'ann', navigatorId: 'bob', phase: 'running' });
    // Every turn once, in rotation order (turn 3 may itself have ended by now on a slow machine).
    const rows = await turnRows(database.url, dojoId);
    expect(rows.map((row) => [row.turn, row.driver_id])).toEqual(
      rows.map((_row, index) => [index + 1, index % 2 === 0 ? 'ann' : 'bob']),
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });
});
