import { Readable } from 'node:stream';
import { eraseBodySchema, erasureResultSchema } from '@pocdojo/shared/contract/personal-data';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { auditCaller, auditSourceOf } from '../audit/audit-request.ts';
import { authenticate, principalOf, requireAdmin } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { openObjectStore } from '../storage/storage-config.ts';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { videoServiceConfigSchema } from '../videos/video-config.ts';
import { exportArchive } from './export-archive.ts';
import { erasePerson } from './person-erasure.ts';
import { chatMessagesOf, collectPersonalData, dojosOfPerson } from './personal-data.ts';

const personParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

/**
 * Personal-data requests: anyone downloads everything the product holds about them; an admin erases a
 * person. Both are audited. The videos' object store is opened here too (a stateless client).
 */
export const personalDataRoutes: ApiPlugin = async (app, { context }) => {
  const { database, limits } = context;
  const store = await openObjectStore(videoServiceConfigSchema.parse(context.config));
  app.addHook('onClose', () => store.close());
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.get(
    '/me/export',
    {
      schema: {
        tags: ['personal data'],
        summary: 'Download everything the product holds about you as one zip (JSON files and your videos)',
        security: [{ bearer: [] }],
        response: {
          200: {
            description: 'A zip archive',
            content: {
              'application/zip': { schema: z.instanceof(Readable).meta({ type: 'string', format: 'binary' }) },
            },
          },
          ...problemResponses(401, 429),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await limits.exportsByUser.consume(request);
      const { tenantId, userId } = principal;
      const { data, dojoIds } = await withTenant(database.db, tenantId, async (trx) => {
        const collected = await collectPersonalData(trx, tenantId, userId);
        await auditCaller(trx, request, principal, { action: 'data_exported', target: { type: 'person', id: userId } });
        return { data: collected, dojoIds: await dojosOfPerson(trx, tenantId, userId) };
      });
      const chat = await chatMessagesOf(database.db, tenantId, dojoIds, userId);
      const archive = await exportArchive(data, chat, store, tenantId, request.log);
      archive.on('error', (error) => {
        request.log.error({ err: error }, 'personal-data export failed mid-stream');
        reply.raw.destroy(error);
      });
      return reply
        .type('application/zip')
        .header('content-disposition', 'attachment; filename="pocdojo-my-data.zip"')
        .header('cache-control', 'no-store')
        .send(archive);
    },
  );

  app.post(
    '/people/:id/erase',
    {
      schema: {
        tags: ['personal data'],
        summary:
          'Erase a person (admin): personal fields anonymised, sessions revoked, POCs reassigned or deleted, videos removed',
        security: [{ bearer: [] }],
        params: personParamsSchema,
        body: eraseBodySchema,
        response: { 200: erasureResultSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      return erasePerson(
        { db: database.db, store, searchOutbox: context.searchOutbox },
        principal,
        request.params.id,
        request.body,
        auditSourceOf(request),
      );
    },
  );
};
