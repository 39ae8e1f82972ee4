/**
 * Cross-node delivery through Redis, and durable acknowledgements, with 100 clients on each of two
 * nodes: 10 documents, each with 10 clients on node A and 10 on node B; 2 writers per document on A
 * type 5 edits/s. Prints delivery A→B (p50/p99/max), delivery A→A for comparison, and the writers'
 * acknowledgement latency. Needs the local Postgres and Redis.
 *
 *   npm run bench:cross-node [-- --seconds 10 --clients 100]
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase, testRedisUrl } from '@pocdojo/shared/testing/test-database';
import { connect, synced, type TestProvider } from '../test/support/providers.ts';
import { ServerProcess } from '../test/support/server-process.ts';
import { EditProbe, ms, summarize } from './edit-probe.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '100' } },
});
const seconds = Number(values.seconds);
const perNode = Number(values.clients);
const documents = 10;
const perDocumentPerNode = Math.max(1, Math.floor(perNode / documents));

const database = await createTestDatabase('pocdojo_bench');
const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-bench-'));
const env = { REDIS_URL: testRedisUrl(), REDIS_PREFIX: `bench${process.pid}` };
const [a, b] = await Promise.all([0, 1].map(() => ServerProcess.start({ dataDir, databaseUrl: database.url, env })));
const token = await a!.token({ sub: 'bench', tid: 't_bench', roles: ['participant'] });

const local = new EditProbe();
const remote = new EditProbe();
const writers: TestProvider[] = [];
const all: TestProvider[] = [];
for (let d = 0; d < documents; d++) {
  const name = `t_bench/dojo/x${d}/code`;
  for (let i = 0; i < perDocumentPerNode; i++) {
    const onA = connect({ url: a!.wsUrl, name, token });
    const onB = connect({ url: b!.wsUrl, name, token });
    all.push(onA, onB);
    if (i < 2) {
      writers.push(onA);
      local.watchAcks(onA);
    } else local.watchDeliveries(onA);
    remote.watchDeliveries(onB);
  }
}
await Promise.all(all.map(synced));

const until = performance.now() + seconds * 1000;
await Promise.all(
  writers.map(async (writer, w) => {
    for (let n = 0; performance.now() < until; n++) {
      const token = `w${w}#${n}`;
      // Both probes must know the send time of the same token.
      remote.type(writer, token);
      local.deliveriesSentAt(token, remote);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }),
);
await new Promise((resolve) => setTimeout(resolve, 1500));
for (const c of all) c.destroy();
await Promise.all([a!.stop(), b!.stop()]);
await database.drop();

const crossNode = summarize(remote.deliveries);
const sameNode = summarize(local.deliveries);
const acks = summarize(local.acks);
process.stdout.write(
  `2 nodes × ${perDocumentPerNode * documents} clients, ${documents} documents, ${writers.length} writers on A at 5 edits/s, ${seconds}s\n\n` +
    '| path | samples | p50 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|---|\n' +
    `| delivery A → B (Redis) | ${crossNode.n} | ${ms(crossNode.p50)} | ${ms(crossNode.p99)} | ${ms(crossNode.max)} |\n` +
    `| delivery A → A | ${sameNode.n} | ${ms(sameNode.p50)} | ${ms(sameNode.p99)} | ${ms(sameNode.max)} |\n` +
    `| durable acknowledgement | ${acks.n} | ${ms(acks.p50)} | ${ms(acks.p99)} | ${ms(acks.max)} |\n`,
);
