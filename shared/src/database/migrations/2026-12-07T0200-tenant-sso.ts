import { sql, type Kysely } from 'kysely';

/**
 * Company single sign-on per tenant (OpenID Connect, issue 21).
 *
 * - `tenant_sso`: one identity provider per tenant (issuer, client id, the client secret sealed with
 *   AES-256-GCM, the role new people get and how groups map to roles). Row-level security like every
 *   tenant table.
 * - `tenant_sso_domains`: the email domains a tenant claims for discovery. A claim becomes verified when
 *   the tenant's own provider signs someone in with a verified address in that domain; a verified
 *   domain belongs to one tenant only (partial unique index). Discovery must find the tenant of a
 *   domain before it knows any tenant, so the table is a directory: it holds nothing more
 *   private than which company uses which domain, which the sign-in page announces anyway; it is readable
 *   by every tenant and writable only by its own (two policies).
 * - `sso_sign_ins`: one row per sign-in attempt, holding what the callback must check (state, nonce,
 *   PKCE verifier) and then the one-time code the client redeems. The state carries the tenant id
 *   (`<tenant>.<random>`, like refresh tokens) so the callback enters the tenant before reading it.
 * - `tenants.password_sign_in`: the admin's switch; on the directory because login reads it before it
 *   enters any tenant.
 * - `users.password_hash` becomes optional (people provisioned by their provider have none) and
 *   `users.sso_subject` links a person to the provider's stable `sub`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tenants ADD COLUMN password_sign_in boolean NOT NULL DEFAULT true`.execute(db);
  await sql`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN sso_subject text`.execute(db);
  await sql`CREATE UNIQUE INDEX users_tenant_sso_subject_key ON users (tenant_id, sso_subject)`.execute(db);

  await db.schema
    .createTable('tenant_sso')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('default_role', 'text', (c) => c.notNull())
    .addColumn('groups_claim', 'text')
    .addColumn('group_roles', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('tenant_sso_domains')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('tenant_sso_domains_pkey', ['tenant_id', 'domain'])
    .execute();
  await sql`CREATE UNIQUE INDEX tenant_sso_domains_verified_key ON tenant_sso_domains (domain) WHERE verified_at IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('sso_sign_ins')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('client_redirect_uri', 'text', (c) => c.notNull())
    .addColumn('client_state', 'text', (c) => c.notNull())
    .addColumn('client_code_challenge', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // Set by the callback: the person signed in and the hash of the one-time code the client redeems.
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('handoff_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX sso_sign_ins_expires_idx ON sso_sign_ins (expires_at)`.execute(db);

  for (const table of ['tenant_sso', 'tenant_sso_domains', 'sso_sign_ins']) {
    await sql`ALTER TABLE ${sql.id(table)} ENABLE ROW LEVEL SECURITY`.execute(db);
    await sql`CREATE POLICY tenant_isolation ON ${sql.id(table)}
      USING (tenant_id = current_setting('app.tenant_id', true))
      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.id(table)} TO pocdojo_app`.execute(db);
  }
  // Every tenant may read the domain directory; only its own rows may it write (policies add up per command).
  await sql`CREATE POLICY domain_directory ON tenant_sso_domains FOR SELECT USING (true)`.execute(db);
  await sql`GRANT UPDATE (password_sign_in) ON tenants TO pocdojo_app`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sso_sign_ins').execute();
  await db.schema.dropTable('tenant_sso_domains').execute();
  await db.schema.dropTable('tenant_sso').execute();
  await sql`DROP INDEX users_tenant_sso_subject_key`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN sso_subject`.execute(db);
  await sql`ALTER TABLE tenants DROP COLUMN password_sign_in`.execute(db);
}
