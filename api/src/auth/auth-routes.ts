import { DomainError } from '@pocdojo/shared';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { problemResponses } from '../problem-details.ts';
import { newId } from '../tenancy/identifiers.ts';
import { insertTenant, findTenantById, findTenantBySlugOrId } from '../tenancy/tenants.ts';
import { enterTenant, withAppRole, withTenant } from '../tenancy/tenant-transaction.ts';
import { findUserByEmail, findUserById, insertUser } from '../users/users.ts';
import { loginBodySchema, refreshBodySchema, sessionSchema, signupBodySchema } from './auth-schemas.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { refreshTokenTenant, revokeRefreshToken, rotateRefreshToken } from './refresh-tokens.ts';
import { issuerOf, startSession } from './sessions.ts';

const problems = problemResponses(400, 401, 409, 429, 503);

/** Signup (creates a tenant), login, refresh-token rotation and logout; all public, all rate limited. */
export const authRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity, config, limits } = context;
  const ttl = { identity, accessTtl: config.API_ACCESS_TOKEN_TTL, refreshTtl: config.API_REFRESH_TOKEN_TTL };
  const loginFailed = () => new DomainError('unauthorized', 'wrong tenant, email or password');
  const refreshFailed = () => new DomainError('unauthorized', 'refresh token invalid, expired or revoked');

  app.addHook('onRequest', async (request) => limits.authByAddress.consume(request));

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a tenant and its first user (admin and facilitator)',
        body: signupBodySchema,
        response: { 201: sessionSchema, ...problems },
      },
    },
    async (request, reply) => {
      issuerOf(identity);
      const body = request.body;
      const passwordHash = await hashPassword(body.password);
      const tenantId = newId('t');
      const session = await withAppRole(database.db, async (trx) => {
        await enterTenant(trx, tenantId);
        const tenant = await insertTenant(trx, tenantId, body.tenantName);
        const user = await insertUser(trx, {
          tenantId,
          email: body.email,
          displayName: body.displayName ?? body.email.split('@')[0] ?? body.email,
          roles: ['admin', 'facilitator'],
          passwordHash,
        });
        return startSession(trx, ttl, tenant, user);
      });
      return reply.code(201).send(session);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in to a tenant (by slug); repeated failures are throttled',
        body: loginBodySchema,
        response: { 200: sessionSchema, ...problems },
      },
    },
    async (request) => {
      issuerOf(identity);
      const { tenant: slugOrId, email, password } = request.body;
      const found = await withAppRole(database.db, async (trx) => {
        const tenant = await findTenantBySlugOrId(trx, slugOrId);
        if (!tenant) return undefined;
        await enterTenant(trx, tenant.id);
        return { tenant, user: await findUserByEmail(trx, tenant.id, email) };
      });
      // The throttles key on the body's tenant: make it canonical so that `Acme`, `acme` and the
      // tenant's id share one budget instead of multiplying it.
      request.body.tenant = found?.tenant.slug ?? slugOrId.toLowerCase();
      await limits.loginsByTenant.consume(request);
      await limits.loginFailures.check(request);
      // Verified outside the transaction (argon2 takes tens of ms); unknown accounts cost the same time.
      const user = found?.user;
      const valid = await verifyPassword(user?.passwordHash, password);
      if (!valid || !found || !user) {
        await limits.loginFailures.record(request);
        throw loginFailed();
      }
      return withTenant(database.db, found.tenant.id, (trx) => startSession(trx, ttl, found.tenant, user));
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair; a reused token revokes its whole family',
        body: refreshBodySchema,
        response: { 200: sessionSchema, ...problems },
      },
    },
    async (request) => {
      issuerOf(identity);
      const tenantId = refreshTokenTenant(request.body.refreshToken);
      if (!tenantId) throw refreshFailed();
      // The family revocation on reuse must commit, so the transaction returns the outcome and the
      // error is raised after it.
      const outcome = await withTenant(database.db, tenantId, async (trx) => {
        const rotation = await rotateRefreshToken(trx, request.body.refreshToken, {
          tenantId,
          ttlSeconds: config.API_REFRESH_TOKEN_TTL,
        });
        if (rotation.outcome !== 'rotated') return rotation;
        const [tenant, user] = await Promise.all([
          findTenantById(trx, tenantId),
          findUserById(trx, tenantId, rotation.userId),
        ]);
        if (!tenant || !user) return { outcome: 'rejected' as const };
        return { outcome: 'rotated' as const, session: await startSession(trx, ttl, tenant, user, rotation.token) };
      });
      if (outcome.outcome === 'reused') {
        request.log.warn({ tenantId }, 'refresh token reused: family revoked');
        throw new DomainError('unauthorized', 'refresh token already used: every session of this login is revoked');
      }
      if (outcome.outcome !== 'rotated') throw refreshFailed();
      return outcome.session;
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke the refresh token and every token rotated from the same login',
        body: refreshBodySchema,
        response: { 204: z.undefined(), ...problems },
      },
    },
    async (request, reply) => {
      const tenantId = refreshTokenTenant(request.body.refreshToken);
      if (tenantId) {
        await withTenant(database.db, tenantId, (trx) => revokeRefreshToken(trx, request.body.refreshToken));
      }
      return reply.code(204).send();
    },
  );
};
