import { sql, type Kysely } from 'kysely';

/**
 * Signing in by email alone: the API must find every team an address belongs to before it knows a
 * tenant, which row-level security forbids the app role (it sees no `users` row until it enters a
 * tenant). `pocdojo_memberships_by_email` answers exactly that question and nothing else, as the table
 * owner: the teams (id, name, slug) of one exact address with that member's id and password hash, so
 * the caller can check the password in each. The oldest memberships come first and at most `max_teams`
 * are returned, which bounds the password checks of one login and keeps teams created later under
 * someone else's address (signup does not verify addresses) from pushing a person's own teams out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX users_email_idx ON users (email)`.execute(db);
  await sql`
    CREATE FUNCTION pocdojo_memberships_by_email(address text, max_teams integer)
    RETURNS TABLE (tenant_id text, tenant_name text, tenant_slug text, user_id text, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
      SELECT t.id, t.name, t.slug, u.id, u.password_hash
      FROM users u JOIN tenants t ON t.id = u.tenant_id
      WHERE u.email = address
      ORDER BY u.created_at, u.id
      LIMIT max_teams
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION pocdojo_memberships_by_email(text, integer) FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION pocdojo_memberships_by_email(text, integer) TO pocdojo_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION pocdojo_memberships_by_email(text, integer)`.execute(db);
  await sql`DROP INDEX users_email_idx`.execute(db);
}
