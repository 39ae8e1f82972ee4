import { sql, type Kysely } from 'kysely';

/**
 * The REST side's tables: tenants, users, refresh tokens, POCs (with their search vectors), dojos and
 * dojo members, and the search outbox. Every tenant table carries `tenant_id` and a row-level security
 * policy keyed on the per-transaction setting `app.tenant_id`; request handlers run as `pocdojo_app`,
 * a NOLOGIN role without BYPASSRLS, so a query that forgets its tenant filter still only sees its tenant.
 */
const appRole = 'pocdojo_app';
const tenantTables = ['users', 'refresh_tokens', 'pocs', 'dojos', 'dojo_members', 'search_outbox'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  // Roles are cluster-wide and test databases migrate in parallel: the loser of a creation race must not fail.
  await sql`
    DO $$ BEGIN
      CREATE ROLE pocdojo_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`.execute(db);
  // A non-superuser connection must be a member of the role to SET ROLE to it.
  await sql`
    DO $$ BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT pocdojo_app TO %I', current_user);
      END IF;
    END $$`.execute(db);
  // array_to_string is only STABLE, which a generated column refuses; joining text with a space is immutable.
  await sql`
    CREATE OR REPLACE FUNCTION pocdojo_tags_text(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string($1, ' ') $$`.execute(db);

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('users_tenant_email_key', ['tenant_id', 'email'])
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('spent_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute();

  await db.schema
    .createTable('pocs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('repo_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Weights: name A, tags B, description C. The 'simple' configuration does not stem, so prefix
    // queries (`kube:*`) match what the user typed; POC names are mostly technical words anyway.
    .addColumn('search', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', pocdojo_tags_text(tags)), 'B') || setweight(to_tsvector('simple', coalesce(description, '')), 'C')`,
        )
        .stored(),
    )
    // What trigram matching (typos) compares against: name and tags, lower-cased.
    .addColumn('search_text', 'text', (c) =>
      c.generatedAlwaysAs(sql`lower(name || ' ' || pocdojo_tags_text(tags))`).stored(),
    )
    .execute();
  await sql`CREATE INDEX pocs_tenant_created_idx ON pocs (tenant_id, created_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX pocs_search_idx ON pocs USING gin (search)`.execute(db);
  await sql`CREATE INDEX pocs_search_text_trgm_idx ON pocs USING gin (search_text gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX pocs_tags_idx ON pocs USING gin (tags)`.execute(db);

  await db.schema
    .createTable('dojos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('poc_id', 'text', (c) => c.references('pocs.id').onDelete('set null'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('turn_minutes', 'integer')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX dojos_tenant_created_idx ON dojos (tenant_id, created_at DESC, id DESC)`.execute(db);

  await db.schema
    .createTable('dojo_members')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('dojo_id', 'text', (c) => c.notNull().references('dojos.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    // Set by the dojo rules when a facilitator removes someone; join refuses removed members.
    .addColumn('removed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('first_joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('dojo_members_pk', ['dojo_id', 'user_id'])
    .execute();

  // Changes waiting to reach OpenSearch; written in the same transaction as the POC change.
  await db.schema
    .createTable('search_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('poc_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`GRANT USAGE ON SCHEMA public TO ${sql.id(appRole)}`.execute(db);
  // The tenant directory has no tenant_id: login resolves a slug before it knows the tenant.
  await sql`GRANT SELECT, INSERT ON tenants TO ${sql.id(appRole)}`.execute(db);
  for (const table of tenantTables) {
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.table(table)} TO ${sql.id(appRole)}`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ENABLE ROW LEVEL SECURITY`.execute(db);
    await sql`
      CREATE POLICY tenant_isolation ON ${sql.table(table)}
      USING (tenant_id = current_setting('app.tenant_id', true))
      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  }
  await sql`GRANT USAGE ON SEQUENCE search_outbox_id_seq TO ${sql.id(appRole)}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['search_outbox', 'dojo_members', 'dojos', 'pocs', 'refresh_tokens', 'users', 'tenants']) {
    await db.schema.dropTable(table).execute();
  }
  await sql`DROP FUNCTION IF EXISTS pocdojo_tags_text(text[])`.execute(db);
}
