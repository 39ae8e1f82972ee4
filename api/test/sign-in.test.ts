/**
 * Signing in from the email address alone (issue 16): nobody has to know a team's slug, and no answer
 * tells which addresses have accounts. On the Postgres server and on the embedded PGlite, since the
 * cross-team lookup goes through a SECURITY DEFINER function both must run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

const password = 'correct horse battery';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

describe.each([
  { database: 'Postgres', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('signing in by email on $database', ({ embedded }) => {
  let api: TestApi;
  let people = 0;
  /** A fresh address per test, so one test's failures never lock another's address. */
  const freshEmail = (name: string) => `${name}${(people += 1)}${embedded ? 'e' : 'p'}@sign-in.test`;

  beforeAll(async () => {
    api = await startTestApi({ embedded, env: { API_LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(async () => {
    await api?.close();
  });

  const signUp = async (tenantName: string, email: string, secret = password) => {
    const reply = await call<SignedUp & { slugSuffixed: boolean }>(api.app, 'POST', '/api/v1/auth/signup', {
      body: { tenantName, email, password: secret },
    });
    expect(reply.status).toBe(201);
    return reply.body;
  };
  const login = (body: { email: string; password: string; tenant?: string }) =>
    call<SignedUp & { teams?: { name: string; slug: string }[] } & Problem>(api.app, 'POST', '/api/v1/auth/login', {
      body,
    });

  it('tells a known and an unknown address alike to continue with a password', async () => {
    const email = freshEmail('known');
    await signUp('Methods Co', email);
    const known = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', { body: { email } });
    const unknown = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', {
      body: { email: freshEmail('nobody') },
    });
    expect(known).toMatchObject({ status: 200, body: { methods: [{ kind: 'password' }] } });
    expect(unknown.body).toEqual(known.body);
    const invalid = await call<{ errors: { field: string }[] }>(api.app, 'POST', '/api/v1/auth/sign-in-methods', {
      body: { email: 'not an address' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error) => error.field)).toEqual(['email']);
  });

  it('signs in to the only team of an address without its slug', async () => {
    const email = freshEmail('solo');
    const admin = await signUp('Solo Co', email);
    const reply = await login({ email: ` ${email.toUpperCase()} `, password });
    expect(reply.status).toBe(200);
    expect(reply.body.tenant).toEqual(admin.tenant);
    expect(reply.body.user).toEqual(admin.user);
    const pocs = await call(api.app, 'GET', '/api/v1/pocs', { token: reply.body.accessToken });
    expect(pocs.status).toBe(200);
  });

  it('offers the teams whose password matches to choose from, then signs in to the chosen one', async () => {
    const email = freshEmail('many');
    const first = await signUp('Guild One', email);
    const second = await signUp('Guild Two', email);
    // Same address, another password: this team is neither offered nor revealed.
    await signUp('Guild Three', email, 'a different password');
    const choice = await login({ email, password });
    expect(choice.status).toBe(200);
    expect(choice.body).toEqual({
      teams: [
        { name: 'Guild One', slug: first.tenant.slug },
        { name: 'Guild Two', slug: second.tenant.slug },
      ],
    });
    const chosen = await login({ email, password, tenant: second.tenant.slug });
    expect(chosen.status).toBe(200);
    expect(chosen.body.tenant).toEqual(second.tenant);
    expect(chosen.body.user.id).toBe(second.user.id);
    // The other password opens its own team directly.
    const other = await login({ email, password: 'a different password' });
    expect(other.body.tenant?.name).toBe('Guild Three');
  });

  it('answers a wrong password and an unknown address with the same 401', async () => {
    const email = freshEmail('secret');
    await signUp('Secret One', email);
    await signUp('Secret Two', email);
    const wrongPassword = await login({ email, password: 'not the password' });
    const unknownAddress = await login({ email: freshEmail('stranger'), password });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers['content-type']).toContain('application/problem+json');
    expect(wrongPassword.body).toMatchObject({ code: 'unauthorized', detail: 'email or password is wrong' });
    expect(unknownAddress).toMatchObject({ status: 401, body: wrongPassword.body });
  });

  it('locks an address after repeated failures, known or not, whichever team was tried', async () => {
    const email = freshEmail('locked');
    const admin = await signUp('Locked Co', email);
    const stranger = freshEmail('unknown');
    for (const attempt of [
      { email, password: 'wrong 1' },
      { email, password: 'wrong 2', tenant: admin.tenant.slug },
      { email, password: 'wrong 3' },
    ]) {
      expect((await login(attempt)).status).toBe(401);
      expect((await login({ ...attempt, email: stranger })).status).toBe(401);
    }
    const locked = await login({ email, password });
    const strangerLocked = await login({ email: stranger, password });
    expect(locked).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(strangerLocked).toMatchObject({ status: 429, body: locked.body });
    expect((await login({ email, password, tenant: admin.tenant.slug })).status).toBe(429);
  });

  it('keeps the slug login for scripts', async () => {
    const email = freshEmail('script');
    const admin = await signUp('Script Co', email);
    const reply = await login({ email, password, tenant: admin.tenant.slug });
    expect(reply.status).toBe(200);
    expect(reply.body.tenant).toEqual(admin.tenant);
    const wrongTeam = await login({ email, password, tenant: 'no-such-team' });
    expect(wrongTeam.body).toMatchObject({ status: 401, detail: 'team, email or password is wrong' });
  });

  it('says when a team name was taken, so that its slug got a suffix', async () => {
    const first = await signUp('Twin Name', freshEmail('twin'));
    const second = await signUp('Twin Name', freshEmail('twin'));
    expect(first).toMatchObject({ slugSuffixed: false, tenant: { slug: 'twin-name' } });
    expect(second.slugSuffixed).toBe(true);
    expect(second.tenant.slug).toMatch(/^twin-name-[0-9a-f]{6}$/);
  });
});
