/**
 * Test runs in Debian's Chromium (driven by playwright-core), through the real sandbox: Ada (facilitator)
 * starts a JavaScript dojo from a POC, where the language says that tests run here; Bob drives and runs
 * the starter kata, and both see it queue or run, then a red light; Bob fixes the code and runs it with
 * Ctrl+Enter: green; the review shows the two lights, and the green one opens its output and the diff
 * from the red one. Cy, who does not drive, is told why he may not run the tests until Ada lets everyone
 * run. Screenshots go to test-artifacts/test-runs/.
 */
import { mkdir, rm } from 'node:fs/promises';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/signed-in-browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@pocdojo/sdk/api-client';
import { seriousViolations } from './support/accessibility.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';

const artifacts = new URL('../test-artifacts/test-runs/', import.meta.url).pathname;
const password = 'correct horse battery staple';
/** A run goes through the sandbox: a cold Node start on a busy two-core machine takes seconds. */
const runTimeout = 60_000;

const solved = `export function fizzBuzz(number) {
  if (number % 3 === 0) return 'Fizz';
  return String(number);
}
`;

// Code that runs in the page is given as text: this file is type-checked for Node, without DOM types.
/** Starts recording every text the run status shows, so that a state that passes quickly is not missed. */
const recordRunStatus = (page: Page) =>
  page.evaluate(`(() => {
    window.runStatusSeen = [];
    const status = document.querySelector('.run-now');
    const note = () => window.runStatusSeen.push(status.textContent);
    new MutationObserver(note).observe(status, { childList: true, subtree: true, characterData: true });
  })()`);
const runStatusSeen = (page: Page) => page.evaluate<string[]>('window.runStatusSeen');

/** The text of the element that describes a control (aria-describedby), as screen readers read it. */
const descriptionOf = (page: Page, selector: string) =>
  page.evaluate<string>(`(() => {
    const ids = document.querySelector(${JSON.stringify(selector)})?.getAttribute('aria-describedby') ?? '';
    return ids.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
  })()`);

describe('test runs with traffic lights in a real browser', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: Page;
  let cy: Page;
  let invite: string;
  let pocId: string;
  let tenant: string;
  const shoot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
  const runButton = (page: Page) => page.getByRole('button', { name: 'Run tests' });

  async function signIn(page: Page, url: string, email: string) {
    await page.goto(url);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  beforeAll(async () => {
    await ensureWebBuild();
    await rm(artifacts, { recursive: true, force: true });
    await mkdir(artifacts, { recursive: true });
    stack = await startWebStack({ env: { RUN_WORKER: 'inline' } });
    browser = await launchChromium();
    const page = async () => (await browser.newContext({ viewport: { width: 1366, height: 820 } })).newPage();
    [ada, bob, cy] = [await page(), await page(), await page()];
    for (const each of [ada, bob, cy]) each.setDefaultTimeout(15_000);

    // The team, its members and the POC come from the REST API; the story is in the browsers.
    const api = new ApiClient({ baseUrl: stack.origin });
    const team = await api.signup({ tenantName: 'Runs Co', email: 'ada@runs.test', password, displayName: 'Ada' });
    if (!team.ok) throw new Error(team.error.message);
    tenant = team.value.session.tenant.slug;
    for (const [email, displayName] of [
      ['bob@runs.test', 'Bob'],
      ['cy@runs.test', 'Cy'],
    ] as const) {
      const added = await api.createUser({ email, displayName, roles: ['participant'], password });
      if (!added.ok) throw new Error(added.error.message);
    }
    const poc = await api.createPoc({ name: 'FizzBuzz', language: 'javascript' });
    if (!poc.ok) throw new Error(poc.error.message);
    pocId = poc.value.id;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('starts a JavaScript dojo, whose language says that tests run here, from the starter kata', async () => {
    await signIn(ada, `${stack.origin}/#/pocs/${pocId}?tenant=${tenant}`, 'ada@runs.test');
    const language = ada.getByLabel('Language');
    expect(await language.inputValue()).toBe('javascript');
    await ada.getByText(/Tests run here with /).waitFor();
    expect(await ada.locator('#field-dojo-language option[value="javascript"]').innerText()).toBe(
      'JavaScript — runs tests',
    );
    await shoot(ada, 'start-a-dojo');
    await ada.getByLabel('Dojo title').fill('FizzBuzz randori');
    await ada.getByRole('button', { name: 'Start a dojo' }).click();
    await ada.getByRole('heading', { name: 'FizzBuzz randori' }).waitFor();
    await ada.getByRole('button', { name: 'fizz-buzz.test.js', exact: true }).waitFor();
    invite = `${stack.origin}/#/dojos/${/#\/dojos\/([^?]+)/.exec(ada.url())?.[1]}?tenant=${tenant}`;

    for (const [page, email] of [
      [bob, 'bob@runs.test'],
      [cy, 'cy@runs.test'],
    ] as const) {
      await signIn(page, invite, email);
      await page.getByRole('heading', { name: 'FizzBuzz randori' }).waitFor();
      await page.locator('.cm-content').waitFor();
    }
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    await ada.getByRole('button', { name: 'Put Bob in the rotation' }).click();
    await ada.getByText('Rotation: Bob').waitFor();
    await ada.getByRole('button', { name: 'Start' }).click();
    await bob.locator('.turn', { hasText: 'Driver: Bob' }).waitFor();
    await cy.locator('.turn', { hasText: 'Driver: Bob' }).waitFor();
  });

  it('runs the starter kata for the driver: both see it run, then a red light', async () => {
    for (const page of [ada, bob]) await recordRunStatus(page);
    await runButton(bob).click();
    for (const page of [bob, ada]) {
      await page.locator('.run-now', { hasText: '1 of 2 tests failed' }).waitFor({ timeout: runTimeout });
      expect(await page.locator('.run-now .light-red').count()).toBe(1);
      expect(await page.locator('.run-byline').innerText()).toMatch(/^Bob, just now$/);
      // Queued or running first, whichever the room saw; never a light before the result.
      const seen = await runStatusSeen(page);
      expect(seen.some((text) => /^(Queued|Running…)/.test(text))).toBe(true);
    }
    expect(await seriousViolations(bob)).toEqual([]);
    await shoot(bob, 'red');
  });

  it('runs the fixed code with Ctrl+Enter from the editor: green', async () => {
    await bob.getByRole('button', { name: 'fizz-buzz.js', exact: true }).click();
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+A');
    await bob.keyboard.insertText(solved);
    await ada.getByRole('button', { name: 'fizz-buzz.js', exact: true }).click();
    await ada.getByText("if (number % 3 === 0) return 'Fizz';").waitFor();
    await bob.locator('.cm-content').click();
    await bob.keyboard.press('Control+Enter');
    for (const page of [bob, ada]) {
      await page.locator('.run-now', { hasText: 'All 2 tests passed' }).waitFor({ timeout: runTimeout });
      expect(await page.locator('.run-now .light-green').count()).toBe(1);
    }
    // The shortcut ran the tests instead of inserting a line into the code.
    expect(await bob.locator('.cm-line').count()).toBe(solved.split('\n').length);
    await shoot(bob, 'green');
  });

  it('shows both lights in the review; the green one opens its output and the diff from the red one', async () => {
    await ada.getByRole('tab', { name: 'Review' }).click();
    const strip = ada.locator('.turn-runs .light-strip');
    await strip.getByRole('button', { name: /^1 of 2 tests failed/ }).waitFor();
    expect(await strip.getByRole('button').count()).toBe(2);
    await strip.getByRole('button', { name: /^All 2 tests passed/ }).click();
    const dialog = ada.getByRole('dialog', { name: 'All 2 tests passed' });
    await dialog.getByText('Changes since the run before').waitFor();
    expect(await dialog.locator('.run-output').innerText()).toMatch(/3 is Fizz/);
    expect(await dialog.locator('.diff .added').first().innerText()).toContain("return 'Fizz';");
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'review-run');
    await ada.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('tells a participant who does not drive why he may not run the tests', async () => {
    const refusal = 'Only the driver and facilitators may run the tests';
    expect(await runButton(cy).isDisabled()).toBe(true);
    expect(await descriptionOf(cy, '.run-button')).toBe(refusal);
    await cy.getByText(refusal).waitFor();
    // The shortcut says it again, as an alert, and runs nothing.
    await cy.locator('.cm-content').click();
    await cy.keyboard.press('Control+Enter');
    await cy.getByRole('alert').filter({ hasText: refusal }).waitFor();
    expect(await seriousViolations(cy)).toEqual([]);
    await shoot(cy, 'refused');
  });

  it('lets everyone run once the facilitator allows it', async () => {
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    await ada.getByLabel('Who may run tests').selectOption('everyone');
    await cy.getByText('Only the driver and facilitators may run the tests').waitFor({ state: 'detached' });
    await runButton(cy).click();
    await cy.locator('.run-byline', { hasText: /^Cy, / }).waitFor({ timeout: runTimeout });
    await cy.locator('.run-now', { hasText: 'All 2 tests passed' }).waitFor({ timeout: runTimeout });
    await ada.locator('.facilitator .light-strip .light-green').nth(1).waitFor();
    expect(await ada.locator('.facilitator .light-strip').getByRole('button').count()).toBe(3);
    await shoot(ada, 'facilitator-lights');
  });
});
