import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { codeFiles, codeLanguages } from '@pocdojo/shared/contract/dojo-code';
import { controlState } from '@pocdojo/shared/contract/dojo-documents';
import {
  languageIds,
  type DojoRun,
  type Language,
  type RunDetail,
  type RunResult,
} from '@pocdojo/shared/contract/runs';
import { RunQueue } from '@pocdojo/shared/runs/run-queue';
import { noRunnerReason, publishLanguages } from '@pocdojo/shared/runs/runner-availability';
import { UpdateLog } from '@pocdojo/sync';
import { addUser, call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

interface Dojo {
  id: string;
  documents: { code: string; control: string };
}

let api: TestApi;
let owner: SignedUp;
let stranger: SignedUp;
let dojo: Dojo;
let queue: RunQueue;

const result = (light: RunResult['light'], failing: string[]): RunResult => ({
  light,
  passed: 3 - failing.length,
  failed: failing.length,
  failing,
  output: failing.length ? `FAIL ${failing.join(', ')}` : 'all 3 passed',
  outputTruncated: false,
  message: failing.length ? `${failing.length} of 3 tests failed` : 'all 3 tests passed',
  durationMs: 420,
});

/** A run as a runner does it: requested, taken, finished with `outcome`. */
async function ranRun(files: Record<string, string>, outcome: RunResult): Promise<string> {
  const { id } = await queue.request({
    tenantId: owner.tenant.id,
    dojoId: dojo.id,
    language: 'javascript',
    turn: 1,
    requestedBy: owner.user.id,
    requestedByName: 'Ada',
    auto: false,
    files,
    stateVector: new Uint8Array([0]),
  });
  expect(await queue.start(id, 'runner-test')).toBeDefined();
  await queue.finish(id, outcome);
  return id;
}

/** Stores a document the way the collaboration tier does: its updates in the log. */
async function storeDocument(name: string, write: (doc: Y.Doc) => void): Promise<void> {
  const doc = new Y.Doc();
  doc.transact(() => write(doc));
  await new UpdateLog(api.database, 'node-test').append([
    { name, tenantId: owner.tenant.id, update: Y.encodeStateAsUpdate(doc) },
  ]);
  doc.destroy();
}

const getRun = (token: string, runId: string) =>
  call<RunDetail & { code?: string; detail?: string }>(api.app, 'GET', `/api/v1/dojos/${dojo.id}/runs/${runId}`, {
    token,
  });

beforeAll(async () => {
  api = await startTestApi({ servicesLogin: true });
  owner = await signUp(api.app, 'Runs Corp');
  stranger = await signUp(api.app, 'Other Corp');
  dojo = (
    await call<Dojo>(api.app, 'POST', '/api/v1/dojos', {
      token: owner.accessToken,
      body: { title: 'FizzBuzz', format: 'randori', language: 'javascript' },
    })
  ).body;
  queue = new RunQueue(api.database.db, 2);
});

afterAll(async () => {
  await api?.close();
});

describe('a dojo’s runs', () => {
  let red: string;
  let green: string;

  beforeAll(async () => {
    red = await ranRun({ 'fizz-buzz.js': 'return 1' }, result('red', ['fizz', 'buzz']));
    green = await ranRun({ 'fizz-buzz.js': 'return fizz(n)' }, result('green', []));
  });

  it('lists them newest first with their lights', async () => {
    const reply = await call<{ items: DojoRun[]; nextCursor: string | null }>(
      api.app,
      'GET',
      `/api/v1/dojos/${dojo.id}/runs`,
      { token: owner.accessToken },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((run) => [run.id, run.status, run.light, run.passed, run.failed])).toEqual([
      [green, 'done', 'green', 3, 0],
      [red, 'done', 'red', 1, 2],
    ]);
    expect(reply.body.items[0]).toMatchObject({ requestedBy: owner.user.id, requestedByName: 'Ada', turn: 1 });
    expect(reply.body.nextCursor).toBeNull();
  });

  it('pages through them with a cursor', async () => {
    const list = (query: string) =>
      call<{ items: DojoRun[]; nextCursor: string | null }>(api.app, 'GET', `/api/v1/dojos/${dojo.id}/runs?${query}`, {
        token: owner.accessToken,
      });
    const first = await list('limit=1');
    expect(first.body.items.map((run) => run.id)).toEqual([green]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(`limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((run) => run.id)).toEqual([red]);
    expect(second.body.nextCursor).toBeNull();
    const bad = await list('cursor=not-one-of-ours');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ detail: 'cursor is not one this API returned' });
  });

  it('shows one run in full with the run before it, to diff against', async () => {
    const reply = await getRun(owner.accessToken, green);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: green,
      light: 'green',
      output: 'all 3 passed',
      outputTruncated: false,
      failing: [],
      files: { 'fizz-buzz.js': 'return fizz(n)' },
      previousRunId: red,
    });
    const first = await getRun(owner.accessToken, red);
    expect(first.body).toMatchObject({ failing: ['fizz', 'buzz'], output: 'FAIL fizz, buzz', previousRunId: null });
  });

  it('hides them from another tenant', async () => {
    expect((await getRun(stranger.accessToken, green)).status).toBe(404);
    const list = await call(api.app, 'GET', `/api/v1/dojos/${dojo.id}/runs`, { token: stranger.accessToken });
    expect(list.status).toBe(404);
    const missing = await getRun(owner.accessToken, 'r_nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('this dojo has no such run');
  });
});

describe('languages and katas', () => {
  const languages = async () =>
    (await call<{ items: Language[] }>(api.app, 'GET', '/api/v1/runs/languages', { token: owner.accessToken })).body
      .items;

  it('lists every language as unavailable while no runner runs', async () => {
    const items = await languages();
    expect(items.map((language) => language.id)).toEqual([...languageIds]);
    expect(items.every((language) => !language.available && language.reason === noRunnerReason)).toBe(true);
    expect(items.find((language) => language.id === 'python')?.testFramework).toBe('pytest');
  });

  it('lists what a live runner publishes', async () => {
    await publishLanguages(api.database.db, 'runner-test', [
      { id: 'javascript', name: 'JavaScript', testFramework: 'node:test', available: true },
      { id: 'rust', name: 'Rust', testFramework: 'cargo test', available: false, reason: 'cargo is not installed' },
    ]);
    const items = await languages();
    expect(items.find((language) => language.id === 'javascript')).toMatchObject({ available: true });
    expect(items.find((language) => language.id === 'rust')).toMatchObject({
      available: false,
      reason: 'cargo is not installed',
    });
    expect(items.find((language) => language.id === 'go')).toMatchObject({ available: false });
  });

  it('hands out a language’s starter kata', async () => {
    const kata = await call<{ language: string; files: Record<string, string> }>(
      api.app,
      'GET',
      '/api/v1/runs/languages/javascript/kata',
      { token: owner.accessToken },
    );
    expect(kata.status).toBe(200);
    expect(kata.body.language).toBe('javascript');
    expect(Object.keys(kata.body.files).sort()).toEqual(['fizz-buzz.js', 'fizz-buzz.test.js', 'package.json']);
    expect(kata.body.files['fizz-buzz.test.js']).toContain('fizz');
    const unknown = await call(api.app, 'GET', '/api/v1/runs/languages/cobol/kata', { token: owner.accessToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ detail: 'there is no such language' });
  });
});

describe('starting a run', () => {
  let participant: SignedUp;

  beforeAll(async () => {
    participant = await addUser(api.app, owner, ['participant']);
    await storeDocument(dojo.documents.code, (doc) => {
      codeFiles(doc).set('fizz-buzz.js', new Y.Text('export const fizzBuzz = (n) => String(n);'));
      codeLanguages(doc).set('fizz-buzz.js', 'javascript');
    });
    // Someone else drives turn 2.
    await storeDocument(dojo.documents.control, (doc) => {
      const state = controlState(doc);
      state.set('phase', 'running');
      state.set('turn', 2);
      state.set('driverId', owner.user.id);
      state.set('runPolicy', 'driver');
    });
    await publishLanguages(api.database.db, 'runner-test', [
      { id: 'javascript', name: 'JavaScript', testFramework: 'node:test', available: true },
    ]);
  });

  const start = (token: string) =>
    call<DojoRun & { detail?: string }>(api.app, 'POST', `/api/v1/dojos/${dojo.id}/runs`, { token });

  it('refuses a participant who is not the driver', async () => {
    const reply = await start(participant.accessToken);
    expect(reply.status).toBe(403);
    expect(reply.body.detail).toBe(
      'only the driver and facilitators may run the tests; ask the facilitator to allow everyone',
    );
  });

  it('queues the code as it is now for a facilitator', async () => {
    const reply = await start(owner.accessToken);
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ status: 'queued', turn: 2, requestedBy: owner.user.id, auto: false });
    expect(reply.body.position).toBeGreaterThanOrEqual(1);
    const detail = await getRun(owner.accessToken, reply.body.id);
    expect(detail.body.files).toEqual({ 'fizz-buzz.js': 'export const fizzBuzz = (n) => String(n);' });
    const stored = await queue.find(owner.tenant.id, reply.body.id);
    expect(stored?.state_vector.length).toBeGreaterThan(1);
  });
});
