import { createServicesLogin, createTestDatabase } from '@pocdojo/shared/testing/test-database';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildInProcessApi, type InProcessApi } from '../src/testing/in-process-api.ts';

/**
 * A real API on a real database for one test file: a private database on the test Postgres server,
 * or the embedded PGlite default. Requests go through `app.inject` (the real HTTP pipeline, no socket).
 * `close` also drops the test database.
 */
export type TestApi = InProcessApi;

/** Generous budgets so contract tests are not throttled; rate-limit tests set their own. */
const roomyLimits = {
  API_AUTH_RATE_PER_MINUTE: '10000',
  API_AUTH_TENANT_RATE_PER_MINUTE: '10000',
  API_SEARCH_RATE_PER_MINUTE_USER: '10000',
  API_SEARCH_RATE_PER_MINUTE_TENANT: '10000',
};

/**
 * `servicesLogin`: the API logs in as a deployment's services do, a role that is neither the owner nor
 * exempt from row-level security, and migrates with the owner's login (DATABASE_OWNER_URL).
 */
export async function startTestApi(
  options: { embedded?: boolean; servicesLogin?: boolean; env?: Record<string, string> } = {},
): Promise<TestApi> {
  const testDatabase = options.embedded ? undefined : await createTestDatabase('pocdojo_api');
  const login = testDatabase && options.servicesLogin ? await createServicesLogin(testDatabase) : undefined;
  const api = await buildInProcessApi({
    name: 'api-test',
    databaseUrl: (login ?? testDatabase)?.url,
    env: { ...roomyLimits, ...(login && testDatabase && { DATABASE_OWNER_URL: testDatabase.url }), ...options.env },
    poolSize: 5,
  });
  return {
    ...api,
    async close() {
      await api.close();
      await testDatabase?.drop();
      await login?.drop();
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
