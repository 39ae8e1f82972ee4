import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, DojoJoin } from '@pocdojo/sdk/api-client';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { connectJoined, Member, signUpFay } from './dojo-support.ts';

/**
 * A facilitator who joins a dojo a second time with `as: observer` (to watch it as the group sees it)
 * gets a read-only seat: the token's mode wins over the facilitator seat the room lists for them. On
 * the real server, with tokens from the real API and the SDK's connection.
 */
let server: ServerProcess;
let api: ApiClient;
let dojoId: string;
const members: Member[] = [];

async function connect(join: DojoJoin, self: { userId: string; name: string }): Promise<Member> {
  const member = await connectJoined(server, join, self);
  members.push(member);
  return member;
}

beforeAll(async () => {
  server = await ServerProcess.onTestDatabase();
  api = await signUpFay(server, 'Observer Co');
  const dojo = await api.createDojo({ title: 'Watch me', format: 'randori', language: 'typescript' });
  if (!dojo.ok) throw new Error(dojo.error.message);
  dojoId = dojo.value.id;
});

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.dispose();
});

describe('a join token minted with as: observer', () => {
  let seated: Member;
  let watching: Member;
  let userId: string;

  it('is an observer token even for the dojo’s facilitator', async () => {
    userId = api.session?.user.id ?? '';
    const facilitatorJoin = await api.joinDojo(dojoId);
    expect(facilitatorJoin).toMatchObject({ ok: true, value: { role: 'facilitator', observing: false } });
    if (!facilitatorJoin.ok) return;
    seated = await connect(facilitatorJoin.value, { userId, name: 'Fay' });
    await eventually(() => seated.control.participants[userId]?.role === 'facilitator', 'fay is seated');
    seated.type('main.ts', 'const seat = 1;');
    await eventually(() => seated.connection.unsyncedChanges === 0, 'the facilitator’s edit is stored');

    const observerJoin = await api.joinDojo(dojoId, { as: 'observer' });
    expect(observerJoin).toMatchObject({ ok: true, value: { role: 'observer', observing: true } });
    if (!observerJoin.ok) return;
    watching = await connect(observerJoin.value, { userId, name: 'Fay' });
    await eventually(() => watching.text('main.ts') === 'const seat = 1;', 'the observer sees the code');
  });

  it('cannot write the code document', async () => {
    watching.type('main.ts', ' // from the observer seat');
    await eventually(() => watching.eventsNamed('editRejected').length === 1, 'the observer is told');
    expect(watching.eventsNamed('editRejected')[0]?.data.reason).toBe('observers cannot edit the code');
    await eventually(() => watching.text('main.ts') === 'const seat = 1;', 'the observer’s document is back');
    expect(seated.text('main.ts')).toBe('const seat = 1;');
  });

  it('carries no facilitator powers in the room', async () => {
    for (const [name, args] of [
      ['start', {}],
      ['lock', { mode: 'driver' }],
      ['summon', { path: 'main.ts', line: 1 }],
    ] as const) {
      expect(await watching.connection.send(name, args as never)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    expect(seated.control.phase).toBe('lobby');
  });

  it('shows as an observer to the others', async () => {
    await eventually(
      () =>
        seated.connection
          .peers()
          .some((peer) => peer.clientId === watching.connection.awareness.clientID && peer.role === 'observer'),
      'the observer seat is stamped observer',
    );
  });

  it('leaves the same person’s facilitator seat as it was', async () => {
    expect(await seated.connection.send('lock', { mode: 'open' })).toMatchObject({ ok: true });
    seated.type('main.ts', '\nconst still = 2;');
    await eventually(
      () => watching.text('main.ts') === 'const seat = 1;\nconst still = 2;',
      'the facilitator seat still writes',
    );
  });
});
