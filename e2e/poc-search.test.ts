/**
 * Finding POCs in the web app, in Debian's Chromium: a new team is invited to create its first POC
 * (not told that "no POC matches"); results say why they matched; choosing a language keeps the
 * other languages and their counts; the search and its filters live in the address, so a reload and
 * Back bring them back; pages a role may not use say so. Screenshots go to test-artifacts/poc-search/.
 */
import type { ApiClient } from '@pocdojo/sdk/api-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/accessibility.ts';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';

const screenshots = new Screenshots('poc-search', { fullPage: true });
const desktop = { width: 1280, height: 800 };

const catalogue = [
  { name: 'Dojo room operator', description: 'Reconciles dojo rooms on a cluster', language: 'Go', tags: ['k8s'] },
  { name: 'Kubernetes dashboard', description: 'A read-only view of pods', language: 'TypeScript', tags: ['k8s'] },
  { name: 'Kubernetes autoscaler', description: 'Scales the collab tier', language: 'Go', tags: ['k8s', 'ops'] },
  { name: 'Manifest parser', description: 'Fast & safe parsing of kubernetes manifests', language: 'Rust', tags: [] },
  { name: 'Realtime chat', description: 'WebSocket chat with presence', language: 'TypeScript', tags: ['web'] },
];

/** The language facets as shown: name → count. */
const languageFacets = async (page: Page): Promise<Record<string, number>> => {
  const rows = await page.locator('.facets ul').first().locator('label.facet').allInnerTexts();
  return Object.fromEntries(
    rows.map((row) => {
      const [name = '', count = ''] = row.trim().split(/\s+(?=\d+$)/);
      return [name, Number(count)];
    }),
  );
};
const resultNames = (page: Page) => page.locator('.poc-item strong').allInnerTexts();

describe('finding POCs', () => {
  let stack: WebStack;
  let browser: Browser;
  let admin: ApiClient;
  let ada: Page;
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    admin = await signUpTeam(stack.origin, 'Search Team');
    ada = await signedInPage(browser, admin, desktop);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('invites a new team to create its first POC', async () => {
    await ada.goto(`${stack.origin}/#/pocs`);
    await ada.getByRole('heading', { name: 'Your team has no POCs yet' }).waitFor();
    expect(await ada.getByText('No POC matches').count()).toBe(0);
    expect(await seriousViolations(ada)).toEqual([]);
    await shoot(ada, 'empty-team');
    await ada.getByRole('button', { name: 'Create the first POC' }).click();
    await ada.getByLabel('Name').fill('Bowling kata');
    await ada.getByLabel('Language').fill('typescript');
    await ada.getByRole('button', { name: 'Create POC' }).click();
    await ada.getByRole('heading', { name: 'Bowling kata' }).waitFor();
    for (const poc of catalogue) {
      const created = await admin.createPoc(poc);
      if (!created.ok) throw new Error(created.error.message);
    }
  });

  it('shows why a result matched: the words found in its description', async () => {
    await ada.goto(`${stack.origin}/#/pocs`);
    await ada.getByLabel('Search POCs').fill('reconciles');
    await ada.locator('.poc-item', { hasText: 'Dojo room operator' }).waitFor();
    const operator = ada.locator('.poc-item', { hasText: 'Dojo room operator' });
    expect(await operator.locator('.snippet mark').allInnerTexts()).toEqual(['Reconciles']);
    expect(await operator.locator('.snippet').innerText()).toContain('dojo rooms on a cluster');
    // Escaped by the API, shown as written: "&" not "&amp;".
    await ada.getByLabel('Search POCs').fill('manifests');
    await ada.locator('.poc-item .snippet', { hasText: 'Fast & safe parsing of kubernetes' }).waitFor();
    await shoot(ada, 'snippet');
  });

  it('keeps the other languages and their counts when one is chosen', async () => {
    await ada.getByLabel('Search POCs').fill('kubernetes');
    await ada.getByText('3 results', { exact: true }).waitFor();
    expect(await languageFacets(ada)).toEqual({ Go: 1, TypeScript: 1, Rust: 1 });
    await ada.getByRole('radio', { name: 'Go' }).check();
    await ada.getByText('1 result', { exact: true }).waitFor();
    expect(await resultNames(ada)).toEqual(['Kubernetes autoscaler']);
    expect(await languageFacets(ada)).toEqual({ Go: 1, TypeScript: 1, Rust: 1 });
    await ada.getByRole('radio', { name: 'TypeScript' }).check();
    await ada.locator('.poc-item', { hasText: 'Kubernetes dashboard' }).waitFor();
    expect(await resultNames(ada)).toEqual(['Kubernetes dashboard']);
    await shoot(ada, 'language-chosen');
  });

  it('keeps the search and its filters across a reload and Back', async () => {
    expect(new URL(ada.url()).hash).toBe('#/pocs?q=kubernetes&language=TypeScript');
    await ada.reload();
    await ada.locator('.poc-item', { hasText: 'Kubernetes dashboard' }).waitFor();
    expect(await ada.getByLabel('Search POCs').inputValue()).toBe('kubernetes');
    expect(await ada.getByRole('radio', { name: 'TypeScript' }).isChecked()).toBe(true);
    expect(await resultNames(ada)).toEqual(['Kubernetes dashboard']);

    await ada.getByRole('link', { name: /Kubernetes dashboard/ }).click();
    await ada.getByRole('heading', { name: 'Kubernetes dashboard' }).waitFor();
    await ada.goBack();
    await ada.locator('.poc-item', { hasText: 'Kubernetes dashboard' }).waitFor();
    expect(await ada.getByLabel('Search POCs').inputValue()).toBe('kubernetes');
    expect(await ada.getByRole('radio', { name: 'TypeScript' }).isChecked()).toBe(true);
    expect(await resultNames(ada)).toEqual(['Kubernetes dashboard']);

    // The tags ride along too.
    await ada.getByRole('button', { name: 'Any language' }).click();
    await ada.getByRole('checkbox', { name: 'ops' }).check();
    await ada.getByText('1 result', { exact: true }).waitFor();
    expect(new URL(ada.url()).hash).toBe('#/pocs?q=kubernetes&tags=ops');
    await ada.reload();
    await ada.locator('.poc-item', { hasText: 'Kubernetes autoscaler' }).waitFor();
    expect(await ada.getByRole('checkbox', { name: 'ops' }).isChecked()).toBe(true);
  });

  it('says "No POC matches" only to a search, with a way back to every POC', async () => {
    await ada.getByLabel('Search POCs').fill('zzzz nothing like this');
    await ada.getByText('No POC matches').waitFor();
    expect(await ada.getByRole('heading', { name: 'Your team has no POCs yet' }).count()).toBe(0);
    await shoot(ada, 'no-match');
    await ada.getByRole('button', { name: 'Clear the search' }).click();
    await ada.getByText(`${catalogue.length + 1} results`, { exact: true }).waitFor();
    expect(await ada.getByLabel('Search POCs').inputValue()).toBe('');
    expect(new URL(ada.url()).hash).toBe('#/pocs');
  });

  it('tells an observer and a member plainly what their role does not allow', async () => {
    const olive = await signedInPage(browser, await addMember(stack.origin, admin, 'Olive', ['observer']), desktop);
    await olive.goto(`${stack.origin}/#/pocs`);
    await olive.getByText('As an observer you can read every POC; adding one needs the participant role.').waitFor();
    expect(await olive.getByRole('button', { name: 'New POC' }).count()).toBe(0);
    await olive.getByRole('link', { name: /Bowling kata/ }).click();
    await olive
      .getByText("As an observer you can join this POC's dojos; opening one needs the participant role.")
      .waitFor();
    expect(await olive.getByRole('button', { name: 'Start a dojo' }).count()).toBe(0);
    expect(await olive.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await shoot(olive, 'observer-poc');

    const bob = await signedInPage(browser, await addMember(stack.origin, admin, 'Bob', ['participant']), desktop);
    await bob.goto(`${stack.origin}/#/users`);
    await bob.getByText("Only the team's admins see and add its members.", { exact: false }).waitFor();
    expect(await bob.getByRole('button', { name: 'Add member' }).count()).toBe(0);
    await shoot(bob, 'member-users-page');
  });
});
