/**
 * The services deployed apart, in Debian's Chromium: HAProxy (deploy/haproxy.split.cfg) in front of two
 * collab nodes, one API serving the web app, two media processes, the worker and the runner, on real
 * Postgres and Redis (e2e/support/split-stack.ts). Every service logs in to Postgres as the services'
 * restricted login (row-level security, no owner rights; docs/adr/0007-services-database-login.md), as a
 * deployment's do, and only migrations use the owner's. Two people open a dojo through the balancer and their
 * sockets land on different collab nodes; they type, chat and talk, their voice placed in one room on one
 * media process. Then the collab node holding Ada is killed (SIGKILL): her page reconnects through the
 * balancer to the other node and nothing she saw acknowledged is lost. Last, the media process holding
 * the call is killed: both browsers join voice again by themselves, on the other one.
 * Screenshots go to test-artifacts/split-topology/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '@pocdojo/shared/testing/service-process';
import { editorText } from './support/editor-text.ts';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { startSplitStack, type SplitStack } from './support/split-stack.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('split-topology');
const desktop = { width: 1280, height: 800 };

/** The running services whose gauge `name` reads more than zero. */
async function holding(stack: SplitStack, services: ServiceProcess[], name: string): Promise<ServiceProcess[]> {
  const running = services.filter((service) => service.running);
  const values = await Promise.all(running.map((service) => stack.gauge(service, name)));
  return running.filter((_, index) => (values[index] ?? 0) > 0);
}

/** Polls until `probe` holds; the machine is loaded, so generously. */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const acknowledged = (page: Page) =>
  page.waitForFunction(
    `document.querySelector('.status')?.textContent?.includes('Online') && !document.querySelector('.status')?.textContent?.includes('unsynced')`,
  );

describe('the split deployment behind HAProxy', () => {
  let stack: SplitStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let adaNode: ServiceProcess;
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startSplitStack();
    browser = await launchChromium();
    const admin = await signUpTeam(stack.origin, 'Split Team');
    const teammate = await addMember(stack.origin, admin, 'Bob', ['participant']);
    const dojo = await admin.createDojo({ title: 'Split kata', format: 'mob', language: 'python' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    const dojoUrl = `${stack.origin}/#/dojos/${dojo.value.id}`;
    ada = await signedInPage(browser, admin, desktop);
    bob = await signedInPage(browser, teammate, desktop);
    for (const page of [ada, bob]) page.setDefaultTimeout(30_000);
    await ada.goto(dojoUrl);
    await ada.getByRole('heading', { name: 'Split kata' }).waitFor();
    await ada.getByText('Online').waitFor();
    // Ada alone so far: the node holding a socket is hers.
    await eventually(
      async () => (await holding(stack, stack.collab, 'pocdojo_ws_connections')).length === 1,
      "Ada's socket counted",
    );
    [adaNode] = (await holding(stack, stack.collab, 'pocdojo_ws_connections')) as [ServiceProcess];
    await bob.goto(dojoUrl);
    await bob.getByRole('heading', { name: 'Split kata' }).waitFor();
    await bob.getByText('Online').waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  }, 120_000);

  it("runs every service on the services' restricted database login", async () => {
    const { connected, services } = await stack.databaseLogins();
    expect(connected).toEqual([services]);
  });

  it('has the two browsers on different collab nodes', async () => {
    await eventually(
      async () => (await holding(stack, stack.collab, 'pocdojo_ws_connections')).length === 2,
      'both collab nodes hold a socket',
    );
    expect(await stack.gauge(adaNode, 'pocdojo_ws_connections')).toBe(1);
  });

  it('shows each person the other’s typing across the two nodes', async () => {
    await ada.locator('.cm-content').click();
    await ada.keyboard.press('Control+End');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('# typed by Ada');
    await bob.getByText('typed by Ada').waitFor();
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.press('Enter');
    await bob.keyboard.type('# and Bob was here');
    await ada.getByText('and Bob was here').waitFor();
    await shoot(ada, 'typing');
  });

  it('chats both ways', async () => {
    await ada.getByRole('tab', { name: 'Chat' }).click();
    await bob.getByRole('tab', { name: 'Chat' }).click();
    await ada.getByLabel('Message').fill('Shall we start?');
    await ada.getByRole('button', { name: 'Send' }).click();
    await bob.locator('.message', { hasText: 'Shall we start?' }).waitFor();
    await bob.getByLabel('Message').fill('Ready when you are');
    await bob.getByRole('button', { name: 'Send' }).click();
    await ada.locator('.message', { hasText: 'Ready when you are' }).waitFor();
  });

  it('puts both in one voice room on one media process, hearing each other', async () => {
    for (const page of [ada, bob]) {
      await page.getByRole('tab', { name: 'Voice' }).click();
      await page.getByRole('button', { name: 'Join voice' }).click();
      await page.getByRole('button', { name: 'Leave voice' }).waitFor();
    }
    await ada.locator('.people li', { hasText: 'Bob' }).getByText('receiving audio').waitFor({ timeout: 60_000 });
    await bob.locator('.people li', { hasText: 'Ada' }).getByText('receiving audio').waitFor({ timeout: 60_000 });
    const rooms = await Promise.all(stack.media.map((media) => stack.gauge(media, 'media_peers')));
    expect([...rooms].sort()).toEqual([0, 2]);
    // The balancer sent the second voice socket to the other process, which sent it to the room's.
    const redirects = await Promise.all(stack.media.map((media) => stack.gauge(media, 'media_room_redirects_total')));
    expect(redirects.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(1);
    await shoot(bob, 'voice');
  });

  it('reconnects Ada through the balancer when her collab node is killed, losing nothing acknowledged', async () => {
    await ada.locator('.cm-content').click();
    await ada.keyboard.press('Control+End');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('# acknowledged before the crash');
    await acknowledged(ada);
    const survivor = stack.collab.find((node) => node !== adaNode);
    if (!survivor) throw new Error('one collab node only');

    await adaNode.kill();
    await ada.locator('.status', { hasText: /Reconnecting|Offline|Syncing/ }).waitFor({ timeout: 60_000 });
    await ada.locator('.status', { hasText: 'Online' }).waitFor({ timeout: 90_000 });
    // Both browsers on the surviving node now.
    expect(await stack.gauge(survivor, 'pocdojo_ws_connections')).toBe(2);
    await ada.keyboard.type(' (and after)');
    await bob.getByText('acknowledged before the crash (and after)').waitFor({ timeout: 60_000 });
    await acknowledged(ada);
    await shoot(ada, 'after-collab-crash');

    await ada.reload();
    await ada.getByText('acknowledged before the crash (and after)').waitFor({ timeout: 60_000 });
    expect(await editorText(ada)).toMatch(
      /# typed by Ada\n# and Bob was here\n# acknowledged before the crash \(and after\)$/,
    );
    await ada.getByRole('tab', { name: 'Chat' }).click();
    await ada.locator('.message', { hasText: 'Ready when you are' }).waitFor();
  });

  it('rejoins both browsers on the other media process when the one holding the call is killed', async () => {
    // Ada's reload brought her back into the call by itself.
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await ada.locator('.people li', { hasText: 'Bob' }).getByText('receiving audio').waitFor({ timeout: 60_000 });
    const [owner] = await holding(stack, stack.media, 'media_peers');
    const other = stack.media.find((media) => media !== owner);
    if (!owner || !other) throw new Error('no media process holds the call');

    await owner.kill();
    await eventually(
      async () => (await stack.gauge(other, 'media_peers')) === 2,
      'both in voice on the other process',
      90_000,
    );
    await ada.locator('.people li', { hasText: 'Bob' }).getByText('receiving audio').waitFor({ timeout: 60_000 });
    await bob.locator('.people li', { hasText: 'Ada' }).getByText('receiving audio').waitFor({ timeout: 60_000 });
    await shoot(bob, 'voice-after-media-crash');
  });

  it('met no refusal from row-level security or a missing grant in any service', () => {
    const refusals = stack.services.flatMap((service) =>
      service.logs
        .filter((line) => /permission denied|row-level security|must be owner/i.test(line))
        .map((line) => `${service.options.name}: ${line}`),
    );
    expect(refusals).toEqual([]);
  });
});
