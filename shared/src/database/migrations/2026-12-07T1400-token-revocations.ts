import { sql, type Kysely } from 'kysely';

/**
 * Revoking a person's tokens: `users.tokens_valid_after` says that every token issued to them before it is
 * refused (an erasure, a change of roles). Every process that verifies tokens keeps the revocations in
 * memory, so a request or a join costs no query; it reads them all through `pocdojo_token_revocations`,
 * which answers as the table owner because row-level security hides every tenant's people from the app role
 * until it enters a tenant, and hears of new ones by notification.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz`.execute(db);
  await sql`
    CREATE FUNCTION pocdojo_token_revocations()
    RETURNS TABLE (user_id text, valid_after timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
      SELECT id, tokens_valid_after FROM users WHERE tokens_valid_after IS NOT NULL
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION pocdojo_token_revocations() FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION pocdojo_token_revocations() TO pocdojo_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION pocdojo_token_revocations()`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN tokens_valid_after`.execute(db);
}
