/**
 * The audit trail and personal-data requests in Debian's Chromium: an admin reads the team's audit trail,
 * filters it and downloads it as CSV; a member downloads their data from their account page; the admin
 * erases the member from the team page, choosing in the dialog who gets their POCs, and makes another one
 * an admin, which that member's open app picks up.
 */
import { readFile } from 'node:fs/promises';
import type { ApiClient } from '@pocdojo/sdk/api-client';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';

const viewport = { width: 1280, height: 800 };

describe('the audit trail and personal-data requests in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let admin: ApiClient;
  let zoe: ApiClient;
  let hal: ApiClient;
  let adminPage: Page;

  beforeAll(async () => {
    await ensureWebBuild();
    stack = await startWebStack();
    browser = await launchChromium();
    admin = await signUpTeam(stack.origin, 'Audit Team');
    zoe = await addMember(stack.origin, admin, 'Zoe', ['participant']);
    hal = await addMember(stack.origin, admin, 'Hal', ['participant']);
    const poc = await zoe.createPoc({ name: 'Zoe’s spike', language: 'Go' });
    if (!poc.ok) throw new Error(poc.error.message);
    adminPage = await signedInPage(browser, admin, viewport);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const downloaded = async (page: Page, button: string) => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: button }).click(),
    ]);
    return { name: download.suggestedFilename(), body: await readFile(await download.path()) };
  };

  it('shows an admin the audit trail, filtered by action, and downloads it as CSV', async () => {
    await adminPage.goto(`${stack.origin}/#/audit`);
    await adminPage.getByRole('heading', { name: 'Audit' }).waitFor();
    const table = adminPage.getByRole('table', { name: 'Audit entries, newest first' });
    await table.getByRole('cell', { name: 'poc created' }).waitFor();
    expect(await table.getByRole('cell', { name: 'person added' }).count()).toBe(3);
    expect(await seriousViolations(adminPage)).toEqual([]);

    await adminPage.getByLabel('Action').selectOption('poc_created');
    await adminPage.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().innerText()).toContain('Zoe');

    const csv = await downloaded(adminPage, 'Download CSV');
    expect(csv.name).toBe('audit.csv');
    const lines = csv.body.toString('utf8').trim().split(/\r\n/);
    expect(lines[0]).toContain('seq,at,action,actor_id,actor_name');
    expect(lines.slice(1).map((line) => line.split(',')[2])).toEqual(['poc_created']);
  });

  it('lets a member download everything held about them from their account page', async () => {
    const page = await signedInPage(browser, zoe, viewport);
    await page.goto(`${stack.origin}/#/pocs`);
    await page.getByRole('link', { name: /Zoe · Audit Team/ }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await page.getByRole('link', { name: 'Audit', exact: true }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    const archive = await downloaded(page, 'Download my data');
    expect(archive.name).toBe('pocdojo-my-data.zip');
    const files = unzipSync(new Uint8Array(archive.body));
    expect(JSON.parse(strFromU8(files['profile.json'] ?? new Uint8Array()))).toMatchObject({ displayName: 'Zoe' });
    expect(JSON.parse(strFromU8(files['pocs.json'] ?? new Uint8Array()))).toMatchObject([{ name: 'Zoe’s spike' }]);
    await page.getByRole('status').filter({ hasText: 'Your data was downloaded.' }).waitFor();
    await page.context().close();
  });

  it('erases a member from the team page, their POCs going to the member the admin chooses', async () => {
    const zoePage = await signedInPage(browser, zoe, viewport);
    await zoePage.goto(`${stack.origin}/#/pocs`);
    await zoePage.getByRole('link', { name: /Zoe · Audit Team/ }).waitFor();
    await adminPage.goto(`${stack.origin}/#/users`);
    await adminPage.getByRole('button', { name: 'Erase Zoe' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Erase Zoe?' });
    await dialog.waitFor();
    // Cancel has the focus: a hurried Enter erases nobody.
    expect(await adminPage.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Cancel');
    expect(await seriousViolations(adminPage)).toEqual([]);
    await dialog.getByRole('radio', { name: 'Give them to' }).check();
    await dialog.getByLabel('Member who receives the POCs').selectOption({ label: 'Hal' });
    await dialog.getByRole('button', { name: 'Erase' }).click();
    await adminPage
      .getByRole('status')
      .filter({ hasText: 'Zoe was erased: 1 POCs reassigned, 0 videos removed.' })
      .waitFor();
    await adminPage.getByRole('cell', { name: 'a former member' }).waitFor();
    expect(await adminPage.getByRole('cell', { name: 'Zoe', exact: true }).count()).toBe(0);

    // Her open page signs her out at its next call, saying why: not an expiry she could sign in again after.
    await zoePage.reload();
    await zoePage.getByText('Your account was erased from this team.').waitFor();
    await zoePage.context().close();

    const pocs = await admin.listPocs();
    expect(pocs.ok && pocs.value.items.map((poc) => [poc.name, poc.ownerId])).toEqual([
      ['Zoe’s spike', hal.session?.user.id],
    ]);
    await adminPage.goto(`${stack.origin}/#/audit`);
    await adminPage.getByRole('cell', { name: 'person erased' }).waitFor();
  });

  it('makes a member an admin and facilitator from the team page; their open app picks it up at once', async () => {
    const dojo = await admin.createDojo({ title: 'Roman numerals', format: 'mob', language: 'typescript' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    const halPage = await signedInPage(browser, hal, viewport);
    await halPage.goto(`${stack.origin}/#/dojos/${dojo.value.id}`);
    await halPage.getByText('You: participant').waitFor();
    await nextSecond();

    await adminPage.goto(`${stack.origin}/#/users`);
    await adminPage.getByRole('button', { name: 'Roles of Hal' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Roles of Hal' });
    await dialog.waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);
    await dialog.getByRole('checkbox', { name: 'admin' }).check();
    await dialog.getByRole('checkbox', { name: 'facilitator' }).check();
    await dialog.getByRole('button', { name: 'Save roles' }).click();
    await adminPage.getByRole('status').filter({ hasText: 'Hal is now admin, facilitator, participant.' }).waitFor();

    // His dojo connection closes on the revoked token and comes back with a fresh join, as a facilitator.
    await halPage.getByText('You: facilitator').waitFor();
    await halPage.getByRole('tab', { name: 'Facilitate' }).waitFor();
    await halPage.goto(`${stack.origin}/#/users`);
    await halPage.getByRole('heading', { name: 'Add a member' }).waitFor();
    await halPage.context().close();
  });
});
