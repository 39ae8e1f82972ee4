/**
 * A person in Debian's Chromium (playwright-core) and a person in their own editor (`pocdojo join`,
 * mirroring the dojo into a folder) edit the same file at the same time: both edits survive, the file
 * on disk equals the web editor's text, and the web app's People list shows the other person editing
 * from their own editor with the file they last saved. Screenshots go to test-artifacts/own-editor/.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from 'pocdojo/credentials';
import { JoinedDojo } from 'pocdojo/joined-dojo';
import { logIn } from 'pocdojo/login';
import { signedInApi } from 'pocdojo/signed-in-api';
import { editorText } from './support/editor-text.ts';
import { Screenshots } from './support/screenshots.ts';
import { launchChromium, password, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';

const screenshots = new Screenshots('own-editor', { fullPage: true });

describe('the web editor and an own editor on the same file', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let bob: JoinedDojo;
  let folder: string;
  const file = () => join(folder, 'bowling.ts');

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    const admin = await signUpTeam(stack.origin, 'Own Editors');
    const created = await admin.createUser({
      email: 'bob@own-editor.test',
      displayName: 'Bob',
      roles: ['participant'],
      password,
    });
    if (!created.ok) throw new Error(created.error.message);
    const dojo = await admin.createDojo({ title: 'Bowling from Vim', format: 'randori', language: 'typescript' });
    if (!dojo.ok) throw new Error(dojo.error.message);

    const store = new CredentialStore(await mkdtemp(join(tmpdir(), 'pocdojo-e2e-config-')));
    const login = await logIn(store, { server: stack.origin, email: 'bob@own-editor.test', password });
    if (login.kind !== 'signedIn') throw new Error(`Bob could not log in: ${login.kind}`);
    const { api, server } = await signedInApi(store);
    folder = join(await mkdtemp(join(tmpdir(), 'pocdojo-e2e-')), 'bowling');
    bob = await JoinedDojo.open({ api, server, dojoId: dojo.value.id, folder, say: () => undefined });

    ada = await signedInPage(browser, admin, { width: 1366, height: 820 });
    await ada.goto(`${stack.origin}/#/dojos/${dojo.value.id}`);
    await ada.getByRole('heading', { name: 'Bowling from Vim' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await bob?.close();
    await browser?.close();
    await stack?.close();
  });

  it('shows a file saved in the folder in the web editor', async () => {
    await writeFile(file(), 'export function score(rolls: number[]) {\n  return 0;\n}\n');
    await ada.getByRole('button', { name: 'bowling.ts', exact: true }).click();
    await ada.getByText('return 0;').waitFor();
  });

  it('keeps both people’s edits when they type and save at the same time, and the file equals the editor', async () => {
    // Bob's editor holds the file as it was when Ada starts typing; his save lands while she types.
    const saved = `// saved from Vim\n${await readFile(file(), 'utf8')}`;
    await ada.locator('.cm-content').click();
    await ada.keyboard.press('Control+End');
    const typing = ada.keyboard.type('// typed in the browser');
    await writeFile(file(), saved);
    await typing;
    await ada.getByText('// saved from Vim').waitFor();
    const expected =
      '// saved from Vim\nexport function score(rolls: number[]) {\n  return 0;\n}\n// typed in the browser';
    await expect.poll(() => editorText(ada), { timeout: 30_000 }).toBe(expected);
    await expect.poll(() => readFile(file(), 'utf8'), { timeout: 30_000 }).toBe(expected);
  });

  it('lists Bob in People as editing from his own editor, with the file he saved', async () => {
    await ada.getByRole('tab', { name: /People/ }).click();
    await ada.getByText('in their own editor, last saved bowling.ts').waitFor();
    await screenshots.take(ada, 'people');
  });
});
