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
  type Identity,
  type Registry,
} from '@pocdojo/shared';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { apiConfigSchema, type ApiConfig } from '../src/api-config.ts';
import { buildApi } from '../src/app.ts';

/**
 * A real API on a real database for one test file: a private database on the test Postgres server,
 * or the embedded PGlite default. Requests go through `app.inject` (the real HTTP pipeline, no socket).
 */
export interface TestApi {
  app: FastifyInstance;
  database: DatabaseHandle;
  identity: Identity;
  config: ApiConfig;
  metrics: Registry;
  dataDir: string;
  /** The environment the configuration was read from (for a worker process started beside it). */
  env: Record<string, string>;
  /** Closes the API and its database, then drops the test database and the data dir. */
  close(): Promise<void>;
}

/** Generous budgets so contract tests are not throttled; rate-limit tests set their own. */
const roomyLimits = {
  API_AUTH_RATE_PER_MINUTE: '10000',
  API_AUTH_TENANT_RATE_PER_MINUTE: '10000',
  API_SEARCH_RATE_PER_MINUTE_USER: '10000',
  API_SEARCH_RATE_PER_MINUTE_TENANT: '10000',
};

export async function startTestApi(
  options: { embedded?: boolean; env?: Record<string, string> } = {},
): Promise<TestApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-api-'));
  const testDatabase = options.embedded ? undefined : await createTestDatabase('pocdojo_api');
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(testDatabase && { DATABASE_URL: testDatabase.url }),
    ...roomyLimits,
    ...options.env,
  };
  const config = readConfig(apiConfigSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api-test' });
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir, logger, poolSize: 5 });
  await migrateToLatest(database.db, logger);
  const identity = await createIdentity(config);
  const metrics = createMetricsRegistry();
  const app = await buildApi({ config, database, identity, logger, metrics });
  return {
    app,
    database,
    identity,
    config,
    metrics,
    dataDir,
    env,
    async close() {
      await app.close();
      await database.close();
      await testDatabase?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: LightMyRequestResponse['headers'];
}

/** One JSON request; `token` becomes the Bearer header. */
export async function call<T = Record<string, unknown>>(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const response = await app.inject({
    method,
    url,
    headers: { ...(options.token && { authorization: `Bearer ${options.token}` }), ...options.headers },
    ...(options.body !== undefined && { payload: options.body as Record<string, unknown> }),
  });
  const body = response.body ? (JSON.parse(response.body) as T) : (undefined as T);
  return { status: response.statusCode, body, headers: response.headers };
}

export interface SignedUp {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; displayName: string; roles: string[] };
  tenant: { id: string; name: string; slug: string };
}

let signups = 0;

/** Signs up a fresh tenant with its admin; returns the session. */
export async function signUp(app: FastifyInstance, tenantName = 'Acme'): Promise<SignedUp> {
  signups += 1;
  const reply = await call<SignedUp>(app, 'POST', '/api/v1/auth/signup', {
    body: { tenantName, email: `admin${signups}@example.com`, password: 'correct horse battery', displayName: 'Ada' },
  });
  if (reply.status !== 201) throw new Error(`signup failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Adds a user with `roles` to the admin's tenant and logs them in. */
export async function addUser(
  app: FastifyInstance,
  admin: SignedUp,
  roles: string[],
  email = `user${(signups += 1)}@example.com`,
): Promise<SignedUp> {
  const created = await call(app, 'POST', '/api/v1/users', {
    token: admin.accessToken,
    body: { email, displayName: email.split('@')[0], roles, password: 'another good password' },
  });
  if (created.status !== 201) throw new Error(`add user failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await call<SignedUp>(app, 'POST', '/api/v1/auth/login', {
    body: { tenant: admin.tenant.slug, email, password: 'another good password' },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body;
}
