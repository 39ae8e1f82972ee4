import { sql, type Kysely } from 'kysely';

/**
 * The audit trail (issue 22): one append-only, hash-chained log per tenant; and `users.erased_at`, set
 * when an admin erased the person (their row stays, anonymised, so that ids elsewhere still resolve).
 *
 *
 * - `seq` numbers a tenant's entries 1, 2, 3…; `prev_hash` is the previous entry's `hash` (64 zeros for
 *   the first) and `hash` = SHA-256 of the entry's canonical JSON and `prev_hash` (see
 *   shared/src/audit/audit-chain.ts). Writers take a per-tenant advisory lock, so two inserts cannot
 *   both follow the same entry; the primary key (tenant, seq) refuses a fork even if one forgets.
 * - Who and from where (`actor_name`, `address`, `user_agent`, `personal_details`) are personal data an
 *   erasure must remove without breaking the chain: the chain covers `personal_digest`, the SHA-256 of
 *   those fields with a random `personal_salt`, never the fields themselves. Erasure clears the fields
 *   and the salt (the digest alone tells nothing); verification checks the digest while they are there.
 * - The services' role may INSERT and SELECT only. A trigger refuses UPDATE (other than that
 *   redaction, through `pocdojo_redact_audit_person`), DELETE and TRUNCATE even for the owner.
 */
const appRole = 'pocdojo_app';
// Spelled out in the trigger's body, where no query parameter can reach.
const personalColumnArray = "ARRAY['actor_name', 'address', 'user_agent', 'personal_details', 'personal_salt']";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('erased_at', 'timestamptz').execute();
  await db.schema
    .createTable('audit_entries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('trace_id', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('personal_details', 'jsonb')
    .addColumn('personal_salt', 'text')
    .addColumn('personal_digest', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_entries_pk', ['tenant_id', 'seq'])
    .execute();
  await sql`CREATE INDEX audit_entries_actor_idx ON audit_entries (tenant_id, actor_id, seq DESC)`.execute(db);
  await sql`CREATE INDEX audit_entries_action_idx ON audit_entries (tenant_id, action, seq DESC)`.execute(db);

  await sql`
    CREATE FUNCTION pocdojo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND current_setting('pocdojo.audit_redaction', true) = 'on'
         AND NEW.actor_name IS NULL AND NEW.address IS NULL AND NEW.user_agent IS NULL
         AND NEW.personal_details IS NULL AND NEW.personal_salt IS NULL
         AND to_jsonb(NEW) - ${sql.raw(personalColumnArray)} = to_jsonb(OLD) - ${sql.raw(personalColumnArray)}
      THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION pocdojo_audit_append_only()`.execute(db);
  await sql`
    CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION pocdojo_audit_append_only()`.execute(db);

  // Erasure's only way to touch entries: the personal fields of the person's entries in the caller's
  // tenant (as actor, as target, or as the address a failed sign-in tried), nothing else.
  await sql`
    CREATE FUNCTION pocdojo_redact_audit_person(p_user_id text, p_email text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE redacted integer;
    BEGIN
      PERFORM set_config('pocdojo.audit_redaction', 'on', true);
      UPDATE audit_entries
         SET actor_name = NULL, address = NULL, user_agent = NULL, personal_details = NULL, personal_salt = NULL
       WHERE tenant_id = current_setting('app.tenant_id', true)
         AND personal_salt IS NOT NULL
         AND (actor_id = p_user_id OR target_id = p_user_id OR personal_details->>'email' = p_email);
      GET DIAGNOSTICS redacted = ROW_COUNT;
      PERFORM set_config('pocdojo.audit_redaction', 'off', true);
      RETURN redacted;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION pocdojo_redact_audit_person(text, text) FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION pocdojo_redact_audit_person(text, text) TO ${sql.id(appRole)}`.execute(db);

  await sql`REVOKE ALL ON audit_entries FROM ${sql.id(appRole)}`.execute(db);
  await sql`GRANT SELECT, INSERT ON audit_entries TO ${sql.id(appRole)}`.execute(db);
  await sql`ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE POLICY tenant_isolation ON audit_entries
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('erased_at').execute();
  await db.schema.dropTable('audit_entries').execute();
  await sql`DROP FUNCTION IF EXISTS pocdojo_redact_audit_person(text, text)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS pocdojo_audit_append_only()`.execute(db);
}
