import { DomainError, recordAudit } from '@pocdojo/shared';
import { loginResultSchema, signInMethodsSchema, signupResultSchema } from '@pocdojo/shared/contract/auth';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { auditSourceOf } from '../audit/audit-request.ts';
import { problemResponses } from '../problem-details.ts';
import { newId } from '../tenancy/identifiers.ts';
import { insertTenant, findTenantById, findTenantBySlugOrId } from '../tenancy/tenants.ts';
import { enterTenant, withAppRole, withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { findUserByEmail, findUserById, insertUser, membership } from '../users/users.ts';
import { sessionSchema, type RefreshRefusalReason } from '@pocdojo/shared/contract/auth';
import { loginBodySchema, refreshBodySchema, signInMethodsBodySchema, signupBodySchema } from './auth-schemas.ts';
import { findTenantOfDomain, tenantsWithoutPasswords } from '../sso/sso-settings.ts';
import { findMembershipsByEmail, membershipsWithPassword } from './memberships.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { refreshTokenTenant, revokeRefreshToken, rotateRefreshToken } from './refresh-tokens.ts';
import { issuerOf, startSession } from './sessions.ts';

const problems = problemResponses(400, 401, 403, 409, 429, 503);

/**
 * Signup (creates a tenant), the sign-in methods of an address, login, refresh-token rotation and
 * logout; all public, all rate limited.
 */
export const authRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity, config, limits } = context;
  const ttl = { identity, accessTtl: config.API_ACCESS_TOKEN_TTL, refreshTtl: config.API_REFRESH_TOKEN_TTL };
  // One answer for an unknown address, a wrong password and a team the address is not in, so that
  // failures do not tell which accounts exist.
  const loginFailed = (byTeam: boolean) =>
    new DomainError('unauthorized', byTeam ? 'team, email or password is wrong' : 'email or password is wrong');
  const passwordsOff = (team: string) =>
    new DomainError('forbidden', `${team} signs in with its company sign-in: passwords are turned off for this team`);
  const refreshFailed = () => new DomainError('unauthorized', 'refresh token invalid, expired or revoked');
  const signedIn = (trx: TenantTransaction, request: FastifyRequest, tenantId: string, userId: string) =>
    recordAudit(trx, {
      tenantId,
      action: 'sign_in',
      actor: { userId },
      target: { type: 'person', id: userId },
      source: auditSourceOf(request),
      details: { method: 'password' },
    });
  /** A failed sign-in goes to the trail of each team the address is in (no team, no trail to write to). */
  const signInFailed = async (request: FastifyRequest, tenantIds: string[], email: string) => {
    for (const tenantId of new Set(tenantIds)) {
      await withTenant(database.db, tenantId, (trx) =>
        recordAudit(trx, {
          tenantId,
          action: 'sign_in_failed',
          actor: null,
          source: auditSourceOf(request),
          details: { method: 'password' },
          personalDetails: { email },
        }),
      );
    }
  };

  app.addHook('onRequest', async (request) => limits.authByAddress.consume(request));

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a tenant and its first user (admin and facilitator)',
        body: signupBodySchema,
        response: { 201: signupResultSchema, ...problems },
      },
    },
    async (request, reply) => {
      issuerOf(identity);
      const body = request.body;
      const passwordHash = await hashPassword(body.password);
      const tenantId = newId('t');
      const result = await withAppRole(database.db, async (trx) => {
        await enterTenant(trx, tenantId);
        const { tenant, slugSuffixed } = await insertTenant(trx, tenantId, body.tenantName);
        const user = await insertUser(trx, {
          tenantId,
          email: body.email,
          displayName: body.displayName ?? body.email.split('@')[0] ?? body.email,
          roles: ['admin', 'facilitator'],
          passwordHash,
        });
        const source = auditSourceOf(request);
        const person = { type: 'person' as const, id: user.id };
        await recordAudit(trx, {
          tenantId,
          action: 'person_added',
          actor: { userId: user.id },
          target: person,
          source,
          details: { via: 'signup', roles: user.roles },
        });
        await signedIn(trx, request, tenantId, user.id);
        return { ...(await startSession(trx, ttl, tenant, user)), slugSuffixed };
      });
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/auth/sign-in-methods',
    {
      schema: {
        tags: ['auth'],
        summary: 'How an email address signs in: the first step of signing in',
        body: signInMethodsBodySchema,
        response: { 200: signInMethodsSchema, ...problemResponses(400, 429, 503) },
      },
    },
    // The answer depends on the address's domain only, which is public knowledge, never on whether the
    // address has an account (that would tell which ones do): a tenant that verified the domain announces
    // its company sign-in, and keeps the password beside it unless its admin turned passwords off.
    async (request) => {
      issuerOf(identity);
      const domain = request.body.email.split('@')[1] ?? '';
      const company = await withAppRole(database.db, (trx) => findTenantOfDomain(trx, domain));
      if (!company) return { methods: [{ kind: 'password' as const }] };
      const sso = { kind: 'sso' as const, tenant: { name: company.name, slug: company.slug } };
      return { methods: company.passwordSignIn ? [sso, { kind: 'password' as const }] : [sso] };
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Log in by email and password: a session, or the teams to choose from when the password matches in several (repeat with `tenant`)',
        body: loginBodySchema,
        response: { 200: loginResultSchema, ...problems },
      },
    },
    async (request) => {
      issuerOf(identity);
      const { tenant: slugOrId, email, password } = request.body;
      if (slugOrId === undefined) {
        await limits.loginFailures.check(request);
        const { memberships, withoutPasswords } = await withAppRole(database.db, async (trx) => {
          const found = await findMembershipsByEmail(trx, email);
          return {
            memberships: found,
            withoutPasswords: await tenantsWithoutPasswords(
              trx,
              found.map((m) => m.tenant.id),
            ),
          };
        });
        // Verified outside the transaction (argon2 takes tens of ms).
        const passwordMatches = await membershipsWithPassword(memberships, password);
        const matches = passwordMatches.filter(({ tenant }) => !withoutPasswords.has(tenant.id));
        const [only] = matches;
        if (!only) {
          await limits.loginFailures.record(request);
          await signInFailed(
            request,
            memberships.map(({ tenant }) => tenant.id),
            email,
          );
          // Said only to someone who knows the password: the team moved to its company sign-in.
          const [moved] = passwordMatches;
          if (moved) throw passwordsOff(moved.tenant.name);
          throw loginFailed(false);
        }
        // Only teams where the password matched are named: someone who knows it could sign in to each.
        if (matches.length > 1)
          return { teams: matches.map(({ tenant }) => ({ name: tenant.name, slug: tenant.slug })) };
        return withTenant(database.db, only.tenant.id, async (trx) => {
          const user = await findUserById(trx, only.tenant.id, only.userId);
          if (!user) throw loginFailed(false);
          await signedIn(trx, request, only.tenant.id, user.id);
          return startSession(trx, ttl, only.tenant, user);
        });
      }
      const found = await withAppRole(database.db, async (trx) => {
        const tenant = await findTenantBySlugOrId(trx, slugOrId);
        if (!tenant) return undefined;
        await enterTenant(trx, tenant.id);
        return { tenant, user: await findUserByEmail(trx, tenant.id, email) };
      });
      // The tenant's budget keys on the body's tenant: make it canonical so that `Acme`, `acme` and the
      // tenant's id share one budget instead of multiplying it.
      request.body.tenant = found?.tenant.slug ?? slugOrId.toLowerCase();
      await limits.loginsByTenant.consume(request);
      await limits.loginFailures.check(request);
      // The team's policy is no secret (its sign-in page announces it), so it is said before any check.
      if (
        found &&
        (await withAppRole(database.db, (trx) => tenantsWithoutPasswords(trx, [found.tenant.id]))).size > 0
      ) {
        throw passwordsOff(found.tenant.name);
      }
      // Unknown accounts cost the same time as a wrong password.
      const user = found?.user;
      const valid = await verifyPassword(user?.passwordHash, password);
      if (!valid || !found || !user) {
        await limits.loginFailures.record(request);
        if (found) await signInFailed(request, [found.tenant.id], email);
        throw loginFailed(true);
      }
      return withTenant(database.db, found.tenant.id, async (trx) => {
        await signedIn(trx, request, found.tenant.id, user.id);
        return startSession(trx, ttl, found.tenant, user);
      });
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
        if (rotation.outcome === 'rejected') {
          // Said apart from an expiry, so the person is not asked to sign in to an account that is gone.
          const erased =
            rotation.userId !== undefined && (await membership(trx, tenantId, rotation.userId)) === 'erased';
          return { outcome: 'rejected' as const, erased };
        }
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
      if (outcome.outcome === 'rejected' && outcome.erased) {
        throw new DomainError('unauthorized', 'this account was erased from the team', {
          reason: 'account_erased' satisfies RefreshRefusalReason,
        });
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
        await withTenant(database.db, tenantId, async (trx) => {
          const userId = await revokeRefreshToken(trx, request.body.refreshToken);
          if (userId === undefined) return;
          await recordAudit(trx, {
            tenantId,
            action: 'sign_out',
            actor: { userId },
            target: { type: 'person', id: userId },
            source: auditSourceOf(request),
          });
        });
      }
      return reply.code(204).send();
    },
  );
};
