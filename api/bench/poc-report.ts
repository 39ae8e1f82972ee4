import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, migrateToLatest, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { sql } from 'kysely';
import { buildPocReport, type ReportScope } from '../src/reports/poc-report.ts';
import { reportCsv } from '../src/reports/report-csv.ts';
import { reportPdf } from '../src/reports/report-pdf.ts';
import { withTenant } from '../src/tenancy/tenant-transaction.ts';

/**
 * `npm run bench:reports`: one tenant with 50,000 POCs (200 people, 2,000 dojos) next to a second tenant
 * of the same size, on the real Postgres server (TEST_DATABASE_URL) and on the embedded PGlite; prints
 * the report's query time (median of 5 after a warm-up) for the whole tenant and for one person.
 */
const POCS = 50_000;
const logger = createLogger({ level: 'warn', name: 'bench-reports' });
const out = (line: string) => process.stdout.write(`${line}\n`);

async function seed(database: DatabaseHandle, tenantId: string): Promise<void> {
  const { db } = database;
  await db
    .insertInto('tenants')
    .values({ id: tenantId, name: `Bench ${tenantId}`, slug: tenantId })
    .execute();
  await sql`
    INSERT INTO users (id, tenant_id, email, display_name, password_hash, roles)
    SELECT ${tenantId} || '_u' || i, ${tenantId}, 'user' || i || '@example.com', 'User ' || i, 'x', ARRAY['participant']
    FROM generate_series(1, 200) AS i`.execute(db);
  await sql`
    INSERT INTO pocs (id, tenant_id, owner_id, name, description, language, tags, status, created_at, updated_at)
    SELECT ${tenantId} || '_p' || i, ${tenantId}, ${tenantId} || '_u' || (1 + i % 200), 'POC ' || i, 'Benchmark POC ' || i,
           (ARRAY['TypeScript','Rust','Go','Python','Kotlin','Java','C#','Elixir'])[1 + i % 8],
           ARRAY['tag' || (i % 40), 'area' || (i % 7)],
           (ARRAY['idea','active','done','abandoned'])[1 + i % 4],
           timestamptz '2026-01-01' + (i % 365) * interval '1 day', now()
    FROM generate_series(1, ${POCS}) AS i`.execute(db);
  await sql`
    INSERT INTO dojos (id, tenant_id, title, poc_id, format, language, turn_minutes, created_by, created_at)
    SELECT ${tenantId} || '_d' || i, ${tenantId}, 'Dojo ' || i, ${tenantId} || '_p' || (i * 20), 'randori', 'TypeScript', 5,
           ${tenantId} || '_u' || (1 + i % 200), timestamptz '2026-01-01' + (i % 365) * interval '1 day'
    FROM generate_series(1, 2000) AS i`.execute(db);
  await sql`
    INSERT INTO dojo_members (tenant_id, dojo_id, user_id, role)
    SELECT ${tenantId}, ${tenantId} || '_d' || d, ${tenantId} || '_u' || (1 + (d * 7 + m) % 200), 'participant'
    FROM generate_series(1, 2000) AS d, generate_series(1, 5) AS m`.execute(db);
}

async function time(database: DatabaseHandle, scope: ReportScope): Promise<{ medianMs: number; minMs: number }> {
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    await withTenant(database.db, scope.tenantId, (trx) => buildPocReport(trx, scope));
    if (i > 0) runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return { medianMs: runs[Math.floor(runs.length / 2)] ?? 0, minMs: runs[0] ?? 0 };
}

for (const mode of ['postgres', 'embedded'] as const) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-reports-'));
  const testDatabase = mode === 'postgres' ? await createTestDatabase('pocdojo_bench') : undefined;
  const database = await openDatabase({ databaseUrl: testDatabase?.url, dataDir, logger, poolSize: 4 });
  try {
    await migrateToLatest(database.db, logger);
    const seeding = performance.now();
    await seed(database, 't_bench');
    await seed(database, 't_noise');
    await sql`ANALYZE`.execute(database.db);
    out(`${mode}: seeded 2 tenants × ${POCS} POCs in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

    const tenant = await time(database, { tenantId: 't_bench', year: 2026, userId: null });
    out(
      `${mode}: whole-tenant report over ${POCS} POCs: median ${tenant.medianMs.toFixed(0)} ms (min ${tenant.minMs.toFixed(0)} ms)`,
    );
    const person = await time(database, { tenantId: 't_bench', year: 2026, userId: 't_bench_u1' });
    out(
      `${mode}: one person's report (${POCS / 200} POCs): median ${person.medianMs.toFixed(0)} ms (min ${person.minMs.toFixed(0)} ms)`,
    );

    const report = await withTenant(database.db, 't_bench', (trx) =>
      buildPocReport(trx, { tenantId: 't_bench', year: 2026, userId: null }),
    );
    let started = performance.now();
    const csv = reportCsv(report);
    const csvMs = performance.now() - started;
    started = performance.now();
    const pdf = await reportPdf(report, 'whole tenant');
    out(
      `${mode}: CSV ${csv.length} bytes in ${csvMs.toFixed(1)} ms, PDF ${pdf.length} bytes in ${(performance.now() - started).toFixed(0)} ms`,
    );
  } finally {
    await database.close();
    await testDatabase?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
