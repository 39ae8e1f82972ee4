import { joinResultSchema } from '@pocdojo/shared/contract/dojos';
import type { ApiPlugin } from '../api-context.ts';
import { auditCaller } from '../audit/audit-request.ts';
import { authenticate, principalOf, requireWriter } from '../auth/principal.ts';
import { issuerOf } from '../auth/sessions.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { findUserById } from '../users/users.ts';
import {
  createDojoBodySchema,
  dojoIdParamsSchema,
  dojoListQuerySchema,
  dojoSchema,
  joinDojoBodySchema,
} from './dojo-schemas.ts';
import { createDojo, dojoRoleFor, getDojo, listDojos, recordJoin } from './dojos.ts';
import { z } from 'zod';

const problems = problemResponses(400, 401, 403, 404, 503);
const security = [{ bearer: [] }];

/** The WebSocket path of the collaboration tier, on the same host as the API. */
export const collaborationPath = '/collab';

export const dojoRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity, config } = context;
  app.addHook('onRequest', authenticate(identity.verifier));

  app.post(
    '/dojos',
    {
      schema: {
        tags: ['dojos'],
        summary: 'Open a dojo session, optionally on a POC',
        security,
        body: createDojoBodySchema,
        response: { 201: dojoSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireWriter(principal);
      const dojo = await withTenant(database.db, principal.tenantId, async (trx) => {
        const created = await createDojo(
          trx,
          { tenantId: principal.tenantId, createdBy: principal.userId },
          request.body,
        );
        await auditCaller(trx, request, principal, {
          action: 'dojo_created',
          target: { type: 'dojo', id: created.id },
          details: { format: created.format, pocId: created.pocId },
        });
        return created;
      });
      return reply.code(201).send(dojo);
    },
  );

  app.get(
    '/dojos',
    {
      schema: {
        tags: ['dojos'],
        summary: 'List dojos newest first',
        security,
        querystring: dojoListQuerySchema,
        response: { 200: z.object({ items: z.array(dojoSchema), nextCursor: z.string().nullable() }), ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, (trx) => listDojos(trx, principal.tenantId, request.query));
    },
  );

  app.get(
    '/dojos/:id',
    {
      schema: {
        tags: ['dojos'],
        summary: 'One dojo',
        security,
        params: dojoIdParamsSchema,
        response: { 200: dojoSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, (trx) => getDojo(trx, principal.tenantId, request.params.id));
    },
  );

  app.post(
    '/dojos/:id/join',
    {
      schema: {
        tags: ['dojos'],
        summary: 'Join a dojo: a short-lived collaboration token with the caller’s dojo role',
        description:
          'Send `{"as":"observer"}` to join read-only: the token stays an observer’s even for a facilitator of the dojo. Members removed by a facilitator get 403.',
        security,
        params: dojoIdParamsSchema,
        body: joinDojoBodySchema,
        response: { 200: joinResultSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const issuer = issuerOf(identity);
      const observing = request.body?.as === 'observer';
      const { dojo, role, displayName } = await withTenant(database.db, principal.tenantId, async (trx) => {
        const dojo = await getDojo(trx, principal.tenantId, request.params.id);
        const role = dojoRoleFor(dojo, principal, observing);
        await recordJoin(trx, { tenantId: principal.tenantId, dojoId: dojo.id, userId: principal.userId, role });
        const user = await findUserById(trx, principal.tenantId, principal.userId);
        return { dojo, role, displayName: user?.displayName };
      });
      const ttl = config.API_JOIN_TOKEN_TTL;
      const token = await issuer.issue(
        {
          sub: principal.userId,
          tid: principal.tenantId,
          roles: [role],
          dojo: dojo.id,
          name: displayName,
          ...(observing ? { observing: true as const } : {}),
        },
        ttl,
      );
      return { token, url: collaborationPath, documents: dojo.documents, role, observing, expiresIn: ttl };
    },
  );
};
