import { DomainError, isDomainError, recordAudit } from '@pocdojo/shared';
import { sessionSchema } from '@pocdojo/shared/contract/auth';
import { ssoStartBodySchema, ssoStartResultSchema, ssoTokenBodySchema } from '@pocdojo/shared/contract/sso';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { problemResponses } from '../problem-details.ts';
import { findTenantById, findTenantBySlugOrId } from '../tenancy/tenants.ts';
import { auditSourceOf } from '../audit/audit-request.ts';
import { withAppRole, withTenant } from '../tenancy/tenant-transaction.ts';
import { findUserById } from '../users/users.ts';
import { startSession } from '../auth/sessions.ts';
import { checkClientRedirect, clientRedirect } from './client-redirect.ts';
import { rolesFromGroups } from './group-roles.ts';
import { personForIdentity } from './sso-people.ts';
import { findSsoSettings, findTenantOfDomain, listSsoDomains, verifySsoDomain } from './sso-settings.ts';
import {
  claimSsoAttempt,
  issueSsoHandoff,
  pkceMatches,
  recordSsoAttempt,
  redeemSsoHandoff,
  tenantOfSsoToken,
} from './sso-sign-ins.ts';

/**
 * Company single sign-on, the public half: start (where to send the browser), the provider's callback
 * (the authorization code flow, provisioning), and redeeming the one-time code for the product's usual
 * session. The flow and its parameters are described in `@pocdojo/shared/contract/sso`.
 */
export const ssoRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity, config, limits, sso } = context;
  const ttl = { identity, accessTtl: config.API_ACCESS_TOKEN_TTL, refreshTtl: config.API_REFRESH_TOKEN_TTL };
  const noSignIn = () => new DomainError('not_found', 'no company sign-in is set up for this address or team');
  const spentCode = () =>
    new DomainError('unauthorized', 'sign-in code invalid, expired or already used: sign in again');

  app.addHook('onRequest', async (request) => limits.authByAddress.consume(request));

  /** The tenant's provider, discovered, with its settings; `noSignIn` when it has none. */
  const providerOf = async (tenantId: string) => {
    const settings = await withTenant(database.db, tenantId, (trx) => findSsoSettings(trx, tenantId));
    if (!settings) throw noSignIn();
    const configuration = await sso.providers.discover({
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: sso.seal.open(settings.clientSecretSealed, tenantId),
    });
    return { settings, configuration };
  };

  app.post(
    '/auth/sso/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start signing in through the team’s identity provider: the URL to open in the browser',
        body: ssoStartBodySchema,
        response: { 200: ssoStartResultSchema, ...problemResponses(400, 404, 429, 503) },
      },
    },
    async (request) => {
      const { email, tenant: slugOrId, redirectUri, state: clientState, codeChallenge } = request.body;
      const clientRedirectUri = checkClientRedirect(redirectUri, sso.publicUrl);
      const tenant = await withAppRole(database.db, async (trx) =>
        email ? findTenantOfDomain(trx, email.split('@')[1] ?? '') : findTenantBySlugOrId(trx, slugOrId ?? ''),
      );
      if (!tenant) throw noSignIn();
      const { configuration } = await providerOf(tenant.id);
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const { state } = await withTenant(database.db, tenant.id, (trx) =>
        recordSsoAttempt(
          trx,
          {
            tenantId: tenant.id,
            nonce,
            codeVerifier,
            clientRedirectUri,
            clientState,
            clientCodeChallenge: codeChallenge,
          },
          sso.signInTtl,
        ),
      );
      const authorizationUrl = sso.providers.authorizationUrl(configuration, {
        redirectUri: sso.callbackUri,
        state,
        nonce,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      });
      return { authorizationUrl, tenant: { name: tenant.name, slug: tenant.slug }, expiresIn: sso.signInTtl };
    },
  );

  app.get(
    '/auth/sso/callback',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Where identity providers send the browser back (register this URI at the provider); redirects to the client with a one-time code',
        // Providers add parameters of their own (session_state, scope…); openid-client reads the URL whole.
        querystring: z.looseObject({ state: z.string().max(300).optional() }),
        response: { 302: z.undefined(), ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const state = request.query.state ?? '';
      const tenantId = tenantOfSsoToken(state);
      if (!tenantId)
        throw new DomainError('invalid', 'this is not a sign-in response: its state is missing or malformed');
      const attempt = await withTenant(database.db, tenantId, (trx) => claimSsoAttempt(trx, state));
      if (!attempt) {
        throw new DomainError('unauthorized', 'this sign-in response was already used or has expired: sign in again');
      }
      try {
        const { settings, configuration } = await providerOf(tenantId);
        const callbackUrl = new URL(sso.callbackUri);
        callbackUrl.search = new URL(request.url, sso.publicUrl).search;
        const person = await sso.providers.complete(configuration, callbackUrl, { ...attempt, state });
        const code = await withTenant(database.db, tenantId, async (trx) => {
          const domains = await listSsoDomains(trx, tenantId);
          const user = await personForIdentity(
            trx,
            tenantId,
            person,
            {
              roles: rolesFromGroups(person.claims, settings),
              followProvider: settings.groupsClaim !== null && settings.groupRoles.length > 0,
            },
            domains.map(({ domain }) => domain),
          );
          // The provider vouches for this address: its domain, if the tenant claimed it, is proven.
          if (person.emailVerified && person.email) {
            await verifySsoDomain(trx, tenantId, person.email.split('@')[1] ?? '');
          }
          return issueSsoHandoff(trx, state, user.id, sso.signInTtl);
        });
        return reply.redirect(clientRedirect(attempt.clientRedirectUri, { code, state: attempt.clientState }));
      } catch (error) {
        if (!isDomainError(error)) throw error;
        request.log.warn({ tenantId, reason: error.message }, 'company sign-in refused');
        await withTenant(database.db, tenantId, (trx) =>
          recordAudit(trx, {
            tenantId,
            action: 'sign_in_failed',
            actor: null,
            source: auditSourceOf(request),
            details: { method: 'sso', reason: error.message },
          }),
        );
        return reply.redirect(
          clientRedirect(attempt.clientRedirectUri, {
            error: 'access_denied',
            error_description: error.message,
            state: attempt.clientState,
          }),
        );
      }
    },
  );

  app.post(
    '/auth/sso/token',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Redeem the one-time code of a finished company sign-in (with the client’s PKCE verifier) for a session',
        body: ssoTokenBodySchema,
        response: { 200: sessionSchema, ...problemResponses(400, 401, 429, 503) },
      },
    },
    async (request) => {
      const { code, codeVerifier } = request.body;
      const tenantId = tenantOfSsoToken(code);
      if (!tenantId) throw spentCode();
      // The code is spent even when the verifier is wrong: whoever intercepted it gets one try, not many.
      const outcome = await withTenant(database.db, tenantId, async (trx) => {
        const handoff = await redeemSsoHandoff(trx, code);
        if (!handoff) return { refused: spentCode() };
        if (!pkceMatches(codeVerifier, handoff.codeChallenge)) {
          return {
            refused: new DomainError('unauthorized', 'the code verifier does not match the sign-in’s code challenge'),
          };
        }
        const [tenant, user] = await Promise.all([
          findTenantById(trx, tenantId),
          findUserById(trx, tenantId, handoff.userId),
        ]);
        if (!tenant || !user) return { refused: spentCode() };
        const session = await startSession(trx, ttl, tenant, user);
        await recordAudit(trx, {
          tenantId,
          action: 'sign_in',
          actor: { userId: user.id },
          target: { type: 'person', id: user.id },
          source: auditSourceOf(request),
          details: { method: 'sso' },
        });
        return { session };
      });
      if ('refused' in outcome) throw outcome.refused;
      return outcome.session;
    },
  );
};
