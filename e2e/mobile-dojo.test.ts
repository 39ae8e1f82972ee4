/**
 * The dojo room on a phone (390×844, the viewport of a current mid-size phone), in Debian's Chromium:
 * it opens at the top with the title, phase, timer, driver and navigator in view, the page itself
 * never scrolls (each panel scrolls inside), and one tab bar reaches the code, the chat, the people
 * and voice, so the chat input and the editor are a thumb away. Screenshots go to
 * test-artifacts/mobile-dojo/.
 */
import type { ApiClient } from '@pocdojo/sdk/api-client';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('mobile-dojo');
const phone = { width: 390, height: 844 };

/** The element's box lies wholly inside the phone's screen as the page is now scrolled. */
async function onScreen(locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  if (!box) return false;
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= phone.width && box.y + box.height <= phone.height;
}

/** How far the page (not a panel inside it) is scrolled, and how much more it could scroll. */
const pageScroll = (page: Page) =>
  page.evaluate<{ top: number; overflow: number }>(
    `({ top: window.scrollY, overflow: document.documentElement.scrollHeight - window.innerHeight })`,
  );

describe('the dojo room on a phone', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let dojoUrl = '';
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    const admin: ApiClient = await signUpTeam(stack.origin, 'Pocket Team');
    const teammate = await addMember(stack.origin, admin, 'Bob', ['participant']);
    const poc = await admin.createPoc({ name: 'Pocket kata', language: 'typescript', tags: [], status: 'active' });
    if (!poc.ok) throw new Error(poc.error.message);
    const dojo = await admin.createDojo({
      title: 'Bowling kata',
      pocId: poc.value.id,
      format: 'randori',
      language: 'typescript',
    });
    if (!dojo.ok) throw new Error(dojo.error.message);
    dojoUrl = `${stack.origin}/#/dojos/${dojo.value.id}`;
    ada = await signedInPage(browser, admin, phone);
    bob = await signedInPage(browser, teammate, phone);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lets the facilitator set up and start the session from the tab bar', async () => {
    await bob.goto(dojoUrl);
    await bob.getByRole('heading', { name: 'Bowling kata' }).waitFor();
    await ada.goto(dojoUrl);
    await ada.getByRole('heading', { name: 'Bowling kata' }).waitFor();
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    await ada.getByRole('button', { name: 'Put Bob in the rotation' }).click();
    await ada.getByRole('button', { name: 'Put Ada in the rotation' }).click();
    await ada.getByRole('button', { name: 'Start' }).click();
    await ada.locator('.phase', { hasText: 'running' }).waitFor();
    await shoot(ada, 'facilitate');
    await ada.getByRole('tab', { name: 'Chat' }).click();
    for (const text of ['Morning!', 'Bob drives first', 'Tests first, please']) {
      await ada.getByLabel('Message').fill(text);
      await ada.getByRole('button', { name: 'Send' }).click();
      await ada.locator('.message', { hasText: text }).waitFor();
    }
  });

  it('opens at the top, with the title, phase, timer, driver and navigator on screen', async () => {
    // A chat with history used to scroll the whole page to its last message on load.
    await ada.reload();
    await ada.getByRole('heading', { name: 'Bowling kata' }).waitFor();
    await ada.locator('.turn strong', { hasText: 'Bob' }).waitFor();
    await ada.locator('.cm-content').waitFor();
    await ada.waitForTimeout(500);
    expect(await pageScroll(ada)).toEqual({ top: 0, overflow: 0 });
    for (const part of [
      ada.getByRole('heading', { name: 'Bowling kata' }),
      ada.locator('.phase', { hasText: 'running' }),
      ada.locator('.timer'),
      ada.locator('.turn', { hasText: 'Driver: Bob' }).locator('strong', { hasText: 'Bob' }),
      ada.locator('.turn', { hasText: 'Navigator: Ada' }).locator('strong', { hasText: 'Ada' }),
    ])
      expect(await onScreen(part)).toBe(true);
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'opened');
  });

  it('shows the code first, with an editor that fills the screen and takes typing', async () => {
    expect(await ada.getByRole('tab', { name: 'Code', selected: true }).isVisible()).toBe(true);
    const editor = ada.locator('.cm-editor');
    expect(await onScreen(editor)).toBe(true);
    expect((await editor.boundingBox())?.height).toBeGreaterThan(phone.height / 2);
    await ada.locator('.cm-content').click();
    await ada.keyboard.type('export const score = (rolls: number[]) => 0;');
    await bob.getByText('export const score').waitFor();
    await shoot(ada, 'code');
  });

  it('reaches the chat input without scrolling the page', async () => {
    await ada.getByRole('tab', { name: 'Chat' }).click();
    const input = ada.getByLabel('Message');
    expect(await onScreen(input)).toBe(true);
    expect(await onScreen(ada.getByRole('button', { name: 'Send' }))).toBe(true);
    expect(await onScreen(ada.locator('.message', { hasText: 'Tests first, please' }))).toBe(true);
    await input.fill('Typed with one thumb');
    await ada.getByRole('button', { name: 'Send' }).click();
    await bob.getByRole('tab', { name: 'Chat' }).click();
    await bob.locator('.message', { hasText: 'Typed with one thumb' }).waitFor();
    expect((await pageScroll(ada)).top).toBe(0);
    await shoot(ada, 'chat');
  });

  it('reaches the people and voice panels from the same tab bar', async () => {
    await bob.getByRole('tab', { name: /People/ }).click();
    expect(await onScreen(bob.getByRole('button', { name: 'Raise hand' }))).toBe(true);
    await shoot(bob, 'people');
    await bob.getByRole('tab', { name: 'Voice' }).click();
    expect(await onScreen(bob.getByRole('button', { name: 'Join voice' }))).toBe(true);
    await shoot(bob, 'voice');
    expect(await pageScroll(bob)).toEqual({ top: 0, overflow: 0 });
  });
});
