import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  migrateAsOwner,
  openDatabase,
  readConfig,
  TokenRevocations,
  type DatabaseHandle,
} from '@pocdojo/shared';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-context.ts';
import { apiConfigSchema } from '../api-config.ts';
import { buildApi } from '../app.ts';

/**
 * The API built in this process, for tests, benchmarks and the OpenAPI generator: on the given database
 * (migrated to the latest schema) or, without one, on the embedded PGlite, with a fresh data dir either
 * way. Nothing listens; requests go through `app.inject` (the real HTTP pipeline, no socket).
 */
export interface InProcessApi extends ApiDeps {
  app: FastifyInstance;
  dataDir: string;
  /** The environment the configuration was read from (for a worker process started beside it). */
  env: Record<string, string>;
  /** Closes the API and its database, then removes the data dir. */
  close(): Promise<void>;
}

export interface InProcessApiOptions {
  /** Names the logger and the data dir (`pocdojo-<name>-…` in the temp dir). */
  name: string;
  /** The database to run on; the embedded PGlite in the data dir when absent. */
  databaseUrl?: string;
  /** Configuration over the defaults (data dir, `LOG_LEVEL=silent`, the database); may override them. */
  env?: Record<string, string>;
  poolSize?: number;
}

export async function buildInProcessApi(options: InProcessApiOptions): Promise<InProcessApi> {
  const dataDir = await mkdtemp(join(tmpdir(), `pocdojo-${options.name}-`));
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
    ...options.env,
  };
  let opened: DatabaseHandle | undefined;
  let following: TokenRevocations | undefined;
  try {
    const config = readConfig(apiConfigSchema, env);
    const logger = createLogger({ level: config.LOG_LEVEL, name: options.name });
    const database = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir,
      logger,
      poolSize: options.poolSize,
    });
    opened = database;
    await migrateAsOwner(database.db, config.DATABASE_OWNER_URL, logger);
    const revocations = TokenRevocations.start(database, logger.child({ component: 'auth' }));
    following = revocations;
    await revocations.firstRead;
    const identity = await createIdentity(config, { revocations });
    const metrics = createMetricsRegistry();
    const app = await buildApi({ config, database, identity, logger, metrics });
    return {
      app,
      config,
      database,
      identity,
      logger,
      metrics,
      dataDir,
      env,
      async close() {
        await app.close();
        await revocations.close();
        await database.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // An embedded database left open would hold its data dir lock and keep the process alive.
    await following?.close();
    await opened?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
