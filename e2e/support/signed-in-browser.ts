/**
 * Debian's Chromium for browser tests that set their data up through the REST API (the SDK's client
 * in Node) and open the app already signed in: the session goes into localStorage before the app's
 * first script runs, exactly where the app keeps it after a sign-in.
 */
import { ApiClient, type Session } from '@pocdojo/sdk/api-client';
import { type Browser, chromium, type Page } from 'playwright-core';

export const password = 'correct horse battery staple';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // A generated tone as the microphone, and no permission prompt: voice works headless.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/** Signs up a new team on the stack; the client is signed in as its first admin. */
export async function signUpTeam(origin: string, teamName: string, displayName = 'Ada'): Promise<ApiClient> {
  const client = new ApiClient({ baseUrl: origin });
  const email = `${displayName.toLowerCase()}-${Date.now()}@${teamName.toLowerCase().replace(/\W+/g, '-')}.test`;
  const signedUp = await client.signup({ tenantName: teamName, email, password, displayName });
  if (!signedUp.ok) throw new Error(`sign-up failed: ${signedUp.error.message}`);
  return client;
}

/** Adds a member with `roles` to the admin's team and returns their signed-in client. */
export async function addMember(
  origin: string,
  admin: ApiClient,
  displayName: string,
  roles: Session['user']['roles'],
): Promise<ApiClient> {
  const email = `${displayName.toLowerCase()}-${Date.now()}@members.test`;
  const created = await admin.createUser({ email, displayName, roles, password });
  if (!created.ok) throw new Error(`adding ${displayName} failed: ${created.error.message}`);
  const client = new ApiClient({ baseUrl: origin });
  const signedIn = await client.login({ tenant: admin.session?.tenant.slug ?? '', email, password });
  if (!signedIn.ok) throw new Error(`${displayName} could not sign in: ${signedIn.error.message}`);
  return client;
}

/**
 * A page of a new browser context signed in as `client`'s user. The session is stored only when the
 * page has none, so a reload keeps the tokens the app refreshed since.
 */
export async function signedInPage(
  browser: Browser,
  client: ApiClient,
  viewport: { width: number; height: number },
): Promise<Page> {
  const context = await browser.newContext({ viewport, permissions: ['microphone'] });
  await context.addInitScript(
    `if (!localStorage.getItem('pocdojo.session')) localStorage.setItem('pocdojo.session', ${JSON.stringify(
      JSON.stringify(client.session),
    )});`,
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}
