import { sql, type Kysely } from 'kysely';

/**
 * What the dojo rules of the WebSocket tier keep outside the collaboration documents:
 * - `dojo_removals`: members a facilitator removed; their tokens for that dojo are refused from then on
 *   (no foreign key to `dojos`: the WebSocket tier accepts any dojo a valid join token names);
 * - `dojo_turns`: a snapshot of the `code` document at the end of every turn, unique per turn, which is
 *   also the fence that lets exactly one node end a given turn;
 * - `dojo_sessions`: the summary written when a dojo ends, with the POC it was linked to;
 * - `dojo_leases`: which node runs a dojo's turn timer, until when (expiry on the database clock).
 * Tenant tables get the same row-level security policy as the REST tables; the API reads them as
 * `pocdojo_app`.
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dojo_removals')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('dojo_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('removed_by', 'text', (c) => c.notNull())
    .addColumn('removed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('dojo_removals_pk', ['tenant_id', 'dojo_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('dojo_turns')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('dojo_id', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('driver_id', 'text')
    .addColumn('navigator_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz', (c) => c.notNull())
    .addColumn('files', 'jsonb', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dojo_turns_pk', ['tenant_id', 'dojo_id', 'turn'])
    .execute();

  await db.schema
    .createTable('dojo_sessions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('dojo_id', 'text', (c) => c.notNull())
    .addColumn('poc_id', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('dojo_sessions_pk', ['tenant_id', 'dojo_id'])
    .execute();
  await sql`CREATE INDEX dojo_sessions_poc_idx ON dojo_sessions (tenant_id, poc_id) WHERE poc_id IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('dojo_leases')
    .addColumn('dojo_key', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  for (const table of ['dojo_removals', 'dojo_turns', 'dojo_sessions']) {
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.table(table)} TO ${sql.id(appRole)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ENABLE ROW LEVEL SECURITY`.execute(db);
    await sql`
      CREATE POLICY tenant_isolation ON ${sql.table(table)}
      USING (tenant_id = current_setting('app.tenant_id', true))
      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['dojo_leases', 'dojo_sessions', 'dojo_turns', 'dojo_removals']) {
    await db.schema.dropTable(table).execute();
  }
}
