import { sql, type Kysely } from 'kysely';

/**
 * The share links get the tenant policy every other tenant table has. Until now anyone acting as
 * `pocdojo_app` could read every tenant's share rows without a tenant set (`share_lookup USING (true)`),
 * because the public share page has to resolve a token before it knows the tenant. That page now asks
 * `video_share_by_token(token)` instead: it runs as the table owner (which row-level security does not
 * restrict), answers for the one token it is given, and returns only the tenant and video the page then
 * reads under the tenant policy. The token is hashed inside, as `shareVideo` stores it, so the function
 * cannot be used to look hashes up. A fixed search_path keeps callers from substituting objects.
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP POLICY share_lookup ON video_shares`.execute(db);
  await sql`DROP POLICY tenant_insert ON video_shares`.execute(db);
  await sql`DROP POLICY tenant_delete ON video_shares`.execute(db);
  await sql`
    CREATE POLICY tenant_isolation ON video_shares
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  await sql`
    CREATE FUNCTION video_share_by_token(token text) RETURNS TABLE (tenant_id text, video_id text)
    LANGUAGE sql STABLE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
      SELECT s.tenant_id, s.video_id FROM public.video_shares s
      WHERE s.token_hash = encode(sha256(convert_to(token, 'UTF8')), 'hex')
    $$`.execute(db);
  // Functions are executable by PUBLIC by default; only the services' role may resolve tokens.
  await sql`REVOKE ALL ON FUNCTION video_share_by_token(text) FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION video_share_by_token(text) TO ${sql.id(appRole)}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION video_share_by_token(text)`.execute(db);
  await sql`DROP POLICY tenant_isolation ON video_shares`.execute(db);
  await sql`CREATE POLICY share_lookup ON video_shares FOR SELECT USING (true)`.execute(db);
  await sql`
    CREATE POLICY tenant_insert ON video_shares FOR INSERT
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  await sql`
    CREATE POLICY tenant_delete ON video_shares FOR DELETE
    USING (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
}
