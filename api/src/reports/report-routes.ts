import { DomainError } from '@pocdojo/shared';
import { pocReportSchema } from '@pocdojo/shared/contract/reports';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf, type Principal } from '../auth/principal.ts';
import { problemSchema } from '../problem-details.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { buildPocReport, type ReportScope } from './poc-report.ts';
import { reportCsv } from './report-csv.ts';

/**
 * `GET /reports/pocs?year&userId&format=json|csv|pdf`. Admins see the whole tenant (or one person with
 * `userId`); everyone else sees themselves. A user outside the tenant is a 404, like everywhere else.
 */
const reportQuerySchema = z.object({
  year: z.coerce
    .number()
    .int()
    .min(2000)
    .max(2100)
    .default(() => new Date().getUTCFullYear()),
  userId: z.string().min(1).max(100).optional(),
  format: z.enum(['json', 'csv', 'pdf']).default('json'),
});

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

async function resolveScope(
  trx: TenantTransaction,
  principal: Principal,
  year: number,
  userId: string | undefined,
): Promise<{ scope: ReportScope; subject: string }> {
  const isAdmin = principal.roles.includes('admin');
  const target = userId ?? (isAdmin ? null : principal.userId);
  if (target === null) return { scope: { tenantId: principal.tenantId, year, userId: null }, subject: 'whole tenant' };
  const user = await trx.selectFrom('users').select(['id', 'display_name']).where('id', '=', target).executeTakeFirst();
  if (!user) throw new DomainError('not_found', 'this person is not a member of your team');
  if (target !== principal.userId && !isAdmin)
    throw new DomainError('forbidden', "only admins can see someone else's report");
  return { scope: { tenantId: principal.tenantId, year, userId: target }, subject: user.display_name };
}

export const reportRoutes: ApiPlugin = async (app, { context }) => {
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.get(
    '/reports/pocs',
    {
      schema: {
        tags: ['reports'],
        summary: 'POC and dojo figures of a year: JSON (this schema), CSV (section,key,label,value) or PDF',
        security: [{ bearer: [] }],
        querystring: reportQuerySchema,
        response: {
          200: {
            description: 'The report in the requested format',
            content: {
              'application/json': { schema: pocReportSchema },
              'text/csv': { schema: z.string() },
              'application/pdf': { schema: z.instanceof(Buffer).meta({ type: 'string', format: 'binary' }) },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { year, userId, format } = request.query;
      const { report, subject } = await withTenant(context.database.db, principal.tenantId, async (trx) => {
        const resolved = await resolveScope(trx, principal, year, userId);
        return { report: await buildPocReport(trx, resolved.scope), subject: resolved.subject };
      });
      const fileName = `poc-report-${year}${report.scope.userId ? `-${report.scope.userId}` : ''}`;
      if (format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${fileName}.csv"`)
          .send(reportCsv(report));
      }
      if (format === 'pdf') {
        // Loaded at the first PDF: pdfkit and its fonts take memory a server may never need.
        const { reportPdf } = await import('./report-pdf.ts');
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${fileName}.pdf"`)
          .send(await reportPdf(report, subject));
      }
      return report;
    },
  );
};
