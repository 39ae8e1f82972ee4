import { sql, type Kysely } from 'kysely';

/**
 * One person's POCs of a period (their report, their yearly video) without scanning the whole tenant:
 * measured at 50,000 POCs in a tenant, the per-person report went from a full scan per query to an index range.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX pocs_tenant_owner_created_idx ON pocs (tenant_id, owner_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX pocs_tenant_owner_created_idx`.execute(db);
}
