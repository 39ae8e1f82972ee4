import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logging.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { createDataDirIfMissing } from './embedded-initdb.ts';
import { EmbeddedVacuum } from './embedded-vacuum.ts';
import { listenOnEmbedded, listenOnServer, type Listen } from './notifications.ts';
import type { Database } from './schema.ts';

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  /** The connection string other libraries (job queue) can use; points at the embedded server in embedded mode. */
  connectionString: string;
  embedded: boolean;
  /** LISTEN on a channel (./notifications.ts): a dedicated connection on a server, the pool's on PGlite. */
  listen: Listen;
  close(): Promise<void>;
}

/**
 * Postgres's buffer cache lives in PGlite's WebAssembly memory, which never shrinks: at the default 128 MB,
 * filled by the migrations and the first queries, it stays in the server's RSS for good (the all-in-one
 * reopening its directory: 480 MiB at 128 MB, 375 MiB at 32 MB). Pages beyond it come from the OS's cache.
 */
const embeddedSettings = ['shared_buffers=32MB'];

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  logger: Logger;
  poolSize?: number;
  /** How often the embedded database looks for tables to vacuum (see EmbeddedVacuum); default a minute. */
  vacuumIntervalMs?: number;
}

/**
 * With DATABASE_URL: a pg pool on that server. Without: an embedded Postgres (PGlite, data in
 * DATA_DIR/pgdata) served over a private Unix socket, so the very same `pg` + Kysely code, migrations,
 * row-level security and job queue run on both.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = options.logger.child({ component: 'database' });
  if (options.databaseUrl) {
    const pool = createPool(options.databaseUrl, options.poolSize ?? 20, log);
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      pool,
      connectionString: options.databaseUrl,
      embedded: false,
      listen: listenOnServer(options.databaseUrl, log),
      close: () => pool.end(),
    };
  }

  const dataDir = resolve(options.dataDir, 'pgdata');
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(resolve(options.dataDir));
  // Loaded only here: a node on a Postgres server never needs PGlite's WASM build (about 35 MiB of memory).
  const [{ PGlite }, { pg_trgm }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite-socket'),
  ]);
  const pglite = await createDataDirIfMissing(dataDir)
    .then(() => PGlite.create({ dataDir, extensions: { pg_trgm }, postgresqlconf: embeddedSettings }))
    .catch(async (error: unknown) => {
      // Nobody holds the directory once opening it failed: the next start must not find it locked.
      await unlock();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`the embedded database in ${dataDir} did not open: ${reason}`, { cause: error });
    });
  // Unix socket paths are limited to ~107 bytes, so the socket lives in a short private temp dir.
  const socketDir = await mkdtemp(join(tmpdir(), 'pocdojo-pg-'));
  const socketPort = 5432;
  const server = new PGLiteSocketServer({
    db: pglite,
    path: join(socketDir, `.s.PGSQL.${socketPort}`),
    maxConnections: 4,
  });
  await server.start();
  const connectionString = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}&port=${socketPort}`;
  // One connection: PGlite runs one query at a time anyway, and pglite-socket interleaves the
  // extended-protocol messages of concurrent connections in PGlite's single session ("unnamed prepared
  // statement does not exist", or a stalled queue). Code must therefore never hold a connection while
  // waiting for a second one (the compactor reads on the connection it holds).
  const pool = createPool(connectionString, 1, log, forgetEarlierStatements);
  const vacuum = new EmbeddedVacuum(pool, log, options.vacuumIntervalMs ?? 60_000);
  log.info({ dataDir }, 'embedded Postgres (PGlite) started');
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    pool,
    connectionString,
    embedded: true,
    listen: listenOnEmbedded(pool),
    async close() {
      await vacuum.stop();
      await pool.end();
      await server.stop();
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
      await unlock();
    },
  };
}

/**
 * pglite-socket serves every connection in PGlite's one session, which outlives them: what a replaced
 * connection prepared by name is still there, and preparing that name again would fail on every retry. A
 * new connection drops those first (the pool awaits this before handing it out), so statements prepared
 * by name (the update log's append) work on the embedded database as on a server.
 */
async function forgetEarlierStatements(client: pg.ClientBase): Promise<void> {
  await client.query('DEALLOCATE ALL');
}

function createPool(
  connectionString: string,
  max: number,
  log: Logger,
  onConnect?: (client: pg.ClientBase) => Promise<void>,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    onConnect,
  });
  // A connection losing its server must not crash the process. The pool reports idle clients here; a
  // client that is checked out (between two queries of a transaction, say) emits on itself, and an
  // 'error' event with no listener would end the process.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));
  pool.on('connect', (client) => client.on('error', (error) => log.warn({ err: error }, 'database connection failed')));
  return pool;
}
