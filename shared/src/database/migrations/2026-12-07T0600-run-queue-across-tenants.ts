import { sql, type Kysely } from 'kysely';

/**
 * The three questions of the run queue that look across tenants, answered as the table owner so that
 * the services can log in as a role under row-level security (service-role.ts) and still share one
 * fair queue. Each answers that question and nothing more; everything else about a run is read and
 * written in a transaction of its tenant.
 * - `pocdojo_admit_runs(per_tenant)`: marks admitted the queued runs whose tenants are under the limit,
 *   oldest first (the fairness rule of run-queue.ts), each with an admission time later than every
 *   earlier one (a coarse clock, PGlite's, would otherwise give several the same), so that the order
 *   of `admitted_at` is the order the job queue takes them in; returns their ids, tenants and dojos.
 *   The caller holds the admission lock.
 * - `pocdojo_run_tenant(run)`: the tenant of a run a runner was handed by id.
 * - `pocdojo_run_positions(dojo)`: the positions of the queued runs of a dojo of the transaction's own
 *   tenant (`app.tenant_id`); other tenants' runs are only counted.
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION pocdojo_admit_runs(per_tenant integer)
    RETURNS TABLE (run_id text, run_tenant_id text, run_dojo_id text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    DECLARE
      chosen record;
      stamp timestamptz := coalesce(
        (SELECT max(admitted_at) FROM dojo_runs WHERE status IN ('queued', 'running')), '-infinity');
    BEGIN
      FOR chosen IN
        WITH busy AS (
          SELECT r.tenant_id, count(*)::int AS taken FROM dojo_runs r
          WHERE r.status = 'running' OR (r.status = 'queued' AND r.admitted_at IS NOT NULL)
          GROUP BY r.tenant_id
        ), waiting AS (
          SELECT r.id, r.tenant_id, r.dojo_id, r.requested_at,
                 row_number() OVER (PARTITION BY r.tenant_id ORDER BY r.requested_at, r.id) AS rank
          FROM dojo_runs r WHERE r.status = 'queued' AND r.admitted_at IS NULL
        )
        SELECT w.id, w.tenant_id, w.dojo_id FROM waiting w LEFT JOIN busy b USING (tenant_id)
        WHERE w.rank <= per_tenant - coalesce(b.taken, 0)
        ORDER BY w.requested_at, w.id
      LOOP
        stamp := greatest(clock_timestamp(), stamp + interval '1 microsecond');
        UPDATE dojo_runs SET admitted_at = stamp WHERE dojo_runs.id = chosen.id;
        run_id := chosen.id;
        run_tenant_id := chosen.tenant_id;
        run_dojo_id := chosen.dojo_id;
        RETURN NEXT;
      END LOOP;
    END
    $$`.execute(db);

  await sql`
    CREATE FUNCTION pocdojo_run_tenant(run text) RETURNS text
    LANGUAGE sql STABLE STRICT SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ SELECT tenant_id FROM dojo_runs WHERE id = run $$`.execute(db);

  await sql`
    CREATE FUNCTION pocdojo_run_positions(dojo text) RETURNS TABLE (run_id text, run_position integer)
    LANGUAGE sql STABLE STRICT SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
      SELECT r.id, (1 + CASE WHEN r.admitted_at IS NOT NULL THEN (
          SELECT count(*) FROM dojo_runs a WHERE a.status = 'queued' AND a.admitted_at IS NOT NULL
          AND (a.admitted_at, a.id) < (r.admitted_at, r.id))
        ELSE (
          SELECT count(*) FROM dojo_runs a WHERE a.status = 'queued' AND a.admitted_at IS NOT NULL)
          + (SELECT count(*) FROM dojo_runs w WHERE w.tenant_id = r.tenant_id AND w.status = 'queued'
             AND w.admitted_at IS NULL AND (w.requested_at, w.id) < (r.requested_at, r.id))
        END)::int
      FROM dojo_runs r
      WHERE r.tenant_id = current_setting('app.tenant_id', true) AND r.dojo_id = dojo AND r.status = 'queued'
    $$`.execute(db);

  for (const signature of ['pocdojo_admit_runs(integer)', 'pocdojo_run_tenant(text)', 'pocdojo_run_positions(text)']) {
    await sql`REVOKE ALL ON FUNCTION ${sql.raw(signature)} FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${sql.raw(signature)} TO ${sql.id(appRole)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION pocdojo_run_positions(text)`.execute(db);
  await sql`DROP FUNCTION pocdojo_run_tenant(text)`.execute(db);
  await sql`DROP FUNCTION pocdojo_admit_runs(integer)`.execute(db);
}
