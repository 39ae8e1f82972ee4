/**
 * `npm run bench [-- options]`: the side-by-side benchmark. Every scenario runs against a fresh process of
 * each server under test (ours, @hocuspocus/server, the y-websocket reference server, a bare uWS relay),
 * with the clients in worker threads of this process. Writes `<out>/<name>.json` and `<out>/<name>.md`.
 *
 *   --servers ours,ours-postgres,hocuspocus,y-websocket,relay   --scenarios broadcast,dojo,idle,connections,large-document,cross-node
 *   --readers 1000 --rate 50 --duration 15 --warmup 120   one writer, 1,000 readers, 50 edits/s (after 120 s of warm-up)
 *   --typists 10 --observers 40 --typist-rate 5   the dojo room: a dojo's code document (cursor awareness with every edit)
 *   --idle 5000 --connections 10000 --document-kb 1024 --threads 3 --rounds 1 --profile <dir> --quick --out load-tests/results
 *   --server-flags=--perf-basic-prof   Node/V8 flags for every server under test
 *   --name latest   the results files' name, so runs of different scenarios keep their own
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { summarizeProfiles } from './cpu-profile.ts';
import { assertOpenFilesFor, UnrunnableBench } from './open-files.ts';
import { markdownTable, type Row } from './report.ts';
import { judgeTargets, targetsMarkdown, type Figure } from './targets.ts';
import {
  measureConnections,
  measureDelivery,
  measureLargeDocumentSync,
  type ConnectionsResult,
  type DeliveryResult,
  type LargeDocumentResult,
  type RoomLoad,
} from './scenarios.ts';
import {
  repositoryRoot,
  serverKinds,
  startServer,
  type CpuSplit,
  type ServerKind,
  type ServerUnderTest,
} from './server-under-test.ts';

const scenarioNames = ['broadcast', 'dojo', 'idle', 'connections', 'large-document', 'cross-node'] as const;
type ScenarioName = (typeof scenarioNames)[number];

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const optionsSchema = z.object({
  servers: list(serverKinds).default([...serverKinds]),
  scenarios: list(scenarioNames).default([...scenarioNames]),
  readers: z.coerce.number().int().positive().default(1000),
  rate: z.coerce.number().positive().default(50),
  duration: z.coerce.number().positive().default(15),
  /**
   * Seconds of the same load on another document of the same server process before the measured run: the
   * JavaScript servers reach their steady state (JIT tiers, caches) rather than being timed while compiling.
   * At a dojo room's 50 edits a second V8 keeps optimizing for well over a minute: on the collaboration
   * process its log (`--log-code`) still showed two optimizing compilations a second 60–75 s in, and perf
   * showed its helper threads in the optimizing compiler at 70–90 s. Servers run for days, so each is
   * measured after two minutes of the load.
   */
  warmup: z.coerce.number().min(0).default(120),
  typists: z.coerce.number().int().positive().default(10),
  observers: z.coerce.number().int().min(0).default(40),
  'typist-rate': z.coerce.number().positive().default(5),
  idle: z.coerce.number().int().positive().default(5000),
  connections: z.coerce.number().int().positive().default(10_000),
  'document-kb': z.coerce.number().int().positive().default(1024),
  'cross-node-readers': z.coerce.number().int().positive().default(100),
  'redis-url': z.url().default('redis://127.0.0.1:6379'),
  /** Repetitions of the delivery scenarios (broadcast, dojo, cross-node); each figure is their median. */
  rounds: z.coerce.number().int().positive().default(1),
  /** Load-generator threads: the writers share the first, the readers the others. */
  threads: z.coerce.number().int().positive().default(3),
  out: z.string().default(join(repositoryRoot, 'load-tests/results')),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a results name is lower-case letters, digits and dashes')
    .default('latest'),
  /** Write a V8 CPU profile of every server process under this directory (<scenario>-<server>/). */
  profile: z.string().optional(),
  /**
   * Node or V8 flags for every server under test, space-separated: `--perf-basic-prof` lets `perf` name the
   * server's JavaScript, `--log-deopt --logfile=…` records its deoptimisations.
   */
  'server-flags': z
    .string()
    .default('')
    .transform((text) => text.split(/\s+/).filter(Boolean))
    .pipe(z.array(z.string().regex(/^--[a-z][a-z0-9-]*(=\S+)?$/, 'each server flag is one --flag or --flag=value'))),
});
export type BenchOptions = z.infer<typeof optionsSchema>;

/** Small enough for CI: a few seconds per server. */
const quick: Record<string, string> = {
  readers: '20',
  rate: '20',
  duration: '2',
  warmup: '0',
  typists: '3',
  observers: '3',
  idle: '50',
  connections: '100',
  'document-kb': '64',
  'cross-node-readers': '5',
};

interface RoundInfo {
  /** The machine's 1-minute load average when the scenario started: other work skews latencies. */
  loadAverage?: number;
  /** With --rounds: the main figures of every round (CPU µs per update, p99 delivery and ack ms, missing). */
  rounds?: Array<{ cpu: number; p99: number | undefined; ackP99: number | undefined; missing: number }>;
  /** Rounds that failed (a server exiting mid-run, say), with the reason. */
  failedRounds?: string[];
}

type ScenarioResult = (DeliveryResult | ConnectionsResult | LargeDocumentResult | { error: string }) & RoundInfo;

function currentCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' });
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'sync', 'shared'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
    });
    return `${head.trim()}${dirty.trim() ? ' (with uncommitted changes in server/sync/shared)' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

async function withServer<T>(
  kind: ServerKind,
  scenario: ScenarioName,
  options: BenchOptions,
  inspect: boolean,
  run: (server: ServerUnderTest) => Promise<T>,
): Promise<T> {
  const database = kind === 'ours-postgres' ? await createTestDatabase('bench') : undefined;
  const profileDirectory = options.profile && join(options.profile, `${scenario}-${kind}`);
  try {
    const server = await startServer(kind, {
      inspect,
      databaseUrl: database?.url,
      profileDirectory,
      serverFlags: options['server-flags'],
    });
    try {
      return await run(server);
    } finally {
      await server.stop();
      if (profileDirectory) await summarizeProfiles(profileDirectory);
    }
  } finally {
    await database?.drop();
  }
}

async function runScenario(
  name: ScenarioName,
  kind: ServerKind,
  options: BenchOptions,
): Promise<ScenarioResult | undefined> {
  const threads = options.threads;
  switch (name) {
    case 'broadcast': {
      const load: RoomLoad = {
        documents: 1,
        writersPerDocument: 1,
        readersPerDocument: options.readers,
        editsPerSecond: options.rate,
        durationSeconds: options.duration,
        awareness: false,
        kind: 'room',
        threads,
      };
      return withServer(kind, name, options, false, (server) => measureWarm(load, server, options.warmup));
    }
    case 'dojo': {
      const load: RoomLoad = {
        documents: 1,
        writersPerDocument: options.typists,
        readersPerDocument: options.observers,
        editsPerSecond: options['typist-rate'],
        durationSeconds: options.duration,
        awareness: true,
        kind: 'dojo',
        threads,
      };
      return withServer(kind, name, options, false, (server) => measureWarm(load, server, options.warmup));
    }
    case 'idle':
      return withServer(kind, name, options, true, (server) =>
        measureConnections(server, {
          connections: options.idle,
          documents: Math.max(1, Math.round(options.idle / 100)),
          holdSeconds: 3,
          threads,
          inspect: true,
        }),
      );
    case 'connections':
      return withServer(kind, name, options, false, (server) =>
        measureConnections(server, {
          connections: options.connections,
          documents: Math.max(1, Math.round(options.connections / 20)),
          holdSeconds: 5,
          threads,
          inspect: false,
        }),
      );
    case 'large-document':
      // The relay keeps no state: there is nothing for a new client to sync.
      if (kind === 'relay') return undefined;
      return withServer(kind, name, options, false, (server) =>
        measureLargeDocumentSync(server, { bytes: options['document-kb'] * 1024, joins: 5, chunkBytes: 16 * 1024 }),
      );
    case 'cross-node':
      // Hocuspocus fans out with its Redis extension; y-websocket 1.5 and the relay have no way between nodes.
      // Two nodes of ours always share a Postgres database, so `ours-postgres` would repeat `ours`.
      if (kind !== 'ours' && kind !== 'hocuspocus') return undefined;
      return runCrossNode(kind, options);
  }
}

/** The measured run after `warmupSeconds` of the same load on a document of its own. */
async function measureWarm(
  load: RoomLoad,
  writerNode: ServerUnderTest,
  warmupSeconds: number,
  readerNode: ServerUnderTest = writerNode,
): Promise<DeliveryResult> {
  if (warmupSeconds > 0)
    await measureDelivery({ ...load, durationSeconds: warmupSeconds }, writerNode, readerNode, `warmup-${Date.now()}`);
  return measureDelivery(load, writerNode, readerNode);
}

/** Two nodes on one Redis (and, for ours, one Postgres database): the writer on one, the readers on the other. */
async function runCrossNode(kind: 'ours' | 'hocuspocus', options: BenchOptions): Promise<DeliveryResult> {
  const database = kind === 'ours' ? await createTestDatabase('bench') : undefined;
  const nodes: ServerUnderTest[] = [];
  try {
    const shared = {
      databaseUrl: database?.url,
      redisUrl: options['redis-url'],
      redisPrefix: `bench-${Date.now().toString(36)}`,
      serverFlags: options['server-flags'],
    };
    nodes.push(await startServer(kind, shared));
    nodes.push(await startServer(kind, { ...shared, dataDir: nodes[0]?.dataDir }));
    const [writerNode, readerNode] = nodes as [ServerUnderTest, ServerUnderTest];
    const load: RoomLoad = {
      documents: 1,
      writersPerDocument: 1,
      readersPerDocument: options['cross-node-readers'],
      editsPerSecond: Math.min(options.rate, 20),
      durationSeconds: options.duration,
      awareness: false,
      kind: 'room',
      threads: options.threads,
    };
    return await measureWarm(load, writerNode, options.warmup, readerNode);
  } finally {
    for (const node of nodes.reverse()) await node.stop();
    await database?.drop();
  }
}

function loadRange(results: Partial<Record<ScenarioName, Partial<Record<ServerKind, ScenarioResult>>>>): string {
  const loads = Object.values(results).flatMap((perServer) =>
    Object.values(perServer).flatMap((result) => (result.loadAverage === undefined ? [] : [result.loadAverage])),
  );
  return loads.length === 0 ? 'n/a' : `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
}

const deliveryScenarios = new Set<ScenarioName>(['broadcast', 'dojo', 'cross-node']);

/**
 * Each figure is its median over the rounds (of an even number, the lower middle one), so one disturbed or one
 * lucky round moves no figure. The CPU row brings the other figures of its round along; p99 latencies are
 * medians of their own. Every round stays in `rounds`.
 */
function medianOfRounds(results: ScenarioResult[]): ScenarioResult | undefined {
  const measured = results.filter(isDelivery);
  const failedRounds = results.flatMap((r) => ('error' in r ? [r.error] : []));
  if (measured.length === 0) return results[0];
  const median = (figure: (r: DeliveryResult) => number | undefined): DeliveryResult & RoundInfo => {
    const sorted = [...measured].sort((a, b) => (figure(a) ?? Infinity) - (figure(b) ?? Infinity));
    return sorted[Math.floor((sorted.length - 1) / 2)] as DeliveryResult & RoundInfo;
  };
  return {
    ...median((r) => r.cpuMicrosecondsPerDelivery),
    latencyMs: median((r) => r.latencyMs?.p99).latencyMs,
    ackLatencyMs: median((r) => r.ackLatencyMs?.p99).ackLatencyMs,
    rounds: measured.map((r) => ({
      cpu: r.cpuMicrosecondsPerDelivery,
      p99: r.latencyMs?.p99,
      ackP99: r.ackLatencyMs?.p99,
      missing: r.expected - r.delivered,
    })),
    ...(failedRounds.length > 0 ? { failedRounds } : {}),
  };
}

const isDelivery = (r: ScenarioResult | undefined): r is DeliveryResult & RoundInfo =>
  !!r && 'cpuMicrosecondsPerDelivery' in r;

const isConnections = (r: ScenarioResult | undefined): r is ConnectionsResult => !!r && 'rssBytesPerConnection' in r;
const isLargeDocument = (r: ScenarioResult | undefined): r is LargeDocumentResult => !!r && 'documentBytes' in r;

/** The figures the targets are judged on, read from this run's results. */
function targetFigure(results: Partial<Record<ScenarioName, Partial<Record<ServerKind, ScenarioResult>>>>): Figure {
  return (scenario, metric, kind) => {
    const result = results[scenario]?.[kind];
    switch (metric) {
      case 'cpu':
        return isDelivery(result) ? result.cpuMicrosecondsPerDelivery : undefined;
      case 'p99':
        return isDelivery(result) ? result.latencyMs?.p99 : undefined;
      case 'syncP99':
        return isConnections(result) ? result.syncMs?.p99 : undefined;
      case 'rssMiB':
        return isConnections(result) ? result.serverRssBytes / 2 ** 20 : undefined;
      case 'heapPerConnection':
        return isConnections(result) ? result.heapBytesPerConnection : undefined;
      case 'failures':
        return isConnections(result) ? result.joinErrors + result.droppedAfterJoin : undefined;
    }
  };
}

/** The rows under the CPU figure, one per part of its split. */
const cpuParts: [keyof CpuSplit, string][] = [
  ['kernel', '… of it in the kernel (sends, reads)'],
  ['mainThread', '… on the main thread (JavaScript, uWS)'],
  ['helperThreads', '… on helper threads (V8 GC and compiler)'],
];

function rowsFor(name: ScenarioName, label: string, results: Partial<Record<ServerKind, ScenarioResult>>): Row[] {
  const pick = <R extends ScenarioResult>(
    guard: (r: ScenarioResult | undefined) => r is R,
    read: (r: R) => number | undefined,
  ) =>
    Object.fromEntries(
      Object.entries(results).map(([kind, result]) => [kind, guard(result) ? read(result) : undefined]),
    ) as Row['values'];
  if (name === 'idle' || name === 'connections') {
    return [
      {
        scenario: label,
        metric: 'join errors + drops',
        unit: 'count',
        values: pick(isConnections, (r) => r.joinErrors + r.droppedAfterJoin),
      },
      { scenario: label, metric: 'sync p99', unit: 'ms', values: pick(isConnections, (r) => r.syncMs?.p99) },
      ...(name === 'connections'
        ? [
            {
              scenario: label,
              metric: '… of the first fifth (opening every document)',
              unit: 'ms',
              values: pick(isConnections, (r) => r.openingSyncMs?.p99),
            },
            {
              scenario: label,
              metric: '… of the rest (documents open)',
              unit: 'ms',
              values: pick(isConnections, (r) => r.joiningSyncMs?.p99),
            },
            {
              scenario: label,
              metric: 'server CPU per join',
              unit: 'µs',
              values: pick(isConnections, (r) => r.cpuMicrosecondsPerJoin),
            },
            {
              scenario: label,
              metric: '… on the main thread (JavaScript, uWS)',
              unit: 'µs',
              values: pick(isConnections, (r) => r.cpuSplitMicrosecondsPerJoin.mainThread),
            },
          ]
        : []),
      // Growth per connection only means something after a forced GC (idle); otherwise report the server's RSS.
      ...(name === 'idle'
        ? [
            {
              scenario: label,
              metric: 'heap per connection',
              unit: 'KiB',
              values: pick(isConnections, (r) => r.heapBytesPerConnection && r.heapBytesPerConnection / 1024),
            },
            {
              scenario: label,
              metric: 'RSS per connection',
              unit: 'KiB',
              values: pick(isConnections, (r) => r.rssBytesPerConnection / 1024),
            },
          ]
        : [
            {
              scenario: label,
              metric: 'server RSS',
              unit: 'MiB',
              values: pick(isConnections, (r) => r.serverRssBytes / 2 ** 20),
            },
          ]),
    ];
  }
  if (name === 'large-document') {
    return [
      { scenario: label, metric: 'sync p50', unit: 'ms', values: pick(isLargeDocument, (r) => r.syncMs?.p50) },
      { scenario: label, metric: 'sync max', unit: 'ms', values: pick(isLargeDocument, (r) => r.syncMs?.max) },
    ];
  }
  return [
    {
      scenario: label,
      metric: 'server CPU per delivered update',
      unit: 'µs',
      values: pick(isDelivery, (r) => r.cpuMicrosecondsPerDelivery),
    },
    ...cpuParts.map(([part, metric]) => ({
      scenario: label,
      metric,
      unit: 'µs',
      values: pick(isDelivery, (r) => r.cpuSplitMicrosecondsPerDelivery[part]),
    })),
    { scenario: label, metric: 'delivery p50', unit: 'ms', values: pick(isDelivery, (r) => r.latencyMs?.p50) },
    { scenario: label, metric: 'delivery p99', unit: 'ms', values: pick(isDelivery, (r) => r.latencyMs?.p99) },
    { scenario: label, metric: 'delivery max', unit: 'ms', values: pick(isDelivery, (r) => r.latencyMs?.max) },
    { scenario: label, metric: 'ack p50', unit: 'ms', values: pick(isDelivery, (r) => r.ackLatencyMs?.p50) },
    { scenario: label, metric: 'ack p99', unit: 'ms', values: pick(isDelivery, (r) => r.ackLatencyMs?.p99) },
    {
      scenario: label,
      metric: 'missing deliveries (worst round)',
      unit: 'count',
      values: pick(isDelivery, (r) =>
        Math.max(r.expected - r.delivered, ...(r.rounds ?? []).map((round) => round.missing)),
      ),
    },
  ];
}

function scenarioLabel(name: ScenarioName, options: BenchOptions): string {
  switch (name) {
    case 'broadcast':
      return `1 doc, ${options.readers} readers, 1 writer @ ${options.rate}/s`;
    case 'dojo':
      return `dojo: ${options.typists} typists @ ${options['typist-rate']}/s + ${options.observers} observers`;
    case 'idle':
      return `${options.idle} idle connections`;
    case 'connections':
      return `${options.connections} connections, one node`;
    case 'large-document':
      return `${options['document-kb']} KiB document, new client`;
    case 'cross-node':
      return `cross-node via Redis, ${options['cross-node-readers']} readers`;
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      [...Object.keys(optionsSchema.shape), 'quick'].map((key) => [
        key,
        { type: key === 'quick' ? 'boolean' : 'string' },
      ]),
    ) as Record<string, { type: 'string' | 'boolean' }>,
  });
  const { quick: isQuick, ...given } = values;
  const options = optionsSchema.parse({ ...(isQuick ? quick : {}), ...given });
  if (options.scenarios.includes('idle')) assertOpenFilesFor(options.idle);
  if (options.scenarios.includes('connections')) assertOpenFilesFor(options.connections);
  const startedAt = new Date().toISOString();
  // Which code was measured: read at the start, since other work lands in the repository meanwhile.
  const commit = currentCommit();
  const results: Partial<Record<ScenarioName, Partial<Record<ServerKind, ScenarioResult>>>> = {};
  const rows: Row[] = [];
  for (const name of options.scenarios) {
    const perServer: Partial<Record<ServerKind, ScenarioResult>> = {};
    // Delivery scenarios run `rounds` times, servers interleaved, so a burst of other work on the machine
    // hits one round rather than one server; each server keeps the median of its rounds per figure.
    const rounds = deliveryScenarios.has(name) ? options.rounds : 1;
    const allRounds: Partial<Record<ServerKind, ScenarioResult[]>> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const kind of options.servers) {
        log(
          `${name} · ${kind}${rounds > 1 ? ` · round ${round}/${rounds}` : ''} (load average ${loadavg()[0]?.toFixed(2)})`,
        );
        let result: ScenarioResult | undefined;
        try {
          const loadAverage = loadavg()[0];
          const measured = await runScenario(name, kind, options);
          result = measured && { ...measured, loadAverage };
        } catch (error) {
          log(`  failed: ${error instanceof Error ? error.message : String(error)}`);
          result = { error: error instanceof Error ? error.message : String(error) };
        }
        if (result) (allRounds[kind] ??= []).push(result);
      }
    }
    for (const [kind, results] of Object.entries(allRounds) as Array<[ServerKind, ScenarioResult[]]>) {
      perServer[kind] = medianOfRounds(results);
    }
    results[name] = perServer;
    rows.push(...rowsFor(name, scenarioLabel(name, options), perServer));
  }
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
  const command = `npm run bench -- ${argv.join(' ')}`.trim();
  const targets = judgeTargets(targetFigure(results), { idle: options.idle, connections: options.connections });
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command,
    commit,
    machine,
    options,
    results,
    rows,
    targets,
  };
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, `${options.name}.json`), JSON.stringify(report, null, 2) + '\n');
  const table = markdownTable(rows, options.servers);
  const markdown =
    `# Benchmark ${startedAt}\n\n` +
    `\`${command}\` at commit ${commit}, on ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}.\n` +
    `Ratios are ours ÷ peer: below 1× ours is lower (better) on that row. ` +
    `1-minute load average during the run: ${loadRange(results)} (the machine is shared; latencies suffer from other work, CPU time per update much less).\n\n` +
    table +
    `\n## The issue's targets in this run\n\n` +
    targetsMarkdown(targets);
  await writeFile(join(options.out, `${options.name}.md`), markdown);
  process.stdout.write(markdown);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UnrunnableBench || error instanceof z.ZodError)) throw error;
  process.stderr.write(`npm run bench: ${error instanceof z.ZodError ? z.prettifyError(error) : error.message}\n`);
  process.exitCode = 2;
}
