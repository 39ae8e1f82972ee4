import { sql, type Kysely } from 'kysely';

/**
 * Test runs (issue 17):
 * - `dojo_runs`: every run a dojo asked for, with the exact code it ran (`files`) and the `code`
 *   document's Yjs state vector at the request, so a light is tied to exact code; its life (queued →
 *   running → done | failed, or replaced while queued) and its result. `admitted_at` marks a queued run
 *   handed to the shared `run` job queue (see shared/src/runs/run-queue.ts for the per-tenant fairness).
 *   At most one run per dojo waits: the unique partial index backs the replacement rule.
 * - `runner_heartbeats`: each live runner process and the languages it can run, so the API can tell
 *   which languages are available across runners (a row older than a few beats is a dead runner).
 * `dojo_runs` gets the tenant policy like every tenant table; the collaboration tier and the runners
 * write it as the owner with explicit tenant filters, the REST API reads it as `pocdojo_app`.
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dojo_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('dojo_id', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('turn', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_by_name', 'text', (c) => c.notNull())
    .addColumn('auto', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('files', 'jsonb', (c) => c.notNull())
    .addColumn('state_vector', 'bytea', (c) => c.notNull())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('admitted_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('runner_id', 'text')
    .addColumn('light', 'text')
    .addColumn('passed', 'integer')
    .addColumn('failed', 'integer')
    .addColumn('failing', 'jsonb')
    .addColumn('output', 'text')
    .addColumn('output_truncated', 'boolean')
    .addColumn('message', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('limit_hit', 'text')
    .addCheckConstraint('dojo_runs_status', sql`status IN ('queued', 'running', 'done', 'failed', 'replaced')`)
    .execute();
  // A dojo's runs, newest first (the room's list, the API's pages, the previous run of a run).
  await sql`CREATE INDEX dojo_runs_dojo_idx ON dojo_runs (tenant_id, dojo_id, requested_at DESC, id DESC)`.execute(db);
  await sql`CREATE UNIQUE INDEX dojo_runs_one_queued ON dojo_runs (tenant_id, dojo_id) WHERE status = 'queued'`.execute(
    db,
  );
  // Admission and positions read only the runs still in flight.
  await sql`
    CREATE INDEX dojo_runs_in_flight_idx ON dojo_runs (tenant_id, requested_at)
    WHERE status IN ('queued', 'running')`.execute(db);

  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON dojo_runs TO ${sql.id(appRole)}`.execute(db);
  await sql`ALTER TABLE dojo_runs ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE POLICY tenant_isolation ON dojo_runs
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);

  await db.schema
    .createTable('runner_heartbeats')
    .addColumn('runner_id', 'text', (c) => c.primaryKey())
    .addColumn('languages', 'jsonb', (c) => c.notNull())
    .addColumn('beat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Not tenant data: which languages the runners offer is the same for everyone.
  await sql`GRANT SELECT ON runner_heartbeats TO ${sql.id(appRole)}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('runner_heartbeats').execute();
  await db.schema.dropTable('dojo_runs').execute();
}
