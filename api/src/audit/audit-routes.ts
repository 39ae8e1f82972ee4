import { once } from 'node:events';
import { Readable } from 'node:stream';
import { auditActionSchema, auditPageSchema } from '@pocdojo/shared/contract/audit';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf, requireAdmin } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { auditCsv, auditCsvRow } from './audit-csv.ts';
import { decodeAuditCursor, encodeAuditCursor, listAuditEntries, type AuditFilter } from './audit-entries.ts';

const auditQuerySchema = z
  .strictObject({
    person: z.string().min(1).max(64).optional(),
    action: auditActionSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
    message: '`from` must be before `to`',
    path: ['to'],
  });

/** The CSV export stops here; narrow the filters (time range) for more. */
const csvMaxEntries = 100_000;
const csvPageSize = 1_000;

/** The tenant's audit trail for its admins: newest first, filtered, one page per cursor, or all as CSV. */
export const auditRoutes: ApiPlugin = async (app, { context }) => {
  const { database } = context;
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail of the caller’s tenant, newest first (admin); `format=csv` exports every match',
        security: [{ bearer: [] }],
        querystring: auditQuerySchema,
        response: {
          200: {
            description: 'A page of entries, or every matching entry as CSV',
            content: {
              'application/json': { schema: auditPageSchema },
              'text/csv': { schema: z.instanceof(Readable).meta({ type: 'string' }) },
            },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const { cursor, limit, format, ...filters } = request.query;
      const filter: AuditFilter = { ...filters, limit, before: cursor ? decodeAuditCursor(cursor) : undefined };
      if (format === 'json') {
        const page = await withTenant(database.db, principal.tenantId, (trx) =>
          listAuditEntries(trx, principal.tenantId, filter),
        );
        return { items: page.items, nextCursor: page.nextSeq === null ? null : encodeAuditCursor(page.nextSeq) };
      }
      const csv = auditCsv();
      void (async () => {
        let before = filter.before;
        for (let written = 0; written < csvMaxEntries; written += csvPageSize) {
          const page = await withTenant(database.db, principal.tenantId, (trx) =>
            listAuditEntries(trx, principal.tenantId, { ...filter, before, limit: csvPageSize }),
          );
          for (const entry of page.items) {
            // A slow download holds the next page back rather than buffering the whole trail.
            if (!csv.write(auditCsvRow(entry))) await once(csv, 'drain');
          }
          if (page.nextSeq === null) break;
          before = page.nextSeq;
        }
        csv.end();
      })().catch((error: unknown) => {
        request.log.error({ err: error }, 'audit CSV export failed');
        csv.destroy(error instanceof Error ? error : new Error(String(error)));
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.csv"')
        .send(csv);
    },
  );
};
