import { execFile } from 'node:child_process';
import { mkdtemp, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { ApiClient } from '@pocdojo/sdk/api-client';
import { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { codeFiles, codeLanguages } from '@pocdojo/sdk/dojo-documents';
import { Member } from '@pocdojo/server/testing/dojo-support';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { eventually } from '@pocdojo/server/testing/providers';
import { ServerProcess } from '@pocdojo/server/testing/server-process';
import { CredentialStore } from '../src/credentials.ts';
import { JoinedDojo, type RoomLine } from '../src/joined-dojo.ts';
import { logIn } from '../src/login.ts';
import { signedInApi } from '../src/signed-in-api.ts';
import { CuttableLink } from './support/cuttable-link.ts';

/**
 * `pocdojo join` against the real server (the all-in-one process: API and collaboration tier) with real
 * files: Ada facilitates from the SDK's connection (what the web app runs), Bob joins from a folder
 * through a TCP link the test can cut.
 */
const run = promisify(execFile);
const repoRoot = new URL('../../..', import.meta.url).pathname;
const password = 'correct horse battery';
const accessTokenSeconds = 3;

let server: ServerProcess;
let link: CuttableLink;
let ada: Member;
let adaId: string;
let dojoId: string;
let configHome: string;
let folder: string;
let bob: JoinedDojo;
const said: RoomLine[] = [];

const onDisk = (path: string) => readFile(join(folder, path), 'utf8').catch(() => undefined);
const mode = async (path: string) => (await stat(join(folder, path))).mode & 0o777;
const saidText = () => said.map((line) => line.text);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds a member to the Editors team (`<name>@editors.test`) through an admin's API client. */
async function addMember(admin: ApiClient, displayName: string, role: 'participant' | 'observer') {
  const added = await admin.createUser({
    email: `${displayName.toLowerCase()}@editors.test`,
    displayName,
    roles: [role],
    password,
  });
  if (!added.ok) throw new Error(added.error.message);
  return added.value;
}

beforeAll(async () => {
  // Three-second access tokens, so that a test crosses an expiry and sees the login refreshed.
  server = await ServerProcess.onTestDatabase({ env: { API_ACCESS_TOKEN_TTL: `${accessTokenSeconds}s` } });
  link = new CuttableLink(server.port);
  await link.restore();
  const api = new ApiClient({ baseUrl: server.httpUrl });
  const signedUp = await api.signup({ tenantName: 'Editors', email: 'ada@editors.test', password, displayName: 'Ada' });
  if (!signedUp.ok) throw new Error(signedUp.error.message);
  adaId = signedUp.value.session.user.id;
  await addMember(api, 'Bob', 'participant');
  await addMember(api, 'Olivia', 'observer');
  const dojo = await api.createDojo({ title: 'FizzBuzz from Vim', format: 'randori', language: 'typescript' });
  if (!dojo.ok) throw new Error(dojo.error.message);
  dojoId = dojo.value.id;
  const joined = await api.joinDojo(dojoId);
  if (!joined.ok) throw new Error(joined.error.message);
  ada = new Member(
    adaId,
    new DojoConnection({
      url: `${server.wsUrl.replace(/\/collab$/, '')}${joined.value.url}`,
      documents: joined.value.documents,
      token: joined.value.token,
      self: { userId: adaId, name: 'Ada', role: joined.value.role },
      WebSocketPolyfill: WebSocket,
    }),
  );
  await ada.connection.whenSynced();
  ada.type('src/fizz.ts', 'export function fizz(n: number) {\n  return String(n);\n}\n');
  configHome = await mkdtemp(join(tmpdir(), 'pocdojo-config-'));
  folder = join(await mkdtemp(join(tmpdir(), 'pocdojo-folder-')), 'fizzbuzz');
});

afterAll(async () => {
  await bob?.close();
  ada?.leave();
  await link?.cut();
  await server?.dispose();
});

describe('pocdojo login and dojos', () => {
  it('keeps the session in the configuration folder, readable by its owner only', async () => {
    const store = new CredentialStore(join(configHome, 'pocdojo'));
    const outcome = await logIn(store, { server: link.httpUrl, email: 'bob@editors.test', password });
    expect(outcome).toMatchObject({ kind: 'signedIn', user: { displayName: 'Bob' } });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.folder)).mode & 0o777).toBe(0o700);
    expect(await logIn(store, { server: link.httpUrl, email: 'bob@editors.test', password: 'wrong' })).toMatchObject({
      kind: 'refused',
    });
  });

  it('lists the dojos Bob may join, from the published command', async () => {
    const { stdout } = await run(process.execPath, ['clients/cli/bin/pocdojo.js', 'dojos'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: configHome },
    });
    expect(stdout).toContain(`${dojoId}  FizzBuzz from Vim  randori typescript`);
  });

  it('refreshes an expired login by itself and keeps the rotated session, still 0600', async () => {
    const store = new CredentialStore(join(configHome, 'pocdojo'));
    const before = await store.read();
    await pause(accessTokenSeconds * 1000 + 500);
    const { stdout } = await run(process.execPath, ['clients/cli/bin/pocdojo.js', 'dojos'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: configHome },
    });
    expect(stdout).toContain(dojoId);
    const after = await store.read();
    expect(after?.session.refreshToken).toBeDefined();
    expect(after?.session.refreshToken).not.toBe(before?.session.refreshToken);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('tells a person erased from the team that signing in again cannot help, and forgets the login', async () => {
    const admin = new ApiClient({ baseUrl: server.httpUrl });
    expect(await admin.login({ email: 'ada@editors.test', password })).toMatchObject({ ok: true });
    const erin = await addMember(admin, 'Erin', 'participant');
    const erinHome = await mkdtemp(join(tmpdir(), 'pocdojo-config-'));
    const store = new CredentialStore(join(erinHome, 'pocdojo'));
    const signedIn = await logIn(store, { server: link.httpUrl, email: 'erin@editors.test', password });
    expect(signedIn).toMatchObject({ kind: 'signedIn' });
    await nextSecond();
    expect(await admin.erasePerson(erin.id, { pocs: 'delete' })).toMatchObject({ ok: true });
    await pause(accessTokenSeconds * 1000 + 500);
    const stderr = await run(process.execPath, ['clients/cli/bin/pocdojo.js', 'dojos'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: erinHome },
    }).then(
      () => 'the command succeeded',
      (error: { stderr: string }) => error.stderr,
    );
    expect(stderr).toContain('your account was erased from this team');
    expect(await store.read()).toBeUndefined();
  });
});

describe('pocdojo join', () => {
  it('mirrors the dojo into the folder and shows Bob in the room as editing from his own editor', async () => {
    const { api, server: origin } = await signedInApi(new CredentialStore(join(configHome, 'pocdojo')));
    bob = await JoinedDojo.open({ api, server: origin, dojoId, folder, say: (line) => said.push(line) });
    expect(await onDisk('src/fizz.ts')).toBe(ada.text('src/fizz.ts'));
    await eventually(
      () => ada.connection.peers().some((peer) => peer.name === 'Bob' && peer.editor === 'pocdojo'),
      'Ada sees Bob in his own editor',
    );
  });

  it('gives an observer a read-only folder and says so', async () => {
    const store = new CredentialStore(join(configHome, 'olivia'));
    expect(await logIn(store, { server: link.httpUrl, email: 'olivia@editors.test', password })).toMatchObject({
      kind: 'signedIn',
    });
    const { api, server: origin } = await signedInApi(store);
    const oliviaFolder = join(folder, '..', 'olivia');
    const heard: RoomLine[] = [];
    const olivia = await JoinedDojo.open({
      api,
      server: origin,
      dojoId,
      folder: oliviaFolder,
      say: (line) => heard.push(line),
    });
    try {
      expect(olivia.mayEdit()).toBe(false);
      expect(await readFile(join(oliviaFolder, 'src/fizz.ts'), 'utf8')).toBe(ada.text('src/fizz.ts'));
      await eventually(
        async () => ((await stat(join(oliviaFolder, 'src/fizz.ts'))).mode & 0o777) === 0o444,
        'Olivia’s files are read-only',
      );
      expect(heard.map((line) => line.text)).toContain('You may not edit right now: your files are read-only.');
      expect(olivia.status()).toContain('read-only');
    } finally {
      await olivia.close();
    }
  });

  it('sends a save as edits that keep what Ada typed meanwhile, and writes the merge back', async () => {
    const original = ada.text('src/fizz.ts');
    await writeFile(join(folder, 'src/fizz.ts'), `${original}// Bob was here\n`);
    ada.file('src/fizz.ts')?.insert(0, '// Ada was here\n');
    const expected = `// Ada was here\n${original}// Bob was here\n`;
    await eventually(() => ada.text('src/fizz.ts') === expected, 'both edits reach Ada');
    await eventually(async () => (await onDisk('src/fizz.ts')) === expected, 'the merge is on disk');
    await eventually(
      () => ada.connection.peers().some((peer) => peer.name === 'Bob' && peer.file === 'src/fizz.ts'),
      'Ada sees the file Bob last saved',
    );
  });

  it('reads a save from an editor that did not reload against the text it had, keeping Ada’s edit', async () => {
    const buffer = (await onDisk('src/fizz.ts')) ?? '';
    ada.file('src/fizz.ts')?.insert(0, '// Ada again\n');
    await eventually(async () => (await onDisk('src/fizz.ts')) === ada.text('src/fizz.ts'), 'Ada’s edit is on disk');
    // Bob's editor still holds the file as it was before Ada's edit, and saves it with his line.
    await writeFile(join(folder, 'src/fizz.ts'), `${buffer}// Bob, from an old buffer\n`);
    const expected = `// Ada again\n${buffer}// Bob, from an old buffer\n`;
    await eventually(() => ada.text('src/fizz.ts') === expected, 'both edits reach Ada');
    await eventually(async () => (await onDisk('src/fizz.ts')) === expected, 'and the folder');
  });

  it('carries new, renamed and deleted files both ways', async () => {
    await writeFile(join(folder, 'src/buzz.ts'), 'export const buzz = 5;\n');
    await eventually(() => ada.text('src/buzz.ts') === 'export const buzz = 5;\n', 'Bob’s new file reaches Ada');
    await rename(join(folder, 'src/buzz.ts'), join(folder, 'src/buzz5.ts'));
    await eventually(() => ada.file('src/buzz.ts') === undefined && ada.text('src/buzz5.ts') !== '', 'Bob’s rename');
    await unlink(join(folder, 'src/buzz5.ts'));
    await eventually(() => ada.file('src/buzz5.ts') === undefined, 'Bob’s delete');

    ada.type('notes.md', '# Notes\n');
    await eventually(async () => (await onDisk('notes.md')) === '# Notes\n', 'Ada’s new file reaches the folder');
    const doc = ada.connection.docs.code;
    doc.transact(() => {
      codeFiles(doc).set('docs/notes.md', new Y.Text(ada.text('notes.md')));
      codeFiles(doc).delete('notes.md');
      codeLanguages(doc).delete('notes.md');
    });
    await eventually(
      async () => (await onDisk('notes.md')) === undefined && (await onDisk('docs/notes.md')) === '# Notes\n',
      'Ada’s rename',
    );
    doc.transact(() => codeFiles(doc).delete('docs/notes.md'));
    await eventually(async () => (await onDisk('docs/notes.md')) === undefined, 'Ada’s delete');
  });

  it('takes saves by rename (Vim) and by truncate-and-write as edits of the same file', async () => {
    const path = join(folder, 'src/fizz.ts');
    const text = ada.file('src/fizz.ts');
    // Vim: probe the folder with "4913", move the original to a backup, write anew, drop the backup.
    await writeFile(join(folder, 'src/4913'), '');
    await unlink(join(folder, 'src/4913'));
    await rename(path, `${path}~`);
    // Longer than the watcher folds a delete and an add into one change: as on a loaded machine.
    await pause(250);
    const byRename = `${await readFile(`${path}~`, 'utf8')}// saved by rename\n`;
    await writeFile(path, byRename);
    await unlink(`${path}~`);
    await eventually(() => ada.text('src/fizz.ts') === byRename, 'the save by rename reaches Ada');

    const byTruncate = `${byRename}// saved by truncate and write\n`;
    const handle = await open(path, 'w');
    await handle.write(byTruncate.slice(0, 20));
    await pause(10);
    await handle.write(byTruncate.slice(20));
    await handle.close();
    await eventually(() => ada.text('src/fizz.ts') === byTruncate, 'the truncate-and-write save reaches Ada');

    expect(ada.file('src/fizz.ts')).toBe(text);
    expect([...codeFiles(ada.connection.docs.code).keys()].sort()).toEqual(['src/fizz.ts']);
  });

  it('loses and doubles nothing over 200 rapid saves', async () => {
    const path = join(folder, 'src/rapid.ts');
    let content = '';
    for (let line = 1; line <= 200; line += 1) {
      content += `// save ${line}\n`;
      await writeFile(path, content);
    }
    await eventually(() => ada.text('src/rapid.ts') === content, '200 saves reach Ada', 60_000);
    await eventually(async () => (await onDisk('src/rapid.ts')) === content, 'the folder holds the same');
  });

  it('keeps saves made while the connection is down and converges after it comes back', async () => {
    await link.cut();
    await eventually(() => bob.connection.status !== 'connected', 'Bob notices the cut');
    const offline = `${await onDisk('src/rapid.ts')}// saved offline\n`;
    await writeFile(join(folder, 'src/rapid.ts'), offline);
    await writeFile(join(folder, 'src/offline.ts'), 'export const offline = true;\n');
    ada.file('src/rapid.ts')?.insert(0, '// Ada, meanwhile\n');
    await eventually(() => bob.connection.unsyncedChanges > 0, 'Bob holds unsynced changes');
    expect(bob.status()).toMatch(/reconnecting · \d+ unsynced/);
    await link.restore();
    const expected = `// Ada, meanwhile\n${offline}`;
    await eventually(() => ada.text('src/rapid.ts') === expected, 'Bob’s offline save reaches Ada', 60_000);
    await eventually(() => ada.text('src/offline.ts') === 'export const offline = true;\n', 'and his new file');
    await eventually(async () => (await onDisk('src/rapid.ts')) === expected, 'Ada’s edit reaches the folder');
    await eventually(() => bob.connection.unsyncedChanges === 0, 'everything acknowledged');
    expect(saidText()).toContain('Online.');
  });

  it('makes the files read-only when editing is locked to the driver, and puts back a forced change', async () => {
    await eventually(() => ada.control.participants[bob.userId] !== undefined, 'Bob is seated');
    for (const [name, args] of [
      ['setRotation', { order: [adaId, bob.userId] }],
      ['start', {}],
      ['lock', { mode: 'driver' }],
    ] as const)
      expect(await ada.connection.send(name, args as never)).toMatchObject({ ok: true });
    await eventually(async () => (await mode('src/fizz.ts')) === 0o444, 'Bob’s files turn read-only');
    expect(bob.mayEdit()).toBe(false);
    await eventually(() => saidText().includes('You may not edit now: your files are read-only.'), 'Bob is told');

    const before = ada.text('src/fizz.ts');
    // Root (and `:w!` in Vim) writes a read-only file anyway: the mirror puts it back.
    await writeFile(join(folder, 'src/fizz.ts'), 'forced over the lock\n');
    await writeFile(join(folder, 'src/sneaky.ts'), 'new file over the lock\n');
    await eventually(async () => (await onDisk('src/fizz.ts')) === before, 'the forced change is reverted');
    await eventually(async () => (await onDisk('src/sneaky.ts')) === undefined, 'the forced new file is removed');
    expect(said.filter((line) => line.kind === 'notice').map((line) => line.text)).toEqual(
      expect.arrayContaining([
        'src/fizz.ts put back: you may not edit right now',
        'src/sneaky.ts removed: you may not edit right now',
      ]),
    );
    expect(ada.text('src/fizz.ts')).toBe(before);
    expect(ada.file('src/sneaky.ts')).toBeUndefined();
  });

  it('gives write access back on rotation and tells Bob he drives', async () => {
    expect(await ada.connection.send('rotate', {})).toMatchObject({ ok: true });
    await eventually(async () => (await mode('src/fizz.ts')) === 0o644, 'Bob’s files are writable again');
    await eventually(
      () =>
        saidText().includes('▶ You drive now.') && saidText().includes('You may edit again: your files are writable.'),
      'Bob is told he drives and may edit',
    );
    expect(bob.status()).toContain('you drive');
    const next = `${await onDisk('src/fizz.ts')}// Bob drives\n`;
    await writeFile(join(folder, 'src/fizz.ts'), next);
    await eventually(() => ada.text('src/fizz.ts') === next, 'the driver’s save reaches Ada');
  });

  it('brings the room to the terminal: chat both ways, summons, and runs asked with r', async () => {
    expect(await bob.chat('hello from Vim')).toMatchObject({ ok: true });
    await eventually(() => ada.chat.some((message) => message.text === 'hello from Vim'), 'Ada reads Bob’s chat');
    expect(await ada.connection.send('chat', { text: 'welcome, Bob' })).toMatchObject({ ok: true });
    expect(await ada.connection.send('summon', { path: 'src/fizz.ts', line: 2 })).toMatchObject({ ok: true });
    await eventually(
      () =>
        saidText().includes('Ada: welcome, Bob') &&
        saidText().includes('📣 Ada asks everyone to look at src/fizz.ts:2'),
      'Bob reads the chat and the summons',
    );
    // This server runs no test runner: the request reaches the room's rules, which say so.
    expect(await bob.runTests()).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('makes the folder read-only with a message when Ada ends the dojo, and writable again when Bob quits', async () => {
    ada.file('src/fizz.ts')?.insert(0, '// last words\n');
    await eventually(async () => (await onDisk('src/fizz.ts')) === ada.text('src/fizz.ts'), 'the last edit is written');
    expect(await ada.connection.send('end', {})).toMatchObject({ ok: true });
    await eventually(async () => (await mode('src/fizz.ts')) === 0o444, 'Bob’s files turn read-only');
    await eventually(
      () =>
        saidText().includes('The dojo is ended.') &&
        saidText().includes('You may not edit now: your files are read-only.'),
      'Bob is told the dojo ended and he may not edit',
    );
    expect(bob.mayEdit()).toBe(false);

    expect(await bob.close()).toBe(true);
    expect(await mode('src/fizz.ts')).toBe(0o644);
    expect(await onDisk('src/fizz.ts')).toBe(ada.text('src/fizz.ts'));
    await eventually(() => !ada.connection.peers().some((peer) => peer.name === 'Bob'), 'Bob left the room');
  });
});
