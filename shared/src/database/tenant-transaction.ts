import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Transactions under row-level security. Every tenant table's policy compares `tenant_id` with the
 * transaction's `app.tenant_id`; the transaction acts as `pocdojo_app` (no BYPASSRLS), so the policy
 * applies even where the login is the tables' owner (the embedded default). On a Postgres server the
 * services' login is itself restricted (service-role.ts), which keeps the policy in force after a
 * `RESET ROLE` too.
 */
export const appRole = 'pocdojo_app';

export type TenantTransaction = Transaction<Database>;

/**
 * Runs `work` in one transaction as the app role. Until `enterTenant` is called the transaction sees
 * no tenant rows at all (only the tenant directory), which is what signup and login need to start from.
 * The role and setting are transaction-local, so pooled connections carry nothing over.
 */
export async function withAppRole<T>(db: Kysely<Database>, work: (trx: TenantTransaction) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL ROLE ${sql.id(appRole)}`.execute(trx);
    return work(trx);
  });
}

/** Points the row-level security policies of this transaction at `tenantId`. */
export async function enterTenant(trx: Kysely<Database>, tenantId: string): Promise<void> {
  await sql`SELECT set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
}

/** Runs `work` in one transaction that can only see and write `tenantId`'s rows. */
export async function withTenant<T>(
  db: Kysely<Database>,
  tenantId: string,
  work: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  return withAppRole(db, async (trx) => {
    await enterTenant(trx, tenantId);
    return work(trx);
  });
}
