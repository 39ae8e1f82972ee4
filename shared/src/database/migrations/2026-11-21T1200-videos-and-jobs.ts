import { sql, type Kysely } from 'kysely';

/**
 * The yearly videos (one row per requested render, tenant-scoped with row-level security like the other
 * tenant tables), the share-link directory the public share page resolves before it knows the tenant,
 * and the heartbeats that let a job queue worker notice that another worker died mid-job.
 */
const appRole = 'pocdojo_app';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('videos')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('duration_sec', 'real')
    .addColumn('poc_count', 'integer', (c) => c.notNull())
    .addColumn('narration', 'boolean', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('video_path', 'text')
    .addColumn('card_path', 'text')
    .addColumn('superseded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // One current video per person and year: a repeated request finds it, `force` supersedes it.
  await sql`CREATE UNIQUE INDEX videos_current_key ON videos (tenant_id, user_id, year) WHERE superseded_at IS NULL`.execute(
    db,
  );

  await db.schema
    .createTable('video_shares')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('video_id', 'text', (c) => c.notNull().unique().references('videos.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('job_heartbeats')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('beat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON videos TO ${sql.id(appRole)}`.execute(db);
  await sql`ALTER TABLE videos ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE POLICY tenant_isolation ON videos
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  // Like the tenant directory, the share page looks a token up before it knows the tenant, so anyone
  // may read; only SHA-256 hashes are stored, so reading gives nobody a working link. Creating and
  // revoking links stays within the tenant.
  await sql`GRANT SELECT, INSERT, DELETE ON video_shares TO ${sql.id(appRole)}`.execute(db);
  await sql`ALTER TABLE video_shares ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`CREATE POLICY share_lookup ON video_shares FOR SELECT USING (true)`.execute(db);
  await sql`
    CREATE POLICY tenant_insert ON video_shares FOR INSERT
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
  await sql`
    CREATE POLICY tenant_delete ON video_shares FOR DELETE
    USING (tenant_id = current_setting('app.tenant_id', true))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_heartbeats').execute();
  await db.schema.dropTable('video_shares').execute();
  await db.schema.dropTable('videos').execute();
}
