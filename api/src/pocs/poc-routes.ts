import { DomainError } from '@pocdojo/shared';
import { mayChangePoc } from '@pocdojo/shared/contract/permissions';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { auditCaller } from '../audit/audit-request.ts';
import { authenticate, principalOf, requireWriter, type Principal } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import {
  createPocBodySchema,
  listPocsQuerySchema,
  pocIdParamsSchema,
  pocPageSchema,
  pocSchema,
  updatePocBodySchema,
} from './poc-schemas.ts';
import { createPoc, deletePoc, getPoc, listPocs, updatePoc } from './pocs.ts';

const problems = problemResponses(400, 401, 403, 404);
const security = [{ bearer: [] }];

/** Owners and admins change a POC; anyone in the tenant reads it. Existence is checked first (404). */
async function requireOwnerOrAdmin(trx: TenantTransaction, principal: Principal, id: string): Promise<void> {
  const poc = await getPoc(trx, principal.tenantId, id);
  if (!mayChangePoc(principal, poc)) {
    throw new DomainError('forbidden', 'only the owner or an admin may change this POC');
  }
}

export const pocRoutes: ApiPlugin = async (app, { context }) => {
  const { database, searchOutbox } = context;
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.post(
    '/pocs',
    {
      schema: {
        tags: ['pocs'],
        summary: 'Register a proof of concept',
        security,
        body: createPocBodySchema,
        response: { 201: pocSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireWriter(principal);
      const poc = await withTenant(database.db, principal.tenantId, async (trx) => {
        const created = await createPoc(
          trx,
          { tenantId: principal.tenantId, ownerId: principal.userId, outbox: searchOutbox },
          request.body,
        );
        await auditCaller(trx, request, principal, { action: 'poc_created', target: { type: 'poc', id: created.id } });
        return created;
      });
      return reply.code(201).send(poc);
    },
  );

  app.get(
    '/pocs',
    {
      schema: {
        tags: ['pocs'],
        summary: 'List POCs newest first, filtered, one page per cursor',
        security,
        querystring: listPocsQuerySchema,
        response: { 200: pocPageSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, (trx) => listPocs(trx, principal.tenantId, request.query));
    },
  );

  app.get(
    '/pocs/:id',
    {
      schema: {
        tags: ['pocs'],
        summary: 'One POC',
        security,
        params: pocIdParamsSchema,
        response: { 200: pocSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, (trx) => getPoc(trx, principal.tenantId, request.params.id));
    },
  );

  app.patch(
    '/pocs/:id',
    {
      schema: {
        tags: ['pocs'],
        summary: 'Change some fields of a POC (owner or admin)',
        security,
        params: pocIdParamsSchema,
        body: updatePocBodySchema,
        response: { 200: pocSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, async (trx) => {
        await requireOwnerOrAdmin(trx, principal, request.params.id);
        const poc = await updatePoc(
          trx,
          { tenantId: principal.tenantId, outbox: searchOutbox },
          request.params.id,
          request.body,
        );
        await auditCaller(trx, request, principal, {
          action: 'poc_changed',
          target: { type: 'poc', id: poc.id },
          details: { fields: Object.keys(request.body).sort() },
        });
        return poc;
      });
    },
  );

  app.delete(
    '/pocs/:id',
    {
      schema: {
        tags: ['pocs'],
        summary: 'Delete a POC (owner or admin)',
        security,
        params: pocIdParamsSchema,
        response: { 204: z.undefined(), ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await withTenant(database.db, principal.tenantId, async (trx) => {
        await requireOwnerOrAdmin(trx, principal, request.params.id);
        await deletePoc(trx, { tenantId: principal.tenantId, outbox: searchOutbox }, request.params.id);
        await auditCaller(trx, request, principal, {
          action: 'poc_deleted',
          target: { type: 'poc', id: request.params.id },
        });
      });
      return reply.code(204).send();
    },
  );
};
