/**
 * A token carries the roles it was issued with. When an admin changes a member's roles, the tokens the
 * member already holds are refused at once (not at their expiry): a demoted admin stops being one, and the
 * session comes back through a refresh with the new roles. On the Postgres server and on the embedded
 * PGlite, whose notifications travel differently.
 */
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

describe.each([
  { database: 'Postgres', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('a change of roles on $database', ({ embedded }) => {
  let api: TestApi;
  let admin: SignedUp;

  beforeAll(async () => {
    api = await startTestApi({ embedded });
    admin = await signUp(api.app, 'Revoking Co');
  });
  afterAll(async () => {
    await api?.close();
  });

  const listMembers = async (token: string) => (await call(api.app, 'GET', '/api/v1/users', { token })).status;
  const changeRoles = (id: string, roles: string[]) =>
    call(api.app, 'PATCH', `/api/v1/users/${id}/roles`, { token: admin.accessToken, body: { roles } });

  it('refuses the demoted member’s tokens at once; a refreshed session has the new roles', async () => {
    const demoted = await addUser(api.app, admin, ['admin', 'participant']);
    expect(await listMembers(demoted.accessToken)).toBe(200);

    await nextSecond();
    expect((await changeRoles(demoted.user.id, ['participant'])).status).toBe(200);

    await expect.poll(() => listMembers(demoted.accessToken)).toBe(401);
    const refreshed = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: demoted.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.roles).toEqual(['participant']);
    expect(await listMembers(refreshed.body.accessToken)).toBe(403);
  });

  it('leaves a member’s tokens alone when their roles stay the same', async () => {
    const kept = await addUser(api.app, admin, ['participant']);
    await nextSecond();
    expect((await changeRoles(kept.user.id, ['participant'])).status).toBe(200);
    // Whether a notification is coming cannot be waited for; the revocations every process reads can.
    const revocations = await api.database.pool.query<{ user_id: string }>(
      'SELECT user_id FROM pocdojo_token_revocations() WHERE user_id = $1',
      [kept.user.id],
    );
    expect(revocations.rows).toEqual([]);
    expect((await call(api.app, 'GET', '/api/v1/pocs', { token: kept.accessToken })).status).toBe(200);
  });
});
