/**
 * Test runs through a dojo, end to end: the real server (all-in-one, its in-process runner with
 * bubblewrap sandboxes) on Postgres, or on the embedded PGlite with `--embedded` (as `npm start`); a
 * team signs up and opens dojos over the REST API (the SDK's client), and a facilitator on the SDK's
 * real connection sends the dojo protocol's `run` and waits for the light in the `control` document.
 * The room's poll and the runner's admission tick are set to a minute, so every light comes through
 * the `dojo_runs` notifications (a lost one would show as a minute in p99). Prints, per language's starter
 * kata, the time from sending `run` to the light arriving at the client:
 * - cold: the first run of the language on a server that has just started (caches on disk, as after a
 *   restart: the sandbox's first use, the type checker's first check);
 * - warm: p50 / p99 of `reps` runs one after another;
 * and, with `dojos` dojos running at once (each runs, waits for its light, runs again), runs per minute
 * and per minute per core. Figures, not assertions: the client, the server and the sandboxes share the
 * machine's cores with everything else on it.
 *
 *   npm run bench:dojo-runs [-- --languages typescript,python --reps 10 --dojos 4 --throughput python --embedded]
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { z } from 'zod';
import { ApiClient } from '@pocdojo/sdk/api-client';
import { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { RunsClient } from '@pocdojo/sdk/runs-client';
import { codeFiles, readControlState } from '@pocdojo/shared/contract/dojo-documents';
import {
  languageIds,
  languageIdSchema,
  languageNames,
  type LanguageId,
  type RunFiles,
} from '@pocdojo/shared/contract/runs';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { ServerProcess } from '../test/support/server-process.ts';

const { values } = parseArgs({
  options: {
    languages: { type: 'string', default: languageIds.join(',') },
    reps: { type: 'string', default: '10' },
    dojos: { type: 'string', default: String(Math.max(2, availableParallelism() * 2)) },
    throughput: { type: 'string', default: 'python' },
    'throughput-reps': { type: 'string', default: '5' },
    embedded: { type: 'boolean', default: false },
  },
});
const languages = z.array(languageIdSchema).parse(values.languages.split(','));
const reps = z.coerce.number().int().min(1).parse(values.reps);
const dojos = z.coerce.number().int().min(1).parse(values.dojos);
const throughputLanguage = languageIdSchema.parse(values.throughput);
const throughputReps = z.coerce.number().int().min(1).parse(values['throughput-reps']);

/** The targets for p50: interpreted languages within 1.5 s, compiled ones within 4 s. */
const targetMs: Record<LanguageId, number> = {
  typescript: 1500,
  javascript: 1500,
  python: 1500,
  ruby: 1500,
  java: 4000,
  go: 4000,
  cpp: 4000,
  rust: 4000,
};

// The runner tests' start point caches (C++'s takes a minute of CPU to build): shared, as across restarts.
const cacheDir = joinPath(tmpdir(), 'pocdojo-runner-test-cache');
const workDir = joinPath(tmpdir(), `pocdojo-bench-dojo-runs-${process.pid}`);

const print = (line: string) => process.stdout.write(`${line}\n`);
const ms = (value: number) => String(Math.round(value));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;

/** Resolves once the runner offers every wanted language and no probe is still preparing. */
async function languagesReady(runs: RunsClient, wanted: LanguageId[]): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const listed = await runs.languages();
    if (listed.ok) {
      const offered = listed.value.items;
      const missing = wanted.filter((id) => !offered.some((language) => language.id === id && language.available));
      // Every probe settled: a cache still building would take the cores the runs are measured on.
      if (missing.length === 0 && !offered.some((language) => language.preparing)) return;
      if (Date.now() > deadline) throw new Error(`the runner never offered ${missing.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Sends `run` and resolves when the light arrives in this client's `control` document, with the ms it took. */
function runToLight(member: DojoConnection): Promise<{ ms: number; light: string }> {
  const control = member.docs.control;
  const settled = () =>
    readControlState(control).runs.filter((run) => run.status === 'done' || run.status === 'failed').length;
  const before = settled();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const onUpdate = () => {
      const runs = readControlState(control).runs;
      if (settled() <= before) return;
      control.off('update', onUpdate);
      clearTimeout(timer);
      const last = runs.filter((run) => run.status === 'done' || run.status === 'failed').at(-1);
      resolve({ ms: performance.now() - started, light: last?.light ?? last?.status ?? 'none' });
    };
    const timer = setTimeout(() => {
      control.off('update', onUpdate);
      reject(new Error('no light within 120 s'));
    }, 120_000);
    control.on('update', onUpdate);
    void member.send('run', {}).then((reply) => {
      if (!reply.ok) {
        control.off('update', onUpdate);
        clearTimeout(timer);
        reject(new Error(`run refused: ${JSON.stringify(reply)}`));
      }
    });
  });
}

let dojoCount = 0;
/** A new dojo in `language` with its starter kata in the code document, and its facilitator connected. */
async function dojoWith(server: ServerProcess, api: ApiClient, language: LanguageId): Promise<DojoConnection> {
  const created = await api.createDojo({ title: `Bench ${++dojoCount}`, format: 'randori', language });
  if (!created.ok) throw new Error(`dojo not created: ${created.error.message}`);
  const joined = await api.joinDojo(created.value.id);
  if (!joined.ok) throw new Error(`dojo not joined: ${joined.error.message}`);
  const user = api.session?.user;
  const connection = new DojoConnection({
    url: `ws://127.0.0.1:${server.port}${joined.value.url}`,
    documents: joined.value.documents,
    token: joined.value.token,
    self: { userId: user?.id ?? 'bench', name: user?.displayName ?? 'Bench', role: joined.value.role },
    WebSocketPolyfill: WebSocket,
    commandTimeoutMs: 30_000,
  });
  await connection.whenSynced();
  const files = codeFiles(connection.docs.code);
  connection.docs.code.transact(() => {
    for (const [path, text] of Object.entries(katas.get(language) ?? {})) files.set(path, new Y.Text(text));
  });
  return connection;
}

const katas = new Map<LanguageId, RunFiles>();
const wanted = [...new Set([...languages, throughputLanguage])];

await mkdir(workDir, { recursive: true });
await mkdir(cacheDir, { recursive: true });
await symlink(cacheDir, joinPath(workDir, 'cache'));
const database: TestDatabase | undefined = values.embedded ? undefined : await createTestDatabase('pocdojo_bench');
const server = await ServerProcess.start({
  ...(database ? { databaseUrl: database.url } : {}),
  env: {
    RUN_WORKER: 'inline',
    RUNNER_WORK_DIR: workDir,
    RUNS_PER_TENANT: String(dojos),
    RUN_POLL_MS: '60000',
    RUNNER_ADMIT_INTERVAL_MS: '60000',
    API_AUTH_RATE_PER_MINUTE: '10000',
  },
});
const members: DojoConnection[] = [];
try {
  const api = new ApiClient({ baseUrl: server.httpUrl });
  const signedUp = await api.signup({
    tenantName: 'Bench runs',
    email: `bench-${Date.now()}@bench.test`,
    password: 'correct horse battery staple',
    displayName: 'Fay',
  });
  if (!signedUp.ok) throw new Error(`sign-up failed: ${signedUp.error.message}`);
  const runs = new RunsClient(api);
  await languagesReady(runs, wanted);
  for (const language of wanted) {
    const kata = await runs.kata(language);
    if (!kata.ok) throw new Error(`no kata for ${language}: ${kata.error.message}`);
    katas.set(language, kata.value.files);
  }
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  print(`# test runs through a dojo: ${availableParallelism()} × ${cpu}, load ${load()} at the start`);
  print(
    `server + in-process runner (RUNNER_CONCURRENCY ${availableParallelism()}) on ` +
      `${database ? 'Postgres' : 'the embedded PGlite'}; the SDK's connection; ` +
      `ms from sending \`run\` to the light in the client's control document; reps ${reps}\n`,
  );
  print('| language | cold | warm p50 | warm p99 | light | p50 target |');
  print('|---|---|---|---|---|---|');
  for (const language of languages) {
    const member = await dojoWith(server, api, language);
    members.push(member);
    const cold = await runToLight(member);
    const warm: number[] = [];
    for (let i = 0; i < reps; i++) warm.push((await runToLight(member)).ms);
    warm.sort((a, b) => a - b);
    const p50 = percentile(warm, 0.5);
    print(
      `| ${languageNames[language]} | ${ms(cold.ms)} | ${ms(p50)} | ${ms(percentile(warm, 0.99))} | ${cold.light} | ` +
        `≤ ${targetMs[language]}: ${p50 <= targetMs[language] ? 'met' : 'missed'} |`,
    );
  }

  const room = await Promise.all(Array.from({ length: dojos }, () => dojoWith(server, api, throughputLanguage)));
  members.push(...room);
  const started = performance.now();
  const all = await Promise.all(
    room.map(async (member) => {
      const times: number[] = [];
      for (let i = 0; i < throughputReps; i++) times.push((await runToLight(member)).ms);
      return times;
    }),
  );
  const minutes = (performance.now() - started) / 60_000;
  const times = all.flat().sort((a, b) => a - b);
  const perMinute = times.length / minutes;
  print(
    `\n${dojos} ${languageNames[throughputLanguage]} dojos at once, ${throughputReps} runs each: ` +
      `${perMinute.toFixed(0)} runs/min, ${(perMinute / availableParallelism()).toFixed(0)} runs/min per core; ` +
      `command to light p50 ${ms(percentile(times, 0.5))} ms, p99 ${ms(percentile(times, 0.99))} ms ` +
      `(load ${load()} at the end)`,
  );
} finally {
  for (const member of members) member.destroy();
  await server.stop();
  await database?.drop();
  await rm(workDir, { recursive: true, force: true });
}
