/**
 * Company single sign-on through OpenID Connect (issue 21), against a real certified provider
 * (`oidc-provider`) started by the test, with the API listening on a real port so the browser's round
 * trip (provider → the API's callback → the client's redirect) is made of real HTTP redirects. On the
 * Postgres server and on the embedded PGlite (the default of `npm start`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, addUser, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';
import { signInAtProvider, startTestProvider, type TestProvider } from './oidc-test-provider.ts';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each([
  { database: 'Postgres', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('company sign-in with OpenID Connect on $database', ({ embedded }) => {
  let api: TestApi;
  let provider: TestProvider;
  let publicUrl: string;
  let callbackUri: string;
  let admin: SignedUp;
  let accounts = 0;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    callbackUri = `${publicUrl}/api/v1/auth/sso/callback`;
    provider = await startTestProvider({ redirectUri: callbackUri });
    api = await startTestApi({ embedded, env: { API_PUBLIC_URL: publicUrl, API_SSO_ALLOW_HTTP_ISSUERS: 'true' } });
    await api.app.listen({ port, host: '127.0.0.1' });
    admin = await signUp(api.app, 'Initech');
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  /** A person at the provider; answers the login to type there. */
  const person = (account: { email?: string; groups?: string[]; name?: string; emailVerified?: boolean } = {}) => {
    accounts += 1;
    const login = `person-${accounts}`;
    provider.accounts.set(login, { email: `${login}@initech.test`, ...account });
    return { login, email: account.email ?? `${login}@initech.test` };
  };

  const configure = (body: Record<string, unknown>, token = admin.accessToken) =>
    call<Record<string, unknown> & Problem>(api.app, 'PUT', '/api/v1/tenant/sso', { token, body });

  const settings = (overrides: Record<string, unknown> = {}) => ({
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    domains: ['initech.test'],
    groupsClaim: 'groups',
    groupRoles: [{ group: 'dojo-admins', roles: ['admin', 'facilitator'] }],
    ...overrides,
  });

  const usersNamed = (email: string) =>
    api.database.db.selectFrom('users').select(['id', 'roles', 'password_hash']).where('email', '=', email).execute();

  /**
   * One sign-in as a client does it: start, the browser at the provider, the API's callback, and the
   * client's redirect. Answers where the browser ended up and, with a code, the redeemed session.
   */
  const signIn = async (
    login: string,
    options: {
      tenant?: string;
      email?: string;
      redirectUri?: string;
      beforeCallback?: (url: string) => Promise<string>;
    } = {},
  ) => {
    const pkce = pkcePair();
    const clientState = randomBytes(16).toString('base64url');
    const start = await call<{ authorizationUrl: string } & Problem>(api.app, 'POST', '/api/v1/auth/sso/start', {
      body: {
        ...(options.email ? { email: options.email } : { tenant: options.tenant ?? admin.tenant.slug }),
        redirectUri: options.redirectUri ?? `${publicUrl}/`,
        state: clientState,
        codeChallenge: pkce.challenge,
      },
    });
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    let callbackUrl = await signInAtProvider(start.body.authorizationUrl, login, callbackUri);
    if (options.beforeCallback) callbackUrl = await options.beforeCallback(callbackUrl);
    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    const landed = new URL(callback.headers.get('location') ?? 'http://nowhere.invalid/');
    expect(landed.searchParams.get('state')).toBe(clientState);
    const code = landed.searchParams.get('code');
    const session = code
      ? await call<SignedUp & Problem>(api.app, 'POST', '/api/v1/auth/sso/token', {
          body: { code, codeVerifier: pkce.verifier },
        })
      : undefined;
    return { callbackUrl, callbackStatus: callback.status, landed, code, pkce, session };
  };

  it('tells an admin the redirect URI to register at the provider before anything is set up', async () => {
    expect((await call(api.app, 'GET', '/api/v1/tenant/sso', { token: admin.accessToken })).status).toBe(404);
    const redirect = await call(api.app, 'GET', '/api/v1/tenant/sso/redirect-uri', { token: admin.accessToken });
    expect(redirect.body).toEqual({ redirectUri: callbackUri });
    const participant = await addUser(api.app, admin, ['participant']);
    const refused = await call(api.app, 'GET', '/api/v1/tenant/sso/redirect-uri', { token: participant.accessToken });
    expect(refused.status).toBe(403);
  });

  it('lets only admins configure it, checks the issuer by discovery and never hands the secret back', async () => {
    const participant = await addUser(api.app, admin, ['participant']);
    expect((await configure(settings(), participant.accessToken)).status).toBe(403);

    // The provider names itself 127.0.0.1: the same server reached as localhost is another issuer.
    const wrongIssuer = await configure(settings({ issuer: provider.issuer.replace('127.0.0.1', 'localhost') }));
    expect(wrongIssuer.status).toBe(400);
    expect(wrongIssuer.body.detail).toMatch(/could not be discovered/);
    expect((await configure(settings({ clientSecret: undefined }))).body.detail).toMatch(/clientSecret is required/);

    const saved = await configure(settings());
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      issuer: provider.issuer,
      clientSecretSet: true,
      defaultRole: 'participant',
      domains: [{ domain: 'initech.test', verified: false }],
      passwordSignIn: true,
      redirectUri: callbackUri,
    });
    const read = await call(api.app, 'GET', '/api/v1/tenant/sso', { token: admin.accessToken });
    expect(read.body).toEqual(saved.body);
    expect(JSON.stringify(read.body)).not.toContain(provider.clientSecret);
    const stored = await api.database.db
      .selectFrom('tenant_sso')
      .select('client_secret_sealed')
      .executeTakeFirstOrThrow();
    expect(stored.client_secret_sealed).not.toContain(provider.clientSecret);
    expect((await call(api.app, 'GET', '/api/v1/tenant/sso', { token: participant.accessToken })).status).toBe(403);
  });

  it('signs a new person in, provisions them with the default role and verifies the domain they came from', async () => {
    const before = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', {
      body: { email: 'anyone@initech.test' },
    });
    expect(before.body).toEqual({ methods: [{ kind: 'password' }] });

    const { login, email } = person({ name: 'Peter Gibbons' });
    const { session, landed } = await signIn(login);
    expect(landed.origin + landed.pathname).toBe(`${publicUrl}/`);
    expect(session?.status).toBe(200);
    expect(session?.body).toMatchObject({
      user: { email, displayName: 'Peter Gibbons', roles: ['participant'] },
      tenant: admin.tenant,
    });
    const pocs = await call(api.app, 'GET', '/api/v1/pocs', { token: session?.body.accessToken });
    expect(pocs.status).toBe(200);
    const [stored] = await usersNamed(email);
    expect(stored?.password_hash).toBeNull();

    // The provider vouched for an initech.test address: the domain now announces the team's sign-in,
    // the same way for every address of it, with or without an account.
    const methods = {
      methods: [{ kind: 'sso', tenant: { name: 'Initech', slug: admin.tenant.slug } }, { kind: 'password' }],
    };
    for (const address of [email, 'nobody-here@initech.test']) {
      const reply = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', { body: { email: address } });
      expect(reply.body).toEqual(methods);
    }
    const elsewhere = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', { body: { email: 'x@other.test' } });
    expect(elsewhere.body).toEqual({ methods: [{ kind: 'password' }] });

    // Signing in again finds the same person, by email address this time.
    const again = await signIn(login, { email });
    expect(again.session?.body.user.id).toBe(session?.body.user.id);
  });

  it('gives the roles of the mapped groups', async () => {
    const { login } = person({ groups: ['dojo-admins', 'unrelated'] });
    const { session } = await signIn(login);
    expect(session?.body.user.roles.sort()).toEqual(['admin', 'facilitator']);
    const { login: plain } = person({ groups: ['unrelated'] });
    expect((await signIn(plain)).session?.body.user.roles).toEqual(['participant']);
  });

  describe.each([
    {
      refusal: 'an ID token from another issuer',
      tamper: (sign: Sign, claims: Claims) => sign({ ...claims, iss: 'https://idp.attacker.test' }),
      reason: /issued by another provider/,
    },
    {
      refusal: 'an ID token signed with a key the provider does not publish',
      tamper: (sign: Sign, claims: Claims) => sign(claims, 'unpublished'),
      reason: /signature does not match/,
    },
    {
      refusal: 'an expired ID token',
      tamper: (sign: Sign, claims: Claims) => {
        const now = Math.floor(Date.now() / 1000);
        return sign({ ...claims, iat: now - 7200, exp: now - 3600 });
      },
      reason: /expired/,
    },
    {
      refusal: 'an ID token with another nonce',
      tamper: (sign: Sign, claims: Claims) => sign({ ...claims, nonce: 'a-nonce-of-another-sign-in' }),
      reason: /nonce mismatch/,
    },
  ])('refuses $refusal', ({ tamper, reason }) => {
    it('with a clear error, creating nobody and no session', async () => {
      const { login, email } = person();
      provider.tamper = (claims, sign) => tamper(sign, claims);
      try {
        const { landed, code } = await signIn(login);
        expect(code).toBeNull();
        expect(landed.searchParams.get('error')).toBe('access_denied');
        expect(landed.searchParams.get('error_description')).toMatch(reason);
      } finally {
        provider.tamper = undefined;
      }
      expect(await usersNamed(email)).toEqual([]);
    });
  });

  it('provisions nobody from outside the team’s domains, but signs in a member the admin added', async () => {
    const outsider = person({ email: `outsider${accounts}@gmail.test` });
    const refused = await signIn(outsider.login);
    expect(refused.landed.searchParams.get('error_description')).toMatch(/not in the team’s email domains/);
    expect(await usersNamed(outsider.email)).toEqual([]);

    const contractor = person({ email: `contractor${accounts}@gmail.test` });
    await addUser(api.app, admin, ['observer'], contractor.email);
    const { session } = await signIn(contractor.login);
    // The team maps groups to roles, so the provider decides them: no mapped group gives the default.
    expect(session?.body.user).toMatchObject({ email: contractor.email, roles: ['participant'] });
  });

  it('refuses a replayed provider response', async () => {
    const { login } = person();
    const first = await signIn(login);
    expect(first.session?.status).toBe(200);
    const replay = await fetch(first.callbackUrl, { redirect: 'manual' });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as Problem).detail).toMatch(/already used or has expired/);
  });

  it('refuses a code injected into another sign-in (its PKCE verifier does not match)', async () => {
    const attacker = person();
    // The attacker finishes a sign-in at the provider and keeps the callback (the code) to themselves.
    let stolen = '';
    await signIn(attacker.login, {
      beforeCallback: async (url) => {
        stolen = url;
        return `${callbackUri}?state=${new URL(url).searchParams.get('state')}&error=access_denied`;
      },
    });
    const victim = person();
    const { landed } = await signIn(victim.login, {
      beforeCallback: async (url) => {
        const injected = new URL(url);
        injected.searchParams.set('code', new URL(stolen).searchParams.get('code') ?? '');
        return injected.toString();
      },
    });
    expect(landed.searchParams.get('error_description')).toMatch(/refused the authorization code/);
    expect(await usersNamed(victim.email)).toEqual([]);
    expect(await usersNamed(attacker.email)).toEqual([]);
  });

  it('refuses a one-time code redeemed without the client’s PKCE verifier, and spends it', async () => {
    const { login } = person();
    const pkce = pkcePair();
    const start = await call<{ authorizationUrl: string }>(api.app, 'POST', '/api/v1/auth/sso/start', {
      body: {
        tenant: admin.tenant.slug,
        redirectUri: `${publicUrl}/`,
        state: 'client-state-1',
        codeChallenge: pkce.challenge,
      },
    });
    const callbackUrl = await signInAtProvider(start.body.authorizationUrl, login, callbackUri);
    const landed = new URL((await fetch(callbackUrl, { redirect: 'manual' })).headers.get('location') ?? '');
    const code = landed.searchParams.get('code');
    const wrong = await call<Problem>(api.app, 'POST', '/api/v1/auth/sso/token', {
      body: { code, codeVerifier: pkcePair().verifier },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toMatch(/code verifier does not match/);
    const missing = await call<{ errors: { field: string }[] }>(api.app, 'POST', '/api/v1/auth/sso/token', {
      body: { code },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((error) => error.field)).toEqual(['codeVerifier']);
    const late = await call<Problem>(api.app, 'POST', '/api/v1/auth/sso/token', {
      body: { code, codeVerifier: pkce.verifier },
    });
    expect(late.status).toBe(401);
    expect(late.body.detail).toMatch(/already used/);
  });

  it('refuses to send the browser anywhere but the web app or a loopback listener', async () => {
    const start = (redirectUri: string) =>
      call<Problem>(api.app, 'POST', '/api/v1/auth/sso/start', {
        body: { tenant: admin.tenant.slug, redirectUri, state: 'client-state-2', codeChallenge: pkcePair().challenge },
      });
    for (const redirectUri of ['https://evil.test/', `${publicUrl}.evil.test/`, 'http://localhost:9999/callback']) {
      const reply = await start(redirectUri);
      expect(reply.status, redirectUri).toBe(400);
      expect(reply.body.detail).toMatch(/loopback/);
    }
    expect((await start('http://127.0.0.1:43210/callback')).status).toBe(200);
    const unknown = await call<Problem>(api.app, 'POST', '/api/v1/auth/sso/start', {
      body: {
        email: 'someone@unclaimed.test',
        redirectUri: `${publicUrl}/`,
        state: 'client-state-3',
        codeChallenge: pkcePair().challenge,
      },
    });
    expect(unknown.status).toBe(404);
  });

  it('signs a native client in through the system browser and a loopback redirect (RFC 8252)', async () => {
    const { login, email } = person();
    // The native client: a one-shot listener on a free loopback port, as `pocdojo login --sso` runs it.
    let received: URL | undefined;
    const listener: Server = createServer((request, response) => {
      received = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.end('Signed in: you can close this tab.');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
    try {
      const pkce = pkcePair();
      const started = await fetch(`${publicUrl}/api/v1/auth/sso/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, redirectUri, state: 'native-state-123', codeChallenge: pkce.challenge }),
      });
      const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
      // The system browser: the provider, then the API's callback, which redirects to the listener.
      const callbackUrl = await signInAtProvider(authorizationUrl, login, callbackUri);
      const toListener = (await fetch(callbackUrl, { redirect: 'manual' })).headers.get('location') ?? '';
      expect(toListener.startsWith(`${redirectUri}?`)).toBe(true);
      await fetch(toListener);
      expect(received?.searchParams.get('state')).toBe('native-state-123');
      const token = await fetch(`${publicUrl}/api/v1/auth/sso/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: received?.searchParams.get('code'), codeVerifier: pkce.verifier }),
      });
      expect(token.status).toBe(200);
      const session = (await token.json()) as SignedUp;
      expect(session.user.email).toBe(email);
      const pocs = await fetch(`${publicUrl}/api/v1/pocs`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(pocs.status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('turns password sign-in off once a company sign-in proved the domain', async () => {
    const other = await signUp(api.app, 'Chotchkies');
    const unproven = await call<Problem>(api.app, 'PUT', '/api/v1/tenant/sso', {
      token: other.accessToken,
      body: settings({ domains: ['chotchkies.test'], passwordSignIn: false }),
    });
    expect(unproven.status).toBe(409);
    expect(unproven.body.detail).toMatch(/verified one of the team’s domains/);

    const off = await configure(settings({ passwordSignIn: false }));
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ passwordSignIn: false, domains: [{ domain: 'initech.test', verified: true }] });
    const methods = await call(api.app, 'POST', '/api/v1/auth/sign-in-methods', {
      body: { email: 'bob@initech.test' },
    });
    expect(methods.body).toEqual({ methods: [{ kind: 'sso', tenant: { name: 'Initech', slug: admin.tenant.slug } }] });

    const password = 'correct horse battery';
    for (const body of [
      { email: admin.user.email, password },
      { email: admin.user.email, password, tenant: admin.tenant.slug },
    ]) {
      const login = await call<Problem>(api.app, 'POST', '/api/v1/auth/login', { body });
      expect(login.status).toBe(403);
      expect(login.body.detail).toBe(
        'Initech signs in with its company sign-in: passwords are turned off for this team',
      );
    }
    // A wrong password learns nothing about the policy of the address's teams.
    const wrong = await call<Problem>(api.app, 'POST', '/api/v1/auth/login', {
      body: { email: admin.user.email, password: 'wrong password' },
    });
    expect(wrong.status).toBe(401);

    expect((await call(api.app, 'DELETE', '/api/v1/tenant/sso', { token: admin.accessToken })).status).toBe(204);
    const back = await call(api.app, 'POST', '/api/v1/auth/login', { body: { email: admin.user.email, password } });
    expect(back.status).toBe(200);
  });

  it('writes company sign-ins, their refusals and every settings change to the audit trail', async () => {
    const trail = async (action: string) => {
      const page = await call<{ items: { action: string; details: Record<string, unknown> }[] }>(
        api.app,
        'GET',
        `/api/v1/audit?action=${action}`,
        { token: admin.accessToken },
      );
      return page.body.items.map(({ details }) => details);
    };
    expect(await trail('sign_in')).toContainEqual({ method: 'sso' });
    expect(await trail('sign_in_failed')).toContainEqual(
      expect.objectContaining({ method: 'sso', reason: expect.stringMatching(/nonce mismatch/) }),
    );
    const changes = await trail('sso_settings_changed');
    expect(changes).toContainEqual(expect.objectContaining({ passwordSignIn: false }));
    expect(changes).toContainEqual({ removed: true, passwordSignIn: true });
  });
});

type Claims = Parameters<NonNullable<TestProvider['tamper']>>[0];
type Sign = Parameters<NonNullable<TestProvider['tamper']>>[1];
