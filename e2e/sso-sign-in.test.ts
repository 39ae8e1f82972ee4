/**
 * Company sign-in in Debian's Chromium against the all-in-one process (issue 21): a real OpenID
 * provider (`oidc-provider`, started here) whose own login page the browser fills in. A person invited
 * to a team signs in with the company account from the invitation link, which verifies the company's
 * domain; after that, typing any address of the domain offers "Continue with <team>", and an admin finds
 * the settings and the verified domain on the Company sign-in page. A refused sign-in (an expired ID
 * token) says why on the sign-in form.
 * Screenshots go to test-artifacts/sso-sign-in/.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '@pocdojo/api/testing/oidc-test-provider';
import { seriousViolations } from './support/accessibility.ts';
import { launchChromium } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('sso-sign-in', { fullPage: true });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('company sign-in, in a real browser', () => {
  let stack: WebStack;
  let provider: TestProvider;
  let browser: Browser;
  let page: Page;
  let team = { slug: '', name: 'Initech' };
  let adminToken = '';
  const shoot = (name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    provider = await startTestProvider({ redirectUri: `${origin}/api/v1/auth/sso/callback` });
    provider.accounts.set('peter', { email: 'peter@initech.test', name: 'Peter Gibbons' });
    stack = await startWebStack({
      env: { PORT: String(port), API_PUBLIC_URL: origin, API_SSO_ALLOW_HTTP_ISSUERS: 'true' },
    });
    const signup = await fetch(`${stack.origin}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantName: 'Initech', email: 'bill@lumbergh.test', password: 'correct horse battery' }),
    });
    const admin = (await signup.json()) as { accessToken: string; tenant: { slug: string; name: string } };
    team = admin.tenant;
    adminToken = admin.accessToken;
    const configured = await fetch(`${stack.origin}/api/v1/tenant/sso`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        domains: ['initech.test'],
      }),
    });
    expect(configured.status).toBe(200);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await provider?.close();
  });

  /** The provider's own login page (oidc-provider's development interaction): any password. */
  const loginAtProvider = async (login: string) => {
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
  };

  it('signs an invited person in with the company account, from the invitation link', async () => {
    await page.goto(`${stack.origin}/#/signin?tenant=${team.slug}`);
    await page.getByRole('button', { name: 'Sign in with your company account' }).click();
    await loginAtProvider('peter');
    await page.getByText('Peter Gibbons · Initech').waitFor();
    await shoot('signed-in-through-the-provider');
    expect(new URL(page.url()).search).toBe('');
  });

  it('offers "Continue with" the company for an address of its verified domain', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill('peter@initech.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    const continueWith = page.getByRole('button', { name: 'Continue with Initech' });
    await continueWith.waitFor();
    await shoot('continue-with-the-company');
    expect(await seriousViolations(page)).toEqual([]);
    await continueWith.click();
    // The provider remembers the person (its own session cookie) or asks again: either way, back here.
    await page.waitForURL((url) => url.origin === stack.origin || url.origin === provider.issuer);
    if (new URL(page.url()).origin === provider.issuer) await loginAtProvider('peter');
    await page.getByText('Peter Gibbons · Initech').waitFor();
  });

  it('says why a sign-in the provider answered badly was refused', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    const now = Math.floor(Date.now() / 1000);
    provider.tamper = (claims, sign) => sign({ ...claims, iat: now - 7200, exp: now - 3600 });
    try {
      await page.getByLabel('Email').fill('peter@initech.test');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue with Initech' }).click();
      await page.waitForURL((url) => url.origin === stack.origin || url.origin === provider.issuer);
      if (new URL(page.url()).origin === provider.issuer) await loginAtProvider('peter');
      await page.getByRole('alert').filter({ hasText: 'the ID token has expired' }).waitFor();
      await shoot('refused-expired-id-token');
    } finally {
      provider.tamper = undefined;
    }
  });

  it('shows the admin the settings, the redirect URI to register and the verified domain', async () => {
    await page.getByLabel('Email').fill('bill@lumbergh.test');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Sign-in' }).click();
    await page.getByRole('heading', { name: 'Company sign-in' }).waitFor();
    await expect.poll(() => page.getByLabel('Issuer URL').inputValue()).toBe(provider.issuer);
    await page.getByText('initech.test: verified').waitFor();
    await page.getByText(`${stack.origin}/api/v1/auth/sso/callback`).waitFor();
    await shoot('admin-settings');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
