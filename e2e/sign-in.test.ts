/**
 * Signing in and staying signed in, in Debian's Chromium against the all-in-one process (issue 16):
 * sign-up shows the team's address (and says when a taken name got a suffix); signing out opens the
 * form on "Sign in"; sign-in starts from the email alone and lets a person in two teams choose one;
 * two tabs of one browser keep one session across access-token expiries (ten-second tokens here),
 * refreshing once between them; a sign-out in one tab signs the other out with a message, and signing
 * in again there returns to the page it was on; a session the API refuses to refresh says so.
 * Screenshots go to test-artifacts/sign-in/.
 */
import { type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { launchChromium } from './support/signed-in-browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('sign-in', { fullPage: true });
const password = 'correct horse battery staple';
/**
 * Access tokens live 9–10 s (`exp` is in whole seconds); waiting this long outlives any of them. Long
 * enough that both tabs finish their pages within one token's life on a loaded two-core machine, so
 * each expiry costs exactly one refresh.
 */
const accessTokenTtl = 10;
const outliveAccessToken = () => new Promise((resolve) => setTimeout(resolve, accessTokenTtl * 1000 + 200));

interface StoredSession {
  refreshToken: string;
  tenant: { name: string; slug: string };
}

async function storedSession(context: BrowserContext): Promise<StoredSession | undefined> {
  const entry = (await context.storageState()).origins[0]?.localStorage.find((item) => item.name === 'pocdojo.session');
  return entry ? (JSON.parse(entry.value) as StoredSession) : undefined;
}

async function signInWithEmail(page: Page, email: string, secret = password): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('signing in, in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let context: BrowserContext;
  let tabA: Page;
  let tabB: Page;
  let suffixedSlug = '';
  const shoot = (page: Page, name: string) => screenshots.take(page, name);
  const signOutButton = (page: Page) => page.getByRole('button', { name: 'Sign out' });

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack({ env: { API_ACCESS_TOKEN_TTL: `${accessTokenTtl}s` } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    tabA = await context.newPage();
    tabA.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows a new team its address after sign-up', async () => {
    await tabA.goto(stack.origin);
    await tabA.getByRole('tab', { name: 'Sign in', selected: true }).waitFor();
    await tabA.getByRole('tab', { name: 'Create a team' }).click();
    await tabA.getByLabel('Team name').fill('Dojo Guild');
    await tabA.getByLabel('Your name').fill('Ada');
    await tabA.getByLabel('Email').fill('ada@guild.test');
    await tabA.getByLabel('Password').fill(password);
    await tabA.getByRole('button', { name: 'Create team' }).click();
    await tabA.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
    const welcome = tabA.getByRole('region', { name: 'Dojo Guild is ready' });
    expect(await welcome.innerText()).toContain('Your team’s address is dojo-guild.');
    expect(await welcome.innerText()).not.toContain('suffix');
    await shoot(tabA, 'team-address');
    await welcome.getByRole('button', { name: 'Dismiss' }).click();
    await welcome.waitFor({ state: 'detached' });
  });

  it('opens the form on "Sign in" after signing out, without a message', async () => {
    await signOutButton(tabA).click();
    await tabA.getByRole('tab', { name: 'Sign in', selected: true }).waitFor();
    await tabA.getByRole('button', { name: 'Continue' }).waitFor();
    expect(await tabA.getByRole('status').count()).toBe(0);
    expect(await storedSession(context)).toBeUndefined();
    expect(await seriousViolations(tabA)).toEqual([]);
  });

  it('tells a second team with a taken name the address it got instead', async () => {
    await tabA.getByRole('tab', { name: 'Create a team' }).click();
    await tabA.getByLabel('Team name').fill('Dojo Guild');
    await tabA.getByLabel('Your name').fill('Ada');
    await tabA.getByLabel('Email').fill('ada@guild.test');
    await tabA.getByLabel('Password').fill(password);
    await tabA.getByRole('button', { name: 'Create team' }).click();
    const welcome = tabA.getByRole('region', { name: 'Dojo Guild is ready' });
    await welcome.waitFor();
    suffixedSlug = (await storedSession(context))?.tenant.slug ?? '';
    expect(suffixedSlug).toMatch(/^dojo-guild-[0-9a-f]{6}$/);
    expect(await welcome.innerText()).toContain(
      `Your team’s address is ${suffixedSlug}: another team already had this name, so a suffix was added.`,
    );
    await shoot(tabA, 'suffixed-address');
    await signOutButton(tabA).click();
  });

  it('refuses a wrong password and an unknown address with the same words', async () => {
    await signInWithEmail(tabA, 'ada@guild.test', 'not the password');
    await tabA.getByText('Email or password is wrong.').waitFor();
    await tabA.getByRole('button', { name: 'Use another email' }).click();
    await signInWithEmail(tabA, 'nobody@guild.test');
    await tabA.getByText('Email or password is wrong.').waitFor();
    await tabA.getByRole('button', { name: 'Use another email' }).click();
  });

  it('signs in from the email alone and lets a person in two teams choose one', async () => {
    await signInWithEmail(tabA, 'ada@guild.test');
    await tabA.getByRole('heading', { name: 'Choose a team' }).waitFor();
    const teams = tabA.getByRole('list', { name: 'Choose a team' }).getByRole('button');
    expect(await teams.allTextContents()).toEqual([`Dojo Guild dojo-guild`, `Dojo Guild ${suffixedSlug}`]);
    expect(await seriousViolations(tabA)).toEqual([]);
    await shoot(tabA, 'choose-team');
    await tabA.getByRole('button', { name: suffixedSlug }).click();
    await tabA.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
    expect((await storedSession(context))?.tenant.slug).toBe(suffixedSlug);
  });

  it('keeps two tabs signed in and working across access-token expiries, refreshing one at a time', async () => {
    // Each refresh's token, and how many were in flight at once: two tabs presenting one refresh token
    // would revoke the session, so refreshes must never overlap and never reuse a token. (A step slower
    // than the token's lifetime on a loaded machine may legitimately need a second, later refresh.)
    const refreshes: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const isRefresh = (request: Request) => request.url().endsWith('/api/v1/auth/refresh');
    context.on('request', (request) => {
      if (!isRefresh(request)) return;
      refreshes.push(request.postData() ?? '');
      mostInFlight = Math.max(mostInFlight, ++inFlight);
    });
    const settled = (request: Request) => {
      if (isRefresh(request)) inFlight--;
    };
    context.on('requestfinished', settled);
    context.on('requestfailed', settled);
    await tabA.getByRole('link', { name: 'Reports' }).click();
    await tabA.getByRole('heading', { name: 'POCs per month' }).waitFor();
    tabB = await context.newPage();
    tabB.setDefaultTimeout(15_000);
    await tabB.goto(`${stack.origin}/#/users`);
    await tabB.getByRole('cell', { name: 'ada@guild.test' }).waitFor();

    for (const [a, b] of [
      ['Users', 'Reports'],
      ['Reports', 'Users'],
    ] as const) {
      await outliveAccessToken();
      refreshes.length = 0;
      await Promise.all([tabA.getByRole('link', { name: a }).click(), tabB.getByRole('link', { name: b }).click()]);
      for (const [page, target] of [
        [tabA, a],
        [tabB, b],
      ] as const) {
        if (target === 'Users') await page.getByRole('cell', { name: 'ada@guild.test' }).waitFor();
        else await page.getByRole('heading', { name: 'POCs per month' }).waitFor();
      }
      expect(refreshes.length).toBeGreaterThanOrEqual(1);
      expect(new Set(refreshes).size).toBe(refreshes.length);
    }
    expect(mostInFlight).toBe(1);
    for (const page of [tabA, tabB]) expect(await signOutButton(page).isVisible()).toBe(true);
    await shoot(tabB, 'second-tab-after-expiries');
  });

  it('signs the other tab out with a message, and brings it back to its page after signing in', async () => {
    await signOutButton(tabA).click();
    await tabB.getByText('You signed out in another tab — sign in again to continue.').waitFor();
    expect(tabB.url()).toContain('next=%2Fusers');
    await shoot(tabB, 'signed-out-in-another-tab');
    await signInWithEmail(tabB, 'ada@guild.test');
    await tabB.getByRole('button', { name: suffixedSlug }).click();
    await tabB.getByRole('cell', { name: 'ada@guild.test' }).waitFor();
    expect(tabB.url()).toMatch(/#\/users$/);
    // The tab that signed out adopts the new session too.
    await tabA.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
  });

  it('tells a person whose session ended to sign in again, and returns them to their page', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await other.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(stack.origin);
    await page.getByRole('tab', { name: 'Create a team' }).click();
    await page.getByLabel('Team name').fill('Solo Studio');
    await page.getByLabel('Email').fill('solo@studio.test');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
    // Signed out on another device: the refresh token this browser holds is revoked.
    const revoked = await page.request.post(`${stack.origin}/api/v1/auth/logout`, {
      data: { refreshToken: (await storedSession(other))?.refreshToken },
    });
    expect(revoked.status()).toBe(204);
    await outliveAccessToken();
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByText('Your session expired — sign in again.').waitFor();
    expect(page.url()).toContain('next=%2Freports');
    await shoot(page, 'session-expired');
    await signInWithEmail(page, 'solo@studio.test');
    await page.getByRole('heading', { name: 'POCs per month' }).waitFor();
    await other.close();
  });
});
