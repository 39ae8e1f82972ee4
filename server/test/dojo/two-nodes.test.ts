import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlState } from '@pocdojo/shared/contract/dojo-documents';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { join, turnRows, type Member } from './dojo-support.ts';

/**
 * One dojo spread over two real nodes sharing Postgres and Redis: the facilitator on node A, the
 * participants split across A and B. Both nodes hold the dojo's documents; only the lease holder
 * runs the timer, and each turn ends exactly once.
 */
const tenantId = 't_two';
const dojoId = 'd_two';
let database: TestDatabase;
let nodes: ServerProcess[] = [];
let members: Member[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const dataDir = await mkdtemp(joinPath(tmpdir(), 'pocdojo-dojo-'));
  const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: `d${Math.random().toString(36).slice(2, 8)}` };
  nodes = await Promise.all([0, 1].map(() => ServerProcess.start({ dataDir, databaseUrl: database.url, env })));
  const [a, b] = nodes as [ServerProcess, ServerProcess];
  members = await Promise.all([
    join(a, { tenantId, dojoId, userId: 'fac', name: 'Fay', role: 'facilitator' }),
    join(a, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' }),
    join(b, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' }),
    join(b, { tenantId, dojoId, userId: 'cyd', name: 'Cyd', role: 'participant' }),
  ]);
  await Promise.all(members.map((member) => member.connection.whenSynced()));
});

afterAll(async () => {
  for (const member of members) member.leave();
  await Promise.all(nodes.map((node) => node.stop()));
  await database?.drop();
});

describe('a dojo across two nodes', () => {
  it('ends each turn exactly once and rotates in order', async () => {
    const [facilitator, , bob] = members as [Member, Member, Member, Member];
    // Each client's view is its node's state: both nodes must list everyone before the rotation names them.
    await eventually(
      () => [facilitator, bob].every((member) => Object.keys(member.control.participants).length === 4),
      'both nodes list everyone',
    );
    // Every turn value bob’s node shows, in order: a double rotation would skip or repeat one.
    const seen: number[] = [];
    controlState(bob.connection.docs.control).observe(() => {
      const turn = bob.control.turn;
      if (turn > 0 && seen.at(-1) !== turn) seen.push(turn);
    });
    expect(await facilitator.connection.send('setTurnLength', { seconds: 5 })).toMatchObject({ ok: true });
    expect(await facilitator.connection.send('setRotation', { order: ['ann', 'bob', 'cyd'] })).toMatchObject({
      ok: true,
    });
    expect(await facilitator.connection.send('start', {})).toMatchObject({ ok: true });
    await eventually(() => bob.control.turn === 4, 'three turns end on their own', 30_000);
    expect(await facilitator.connection.send('setHandoverRule', { rule: 'manual' })).toMatchObject({ ok: true });

    expect(seen).toEqual([1, 2, 3, 4]);
    expect(bob.control).toMatchObject({ driverId: 'ann', navigatorId: 'bob' });
    const rows = await turnRows(database.url, dojoId);
    expect(rows.map((row) => [row.turn, row.driver_id])).toEqual([
      [1, 'ann'],
      [2, 'bob'],
      [3, 'cyd'],
    ]);
    // One node (the lease holder) ended every turn.
    expect(new Set(rows.map((row) => row.node_id)).size).toBe(1);
  });
});
