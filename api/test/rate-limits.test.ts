import { createLogger, createMetricsRegistry } from '@pocdojo/shared';
import { testRedisUrl } from '@pocdojo/shared/testing/test-database';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { call, signUp, startTestApi, type TestApi } from './api-harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    env: {
      API_LOGIN_MAX_FAILURES: '3',
      API_SEARCH_RATE_PER_MINUTE_USER: '5',
      API_SEARCH_RATE_PER_MINUTE_TENANT: '8',
    },
  });
});
afterAll(async () => {
  await api?.close();
});

describe('throttling', () => {
  it('locks an account after repeated failed logins, even for the right password', async () => {
    const admin = await signUp(api.app, 'Throttle Co');
    const login = (password: string) =>
      call(api.app, 'POST', '/api/v1/auth/login', {
        body: { tenant: admin.tenant.slug, email: admin.user.email, password },
      });
    const spellings = [admin.tenant.slug, admin.tenant.slug.toUpperCase(), admin.tenant.id];
    for (const tenant of spellings) {
      const reply = await call(api.app, 'POST', '/api/v1/auth/login', {
        body: { tenant, email: admin.user.email, password: 'wrong password' },
      });
      expect(reply.status).toBe(401);
    }
    // Three failures, whichever way the tenant was written, lock the account.
    const locked = await login('correct horse battery');
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ code: 'rate_limited', type: 'urn:pocdojo:problem:rate_limited' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Other accounts of the tenant are not affected.
    const other = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: 'someone@example.com', password: 'whatever' },
    });
    expect(other.status).toBe(401);
  });

  it('limits search per user and per tenant', async () => {
    const admin = await signUp(api.app, 'Search Budget Co');
    const colleague = await call<{ accessToken: string }>(api.app, 'POST', '/api/v1/users', {
      token: admin.accessToken,
      body: { email: 'c@example.com', displayName: 'C', roles: ['participant'], password: 'a long enough password' },
    }).then(() =>
      call<{ accessToken: string }>(api.app, 'POST', '/api/v1/auth/login', {
        body: { tenant: admin.tenant.slug, email: 'c@example.com', password: 'a long enough password' },
      }),
    );
    const searchAs = (token: string) => call(api.app, 'GET', '/api/v1/search/pocs?q=x', { token });
    for (let i = 0; i < 5; i += 1) expect((await searchAs(admin.accessToken)).status).toBe(200);
    expect((await searchAs(admin.accessToken)).status).toBe(429);
    // The colleague has their own user budget, until the tenant's budget (8) runs out.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await searchAs(colleague.body.accessToken)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another tenant is unaffected.
    const other = await signUp(api.app, 'Other Budget Co');
    expect((await searchAs(other.accessToken)).status).toBe(200);
  });
});

describe('auth rate limit per address', () => {
  let limited: TestApi;
  beforeAll(async () => {
    limited = await startTestApi({ env: { API_AUTH_RATE_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('refuses the fourth auth request in a minute from one address', async () => {
    const attempt = () =>
      call(limited.app, 'POST', '/api/v1/auth/login', {
        body: { tenant: 'nobody', email: 'a@example.com', password: 'x' },
      });
    expect([(await attempt()).status, (await attempt()).status, (await attempt()).status]).toEqual([401, 401, 401]);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
  });
});

describe('budgets shared through Redis', () => {
  let first: TestApi;
  let second: FastifyInstance;
  beforeAll(async () => {
    first = await startTestApi({ env: { REDIS_URL: testRedisUrl(), API_SEARCH_RATE_PER_MINUTE_USER: '4' } });
    // A second API process on the same database, keys and Redis.
    second = await buildApi({
      config: first.config,
      database: first.database,
      identity: first.identity,
      logger: createLogger({ level: 'silent', name: 'second-api' }),
      metrics: createMetricsRegistry(),
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('counts a user’s searches across API processes', async () => {
    const admin = await signUp(first.app, 'Shared Budget Co');
    const statuses: number[] = [];
    for (const app of [first.app, second, first.app, second, first.app, second]) {
      statuses.push((await call(app, 'GET', '/api/v1/search/pocs?q=x', { token: admin.accessToken })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

describe('a rate-limit store that is down', () => {
  let noRedis: TestApi;
  beforeAll(async () => {
    noRedis = await startTestApi({ env: { REDIS_URL: 'redis://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await noRedis?.close();
  });

  it('lets requests through instead of failing them', async () => {
    const admin = await signUp(noRedis.app, 'No Redis Co');
    const search = await call(noRedis.app, 'GET', '/api/v1/search/pocs?q=x', { token: admin.accessToken });
    expect(search.status).toBe(200);
  });
});
