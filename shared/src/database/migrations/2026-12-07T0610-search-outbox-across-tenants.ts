import { sql, type Kysely } from 'kysely';

/**
 * The search outbox drains tenant by tenant, in a transaction of each (row-level security), so the
 * services' login needs only two answers across tenants, given as the table owner:
 * - `pocdojo_search_outbox_tenants(max_tenants)`: the tenants with changes waiting, longest waiting first;
 * - `pocdojo_prune_search_outbox(keep)`: deletes the processed rows older than `keep` (kept that long for
 *   a reindex to replay).
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION pocdojo_search_outbox_tenants(max_tenants integer) RETURNS SETOF text
    LANGUAGE sql STABLE STRICT SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
      SELECT tenant_id FROM search_outbox WHERE processed_at IS NULL
      GROUP BY tenant_id ORDER BY min(id) LIMIT max_tenants
    $$`.execute(db);
  await sql`
    CREATE FUNCTION pocdojo_prune_search_outbox(keep interval) RETURNS void
    LANGUAGE sql VOLATILE STRICT SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ DELETE FROM search_outbox WHERE processed_at < now() - keep $$`.execute(db);
  for (const signature of ['pocdojo_search_outbox_tenants(integer)', 'pocdojo_prune_search_outbox(interval)']) {
    await sql`REVOKE ALL ON FUNCTION ${sql.raw(signature)} FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${sql.raw(signature)} TO ${sql.id(appRole)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION pocdojo_prune_search_outbox(interval)`.execute(db);
  await sql`DROP FUNCTION pocdojo_search_outbox_tenants(integer)`.execute(db);
}
