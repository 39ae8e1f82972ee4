import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logging.ts';
import type { Database } from './schema.ts';

const migrationFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Every dated file in `migrations/`. Imported from here rather than by Kysely's FileMigrationProvider so
 * that the import goes through whatever loads our TypeScript (tsx at run time, vitest in tests).
 */
const folderMigrations: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(migrationFolder)).filter(
      (file) => /^\d{4}-\d{2}-\d{2}.*\.ts$/.test(file) && !file.endsWith('.test.ts'),
    );
    const entries = await Promise.all(
      files.map(async (file) => {
        const migration = (await import(pathToFileURL(path.join(migrationFolder, file)).href)) as Migration;
        return [file.replace(/\.ts$/, ''), migration] as const;
      }),
    );
    return Object.fromEntries(entries);
  },
};

/**
 * Runs every pending migration (dated TypeScript files, one schema change each) and throws with the
 * failing migration's name. Concurrent starters are serialised by Kysely's migration lock.
 */
export async function migrateToLatest(db: Kysely<Database>, logger: Logger): Promise<void> {
  const migrator = new Migrator({ db, provider: folderMigrations });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') logger.info({ migration: result.migrationName }, 'migration applied');
    if (result.status === 'Error') logger.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * Migrates as the tables' owner. On a Postgres server the services log in (DATABASE_URL) as a role
 * that may not change the schema, so migrations open a short-lived connection of their own with
 * DATABASE_OWNER_URL; without one (the embedded PGlite, a single-login server) they run on `db`.
 */
export async function migrateAsOwner(
  db: Kysely<Database>,
  ownerUrl: string | undefined,
  logger: Logger,
): Promise<void> {
  return ownerUrl ? migrateWithLogin(ownerUrl, logger) : migrateToLatest(db, logger);
}

/** Migrates on a short-lived connection of its own, logged in as `url` says. */
export async function migrateWithLogin(url: string, logger: Logger): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle migration connection failed'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, logger);
  } finally {
    await db.destroy();
  }
}
