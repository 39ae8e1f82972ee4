/**
 * What durable acknowledgements cost: in one run, against the real server, the time from a local edit
 * to (a) a peer on the same document seeing it (not held for the database) and (b) the writer receiving
 * the acknowledgement (held until the group commit is in Postgres). Prints medians and p99 of both,
 * the server's own commit times and how many updates shared a commit, for the Postgres server and the
 * embedded default. With --tracing it runs the Postgres server twice instead, tracing off and on (every
 * span exported over OTLP/HTTP to a receiver in this process), and prints the two side by side.
 *
 *   npm run bench:ack [-- --seconds 8 --documents 5 --writers 4 --rate 20] [--tracing]
 */
import { parseArgs } from 'node:util';
import { OtlpReceiver } from '@pocdojo/shared/testing/otlp-receiver';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { connect, synced, type TestProvider } from '../test/support/providers.ts';
import { ServerProcess } from '../test/support/server-process.ts';
import { EditProbe, ms, summarize } from './edit-probe.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    documents: { type: 'string', default: '5' },
    writers: { type: 'string', default: '4' },
    rate: { type: 'string', default: '20' },
    tracing: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const documents = Number(values.documents);
const writersPerDocument = Number(values.writers);
const editsPerSecond = Number(values.rate);

async function measure(server: ServerProcess) {
  const probe = new EditProbe();
  const clients: TestProvider[] = [];
  const token = await server.token({ sub: 'bench', tid: 't_bench', roles: ['participant'] });
  for (let d = 0; d < documents; d++) {
    for (let w = 0; w < writersPerDocument; w++) {
      const client = connect({ url: server.wsUrl, name: `t_bench/dojo/ack${d}/code`, token });
      probe.watchAcks(client);
      probe.watchDeliveries(client);
      clients.push(client);
    }
  }
  await Promise.all(clients.map(synced));

  const cpuBefore = cpuSeconds(await fetch(`${server.httpUrl}/metrics`).then((r) => r.text()));
  const until = performance.now() + seconds * 1000;
  let edits = 0;
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = 0; performance.now() < until; n++) {
        probe.type(client, `c${i}#${n}`);
        edits++;
        await new Promise((resolve) => setTimeout(resolve, 1000 / editsPerSecond));
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const metrics = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
  for (const c of clients) c.destroy();
  return {
    ack: summarize(probe.acks),
    delivery: summarize(probe.deliveries),
    commit: commitQuantiles(metrics),
    // CPU the server spent per edit: on a shared, busy machine a steadier measure of added work than latency.
    cpuPerEditMs: ((cpuSeconds(metrics) - cpuBefore) * 1000) / edits,
  };
}

/** The server process's CPU time so far (user + system), from its own metrics. */
function cpuSeconds(metrics: string): number {
  return Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)/m.exec(metrics)?.[1] ?? NaN);
}

/** The server's own commit-duration histogram: the upper bucket bound holding the median and the p99, and updates per commit. */
function commitQuantiles(metrics: string) {
  const buckets = [...metrics.matchAll(/^pocdojo_persistence_commit_seconds_bucket\{le="([^"]+)"[^}]*\} (\d+)/gm)].map(
    (m) => [Number(m[1]), Number(m[2])] as const,
  );
  const count = Number(/^pocdojo_persistence_commit_seconds_count\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const updates = Number(/^pocdojo_persistence_updates_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const bound = (q: number) => (buckets.find(([, c]) => c >= q * count)?.[0] ?? NaN) * 1000;
  return { updatesPerCommit: updates / count, p50Bound: bound(0.5), p99Bound: bound(0.99) };
}

interface Run {
  label: string;
  embedded: boolean;
  /** Exports every span to this receiver (tracing on). */
  receiver?: OtlpReceiver;
}

const receiver = values.tracing ? await OtlpReceiver.start() : undefined;
const runs: Run[] = receiver
  ? [
      { label: 'Postgres server, tracing off', embedded: false },
      { label: 'Postgres server, tracing on', embedded: false, receiver },
    ]
  : [
      { label: 'Postgres server', embedded: false },
      { label: 'embedded PGlite', embedded: true },
    ];
const rows: string[] = [];
for (const run of runs) {
  const db = run.embedded ? undefined : await createTestDatabase('pocdojo_bench');
  const server = await ServerProcess.start({
    databaseUrl: db?.url,
    ...(run.receiver && { env: { OTEL_EXPORTER_OTLP_ENDPOINT: run.receiver.endpoint } }),
  });
  const r = await measure(server);
  await server.stop();
  await db?.drop();
  rows.push(
    `| ${run.label} | ${r.delivery.n} | ${ms(r.delivery.p50)} / ${ms(r.delivery.p99)} | ${r.ack.n} | ${ms(r.ack.p50)} / ${ms(r.ack.p99)} | ≤ ${r.commit.p50Bound} / ≤ ${r.commit.p99Bound} | ${ms(r.commit.updatesPerCommit)} | ${ms(r.cpuPerEditMs)} |`,
  );
}
await receiver?.close();
process.stdout.write(
  `${documents} documents × ${writersPerDocument} writers × ${editsPerSecond} edits/s for ${seconds}s (${documents * writersPerDocument * editsPerSecond} edits/s)\n\n` +
    '| run | deliveries | delivery to a peer p50 / p99 (ms) | acks | durable ack p50 / p99 (ms) | commit in the server p50 / p99 (ms) | updates per commit | server CPU per edit (ms) |\n' +
    '|---|---|---|---|---|---|---|---|\n' +
    rows.join('\n') +
    '\n' +
    (receiver ? `\nspans exported with tracing on: ${spanCounts(receiver)}\n` : ''),
);

/** How many spans of each name the traced run exported, most first. */
function spanCounts(traces: OtlpReceiver): string {
  const counts = new Map<string, number>();
  for (const span of traces.spans) counts.set(span.name, (counts.get(span.name) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}
