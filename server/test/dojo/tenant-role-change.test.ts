import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type DojoJoin } from '@pocdojo/sdk/api-client';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { connectJoined, Member, signUpFay } from './dojo-support.ts';

/**
 * A role the team changes reaches the dojos the person had joined before: the change revokes their
 * tokens, the next join token carries the new role, and the dojo lists and treats them with it. A role
 * a facilitator gave in the dojo stands. On the real server, with the real API and the SDK's connection.
 */
let server: ServerProcess;
let admin: ApiClient;
let dojoId: string;
let bobId: string;
const members: Member[] = [];
const bobLogin = { email: 'bob@roles.test', password: 'correct horse battery' };

async function enter(api: ApiClient): Promise<{ member: Member; join: DojoJoin }> {
  const joined = await api.joinDojo(dojoId);
  if (!joined.ok) throw new Error(joined.error.message);
  const userId = api.session?.user.id ?? '';
  const member = await connectJoined(server, joined.value, { userId, name: api.session?.user.displayName ?? userId });
  members.push(member);
  return { member, join: joined.value };
}

async function signedInBob(): Promise<ApiClient> {
  const bob = new ApiClient({ baseUrl: server.httpUrl });
  const login = await bob.login(bobLogin);
  if (!login.ok) throw new Error(login.error.message);
  return bob;
}

beforeAll(async () => {
  server = await ServerProcess.onTestDatabase();
  admin = await signUpFay(server, 'Roles Co');
  const bob = await admin.createUser({ ...bobLogin, displayName: 'Bob', roles: ['facilitator'] });
  if (!bob.ok) throw new Error(bob.error.message);
  bobId = bob.value.id;
  const dojo = await admin.createDojo({ title: 'Roles', format: 'randori', language: 'typescript' });
  if (!dojo.ok) throw new Error(dojo.error.message);
  dojoId = dojo.value.id;
});

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.dispose();
});

describe('a tenant role changed after the person joined a dojo', () => {
  it('reaches the dojo: a facilitator made a participant is listed as one and may no longer lead', async () => {
    const fay = (await enter(admin)).member;
    const before = await enter(await signedInBob());
    expect(before.join.role).toBe('facilitator');
    await eventually(() => fay.control.participants[bobId]?.role === 'facilitator', 'Bob is listed as facilitator');

    // A revocation spares tokens issued in its own second (they may be its replacements).
    await nextSecond();
    expect(await admin.changeRoles(bobId, ['participant'])).toMatchObject({ ok: true });
    await eventually(() => before.member.connection.status !== 'connected', 'Bob’s old connection is closed');
    before.member.leave();

    const after = await enter(await signedInBob());
    expect(after.join.role).toBe('participant');
    await eventually(() => fay.control.participants[bobId]?.role === 'participant', 'Bob is listed as participant');
    expect(await after.member.connection.send('start', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await fay.connection.send('start', {})).toMatchObject({ ok: true });
  });

  it('leaves a role a facilitator gave in the dojo standing when Bob joins again', async () => {
    const fay = members[0] as Member;
    expect(await fay.connection.send('grantRole', { userId: bobId, role: 'facilitator' })).toMatchObject({ ok: true });
    const again = await enter(await signedInBob());
    expect(again.join.role).toBe('participant');
    expect(await again.member.connection.send('pause', {})).toMatchObject({ ok: true });
    expect(fay.control.participants[bobId]).toMatchObject({ role: 'facilitator', granted: true });
  });
});
