/**
 * The web app end to end in Debian's Chromium (driven by playwright-core): a facilitator signs up,
 * registers a POC, finds it again with a typo, reads the report, adds a teammate and an observer and
 * opens a dojo; the teammate joins through the invitation link in a second browser context; both type
 * in the shared editor and see each other's text and named cursors, talk over voice, chat both ways;
 * the facilitator starts, locks editing to the driver and rotates (the non-driver cannot type); a
 * reload keeps everything; the observer gets a read-only editor. Screenshots of every step go to test-artifacts/web/.
 */
import { type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { launchChromium } from './support/signed-in-browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { editorText } from './support/editor-text.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('web', { fullPage: true });
const password = 'correct horse battery staple';

/** The driver's name in the turn bar. */
const driver = (page: Page): Promise<string> => page.locator('.turn strong').first().innerText();

describe('the web app in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let inviteLink = '';
  let adaOffline = false;
  const adaSockets = new Set<WebSocketRoute>();
  let tenantSlug = '';
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    const adaContext = await browser.newContext({
      viewport: { width: 1366, height: 820 },
      permissions: ['microphone', 'clipboard-read', 'clipboard-write'],
    });
    // Ada's collaboration sockets pass through a switch the test can open, to take her offline.
    await adaContext.routeWebSocket(/\/collab$/, (socket) => {
      if (adaOffline) return socket.close({ code: 4000, reason: 'offline (test)' });
      socket.connectToServer();
      adaSockets.add(socket);
    });
    ada = await adaContext.newPage();
    bob = await (
      await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['microphone'] })
    ).newPage();
    for (const page of [ada, bob]) page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs up a new team and lands on the POC list', async () => {
    await ada.goto(stack.origin);
    await ada.getByRole('tab', { name: 'Create a team' }).click();
    expect(await seriousViolations(ada)).toEqual([]);
    await ada.getByLabel('Team name').fill('Acme Dojo');
    await ada.getByLabel('Your name').fill('Ada');
    await ada.getByLabel('Email').fill('ada@acme.test');
    await ada.getByLabel('Password').fill(password);
    await ada.getByRole('button', { name: 'Create team' }).click();
    await ada.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
    const stored = (await ada.context().storageState()).origins[0]?.localStorage.find(
      (entry) => entry.name === 'pocdojo.session',
    );
    tenantSlug = (JSON.parse(stored?.value ?? '{}') as { tenant: { slug: string } }).tenant.slug;
    expect(tenantSlug).not.toBe('');
    await shoot(ada, 'signed-up');
  });

  it('creates a POC', async () => {
    await ada.getByRole('button', { name: 'New POC' }).click();
    await ada.getByLabel('Name').fill('Kubernetes operator');
    await ada.getByLabel('Description').fill('Reconciles dojo rooms as custom resources.');
    await ada.getByLabel('Language').fill('go');
    await ada.getByLabel('Tags (comma separated)').fill('k8s, operator');
    await shoot(ada, 'poc-form');
    await ada.getByRole('button', { name: 'Create POC' }).click();
    await ada.getByRole('heading', { name: 'Kubernetes operator' }).waitFor();
    await shoot(ada, 'poc-created');
  });

  it('finds the POC again by a typo search', async () => {
    await ada.goto(`${stack.origin}/#/pocs`);
    await ada.getByLabel('Search POCs').fill('kubernets');
    await ada.getByRole('link', { name: /Kubernetes operator/ }).waitFor();
    await expect(ada.getByText('1 result', { exact: true }).isVisible()).resolves.toBe(true);
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'typo-search');
  });

  it('shows the year in figures on the reports page', async () => {
    await ada.getByRole('link', { name: 'Reports' }).click();
    await ada.getByRole('heading', { name: 'POCs per month' }).waitFor();
    expect(await ada.locator('.figure', { hasText: 'POCs' }).first().locator('.figure-value').innerText()).toBe('1');
    expect(await ada.getByRole('rowheader', { name: 'go' }).isVisible()).toBe(true);
    await shoot(ada, 'reports');
  });

  it('adds a teammate', async () => {
    await ada.getByRole('link', { name: 'Users' }).click();
    await ada.getByLabel('Name', { exact: true }).fill('Bob');
    await ada.getByLabel('Email').fill('bob@acme.test');
    await ada.getByLabel('Initial password').fill(password);
    await ada.getByRole('button', { name: 'Add member' }).click();
    await ada.getByRole('cell', { name: 'bob@acme.test' }).waitFor();
    await ada.getByLabel('Name', { exact: true }).fill('Olive');
    await ada.getByLabel('Email').fill('olive@acme.test');
    await ada.getByLabel('Initial password').fill(password);
    await ada.getByRole('checkbox', { name: 'participant' }).uncheck();
    await ada.getByRole('checkbox', { name: 'observer' }).check();
    await ada.getByRole('button', { name: 'Add member' }).click();
    await ada.getByRole('cell', { name: 'olive@acme.test' }).waitFor();
    await shoot(ada, 'teammates-added');
  });

  it('opens a dojo on the POC', async () => {
    await ada.goto(`${stack.origin}/#/pocs`);
    await ada.getByRole('link', { name: /Kubernetes operator/ }).click();
    await ada.getByLabel('Dojo title').fill('Operator kata');
    await ada.getByRole('button', { name: 'Start a dojo' }).click();
    await ada.getByRole('heading', { name: 'Operator kata' }).waitFor();
    await ada.getByText('Online').waitFor();
    await ada.locator('.cm-content').waitFor();
    // A Go dojo starts from the Go start point's kata (its test fails until someone solves it).
    expect(await ada.getByRole('button', { name: 'fizz_buzz.go', exact: true }).isVisible()).toBe(true);
    expect(await ada.getByRole('button', { name: 'fizz_buzz_test.go', exact: true }).isVisible()).toBe(true);
    await ada.getByRole('button', { name: 'Copy invite link' }).click();
    await ada.getByRole('button', { name: 'Link copied' }).waitFor();
    inviteLink = await ada.evaluate<string>('navigator.clipboard.readText()');
    expect(inviteLink).toBe(`${ada.url()}?tenant=${tenantSlug}`);
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'dojo-open');
  });

  it('lets the teammate join through the invitation link', async () => {
    await bob.goto(inviteLink);
    await bob.getByLabel('Email').fill('bob@acme.test');
    await bob.getByRole('button', { name: 'Continue' }).click();
    await bob.getByLabel('Password').fill(password);
    await bob.getByRole('button', { name: 'Sign in', exact: true }).click();
    await bob.getByRole('heading', { name: 'Operator kata' }).waitFor();
    await bob.locator('.cm-content').waitFor();
    await shoot(bob, 'teammate-joined');
  });

  it('shows both people each other’s text and named cursors', async () => {
    await ada.locator('.cm-content').click();
    await ada.keyboard.type('package main // typed by Ada');
    await bob.getByText('typed by Ada').waitFor();
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.press('Enter');
    await bob.keyboard.type('// and Bob was here');
    await ada.getByText('and Bob was here').waitFor();
    await ada.locator('.cm-ySelectionInfo', { hasText: 'Bob' }).waitFor();
    await bob.locator('.cm-ySelectionInfo', { hasText: 'Ada' }).waitFor();
    await shoot(ada, 'ada-sees-bob');
    await shoot(bob, 'bob-sees-ada');
  });

  it('connects both to voice and each hears the other', async () => {
    for (const page of [ada, bob]) {
      await page.getByRole('tab', { name: 'Voice' }).click();
      await page.getByRole('button', { name: 'Join voice' }).click();
      await page.getByRole('button', { name: 'Leave voice' }).waitFor();
    }
    await ada.locator('.people li', { hasText: 'Bob' }).getByText('receiving audio').waitFor();
    await bob.locator('.people li', { hasText: 'Ada' }).getByText('receiving audio').waitFor();
    await shoot(ada, 'voice');
    await ada.getByRole('button', { name: 'Mute', exact: true }).click();
    await ada.getByRole('button', { name: 'Unmute', exact: true }).click();
    await ada.getByRole('button', { name: 'Mute', exact: true }).waitFor();
  });

  it('lets the facilitator force-mute someone in voice, and unmute them', async () => {
    await ada.getByRole('button', { name: 'Mute Bob' }).click();
    await bob.getByText('A facilitator muted you.').waitFor();
    await shoot(bob, 'force-muted');
    await ada.getByRole('button', { name: 'Unmute Bob' }).click();
    await bob.getByText('A facilitator muted you.').waitFor({ state: 'hidden' });
  });

  it('chats both ways, with the author filled in by the server', async () => {
    await ada.getByRole('tab', { name: 'Chat' }).click();
    await bob.getByRole('tab', { name: 'Chat' }).click();
    await ada.getByLabel('Message').fill('Shall we start?');
    await ada.getByRole('button', { name: 'Send' }).click();
    await bob.locator('.message', { hasText: 'Shall we start?' }).locator('.author', { hasText: 'Ada' }).waitFor();
    await bob.getByLabel('Message').fill('Ready when you are');
    await bob.getByRole('button', { name: 'Send' }).click();
    await ada.locator('.message', { hasText: 'Ready when you are' }).locator('.author', { hasText: 'Bob' }).waitFor();
    await shoot(ada, 'chat');
  });

  it('lets the facilitator start, lock editing to the driver and rotate', async () => {
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    await ada.getByRole('button', { name: 'Put Bob in the rotation' }).click();
    await ada.getByText('Rotation: Bob').waitFor();
    await ada.getByRole('button', { name: 'Put Ada in the rotation' }).click();
    await ada.getByText('Rotation: Bob → Ada').waitFor();
    await ada.getByRole('button', { name: 'Start' }).click();
    await ada.locator('.phase', { hasText: 'running' }).waitFor();
    await ada.getByLabel('Who may type').selectOption('driver');
    expect(await driver(bob)).toBe('Bob');

    // Bob drives: Ada's editor is read-only, Bob types.
    await ada.getByText('Read only: editing is locked to the driver').waitFor();
    await ada.locator('.cm-content').click();
    await ada.keyboard.type('not the driver');
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+End');
    await bob.keyboard.press('Enter');
    await bob.keyboard.type('// Bob drives');
    await ada.getByText('Bob drives').waitFor();
    expect(await editorText(ada)).not.toContain('not the driver');
    await shoot(ada, 'locked-bob-drives');

    // Rotation: Ada drives, Bob is read-only.
    await ada.getByRole('button', { name: 'Rotate now' }).click();
    await bob.getByText('Read only: editing is locked to the driver').waitFor();
    expect(await driver(ada)).toBe('Ada');
    await bob.locator('.cm-content').click();
    await bob.keyboard.type('not the driver');
    await ada.locator('.cm-content').click();
    await ada.keyboard.press('Control+End');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('// Ada drives');
    await bob.getByText('Ada drives').waitFor();
    expect(await editorText(bob)).not.toContain('not the driver');
    await shoot(bob, 'rotated-ada-drives');
  });

  it('summons everyone to the facilitator’s line', async () => {
    await ada.getByRole('button', { name: 'Summon everyone here' }).click();
    await bob.getByText(/Ada summoned everyone to fizz_buzz(_test)?\.go:\d+/).waitFor();
    await shoot(bob, 'summoned');
  });

  it('reviews the finished turn against now, as a diff', async () => {
    // The panel tabs follow the keyboard: from Facilitate, the right arrow opens Review.
    await ada.getByRole('tab', { name: 'Facilitate' }).focus();
    await ada.keyboard.press('ArrowRight');
    await ada.getByRole('tab', { name: 'Review', selected: true }).waitFor();
    await ada.getByLabel('From').selectOption('1');
    // Turn 1 ended after Bob's line: only Ada's line is new since.
    await ada.locator('.diff .same', { hasText: '// Bob drives' }).waitFor();
    expect((await ada.locator('.diff .added').allInnerTexts()).map((text) => text.trim())).toEqual(['+ // Ada drives']);
    await shoot(ada, 'review');
    // Voice kept running while other panels were open.
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await ada.getByRole('button', { name: 'Leave voice' }).waitFor();
  });

  it('adds, renames and deletes a file for everyone', async () => {
    await ada.getByRole('button', { name: '+ File' }).click();
    await ada.getByLabel('New file path').fill('kata_test.go');
    await ada.getByRole('button', { name: 'Add', exact: true }).click();
    await ada.locator('.cm-content').click();
    await ada.keyboard.type('package main // tests');
    await bob.getByRole('button', { name: 'kata_test.go', exact: true }).click();
    await bob.getByText('package main // tests').waitFor();
    await ada.getByRole('button', { name: 'Rename kata_test.go' }).click();
    await ada.getByLabel('New name for kata_test.go').fill('solver_test.go');
    await ada.getByRole('button', { name: 'Rename', exact: true }).click();
    await bob.getByRole('button', { name: 'solver_test.go', exact: true }).waitFor();
    expect(await bob.getByRole('button', { name: 'kata_test.go', exact: true }).count()).toBe(0);
    await shoot(bob, 'file-renamed');
    ada.once('dialog', (dialog) => void dialog.accept());
    await ada.getByRole('button', { name: 'Delete solver_test.go' }).click();
    await bob.getByRole('button', { name: 'solver_test.go', exact: true }).waitFor({ state: 'detached' });
    await ada.getByText('Ada drives').waitFor();
  });

  it('shows the connection state, keeps offline edits and sends them on reconnect', async () => {
    adaOffline = true;
    for (const socket of adaSockets) await socket.close({ code: 4000, reason: 'offline (test)' });
    adaSockets.clear();
    await ada.locator('.status', { hasText: /Reconnecting|Offline/ }).waitFor();
    await ada.locator('.cm-content').click();
    await ada.keyboard.press('Control+End');
    await ada.keyboard.type(' (offline)');
    await ada.locator('.status', { hasText: 'unsynced' }).waitFor();
    await shoot(ada, 'offline');
    expect(await editorText(bob)).not.toContain('(offline)');
    adaOffline = false;
    await bob.getByText('Ada drives (offline)').waitFor();
    await ada.locator('.status', { hasText: 'Online' }).waitFor();
  });

  it('keeps everything after a reload', async () => {
    await ada.getByText('Online').waitFor();
    await ada.waitForFunction(`!document.querySelector('.status')?.textContent?.includes('unsynced')`);
    await ada.reload();
    await ada.getByText('Ada drives (offline)').waitFor();
    // Below the Go kata's own lines, what the two typed.
    expect(await editorText(ada)).toMatch(
      /\npackage main \/\/ typed by Ada\n\/\/ and Bob was here\n\/\/ Bob drives\n\/\/ Ada drives \(offline\)$/,
    );
    await ada.locator('.turn strong', { hasText: 'Ada' }).first().waitFor();
    expect(await driver(ada)).toBe('Ada');
    await ada.getByRole('tab', { name: 'Chat' }).click();
    await ada.getByText('Ready when you are').waitFor();
    await shoot(ada, 'after-reload');
  });

  it('gives an observer a read-only editor that follows the driver by default', async () => {
    const olive = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    olive.setDefaultTimeout(15_000);
    await olive.goto(inviteLink);
    await olive.getByLabel('Email').fill('olive@acme.test');
    await olive.getByRole('button', { name: 'Continue' }).click();
    await olive.getByLabel('Password').fill(password);
    await olive.getByRole('button', { name: 'Sign in', exact: true }).click();
    await olive.getByText('Read only (observer)').waitFor();
    expect(await olive.getByRole('checkbox', { name: 'Follow driver' }).isChecked()).toBe(true);
    expect(await olive.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
    await olive.locator('.cm-content').click();
    await olive.keyboard.type('observers cannot type');
    expect(await editorText(olive)).toMatch(
      /\npackage main \/\/ typed by Ada\n\/\/ and Bob was here\n\/\/ Bob drives\n\/\/ Ada drives \(offline\)$/,
    );
    await shoot(olive, 'observer');
    // Following the driver: Ada opens a new file, Olive's editor goes with her.
    await ada.getByRole('button', { name: '+ File' }).click();
    await ada.getByLabel('New file path').fill('NOTES.md');
    await ada.getByRole('button', { name: 'Add', exact: true }).click();
    await olive.locator('.file-path', { hasText: 'NOTES.md' }).waitFor();
    await olive.context().close();
  });

  it('edits and deletes the POC', async () => {
    await ada.goto(`${stack.origin}/#/pocs`);
    await ada.getByRole('link', { name: /Kubernetes operator/ }).click();
    await ada.getByRole('button', { name: 'Edit' }).click();
    await ada.getByLabel('Name').fill('Kubernetes operator v2');
    await ada.getByRole('button', { name: 'Save changes' }).click();
    await ada.getByRole('heading', { name: 'Kubernetes operator v2' }).waitFor();
    ada.once('dialog', (dialog) => void dialog.accept());
    await ada.getByRole('button', { name: 'Delete' }).click();
    await ada.getByRole('heading', { name: 'Proofs of concept' }).waitFor();
    await ada.getByLabel('Search POCs').fill('kubernetes');
    await ada.getByText('No POC matches').waitFor();
  });

  it('fits a phone screen', async () => {
    await bob.setViewportSize({ width: 390, height: 844 });
    await bob.locator('.cm-content').waitFor();
    const overflow = await bob.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shoot(bob, 'phone');
  });
});
