import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { migrateToLatest } from '../database/migrate.ts';
import { openDatabase, type DatabaseHandle } from '../database/open-database.ts';
import { createServiceRole } from '../database/service-role.ts';
import { createLogger, type Logger } from '../logging.ts';

/**
 * A private database on the real test server for one test file: tests run in parallel and must not
 * see each other's rows. TEST_DATABASE_URL names the server (default: the machine's local Postgres).
 */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export const testServerUrl = (): string =>
  // Tests learn where the test server is here; production code reads its environment only through readConfig.
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export async function createTestDatabase(prefix = 'pocdojo'): Promise<TestDatabase> {
  const serverUrl = new URL(testServerUrl());
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A login for the services on `database`, made the way a deployment makes it (`createServiceRole`):
 * not the owner, no superuser, no BYPASSRLS. Roles are cluster-wide, so each gets a fresh name, and
 * `drop` removes it (after the database is dropped).
 */
export async function createServicesLogin(database: TestDatabase): Promise<TestDatabase> {
  const url = new URL(database.url);
  url.username = `pocdojo_services_${randomBytes(4).toString('hex')}`;
  url.password = randomBytes(12).toString('hex');
  const logger = createLogger({ level: 'silent', name: 'services-login' });
  await createServiceRole({ ownerUrl: database.url, serviceUrl: url.toString(), logger });
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: testServerUrl() });
      await client.connect();
      try {
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(url.username)}`);
      } finally {
        await client.end();
      }
    },
  };
}

export const testRedisUrl = (): string => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A private test database, opened through the product's own code and migrated to the latest schema. */
export async function openMigratedTestDatabase(
  logger: Logger,
): Promise<{ database: DatabaseHandle; close(): Promise<void> }> {
  const testDatabase = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: testDatabase.url, dataDir: tmpdir(), logger });
  await migrateToLatest(database.db, logger);
  return {
    database,
    async close() {
      await database.close();
      await testDatabase.drop();
    },
  };
}
