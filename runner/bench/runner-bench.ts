/**
 * `npm run bench:runner [-- --reps 10 --concurrency 2 --languages python,java]`: the time from the call to
 * the light, per language, for its starter kata through the real bubblewrap sandbox:
 * - prepare: a fresh runner's first look at the language (the sandbox's self-test, the toolchain check and
 *   the start point's cache, built from nothing; once per toolchain on a real server);
 * - cold: the first run of a new runner whose caches are on disk (a restart);
 * - warm: p50 / p99 of `reps` runs one after another;
 * - runs per minute with `concurrency` runs at once.
 * Figures, not assertions: runs share the machine's cores with everything else on it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readConfig } from '@pocdojo/shared';
import { languageIds, languageIdSchema, languageNames, type LanguageId } from '@pocdojo/shared/contract/runs';
import { createRunner, runnerSettingsShape, type Runner } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '2' },
    languages: { type: 'string', default: languageIds.join(',') },
  },
});
const reps = Number(values.reps);
const concurrency = Number(values.concurrency);
const languages = z.array(languageIdSchema).parse(values.languages.split(','));

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

const print = (line: string) => process.stdout.write(`${line}\n`);
const ms = (value: number) => String(Math.round(value));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;

const cacheDir = join(tmpdir(), `pocdojo-runner-bench-cache-${randomUUID()}`);
const workDirs: string[] = [];

function freshRunner(): Runner {
  const workDir = join(tmpdir(), `pocdojo-runner-bench-${randomUUID()}`);
  workDirs.push(workDir);
  return createRunner(readConfig(z.object(runnerSettingsShape), { RUNNER_WORK_DIR: workDir }), { cacheDir });
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await work();
  return [performance.now() - started, value];
}

interface Row {
  language: LanguageId;
  prepare: number;
  cold: number;
  p50: number;
  p99: number;
  perMinute: number;
  light: string;
}

async function bench(language: LanguageId): Promise<Row> {
  const [prepare, availability] = await timed(() => freshRunner().available(language));
  if (!availability.ok) throw new Error(`${language} is unavailable: ${availability.reason}`);

  const runner = freshRunner();
  const files = await runner.kata(language);
  const run = () => runner.runTests({ language, files });
  const [cold, first] = await timed(run);

  const warm: number[] = [];
  for (let i = 0; i < reps; i++) warm.push((await timed(run))[0]);
  warm.sort((a, b) => a - b);

  const [elapsed] = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < reps; i++) await run();
      }),
    ),
  );
  return {
    language,
    prepare,
    cold,
    p50: percentile(warm, 0.5),
    p99: percentile(warm, 0.99),
    perMinute: (concurrency * reps * 60_000) / elapsed,
    light: first.light,
  };
}

const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
print(
  `# runner bench: ${availableParallelism()} × ${cpu}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
print(`reps ${reps}, ${concurrency} runs at once for the throughput; times from the call to the light, in ms\n`);
print('| language | prepare | cold | warm p50 | warm p99 | runs/min | light | p50 target |');
print('|---|---|---|---|---|---|---|---|');
try {
  for (const language of languages) {
    const row = await bench(language);
    const verdict = row.p50 <= targetMs[language] ? 'met' : 'missed';
    print(
      `| ${languageNames[language]} | ${ms(row.prepare)} | ${ms(row.cold)} | ${ms(row.p50)} | ${ms(row.p99)} | ` +
        `${row.perMinute.toFixed(0)} | ${row.light} | ≤ ${targetMs[language]}: ${verdict} |`,
    );
  }
} finally {
  await Promise.all([cacheDir, ...workDirs].map((dir) => rm(dir, { recursive: true, force: true })));
}
