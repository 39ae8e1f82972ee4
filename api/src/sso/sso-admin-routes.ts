import { DomainError } from '@pocdojo/shared';
import {
  ssoRedirectUriSchema,
  ssoSettingsBodySchema,
  ssoSettingsSchema,
  type SsoSettings,
} from '@pocdojo/shared/contract/sso';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { auditCaller } from '../audit/audit-request.ts';
import { authenticate, principalOf, requireAdmin } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import {
  deleteSsoSettings,
  findSsoSettings,
  listSsoDomains,
  replaceSsoDomains,
  saveSsoSettings,
  setPasswordSignIn,
  unverifySsoDomains,
} from './sso-settings.ts';

const problems = problemResponses(400, 401, 403, 404, 409, 503);

/**
 * The team's single sign-on configuration, for its admins: the OpenID Connect provider (checked by
 * discovery before it is saved), the roles people get, the domains announced at sign-in, and whether
 * passwords still work. The client secret goes in and never comes out.
 */
export const ssoAdminRoutes: ApiPlugin = async (app, { context }) => {
  const { database, sso } = context;
  app.addHook('onRequest', authenticate(context.identity.verifier));
  const notConfigured = () => new DomainError('not_found', 'company sign-in is not set up for this team');

  const view = async (trx: TenantTransaction, tenantId: string): Promise<SsoSettings | undefined> => {
    const [settings, domains, tenant] = await Promise.all([
      findSsoSettings(trx, tenantId),
      listSsoDomains(trx, tenantId),
      trx.selectFrom('tenants').select('password_sign_in').where('id', '=', tenantId).executeTakeFirst(),
    ]);
    if (!settings) return undefined;
    return {
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecretSet: true,
      defaultRole: settings.defaultRole,
      groupsClaim: settings.groupsClaim,
      groupRoles: settings.groupRoles,
      domains,
      passwordSignIn: tenant?.password_sign_in ?? true,
      redirectUri: sso.callbackUri,
    };
  };

  app.get(
    '/tenant/sso',
    {
      schema: {
        tags: ['sso'],
        summary: 'The team’s company sign-in settings, without the client secret (admin)',
        security: [{ bearer: [] }],
        response: { 200: ssoSettingsSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const settings = await withTenant(database.db, principal.tenantId, (trx) => view(trx, principal.tenantId));
      if (!settings) throw notConfigured();
      return settings;
    },
  );

  app.get(
    '/tenant/sso/redirect-uri',
    {
      schema: {
        tags: ['sso'],
        summary: 'The redirect URI to register at the provider, before company sign-in is set up (admin)',
        security: [{ bearer: [] }],
        response: { 200: ssoRedirectUriSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return { redirectUri: sso.callbackUri };
    },
  );

  app.put(
    '/tenant/sso',
    {
      schema: {
        tags: ['sso'],
        summary: 'Set up or change the team’s OpenID Connect provider, checked by discovery (admin)',
        security: [{ bearer: [] }],
        body: ssoSettingsBodySchema,
        response: { 200: ssoSettingsSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const { tenantId } = principal;
      const body = request.body;
      const stored = await withTenant(database.db, tenantId, (trx) => findSsoSettings(trx, tenantId));
      const clientSecret = body.clientSecret ?? (stored && sso.seal.open(stored.clientSecretSealed, tenantId));
      if (!clientSecret) throw new DomainError('invalid', 'clientSecret is required when setting up company sign-in');
      // Discovery proves the issuer is an OpenID provider that names itself as this issuer.
      await sso.providers.discover({ issuer: body.issuer, clientId: body.clientId, clientSecret });
      return withTenant(database.db, tenantId, async (trx) => {
        await saveSsoSettings(trx, {
          tenantId,
          issuer: body.issuer,
          clientId: body.clientId,
          clientSecretSealed: sso.seal.seal(clientSecret, tenantId),
          defaultRole: body.defaultRole,
          groupsClaim: body.groupsClaim,
          groupRoles: body.groupRoles,
        });
        // Domains were proven by the previous provider's sign-ins; another provider proves them anew.
        if (stored && stored.issuer !== body.issuer) await unverifySsoDomains(trx, tenantId);
        await replaceSsoDomains(trx, tenantId, body.domains);
        if (!body.passwordSignIn) {
          // Someone must have signed in through the provider (which verified a domain) before passwords
          // go: otherwise a typo in the settings would lock the whole team out.
          const domains = await listSsoDomains(trx, tenantId);
          if (!domains.some((domain) => domain.verified)) {
            throw new DomainError(
              'conflict',
              'password sign-in can be turned off once a company sign-in has verified one of the team’s domains',
            );
          }
        }
        await setPasswordSignIn(trx, tenantId, body.passwordSignIn);
        await auditCaller(trx, request, principal, {
          action: 'sso_settings_changed',
          target: { type: 'tenant', id: tenantId },
          details: { issuer: body.issuer, passwordSignIn: body.passwordSignIn, domains: body.domains },
        });
        const saved = await view(trx, tenantId);
        if (!saved) throw notConfigured();
        return saved;
      });
    },
  );

  app.delete(
    '/tenant/sso',
    {
      schema: {
        tags: ['sso'],
        summary: 'Remove the team’s company sign-in; password sign-in is turned back on (admin)',
        security: [{ bearer: [] }],
        response: { 204: z.undefined(), ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      await withTenant(database.db, principal.tenantId, async (trx) => {
        if (!(await findSsoSettings(trx, principal.tenantId))) throw notConfigured();
        await deleteSsoSettings(trx, principal.tenantId);
        await auditCaller(trx, request, principal, {
          action: 'sso_settings_changed',
          target: { type: 'tenant', id: principal.tenantId },
          details: { removed: true, passwordSignIn: true },
        });
      });
      return reply.code(204).send();
    },
  );
};
