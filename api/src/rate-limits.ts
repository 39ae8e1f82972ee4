import { DomainError } from '@pocdojo/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiConfig } from './api-config.ts';
import { principalOf } from './auth/principal.ts';

/**
 * Fixed-window request budgets built on @fastify/rate-limit's `createRateLimit`: in Redis when
 * REDIS_URL is set (shared by every API process), else in process memory.
 */
export interface Limiter {
  /** Counts the request; throws rate_limited when the budget is spent. */
  consume(request: FastifyRequest): Promise<void>;
  /** Throws rate_limited when the budget is spent, without counting this request. */
  check(request: FastifyRequest): Promise<void>;
  /** Counts an event (a failed login) without refusing anything. */
  record(request: FastifyRequest): Promise<void>;
}

export interface RateLimits {
  /** Every auth endpoint, per client address. */
  authByAddress: Limiter;
  /** Logins into one tenant named by slug, whatever the address. */
  loginsByTenant: Limiter;
  /**
   * Failed logins for one email address, whichever team was tried (or all of them): the throttle on
   * password guessing. Unknown addresses count the same, so a lockout says nothing about accounts.
   */
  loginFailures: Limiter;
  searchByUser: Limiter;
  searchByTenant: Limiter;
  /** Personal-data exports per person. */
  exportsByUser: Limiter;
}

function createLimiter(
  app: FastifyInstance,
  options: { name: string; max: number; windowMs: number; key: (request: FastifyRequest) => string },
): Limiter {
  const limit = app.createRateLimit({
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => `${options.name}:${options.key(request)}`,
  });
  const run = async (request: FastifyRequest, increment: boolean, refuse: boolean) => {
    const state = await limit(request, { increment });
    if (refuse && !state.isAllowed && (increment ? state.isExceeded : state.remaining <= 0)) {
      throw new DomainError('rate_limited', `too many requests (${options.name}), retry later`, {
        retryAfterSeconds: state.ttlInSeconds,
      });
    }
  };
  return {
    consume: (request) => run(request, true, true),
    check: (request) => run(request, false, true),
    record: (request) => run(request, true, false),
  };
}

const loginField = (request: FastifyRequest, field: 'tenant' | 'email'): string => {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[field];
  return typeof value === 'string' ? value : '';
};

export function createRateLimits(app: FastifyInstance, config: ApiConfig): RateLimits {
  const minute = 60_000;
  return {
    authByAddress: createLimiter(app, {
      name: 'auth-address',
      max: config.API_AUTH_RATE_PER_MINUTE,
      windowMs: minute,
      key: (request) => request.ip,
    }),
    loginsByTenant: createLimiter(app, {
      name: 'login-tenant',
      max: config.API_AUTH_TENANT_RATE_PER_MINUTE,
      windowMs: minute,
      key: (request) => loginField(request, 'tenant'),
    }),
    loginFailures: createLimiter(app, {
      name: 'login-failures',
      max: config.API_LOGIN_MAX_FAILURES,
      windowMs: config.API_LOGIN_LOCKOUT * 1000,
      key: (request) => loginField(request, 'email'),
    }),
    searchByUser: createLimiter(app, {
      name: 'search-user',
      max: config.API_SEARCH_RATE_PER_MINUTE_USER,
      windowMs: minute,
      key: (request) => `${principalOf(request).tenantId}/${principalOf(request).userId}`,
    }),
    searchByTenant: createLimiter(app, {
      name: 'search-tenant',
      max: config.API_SEARCH_RATE_PER_MINUTE_TENANT,
      windowMs: minute,
      key: (request) => principalOf(request).tenantId,
    }),
    exportsByUser: createLimiter(app, {
      name: 'export-user',
      max: config.API_EXPORTS_PER_HOUR,
      windowMs: 60 * minute,
      key: (request) => `${principalOf(request).tenantId}/${principalOf(request).userId}`,
    }),
  };
}
