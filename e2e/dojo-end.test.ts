/**
 * Ending and reopening a dojo in Debian's Chromium (driven by playwright-core): the facilitator's End
 * asks for confirmation in an accessible dialog (Cancel and Escape leave the dojo running); once ended
 * the driver sees a notice and a read-only editor and cannot type; Reopen gives the driver the editor
 * back. Screenshots go to test-artifacts/dojo-end/.
 */
import { mkdir, rm } from 'node:fs/promises';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/signed-in-browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@pocdojo/sdk/api-client';
import { seriousViolations } from './support/accessibility.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { editorText } from './support/editor-text.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';

const artifacts = new URL('../test-artifacts/dojo-end/', import.meta.url).pathname;
const password = 'correct horse battery staple';

describe('ending and reopening a dojo in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  const shoot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });

  beforeAll(async () => {
    await ensureWebBuild();
    await rm(artifacts, { recursive: true, force: true });
    await mkdir(artifacts, { recursive: true });
    stack = await startWebStack();
    browser = await launchChromium();
    ada = await (await browser.newContext({ viewport: { width: 1366, height: 820 } })).newPage();
    bob = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    for (const page of [ada, bob]) page.setDefaultTimeout(15_000);

    // The team, Bob and the dojo come from the REST API; the story is in the browsers.
    const api = new ApiClient({ baseUrl: stack.origin });
    const team = await api.signup({ tenantName: 'End Co', email: 'ada@end.test', password, displayName: 'Ada' });
    if (!team.ok) throw new Error(team.error.message);
    const added = await api.createUser({ email: 'bob@end.test', displayName: 'Bob', roles: ['participant'], password });
    if (!added.ok) throw new Error(added.error.message);
    const dojo = await api.createDojo({ title: 'Bowling kata', format: 'randori', language: 'typescript' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    const invite = `${stack.origin}/#/dojos/${dojo.value.id}?tenant=${team.value.session.tenant.slug}`;
    for (const [page, email] of [
      [ada, 'ada@end.test'],
      [bob, 'bob@end.test'],
    ] as const) {
      await page.goto(invite);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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
    expect(await bob.locator('.cm-content').getAttribute('contenteditable')).toBe('true');
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type(' // frame two');
    await ada.getByText('// frame one // frame two').waitFor();
    await shoot(bob, 'reopened-driver');
  });
});
