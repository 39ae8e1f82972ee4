/**
 * What durable acknowledgements cost: in one run, against the real server, the time from a local edit
 * to (a) a peer on the same document seeing it (not held for the database) and (b) the writer receiving
 * the acknowledgement (held until the group commit is in Postgres). Prints medians and p99 of both and
 * their difference, for the Postgres server and the embedded default.
 *
 *   npm run bench:ack [-- --seconds 8 --documents 5 --writers 4 --rate 20]
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { connect, synced, type TestProvider } from '../test/support/providers.ts';
import { ServerProcess } from '../test/support/server-process.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    documents: { type: 'string', default: '5' },
    writers: { type: 'string', default: '4' },
    rate: { type: 'string', default: '20' },
  },
});
const seconds = Number(values.seconds);
const documents = Number(values.documents);
const writersPerDocument = Number(values.writers);
const editsPerSecond = Number(values.rate);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
};

async function measure(server: ServerProcess) {
  const ackLatencies: number[] = [];
  const deliveryLatencies: number[] = [];
  const sentAt = new Map<string, number>();
  const clients: TestProvider[] = [];
  const token = await server.token({ sub: 'bench', tid: 't_bench', roles: ['participant'] });

  for (let d = 0; d < documents; d++) {
    for (let w = 0; w < writersPerDocument; w++) {
      const id = `d${d}w${w}`;
      const client = connect({ url: server.wsUrl, name: `t_bench/dojo/ack${d}/code`, token });
      const outstanding: number[] = [];
      let last = 0;
      client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
        if (number > last) for (let i = last; i < number; i++) outstanding.push(performance.now());
        else for (let i = number; i < last; i++) ackLatencies.push(performance.now() - (outstanding.shift() ?? NaN));
        last = number;
      });
      client.text.observe((event) => {
        if (event.transaction.local) return;
        for (const op of event.delta) {
          if (typeof op.insert !== 'string') continue;
          for (const token of op.insert.split(';')) {
            const at = sentAt.get(token);
            if (at !== undefined && !token.startsWith(id + '#')) deliveryLatencies.push(performance.now() - at);
          }
        }
      });
      clients.push(client);
      Object.assign(client, { id });
    }
  }
  await Promise.all(clients.map(synced));

  const until = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client, i) => {
      let n = 0;
      while (performance.now() < until) {
        const token = `d${Math.floor(i / writersPerDocument)}w${i % writersPerDocument}#${n++}`;
        sentAt.set(token, performance.now());
        client.text.insert(client.text.length, `${token};`);
        await new Promise((resolve) => setTimeout(resolve, 1000 / editsPerSecond));
      }
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const c of clients) c.destroy();
  const metrics = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
  return { ack: summary(ackLatencies), delivery: summary(deliveryLatencies), commit: commitQuantiles(metrics) };
}

/** The server's own commit-duration histogram: the upper bucket bound holding the median and the p99, and updates per commit. */
function commitQuantiles(metrics: string) {
  const buckets = [...metrics.matchAll(/^pocdojo_persistence_commit_seconds_bucket\{le="([^"]+)"[^}]*\} (\d+)/gm)].map(
    (m) => [Number(m[1]), Number(m[2])] as const,
  );
  const count = Number(/^pocdojo_persistence_commit_seconds_count\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const updates = Number(/^pocdojo_persistence_updates_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const bound = (q: number) => (buckets.find(([, c]) => c >= q * count)?.[0] ?? NaN) * 1000;
  return { commits: count, updatesPerCommit: updates / count, p50Bound: bound(0.5), p99Bound: bound(0.99) };
}

const rows: string[] = [];
for (const mode of ['Postgres server', 'embedded PGlite'] as const) {
  const db = mode === 'Postgres server' ? await createTestDatabase('pocdojo_bench') : undefined;
  const server = await ServerProcess.start({ databaseUrl: db?.url });
  const result = await measure(server);
  await server.stop();
  await db?.drop();
  const f = (n: number) => n.toFixed(2);
  rows.push(
    `| ${mode} | ${result.delivery.n} | ${f(result.delivery.p50)} / ${f(result.delivery.p99)} | ${result.ack.n} | ${f(result.ack.p50)} / ${f(result.ack.p99)} | ≤ ${result.commit.p50Bound} / ≤ ${result.commit.p99Bound} | ${f(result.commit.updatesPerCommit)} |`,
  );
}
process.stdout.write(
  `${documents} documents × ${writersPerDocument} writers × ${editsPerSecond} edits/s for ${seconds}s (${documents * writersPerDocument * editsPerSecond} edits/s)\n\n` +
    '| database | deliveries | delivery to a peer p50 / p99 (ms) | acks | durable ack p50 / p99 (ms) | commit wait in the server p50 / p99 (ms) | updates per commit |\n' +
    '|---|---|---|---|---|---|---|\n' +
    rows.join('\n') +
    '\n',
);
