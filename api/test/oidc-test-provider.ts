import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A real, certified OpenID Connect provider (`oidc-provider`) on a spare loopback port, for the single
 * sign-on tests: one confidential client, PKCE required, accounts the test defines, and its development
 * login page (any password) that `signInAtProvider` fills in like a browser would.
 *
 * `tamper` lets a test play a misbehaving or malicious provider: it rewrites the ID token the token
 * endpoint answers, re-signed with the provider's own key (wrong issuer, expired, another nonce) or
 * with a key it never published (bad signature). This is the provider's own response, changed after
 * the fact through its documented middleware hook, not a stand-in for it.
 */
export interface TestAccount {
  email: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export type IdTokenTamper = (claims: JWTPayload, sign: SignIdToken) => Promise<string>;
export type SignIdToken = (claims: JWTPayload, key?: 'published' | 'unpublished') => Promise<string>;

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  tamper: IdTokenTamper | undefined;
  close(): Promise<void>;
}

export async function startTestProvider(options: { redirectUri: string }): Promise<TestProvider> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const unpublished = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const privateJwk: JWK = { ...(await exportJWK(published.privateKey)), kid, alg: 'RS256', use: 'sig' };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const clientId = 'pocdojo-test';
  const clientSecret = 'a-client-secret-of-the-test-provider';

  const configuration: Configuration = {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri] }],
    jwks: { keys: [privateJwk] },
    pkce: { required: () => true },
    // The claims go into the ID token itself, as Keycloak, Entra, Google and Cognito put them there.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    cookies: { keys: ['test-provider-cookie-key'] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            ...(account.name && { name: account.name }),
            ...(account.groups && { groups: account.groups }),
          };
        },
      };
    },
    // A first-party client: the person is not asked to consent after logging in.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const testProvider: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: undefined,
    async close() {
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  const sign: SignIdToken = (claims, key = 'published') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(key === 'published' ? published.privateKey : unpublished.privateKey);
  provider.use(async (ctx, next) => {
    await next();
    const tamper = testProvider.tamper;
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && tamper && typeof body?.id_token === 'string') {
      ctx.body = { ...body, id_token: await tamper(decodeJwt(body.id_token), sign) };
    }
  });
  server.on('request', provider.callback());
  return testProvider;
}

/**
 * Plays the browser from the authorization URL: follows redirects with the provider's cookies, fills in
 * its login form as `login`, and stops at the first redirect to `stopAt` (the API's callback), whose URL
 * it answers.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, stopAt: string): Promise<string> {
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  };
  let next: { url: string; form?: URLSearchParams } = { url: authorizationUrl };
  for (let step = 0; step < 12; step += 1) {
    if (next.url.startsWith(stopAt)) return next.url;
    const response = await fetch(next.url, {
      method: next.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(next.form && { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(next.form && { body: next.form }),
    });
    remember(response);
    const location = response.headers.get('location');
    if (location) {
      next = { url: new URL(location, next.url).toString() };
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (!action) throw new Error(`the provider answered ${response.status} without a form: ${page.slice(0, 300)}`);
    next = {
      url: new URL(action.replaceAll('&amp;', '&'), next.url).toString(),
      form: new URLSearchParams({ prompt: 'login', login, password: 'any password' }),
    };
  }
  throw new Error('the provider never redirected back');
}
