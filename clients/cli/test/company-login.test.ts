import { execFile } from 'node:child_process';
import { mkdtemp, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from '@pocdojo/api/testing/api-harness';
import { signInAtProvider, startTestProvider, type TestProvider } from '@pocdojo/api/testing/oidc-test-provider';
import { logInWithCompany } from '../src/company-login.ts';
import { CredentialStore } from '../src/credentials.ts';
import { signInMethodsFor } from '../src/login.ts';

/**
 * `pocdojo login --sso` against the API on a real port and a real OpenID Connect provider
 * (`oidc-provider`): the "system browser" is a driver that follows the provider's redirects, fills in
 * its login page, and follows the API's redirect to the command's loopback listener, as a browser does.
 */
const run = promisify(execFile);
const repoRoot = new URL('../../..', import.meta.url).pathname;

let api: TestApi;
let provider: TestProvider;
let server: string;
let callbackUri: string;
let admin: SignedUp;

/**
 * A port held until `release`: the API must know its public address before it starts, and a port given
 * back at once could be taken by another test's server in the seconds the provider and the API need.
 */
async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  return { port, release: () => new Promise<void>((resolve) => holder.close(() => resolve())) };
}

/** A fresh configuration folder, as on another machine. */
const freshStore = async () => new CredentialStore(join(await mkdtemp(join(tmpdir(), 'pocdojo-sso-')), 'pocdojo'));

/**
 * The system browser of a person who signs in at the provider as `login`. `open` returns as soon as the
 * browser is launched, so the drive goes on after it returns; `tab` is the page the listener answered.
 * `rewrite` lets a test change the redirect to the loopback listener before the browser follows it.
 */
function browser(login: string, rewrite: (toListener: URL) => URL = (url) => url) {
  let tab: Promise<{ status: number; text: string }> | undefined;
  return {
    open: (authorizationUrl: string) => {
      tab = (async () => {
        const callbackUrl = await signInAtProvider(authorizationUrl, login, callbackUri);
        const toListener = (await fetch(callbackUrl, { redirect: 'manual' })).headers.get('location') ?? '';
        const page = await fetch(rewrite(new URL(toListener)));
        return { status: page.status, text: await page.text() };
      })();
      return Promise.resolve();
    },
    tab: () => {
      if (!tab) throw new Error('the browser was never opened');
      return tab;
    },
  };
}

beforeAll(async () => {
  const { port, release } = await reservePort();
  server = `http://127.0.0.1:${port}`;
  callbackUri = `${server}/api/v1/auth/sso/callback`;
  provider = await startTestProvider({ redirectUri: callbackUri });
  api = await startTestApi({ env: { API_PUBLIC_URL: server, API_SSO_ALLOW_HTTP_ISSUERS: 'true' } });
  await release();
  await api.app.listen({ port, host: '127.0.0.1' });
  admin = await signUp(api.app, 'Initech');
  const configured = await call(api.app, 'PUT', '/api/v1/tenant/sso', {
    token: admin.accessToken,
    body: {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      domains: ['initech.test'],
    },
  });
  expect(configured.status, JSON.stringify(configured.body)).toBe(200);
  const dojo = await call(api.app, 'POST', '/api/v1/dojos', {
    token: admin.accessToken,
    body: { title: 'FizzBuzz from the company', format: 'randori', language: 'typescript' },
  });
  expect(dojo.status, JSON.stringify(dojo.body)).toBe(201);
  provider.accounts.set('bob', { email: 'bob@initech.test', name: 'Bob' });
  provider.accounts.set('carol', { email: 'carol@initech.test', name: 'Carol' });
  provider.accounts.set('dave', { email: 'dave@initech.test', name: 'Dave', emailVerified: false });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await provider?.close();
});

describe('pocdojo login --sso', () => {
  it('signs Bob in through the browser and stores the session like a password login, usable by dojos', async () => {
    const store = await freshStore();
    const bob = browser('bob');
    const said: string[] = [];
    const outcome = await logInWithCompany(store, {
      server,
      account: { team: admin.tenant.slug },
      openBrowser: bob.open,
      say: (text) => said.push(text),
    });
    expect(outcome).toMatchObject({ kind: 'signedIn', user: { displayName: 'Bob' }, team: { name: 'Initech' } });
    expect(await bob.tab()).toEqual({ status: 200, text: expect.stringContaining('You can close this tab') as string });
    // The address is printed too, for a browser that did not open.
    expect(said.join('\n')).toContain(`${provider.issuer}/auth?`);

    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.folder)).mode & 0o777).toBe(0o700);
    expect(await store.read()).toMatchObject({ server, session: { user: { email: 'bob@initech.test' } } });
    const { stdout } = await run(process.execPath, ['clients/cli/bin/pocdojo.js', 'dojos'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: join(store.folder, '..') },
    });
    expect(stdout).toContain('FizzBuzz from the company  randori typescript');
  });

  it('is offered for an address of the domain Bob’s sign-in verified, and signs in by that address', async () => {
    expect(await signInMethodsFor(server, 'carol@initech.test')).toEqual({
      company: { name: 'Initech', slug: admin.tenant.slug },
      password: true,
    });
    expect(await signInMethodsFor(server, 'carol@elsewhere.test')).toEqual({ password: true });
    const store = await freshStore();
    const carol = browser('carol');
    const outcome = await logInWithCompany(store, {
      server,
      account: { email: 'carol@initech.test' },
      openBrowser: carol.open,
      say: () => undefined,
    });
    expect(outcome).toMatchObject({ kind: 'signedIn', user: { email: 'carol@initech.test' } });
    expect((await carol.tab()).status).toBe(200);
  });

  it('refuses a redirect carrying another state and stores nothing', async () => {
    const store = await freshStore();
    const forged = browser('carol', (toListener) => {
      toListener.searchParams.set('state', 'a-state-this-command-never-made');
      return toListener;
    });
    const outcome = await logInWithCompany(store, {
      server,
      account: { team: admin.tenant.slug },
      openBrowser: forged.open,
      say: () => undefined,
    });
    expect(outcome).toEqual({
      kind: 'refused',
      message: expect.stringMatching(/a sign-in this command did not start .*nothing was stored/) as string,
    });
    const tab = await forged.tab();
    expect(tab.status).toBe(400);
    expect(tab.text).toContain('Sign-in refused');
    expect(await store.read()).toBeUndefined();
  });

  it('shows why the API refused the company sign-in, and stores nothing', async () => {
    const store = await freshStore();
    const dave = browser('dave');
    const outcome = await logInWithCompany(store, {
      server,
      account: { team: admin.tenant.slug },
      openBrowser: dave.open,
      say: () => undefined,
    });
    expect(outcome).toEqual({
      kind: 'refused',
      message: expect.stringMatching(/^The company sign-in was refused: .*verified/) as string,
    });
    expect((await dave.tab()).status).toBe(400);
    expect(await store.read()).toBeUndefined();
  });

  it('gives up with a clear message when the browser never comes back', async () => {
    const store = await freshStore();
    const said: string[] = [];
    const outcome = await logInWithCompany(store, {
      server,
      account: { team: admin.tenant.slug },
      say: (text) => said.push(text),
      timeoutMs: 2_000,
    });
    expect(outcome).toEqual({
      kind: 'refused',
      message: expect.stringMatching(/^no answer from the browser within 2 seconds; nothing was stored/) as string,
    });
    expect(said.join('\n')).toContain(`${provider.issuer}/auth?`);
    expect(await store.read()).toBeUndefined();
  });

  it('explains an unknown team before opening any browser', async () => {
    const outcome = await logInWithCompany(await freshStore(), {
      server,
      account: { team: 'no-such-team' },
      openBrowser: () => Promise.reject(new Error('no browser should open')),
      say: () => undefined,
    });
    expect(outcome).toEqual({ kind: 'refused', message: 'no company sign-in is set up for this address or team' });
  });
});
