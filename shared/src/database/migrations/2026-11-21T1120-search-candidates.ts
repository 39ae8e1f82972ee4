import { sql, type Kysely } from 'kysely';

/**
 * Index-backed candidate lookup for POC search.
 *
 * Under row-level security Postgres refuses to use an index for an operator that is not LEAKPROOF
 * before the policy has filtered the rows, and neither the full-text `@@` nor pg_trgm's `<%` is: a
 * search as the app role scans and trigram-compares every row of the table (~150 ms at 12,000 POCs).
 * This function finds the candidates through the GIN indexes as the table owner, restricted to the
 * tenant of the same transaction-local setting the policies read, and the caller's query then joins
 * the candidates back to `pocs` under row-level security, which checks every returned row again.
 * `enable_seqscan = off` because the planner costs `<%` as if it were free and would otherwise scan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION pocdojo_search_candidates(query tsquery, words text) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 200
    SET search_path = public, pg_temp
    SET enable_seqscan = off
    AS $$
      SELECT id FROM pocs WHERE tenant_id = current_setting('app.tenant_id', true) AND search @@ query
      UNION
      SELECT id FROM pocs WHERE tenant_id = current_setting('app.tenant_id', true) AND words <% search_text
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION pocdojo_search_candidates(tsquery, text) FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION pocdojo_search_candidates(tsquery, text) TO pocdojo_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION pocdojo_search_candidates(tsquery, text)`.execute(db);
}
