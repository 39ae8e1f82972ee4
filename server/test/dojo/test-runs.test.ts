import { mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonKata } from '@pocdojo/runner/testing/language-fixtures';
import { sharedCacheDir } from '@pocdojo/runner/testing/test-runner';
import type { DojoRun } from '@pocdojo/shared/contract/runs';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { createDojoRow, join, type Member } from './dojo-support.ts';

/**
 * Test runs in a dojo on the real server with its in-process runner (bubblewrap sandboxes): the
 * driver's `run` reaches everyone's `control` document as queued/running, then the light with counts.
 * The room's poll and the runner's admission tick are set to a minute, longer than any wait here: every
 * light arrives through the `dojo_runs` notifications (the runner admits when a run is queued, the room
 * reads its runs when their status changes), not through a poll.
 */
const tenantId = 't_runs';
const failing = pythonKata['fizz_buzz.py'];
const passing = 'def fizz_buzz(number):\n    return "Fizz" if number % 3 == 0 else str(number)\n';
const tests = pythonKata['test_fizz_buzz.py'];
const workDir = joinPath(tmpdir(), `pocdojo-dojo-runs-${process.pid}`);

let server: ServerProcess;
const databaseUrl = () => server.options.databaseUrl as string;
const members: Member[] = [];

async function room(dojoId: string, language = 'python'): Promise<[Member, Member, Member]> {
  await createDojoRow(databaseUrl(), { tenantId, dojoId, format: 'randori', turnMinutes: 10, language });
  const people = await Promise.all([
    join(server, { tenantId, dojoId, userId: 'fay', name: 'Fay', role: 'facilitator' }),
    join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' }),
    join(server, { tenantId, dojoId, userId: 'bob', name: 'Bob', role: 'participant' }),
  ]);
  members.push(...people);
  await Promise.all(people.map((member) => member.connection.whenSynced()));
  const [fay] = people;
  await eventually(() => Object.keys(fay.control.participants).length === 3, 'everyone listed');
  expect(await fay.connection.send('setRotation', { order: ['ann', 'bob'] })).toMatchObject({ ok: true });
  expect(await fay.connection.send('start', {})).toMatchObject({ ok: true });
  return people;
}

const lastRun = (member: Member): DojoRun | undefined => member.control.runs.at(-1);

async function finished(member: Member, count: number): Promise<DojoRun> {
  await eventually(
    () => member.control.runs.filter((run) => run.status === 'done' || run.status === 'failed').length >= count,
    'the run to finish',
    90_000,
  );
  return member.control.runs.filter((run) => run.status === 'done' || run.status === 'failed').at(-1)!;
}

async function runRows(dojoId: string) {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ status: string; auto: boolean; files: Record<string, string> }>(
      'SELECT status, auto, files FROM dojo_runs WHERE dojo_id = $1 ORDER BY requested_at',
      [dojoId],
    );
    return rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await mkdir(workDir, { recursive: true });
  // The runner tests' start point caches, shared so no test builds them twice.
  await mkdir(sharedCacheDir, { recursive: true });
  await symlink(sharedCacheDir, joinPath(workDir, 'cache')).catch(() => undefined);
  server = await ServerProcess.onTestDatabase({
    env: {
      RUN_WORKER: 'inline',
      RUNNER_WORK_DIR: workDir,
      RUNNER_CONCURRENCY: '1',
      RUNNER_HEARTBEAT_SECONDS: '1',
      RUN_POLL_MS: '60000',
      RUNNER_ADMIT_INTERVAL_MS: '60000',
    },
  });
  // The in-process runner offers each language once its probe settles; these tests run Python.
  await eventually(pythonOffered, 'the in-process runner to offer Python', 90_000);
});

async function pythonOffered(): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ languages: Array<{ id: string; available: boolean }> }>(
      'SELECT languages FROM runner_heartbeats',
    );
    return rows.some((row) => row.languages.some((language) => language.id === 'python' && language.available));
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.dispose();
  await rm(workDir, { recursive: true, force: true });
});

describe('test runs in a dojo', () => {
  it('runs the driver’s code for everyone: queued, then the light with its counts', async () => {
    const [fay, ann, bob] = await room('d_light');
    ann.type('fizz_buzz.py', failing);
    ann.type('test_fizz_buzz.py', tests);
    await eventually(() => fay.text('test_fizz_buzz.py') === tests, 'the code to reach everyone');
    expect(await ann.connection.send('run', {})).toMatchObject({ ok: true });
    // Shown as soon as it is asked for, before its result.
    await eventually(() => lastRun(bob) !== undefined, 'the run to show');
    expect(['queued', 'running']).toContain(lastRun(bob)?.status);
    const red = await finished(bob, 1);
    expect(red).toMatchObject({
      status: 'done',
      light: 'red',
      passed: 1,
      failed: 1,
      requestedBy: 'ann',
      requestedByName: 'Ann',
      turn: 1,
      auto: false,
      position: null,
    });
    expect(lastRun(fay)).toEqual(red);

    const file = ann.file('fizz_buzz.py')!;
    file.delete(0, file.length);
    file.insert(0, passing);
    await eventually(() => fay.text('fizz_buzz.py') === passing, 'the fix to reach everyone');
    expect(await fay.connection.send('run', {})).toMatchObject({ ok: true });
    expect(await finished(bob, 2)).toMatchObject({ light: 'green', passed: 2, failed: 0, requestedBy: 'fay' });
    // The run stored the exact code it ran.
    expect((await runRows('d_light')).map((row) => row.files['fizz_buzz.py'])).toEqual([failing, passing]);
  });

  it('refuses a participant who is not driving until a facilitator allows everyone', async () => {
    const [fay, ann, bob] = await room('d_policy');
    ann.type('fizz_buzz.py', passing);
    ann.type('test_fizz_buzz.py', tests);
    expect(await bob.connection.send('run', {})).toMatchObject({
      ok: false,
      error: {
        code: 'forbidden',
        message: 'only the driver and facilitators may run the tests; ask the facilitator to allow everyone',
      },
    });
    expect(await bob.connection.send('setRunPolicy', { policy: 'everyone' })).toMatchObject({ ok: false });
    expect(await fay.connection.send('setRunPolicy', { policy: 'everyone' })).toMatchObject({ ok: true });
    await eventually(() => bob.control.runPolicy === 'everyone', 'the policy to reach bob');
    await eventually(() => bob.text('test_fizz_buzz.py') === tests, 'the code to reach bob');
    expect(await bob.connection.send('run', {})).toMatchObject({ ok: true });
    expect(await finished(ann, 1)).toMatchObject({ light: 'green', requestedBy: 'bob' });
  });

  it('keeps one waiting run per dojo: a second request while queued replaces the first', async () => {
    const [, ann] = await room('d_replace');
    ann.type('fizz_buzz.py', passing);
    ann.type('test_fizz_buzz.py', tests);
    const replies = await Promise.all([ann.connection.send('run', {}), ann.connection.send('run', {})]);
    expect(replies).toMatchObject([{ ok: true }, { ok: true }]);
    // The first was replaced unless a runner had already taken it (runners admit as soon as a run is
    // queued); either way the second runs, and nothing runs twice.
    let statuses: string[] = [];
    await eventually(
      async () => {
        statuses = (await runRows('d_replace')).map((row) => row.status);
        return statuses.length === 2 && statuses.every((status) => status === 'replaced' || status === 'done');
      },
      'both requests settled',
      90_000,
    );
    expect(statuses[1]).toBe('done');
    expect(['replaced', 'done']).toContain(statuses[0]);
    await eventually(() => ann.control.runs.every((run) => run.status !== 'queued'), 'nothing left queued');
  });

  it('answers unavailable for a dojo language without a start point', async () => {
    const [fay] = await room('d_kotlin', 'kotlin');
    expect(await fay.connection.send('run', {})).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: 'kotlin code cannot be run here: there is no test runner for it' },
    });
  });

  it('auto-runs once after a burst of typing, when the code rests', async () => {
    const [fay, ann] = await room('d_auto');
    expect(await fay.connection.send('setAutoRun', { on: true })).toMatchObject({ ok: true });
    await eventually(() => ann.control.autoRun, 'auto-run to be on');
    ann.type('test_fizz_buzz.py', tests);
    for (const character of passing) {
      ann.type('fizz_buzz.py', character);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const run = await finished(fay, 1);
    expect(run).toMatchObject({ auto: true, light: 'green', requestedBy: 'ann' });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await runRows('d_auto')).map((row) => [row.auto, row.status])).toEqual([[true, 'done']]);
  });

  it('keeps the lights across a server restart', async () => {
    const before = members.find((member) => member.userId === 'bob')!.control.runs.length;
    expect(before).toBeGreaterThan(0);
    for (const member of members.splice(0)) member.leave();
    await server.stop();
    await server.restart();
    const bob = await join(server, { tenantId, dojoId: 'd_light', userId: 'bob', name: 'Bob', role: 'participant' });
    members.push(bob);
    await bob.connection.whenSynced();
    expect(bob.control.runs.map((run) => run.light)).toEqual(['red', 'green']);
  });
});
