/**
 * The services' login on a real Postgres server: created by `createServiceRole` from the owner's
 * login, it sees no tenant's rows unless the transaction names that tenant, and nothing it can run
 * (RESET ROLE, SET ROLE, schema changes) gets it around row-level security.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createLogger, createServiceRole, JobQueue, migrateAsOwner, openDatabase } from '@pocdojo/shared';
import { createTestDatabase, testServerUrl, type TestDatabase } from '@pocdojo/shared/testing/test-database';

const logger = createLogger({ level: 'silent', name: 'service-role-test' });
const tenants = ['t_one', 't_two'] as const;
const role = `pocdojo_services_${randomBytes(4).toString('hex')}`;

let database: TestDatabase;
let serviceUrl: string;
let ownerRole: string;
/** Every table under row-level security, found in the catalog so that later migrations' tables count too. */
let tenantTables: string[];
/**
 * Tables every tenant may read by design, though only their own rows may they write: the directory of
 * claimed sign-in domains, which email-first sign-in reads before anyone is signed in (docs/api.md).
 */
const directoryTables = new Set(['tenant_sso_domains']);
/** What the services' login may read of each table when its transaction names `tenant` (or none). */
const readable = (tenant: string | null) =>
  Object.fromEntries(
    tenantTables.map((table) => [table, directoryTables.has(table) ? [...tenants] : tenant ? [tenant] : []]),
  );

interface Column {
  table: string;
  column: string;
  type: string;
  foreignTable: string | null;
  foreignColumn: string | null;
}

/** Columns whose check constraint admits only some words. */
const checkedValues: Record<string, string> = { 'dojo_runs.status': `'done'` };

/** A value for a column of `tenant`'s row; a foreign key names the row seeded for the same tenant. */
function valueFor(column: Column, tenant: string): string {
  if (column.column === 'tenant_id') return `'${tenant}'`;
  const checked = checkedValues[`${column.table}.${column.column}`];
  if (checked) return checked;
  if (column.foreignTable) return `'${column.foreignTable}.${column.foreignColumn}.${tenant}'`;
  switch (column.type) {
    case 'text':
      return `'${column.table}.${column.column}.${tenant}'`;
    case 'integer':
    case 'bigint':
    case 'smallint':
    case 'real':
    case 'double precision':
      return '1';
    case 'boolean':
      return 'false';
    case 'timestamp with time zone':
      return 'now()';
    case 'jsonb':
      return `'{}'`;
    case 'ARRAY':
      return `'{}'`;
    case 'bytea':
      return `'\\x00'`;
    default:
      throw new Error(`no seed value for ${column.table}.${column.column} of type ${column.type}`);
  }
}

/** One row per tenant in every tenant table, written by the owner, foreign keys satisfied. */
async function seedEveryTenantTable(owner: pg.Client): Promise<void> {
  for (const tenant of tenants) {
    await owner.query('INSERT INTO tenants (id, name, slug) VALUES ($1, $1, $1)', [tenant]);
  }
  const { rows: columns } = await owner.query<Column>(
    `SELECT c.table_name AS table, c.column_name AS column, c.data_type AS type,
            fk.foreign_table AS "foreignTable", fk.foreign_column AS "foreignColumn"
     FROM information_schema.columns c
     LEFT JOIN (
       SELECT kcu.table_name, kcu.column_name, ccu.table_name AS foreign_table, ccu.column_name AS foreign_column
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
       JOIN information_schema.constraint_column_usage ccu USING (constraint_schema, constraint_name)
       WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'
     ) fk ON fk.table_name = c.table_name AND fk.column_name = c.column_name
     WHERE c.table_schema = 'public' AND c.table_name = ANY($1) AND c.is_generated = 'NEVER'
       AND (c.column_name = 'tenant_id' OR fk.foreign_table IS NOT NULL
            OR (c.is_nullable = 'NO' AND c.column_default IS NULL))
     ORDER BY c.table_name, c.ordinal_position`,
    [tenantTables],
  );
  const pending = new Set(tenantTables);
  const seeded = new Set(['tenants']);
  while (pending.size > 0) {
    const ready = [...pending].filter((table) =>
      columns.every((c) => c.table !== table || !c.foreignTable || seeded.has(c.foreignTable)),
    );
    expect(ready, `tables waiting on each other: ${[...pending].join(', ')}`).not.toHaveLength(0);
    for (const table of ready) {
      const own = columns.filter((c) => c.table === table);
      for (const tenant of tenants) {
        await owner.query(
          `INSERT INTO ${table} (${own.map((c) => c.column).join(', ')})
           VALUES (${own.map((c) => valueFor(c, tenant)).join(', ')})`,
        );
      }
      pending.delete(table);
      seeded.add(table);
    }
  }
}

async function asOwner<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function asServices<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serviceUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function visibleRows(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`);
  return rows.map((row) => row.tenant_id);
}

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  url.username = role;
  url.password = 'services-secret';
  serviceUrl = url.toString();
  await createServiceRole({ ownerUrl: database.url, serviceUrl, logger });
  ownerRole = await asOwner(async (owner) => {
    const { rows } = await owner.query<{ table: string }>(
      `SELECT relname AS table FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relrowsecurity ORDER BY relname`,
    );
    tenantTables = rows.map((row) => row.table);
    await seedEveryTenantTable(owner);
    const me = await owner.query<{ me: string }>('SELECT current_user AS me');
    return (me.rows[0] as { me: string }).me;
  });
});

afterAll(async () => {
  await database?.drop();
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

describe('the services’ login', () => {
  it('is neither a superuser nor the owner of any table, and does not bypass row-level security', async () => {
    expect(tenantTables).toEqual(expect.arrayContaining(['users', 'pocs', 'dojos', 'videos', 'dojo_runs']));
    const attributes = await asServices(async (client) => {
      const { rows } = await client.query(
        `SELECT current_user AS login, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
                (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid AND relnamespace = 'public'::regnamespace) AS owned
         FROM pg_roles r WHERE rolname = current_user`,
      );
      return rows[0];
    });
    expect(attributes).toEqual({
      login: role,
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
      owned: 0,
    });
  });

  it('has every tenant table under a policy: without a tenant it reads no rows of any but the directories', async () => {
    const seen = await asServices(async (client) => {
      const rows: Record<string, string[]> = {};
      for (const table of tenantTables) rows[table] = await visibleRows(client, table);
      return rows;
    });
    expect(seen).toEqual(readable(null));
  });

  it('reads only the tenant its transaction names, in every tenant table', async () => {
    for (const tenant of tenants) {
      const seen = await asServices(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
        const rows: Record<string, string[]> = {};
        for (const table of tenantTables) rows[table] = await visibleRows(client, table);
        await client.query('ROLLBACK');
        return rows;
      });
      expect(seen).toEqual(readable(tenant));
    }
  });

  it('stays under row-level security after RESET ROLE, from the app role or from nothing', async () => {
    const seen = await asServices(async (client) => {
      await client.query('SET ROLE pocdojo_app');
      await client.query('RESET ROLE');
      await client.query('RESET SESSION AUTHORIZATION');
      const rows: Record<string, string[]> = {};
      for (const table of tenantTables) rows[table] = await visibleRows(client, table);
      return rows;
    });
    expect(seen).toEqual(readable(null));
  });

  it('cannot become the owner or a superuser', async () => {
    await asServices(async (client) => {
      await expect(client.query(`SET ROLE ${client.escapeIdentifier(ownerRole)}`)).rejects.toThrow(/permission denied/);
      await expect(client.query('SET ROLE postgres')).rejects.toThrow(/permission denied/);
      await expect(client.query('SET SESSION AUTHORIZATION postgres')).rejects.toThrow(/permission denied/);
    });
  });

  it('cannot write into another tenant, nor turn the policies off', async () => {
    await asServices(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', 't_one', true)`);
      await expect(
        client.query(`INSERT INTO pocs (id, tenant_id, owner_id, name, language, status)
                      VALUES ('p_sneaky', 't_two', 'u', 'n', 'ts', 'active')`),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
      const { rowCount } = await client.query(`UPDATE pocs SET name = 'taken' WHERE tenant_id = 't_two'`);
      expect(rowCount).toBe(0);
      await expect(client.query('ALTER TABLE pocs DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/must be owner/);
      await expect(client.query('DROP POLICY tenant_isolation ON pocs')).rejects.toThrow(/must be owner/);
      await expect(client.query('CREATE TABLE escape (id text)')).rejects.toThrow(/permission denied/);
    });
  });

  it('may add to the audit trail and read it, but not change, remove or truncate an entry', async () => {
    await asServices(async (client) => {
      await client.query(`SELECT set_config('app.tenant_id', 't_one', false)`);
      expect((await client.query('SELECT seq FROM audit_entries')).rowCount).toBe(1);
      await expect(client.query(`UPDATE audit_entries SET action = 'sign_out'`)).rejects.toThrow(/permission denied/);
      await expect(client.query('DELETE FROM audit_entries')).rejects.toThrow(/permission denied/);
      await expect(client.query('TRUNCATE audit_entries')).rejects.toThrow(/permission denied/);
    });
  });

  it('may use the tables later migrations add, under their policies', async () => {
    await asOwner(async (owner) => {
      await owner.query(`CREATE TABLE later_notes (tenant_id text NOT NULL, body text NOT NULL)`);
      await owner.query(`ALTER TABLE later_notes ENABLE ROW LEVEL SECURITY`);
      await owner.query(`CREATE POLICY tenant_isolation ON later_notes
        USING (tenant_id = current_setting('app.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`);
      await owner.query(`INSERT INTO later_notes VALUES ('t_one', 'one'), ('t_two', 'two')`);
    });
    const seen = await asServices(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', 't_two', true)`);
      const { rows } = await client.query('SELECT body FROM later_notes');
      await client.query('COMMIT');
      return rows;
    });
    expect(seen).toEqual([{ body: 'two' }]);
  });

  it('runs the job queue it owns, adding a queue as a service does at start', async () => {
    const handle = await openDatabase({ databaseUrl: serviceUrl, dataDir: '.', logger, poolSize: 2 });
    try {
      const queue = await JobQueue.start({ database: handle, logger });
      await queue.define(`probe_${randomBytes(3).toString('hex')}`, {
        retryLimit: 1,
        retryDelaySeconds: 1,
        expireInSeconds: 60,
      });
      await queue.stop();
    } finally {
      await handle.close();
    }
  });

  it('leaves migrations to the owner’s login, and the command may run again', async () => {
    await createServiceRole({ ownerUrl: database.url, serviceUrl, logger });
    const handle = await openDatabase({ databaseUrl: serviceUrl, dataDir: '.', logger, poolSize: 1 });
    try {
      await expect(migrateAsOwner(handle.db, database.url, logger)).resolves.toBeUndefined();
    } finally {
      await handle.close();
    }
  });
});
