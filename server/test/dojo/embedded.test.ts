import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { join, type Member } from './dojo-support.ts';

/**
 * The embedded default (PGlite, no DATABASE_URL): the dojo rules' tables work there too — a lease is
 * taken, turn ends are claimed with their snapshots, a removal is stored and enforced, the end is recorded.
 */
const tenantId = 't_embedded';
const dojoId = 'd_embedded';
let server: ServerProcess;
const members: Member[] = [];

beforeAll(async () => {
  server = await ServerProcess.start();
});

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.stop();
});

describe('a dojo on the embedded database', () => {
  it('rotates, removes and ends', async () => {
    const [fay, ann, bob] = await Promise.all([
      join(server, { tenantId, dojoId, userId: 'fay', name: 'Fay', role: 'facilitator' }),
      join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' }),
      join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' }),
    ]);
    members.push(fay, ann, bob);
    await eventually(() => Object.keys(fay.control.participants).length === 3, 'everyone listed');
    for (const [name, args] of [
      ['setRotation', { order: ['ann', 'bob'] }],
      ['start', {}],
      ['rotate', {}],
      ['remove', { userId: 'bob' }],
      ['end', {}],
    ] as const) {
      expect(await fay.connection.send(name, args as never)).toMatchObject({ ok: true });
    }
    await eventually(() => ann.control.phase === 'ended', 'the end reaches ann');
    expect(ann.control).toMatchObject({ turn: 2, removed: ['bob'] });
    const again = await join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' });
    members.push(again);
    await eventually(() => again.denied.length === 3, 'bob is refused');
  });
});
