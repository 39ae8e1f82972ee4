import pg from 'pg';
import type { Logger } from '../logging.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { migrateWithLogin } from './migrate.ts';
import { openDatabase } from './open-database.ts';

/**
 * The login the services use on a Postgres server (DATABASE_URL): neither a superuser nor the tables'
 * owner, no BYPASSRLS, so row-level security applies to every query it runs, even after `RESET ROLE`
 * (there is nothing to reset to). It may read and write rows and act as `pocdojo_app` (the role the
 * request handlers `SET LOCAL ROLE` to), and nothing else: no schema changes, no other roles.
 *
 * Idempotent: run it again after migrations or a pg-boss upgrade; tables later migrations create are
 * granted to the login by default privileges of the owner.
 */
export interface ServiceRoleOptions {
  /** The tables' owner (DATABASE_OWNER_URL): runs the migrations and the grants. */
  ownerUrl: string;
  /** The services' login (DATABASE_URL): its user name is the role, its password the role's password. */
  serviceUrl: string;
  logger: Logger;
}

/** The schema pg-boss keeps its job tables in (see job-queue.ts). */
const jobSchema = 'pgboss';

export class ServiceRoleError extends Error {
  override name = 'ServiceRoleError';
}

export async function createServiceRole(options: ServiceRoleOptions): Promise<void> {
  const log = options.logger.child({ component: 'service-role' });
  const service = new URL(options.serviceUrl);
  const role = decodeURIComponent(service.username);
  const password = service.password ? decodeURIComponent(service.password) : undefined;
  if (!role) throw new ServiceRoleError('DATABASE_URL names no user: the services need a login of their own');

  const owner = new pg.Client({ connectionString: options.ownerUrl });
  await owner.connect();
  try {
    const { rows } = await owner.query<{ owner: string; database: string }>(
      'SELECT current_user AS owner, current_database() AS database',
    );
    const { owner: ownerRole, database } = rows[0] as { owner: string; database: string };
    if (ownerRole === role) {
      throw new ServiceRoleError(`DATABASE_URL logs in as ${role}, the tables' owner: give the services another user`);
    }
    await migrateWithLogin(options.ownerUrl, log);
    await ensureLogin(owner, role, password, log);

    const id = (name: string) => owner.escapeIdentifier(name);
    const statements = [
      `GRANT CONNECT ON DATABASE ${id(database)} TO ${id(role)}`,
      // Request handlers SET LOCAL ROLE pocdojo_app; a non-member may not.
      `GRANT pocdojo_app TO ${id(role)}`,
      `GRANT USAGE ON SCHEMA public TO ${id(role)}`,
      // Rows only. Every tenant table has row-level security with a policy for every role, so these grants
      // reach only the rows of the tenant the transaction names.
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${id(role)}`,
      `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${id(role)}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(ownerRole)} IN SCHEMA public
         GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${id(role)}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(ownerRole)} IN SCHEMA public
         GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${id(role)}`,
      // The audit trail is append-only: the services add entries and read them, never change or remove one
      // (erasure clears personal fields through the owner's pocdojo_redact_audit_person function).
      `REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM ${id(role)}`,
    ];
    for (const statement of statements) await owner.query(statement);
    await installJobQueueAs(owner, database, role, options.serviceUrl, log);
    log.info({ role, database }, 'services login ready');
  } finally {
    await owner.end();
  }
}

async function ensureLogin(owner: pg.Client, role: string, password: string | undefined, log: Logger) {
  const existing = await owner.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
    'SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const found = existing.rows[0];
  if (!found) {
    const secret = password === undefined ? '' : ` PASSWORD ${owner.escapeLiteral(password)}`;
    await owner.query(
      `CREATE ROLE ${owner.escapeIdentifier(role)} LOGIN${secret}
         NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT`,
    );
    log.info({ role }, 'services login created');
    return;
  }
  // An existing role is the administrator's: use it only if it cannot get around row-level security.
  if (found.rolsuper || found.rolbypassrls) {
    throw new ServiceRoleError(
      `${role} is a superuser or bypasses row-level security: the services need a plain login`,
    );
  }
  if (!found.rolcanlogin) throw new ServiceRoleError(`${role} exists but may not log in`);
}

/**
 * pg-boss creates its schema on first start and a partition of its job table for each new queue, which
 * only the job table's owner may attach. So the services' login installs it and owns it, under a
 * CREATE on the database granted for the install alone.
 */
async function installJobQueueAs(owner: pg.Client, database: string, role: string, serviceUrl: string, log: Logger) {
  const installed = await owner.query<{ owner: string }>(
    'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
    [jobSchema],
  );
  const schemaOwner = installed.rows[0]?.owner;
  const grant = `GRANT CREATE ON DATABASE ${owner.escapeIdentifier(database)} TO ${owner.escapeIdentifier(role)}`;
  const revoke = `REVOKE CREATE ON DATABASE ${owner.escapeIdentifier(database)} FROM ${owner.escapeIdentifier(role)}`;
  if (schemaOwner !== undefined && schemaOwner !== role) {
    throw new ServiceRoleError(
      `the job queue schema ${jobSchema} belongs to ${schemaOwner}; the services' login must own it ` +
        `(ALTER SCHEMA ${jobSchema} OWNER TO ${role} and REASSIGN its tables, or drop it when no job is pending)`,
    );
  }
  await owner.query(grant);
  try {
    const database = await openDatabase({ databaseUrl: serviceUrl, dataDir: '.', logger: log, poolSize: 1 });
    try {
      const queue = await JobQueue.start({ database, logger: log });
      await queue.stop();
    } finally {
      await database.close();
    }
  } finally {
    await owner.query(revoke);
  }
}
