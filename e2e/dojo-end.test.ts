/**
 * Ending and reopening a dojo in Debian's Chromium (driven by playwright-core): the facilitator's End
 * asks for confirmation in an accessible dialog (Cancel and Escape leave the dojo running); once ended
 * the driver sees a notice and a read-only editor and cannot type; Reopen gives the driver the editor
 * back. Screenshots go to test-artifacts/dojo-end/, numbered.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { editorText } from './support/editor-text.ts';
import { Screenshots } from './support/screenshots.ts';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';

const screenshots = new Screenshots('dojo-end', { fullPage: true });

describe('ending and reopening a dojo in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    // The team, Bob and the dojo come from the REST API; the story is in the browsers.
    const admin = await signUpTeam(stack.origin, 'End Co');
    const teammate = await addMember(stack.origin, admin, 'Bob', ['participant']);
    const dojo = await admin.createDojo({ title: 'Bowling kata', format: 'randori', language: 'typescript' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    ada = await signedInPage(browser, admin, { width: 1366, height: 820 });
    bob = await signedInPage(browser, teammate, { width: 1280, height: 800 });
    for (const page of [ada, bob]) {
      await page.goto(`${stack.origin}/#/dojos/${dojo.value.id}`);
      await page.getByRole('heading', { name: 'Bowling kata' }).waitFor();
      await page.locator('.cm-content').waitFor();
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('starts with Bob driving', async () => {
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    await ada.getByRole('button', { name: 'Put Bob in the rotation' }).click();
    await ada.getByText('Rotation: Bob').waitFor();
    await ada.getByRole('button', { name: 'Start' }).click();
    await bob.locator('.phase', { hasText: 'running' }).waitFor();
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type('// frame one');
    await ada.getByText('// frame one').waitFor();
  });

  it('asks before ending, and Cancel or Escape leave the dojo running', async () => {
    await ada.getByRole('button', { name: 'End', exact: true }).click();
    const dialog = ada.getByRole('dialog', { name: 'End this dojo?' });
    await dialog.waitFor();
    // Focus starts on Cancel, inside the dialog.
    expect(await ada.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Cancel');
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'confirm-end');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await ada.getByRole('button', { name: 'End', exact: true }).click();
    await dialog.waitFor();
    await ada.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await ada.locator('.phase').innerText()).toBe('running');
  });

  it('ends after confirmation: the driver gets a notice and cannot type', async () => {
    await ada.getByRole('button', { name: 'End', exact: true }).click();
    await ada.getByRole('dialog', { name: 'End this dojo?' }).getByRole('button', { name: 'End the dojo' }).click();
    await bob.getByText('This dojo has ended: the code is read-only for everyone.').waitFor();
    await bob.getByText('Read only: the dojo has ended').waitFor();
    expect(await bob.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
    expect(await bob.getByRole('button', { name: '+ File' }).count()).toBe(0);
    const before = await editorText(ada);
    expect(before).toMatch(/\/\/ frame one$/);
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type(' after the end');
    expect(await editorText(bob)).toBe(before);
    expect(await editorText(ada)).toBe(before);
    await ada.getByRole('button', { name: 'Reopen' }).waitFor();
    await shoot(bob, 'ended-driver');
  });

  it('reopens: the driver can type again', async () => {
    await ada.getByRole('button', { name: 'Reopen' }).click();
    await bob.locator('.phase', { hasText: 'paused' }).waitFor();
    await bob.getByText('This dojo has ended').waitFor({ state: 'detached' });
    // The editor takes its new read-only state in an effect, a frame after the banner goes.
    await expect.poll(() => bob.locator('.cm-content').getAttribute('contenteditable')).toBe('true');
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type(' // frame two');
    await ada.getByText('// frame one // frame two').waitFor();
    await shoot(bob, 'reopened-driver');
  });
});
