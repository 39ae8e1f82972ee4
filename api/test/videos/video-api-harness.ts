import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createIdentity,
  createLogger,
  createMetricsRegistry,
  migrateToLatest,
  openDatabase,
  readConfig,
  type DatabaseHandle,
  type Registry,
} from '@pocdojo/shared';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import type { FastifyInstance } from 'fastify';
import { apiConfigSchema } from '../../src/api-config.ts';
import { buildApi } from '../../src/app.ts';
import { reportsVideosConfigSection } from '../../src/videos/video-config.ts';

/**
 * The real API with the reports and videos section merged into its configuration, the way the
 * all-in-one server does it, on a private database of the test server or on the embedded default.
 */
export interface VideoTestApi {
  app: FastifyInstance;
  database: DatabaseHandle;
  dataDir: string;
  metrics: Registry;
  testDatabase: TestDatabase | undefined;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Scenes of a fraction of a second and quick retries keep the renders and the queue fast in tests. */
export const fastVideoEnv: Record<string, string> = {
  VIDEO_OPENING_SECONDS: '0.5',
  VIDEO_POC_SECONDS: '0.4',
  VIDEO_STATISTICS_SECONDS: '0.5',
  VIDEO_CLOSING_SECONDS: '0.5',
  VIDEO_POLL_SECONDS: '0.5',
  VIDEO_HEARTBEAT_SECONDS: '1',
  VIDEO_STALL_SECONDS: '3',
  VIDEO_RETRY_DELAY_SECONDS: '1',
  API_AUTH_RATE_PER_MINUTE: '10000',
  API_AUTH_TENANT_RATE_PER_MINUTE: '10000',
};

export const videoApiConfigSchema = apiConfigSchema.extend(reportsVideosConfigSection.shape);

export async function startVideoTestApi(
  options: {
    embedded?: boolean;
    env?: Record<string, string>;
    reuse?: { dataDir: string; testDatabase: TestDatabase | undefined };
  } = {},
): Promise<VideoTestApi> {
  const dataDir = options.reuse?.dataDir ?? (await mkdtemp(join(tmpdir(), 'pocdojo-videos-')));
  const testDatabase = options.reuse
    ? options.reuse.testDatabase
    : options.embedded
      ? undefined
      : await createTestDatabase('pocdojo_videos');
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(testDatabase && { DATABASE_URL: testDatabase.url }),
    ...fastVideoEnv,
    ...options.env,
  };
  const config = readConfig(videoApiConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'videos-test' });
  // Embedded: one connection. pglite-socket interleaves concurrent extended-protocol batches from several
  // connections into its single session ("unnamed prepared statement does not exist", and sometimes a stuck
  // queue: electric-sql/pglite#1046); PGlite runs one query at a time anyway, so one connection loses nothing.
  const poolSize = config.DATABASE_URL ? 6 : 1;
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir, logger, poolSize });
  await migrateToLatest(database.db, logger);
  const identity = await createIdentity(config);
  const metrics = createMetricsRegistry();
  const app = await buildApi({ config, database, identity, logger, metrics });
  return {
    app,
    database,
    dataDir,
    metrics,
    testDatabase,
    env,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export async function dropVideoTestApi(api: VideoTestApi): Promise<void> {
  await api.testDatabase?.drop();
  await rm(api.dataDir, { recursive: true, force: true });
}

export interface SeedPoc {
  name: string;
  language: string;
  tags: string[];
  status: string;
  createdAt: Date;
  description?: string;
}

/** POCs with chosen creation dates, written as the table owner (the API always stamps `now()`). */
export async function seedPocs(
  database: DatabaseHandle,
  tenantId: string,
  ownerId: string,
  pocs: SeedPoc[],
): Promise<string[]> {
  if (pocs.length === 0) return [];
  const rows = await database.db
    .insertInto('pocs')
    .values(
      pocs.map((poc, i) => ({
        id: `p_seed${Date.now().toString(36)}${i}${Math.random().toString(36).slice(2, 8)}`,
        tenant_id: tenantId,
        owner_id: ownerId,
        name: poc.name,
        description: poc.description ?? null,
        language: poc.language,
        tags: poc.tags,
        repo_url: null,
        status: poc.status,
        created_at: poc.createdAt,
        updated_at: poc.createdAt,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A year of POCs for one person: `count` POCs spread over the months, a few languages and tags. */
export function yearOfPocs(count: number, year: number): SeedPoc[] {
  const languages = ['TypeScript', 'Rust', 'Go', 'TypeScript', 'Python'];
  return Array.from({ length: count }, (_, i) => ({
    name: `POC ${i + 1}`,
    language: languages[i % languages.length] ?? 'TypeScript',
    tags: i % 2 === 0 ? ['realtime', 'crdt'] : ['cli'],
    status: i % 3 === 0 ? 'done' : 'active',
    createdAt: new Date(Date.UTC(year, i % 12, 1 + (i % 27), 9)),
    description: `What we learned from POC ${i + 1}.`,
  }));
}

/** Polls `check` until it returns a value: renders and retries finish on their own schedule. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
