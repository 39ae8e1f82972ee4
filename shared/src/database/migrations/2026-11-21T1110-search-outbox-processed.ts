import { sql, type Kysely } from 'kysely';

/**
 * Outbox rows are marked processed instead of deleted, so a reindex can replay every change made while
 * it was copying (idempotent by version); processed rows are pruned after a retention period.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('search_outbox').addColumn('processed_at', 'timestamptz').execute();
  await sql`CREATE INDEX search_outbox_pending_idx ON search_outbox (id) WHERE processed_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('search_outbox_pending_idx').execute();
  await db.schema.alterTable('search_outbox').dropColumn('processed_at').execute();
}
