import { createLogger, recordAudit, serverSource, verifyAuditChain } from '@pocdojo/shared';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { withTenant } from '../src/tenancy/tenant-transaction.ts';

/**
 * `npm run bench:audit`: what the audit trail costs an audited action, on the real Postgres server
 * (TEST_DATABASE_URL). Each entry is its own tenant transaction as the API writes it (role, tenant,
 * per-tenant lock, head, insert); one writer, eight writers on one tenant (the lock serialises them) and
 * eight writers on eight tenants (they run side by side); then the verification of one chain.
 */
const entries = 1000;
const out = (line: string) => process.stdout.write(`${line}\n`);
const { database, close } = await openMigratedTestDatabase(createLogger({ level: 'warn', name: 'bench-audit' }));
const { db } = database;
try {
  const tenants = Array.from({ length: 8 }, (_, i) => `t_bench${i}`);
  for (const id of tenants) await db.insertInto('tenants').values({ id, name: id, slug: id }).execute();
  const append = (tenantId: string) =>
    withTenant(db, tenantId, (trx) =>
      recordAudit(trx, {
        tenantId,
        action: 'poc_created',
        actor: { userId: 'u_bench', name: 'Bench' },
        target: { type: 'poc', id: 'p_bench' },
        source: serverSource(),
        details: { bench: true },
      }),
    );
  const run = async (label: string, writers: number, tenantOf: (writer: number) => string) => {
    const start = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let i = 0; i < entries / writers; i += 1) await append(tenantOf(writer));
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    out(`${label}: ${entries} entries in ${seconds.toFixed(1)} s = ${Math.round(entries / seconds)} entries/s`);
  };
  await run('1 writer, 1 tenant', 1, () => 't_bench0');
  await run('8 writers, 1 tenant', 8, () => 't_bench1');
  await run('8 writers, 8 tenants', 8, (writer) => tenants[writer] ?? 't_bench0');
  const start = performance.now();
  const report = await verifyAuditChain(db, 't_bench1');
  const ms = performance.now() - start;
  out(`verify: ${report.entries} entries in ${ms.toFixed(0)} ms, first broken: ${JSON.stringify(report.firstBroken)}`);
} finally {
  await close();
}
