/**
 * `npm run bench:search [-- --embedded] [-- --pocs 10000]`: loads POCs into one tenant (plus a noisy
 * neighbour tenant) and prints search latency percentiles through the whole HTTP pipeline
 * (`app.inject`: auth, validation, rate limits, engine, serialisation) and inside the engine (`tookMs`).
 * Uses a private database on the test Postgres server (TEST_DATABASE_URL), or the embedded PGlite.
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { newId } from '../src/tenancy/identifiers.ts';
import { withTenant } from '../src/tenancy/tenant-transaction.ts';
import { buildInProcessApi } from '../src/testing/in-process-api.ts';

const { values } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    pocs: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '200' },
  },
});
const pocCount = Number(values.pocs);
const runs = Number(values.runs);

const techs = [
  'Kubernetes',
  'Postgres',
  'Redis',
  'Kafka',
  'React',
  'Svelte',
  'GraphQL',
  'WebSocket',
  'OAuth',
  'Terraform',
  'Docker',
  'Lambda',
  'Spark',
  'Flink',
  'gRPC',
  'Elastic',
  'Prometheus',
  'Grafana',
  'WebRTC',
  'Wasm',
];
const things = [
  'operator',
  'dashboard',
  'gateway',
  'pipeline',
  'client',
  'cache',
  'scheduler',
  'exporter',
  'proxy',
  'parser',
  'migrator',
  'connector',
  'bot',
  'playground',
  'benchmark',
  'sandbox',
];
const languages = ['Go', 'TypeScript', 'Rust', 'Python', 'Java', 'Kotlin', 'C#', 'Elixir', 'Ruby', 'Swift'];
const tags = [
  'k8s',
  'web',
  'cli',
  'data',
  'ml',
  'infra',
  'security',
  'realtime',
  'mobile',
  'devops',
  'db',
  'cloud',
  'testing',
  'api',
  'frontend',
  'backend',
  'streaming',
  'observability',
  'auth',
  'edge',
];
const verbs = [
  'reconciles',
  'renders',
  'streams',
  'indexes',
  'caches',
  'validates',
  'replicates',
  'schedules',
  'exports',
];

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

function fakePoc(i: number) {
  const tech = pick(techs);
  const thing = pick(things);
  return {
    name: `${tech} ${thing} ${i}`,
    description: `A proof of concept that ${pick(verbs)} ${pick(techs).toLowerCase()} ${pick(things)}s for the ${pick(
      tags,
    )} team; it ${pick(verbs)} events and ${pick(verbs)} state.`,
    language: pick(languages),
    tags: [...new Set([pick(tags), pick(tags), pick(tags)])],
  };
}

const testDatabase = values.embedded ? undefined : await createTestDatabase('pocdojo_bench');
const { app, database, close } = await buildInProcessApi({
  name: 'bench',
  databaseUrl: testDatabase?.url,
  env: { API_SEARCH_RATE_PER_MINUTE_USER: '1000000', API_SEARCH_RATE_PER_MINUTE_TENANT: '1000000' },
});
const out = (line: string) => process.stdout.write(`${line}\n`);

try {
  const signup = async (tenantName: string) => {
    const reply = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { tenantName, email: 'bench@example.com', password: 'benchmark password' },
    });
    return reply.json<{ accessToken: string; user: { id: string }; tenant: { id: string } }>();
  };
  const owner = await signup('Bench');
  const neighbour = await signup('Neighbour');

  const load = async (tenant: { tenant: { id: string }; user: { id: string } }, count: number) => {
    const started = performance.now();
    for (let offset = 0; offset < count; offset += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - offset) }, (_, k) => ({
        id: newId('p'),
        tenant_id: tenant.tenant.id,
        owner_id: tenant.user.id,
        status: 'active',
        ...fakePoc(offset + k),
      }));
      await withTenant(database.db, tenant.tenant.id, (trx) => trx.insertInto('pocs').values(rows).execute());
    }
    return performance.now() - started;
  };
  const loadMs = await load(owner, pocCount);
  await load(neighbour, Math.round(pocCount / 5));
  await database.pool.query('ANALYZE pocs');

  const cases: [string, string][] = [
    ['exact name', `q=${encodeURIComponent('Kubernetes operator 42')}`],
    ['prefix (as you type)', 'q=kube'],
    ['two-word prefix', `q=${encodeURIComponent('postgres pipe')}`],
    ['typo', 'q=kubernets'],
    ['description word', 'q=replicates'],
    ['text + language', 'q=redis&language=Rust'],
    ['filters only (newest first)', 'language=Go&tags=k8s'],
    ['no match', 'q=zzzqqqxxx'],
  ];
  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  const all: number[] = [];
  out(
    `search benchmark: ${pocCount} POCs in the tenant, ${Math.round(pocCount / 5)} in a neighbour tenant, ` +
      `${values.embedded ? 'embedded PGlite' : 'Postgres server'}, ${runs} runs per case (loaded in ${Math.round(loadMs)} ms)`,
  );
  out('case                          hits  http p50  http p95  engine p50  engine p95   (ms)');
  for (const [label, qs] of cases) {
    const http: number[] = [];
    const engine: number[] = [];
    let hits = 0;
    for (let i = 0; i < runs + 10; i += 1) {
      const started = performance.now();
      const reply = await app.inject({
        method: 'GET',
        url: `/api/v1/search/pocs?${qs}`,
        headers: { authorization: `Bearer ${owner.accessToken}` },
      });
      const elapsed = performance.now() - started;
      if (reply.statusCode !== 200) throw new Error(`${label}: ${reply.statusCode} ${reply.body}`);
      const body = reply.json<{ items: unknown[]; tookMs: number }>();
      if (i < 10) continue; // warm-up
      hits = body.items.length;
      http.push(elapsed);
      engine.push(body.tookMs);
    }
    http.sort((x, y) => x - y);
    engine.sort((x, y) => x - y);
    all.push(...http);
    const f = (n: number) => n.toFixed(1).padStart(8);
    out(
      `${label.padEnd(28)} ${String(hits).padStart(5)} ${f(percentile(http, 0.5))}  ${f(percentile(http, 0.95))}  ` +
        `${f(percentile(engine, 0.5))}    ${f(percentile(engine, 0.95))}`,
    );
  }
  all.sort((x, y) => x - y);
  out(
    `all cases                           ${percentile(all, 0.5).toFixed(1).padStart(8)}  ${percentile(all, 0.95).toFixed(1).padStart(8)}`,
  );
} finally {
  await close();
  await testDatabase?.drop();
}
