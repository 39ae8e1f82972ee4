import { sql, type Kysely } from 'kysely';

/**
 * `dojo_runs.trace_context`: the W3C trace context (`traceparent`, `tracestate`) of the request that
 * asked for the run, so that the runner taking it continues that trace: request → queued → sandbox run
 * is one trace, however long the run waited. Null when the requester was not tracing (and for the runs
 * from before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE dojo_runs ADD COLUMN trace_context jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE dojo_runs DROP COLUMN trace_context`.execute(db);
}
