import { DomainError, type Database } from '@pocdojo/shared';
import { turnFilesSchema, turnListSchema, type TurnSnapshot } from '@pocdojo/shared/contract/dojos';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf } from '../auth/principal.ts';
import { getDojo } from '../dojos/dojos.ts';
import { problemSchema } from '../problem-details.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { currentCodeFiles } from './current-code.ts';
import { tarGz } from './tar-archive.ts';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const security = [{ bearer: [] }];

const dojoParams = z.strictObject({ id: z.string().min(1).max(64) });
const turnParams = dojoParams.extend({ turn: z.coerce.number().int().min(1).max(1_000_000) });
const pocParams = z.strictObject({ id: z.string().min(1).max(64) });

const sessionSchema = z.object({
  dojoId: z.string(),
  pocId: z.string().nullable(),
  format: z.string(),
  endedAt: z.string(),
  summary: z.record(z.string(), z.unknown()),
});

type TurnRow = Pick<
  Selectable<Database['dojo_turns']>,
  'turn' | 'driver_id' | 'navigator_id' | 'reason' | 'started_at' | 'ended_at'
>;

const toTurn = (row: TurnRow): TurnSnapshot => ({
  turn: row.turn,
  driverId: row.driver_id,
  navigatorId: row.navigator_id,
  reason: row.reason,
  startedAt: row.started_at?.toISOString() ?? null,
  endedAt: row.ended_at.toISOString(),
});

async function listTurns(trx: TenantTransaction, tenantId: string, dojoId: string): Promise<TurnRow[]> {
  return trx
    .selectFrom('dojo_turns')
    .select(['turn', 'driver_id', 'navigator_id', 'reason', 'started_at', 'ended_at'])
    .where('tenant_id', '=', tenantId)
    .where('dojo_id', '=', dojoId)
    .orderBy('turn')
    .execute();
}

/**
 * The review side of dojo sessions: the snapshot the WebSocket tier stored at the end of every turn,
 * the export of the files with a summary, and the sessions recorded on a POC. Every query runs under
 * the tenant's row-level security, so a dojo of another tenant reads as missing; only the export of a
 * dojo without a finished turn reads the code document's log, once the dojo was found that way.
 */
export const dojoHistoryRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity } = context;
  app.addHook('onRequest', authenticate(identity.verifier));

  app.get(
    '/dojos/:id/history',
    {
      schema: {
        tags: ['dojos'],
        summary: 'The turns of a dojo, each with the snapshot of its code taken when it ended',
        security,
        params: dojoParams,
        response: { 200: turnListSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, async (trx) => {
        await getDojo(trx, principal.tenantId, request.params.id);
        const rows = await listTurns(trx, principal.tenantId, request.params.id);
        return { items: rows.map(toTurn) };
      });
    },
  );

  app.get(
    '/dojos/:id/history/:turn',
    {
      schema: {
        tags: ['dojos'],
        summary: 'The files of a dojo as they were at the end of one turn',
        security,
        params: turnParams,
        response: { 200: turnFilesSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, async (trx) => {
        await getDojo(trx, principal.tenantId, request.params.id);
        const row = await trx
          .selectFrom('dojo_turns')
          .select(['turn', 'driver_id', 'navigator_id', 'reason', 'started_at', 'ended_at', 'files'])
          .where('tenant_id', '=', principal.tenantId)
          .where('dojo_id', '=', request.params.id)
          .where('turn', '=', request.params.turn)
          .executeTakeFirst();
        if (!row) throw new DomainError('not_found', `no snapshot for turn ${request.params.turn}`);
        return { ...toTurn(row), files: row.files };
      });
    },
  );

  app.get(
    '/dojos/:id/export',
    {
      schema: {
        tags: ['dojos'],
        summary: 'The files of a dojo and a JSON summary (summary.json), as a .tar.gz',
        description:
          'The files as the last finished turn left them (the end, once the dojo has ended); before any turn has finished, the files as they are now.',
        security,
        params: dojoParams,
        response: {
          200: {
            description: 'files/<path> for every file, and summary.json',
            content: {
              'application/gzip': { schema: z.instanceof(Buffer).meta({ type: 'string', format: 'binary' }) },
            },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { dojo, last, summary } = await withTenant(database.db, principal.tenantId, async (trx) => {
        const dojo = await getDojo(trx, principal.tenantId, request.params.id);
        const last = await trx
          .selectFrom('dojo_turns')
          .select(['files'])
          .where('tenant_id', '=', principal.tenantId)
          .where('dojo_id', '=', dojo.id)
          .orderBy('turn', 'desc')
          .limit(1)
          .executeTakeFirst();
        const session = await trx
          .selectFrom('dojo_sessions')
          .select(['summary', 'ended_at'])
          .where('tenant_id', '=', principal.tenantId)
          .where('dojo_id', '=', dojo.id)
          .executeTakeFirst();
        const turns = (await listTurns(trx, principal.tenantId, dojo.id)).map(toTurn);
        return {
          dojo,
          last,
          summary: {
            dojo: { id: dojo.id, title: dojo.title, format: dojo.format, pocId: dojo.pocId },
            ended: session !== undefined,
            endedAt: session?.ended_at.toISOString() ?? null,
            turns,
            ...session?.summary,
          },
        };
      });
      const files = last?.files ?? (await currentCodeFiles(database.db, dojo.documents.code));
      const archive = tarGz([
        ...Object.entries(files).map(([path, file]) => ({ path: `files/${path}`, content: file.text })),
        { path: 'summary.json', content: `${JSON.stringify(summary, null, 2)}\n` },
      ]);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="dojo-${request.params.id}.tar.gz"`)
        .send(archive);
    },
  );

  app.get(
    '/pocs/:id/dojo-sessions',
    {
      schema: {
        tags: ['dojos'],
        summary: 'The dojo sessions held on a POC, newest first',
        security,
        params: pocParams,
        response: { 200: z.object({ items: z.array(sessionSchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(database.db, principal.tenantId, async (trx) => {
        const rows = await trx
          .selectFrom('dojo_sessions')
          .select(['dojo_id', 'poc_id', 'format', 'ended_at', 'summary'])
          .where('tenant_id', '=', principal.tenantId)
          .where('poc_id', '=', request.params.id)
          .orderBy('ended_at', 'desc')
          .execute();
        return {
          items: rows.map((row) => ({
            dojoId: row.dojo_id,
            pocId: row.poc_id,
            format: row.format,
            endedAt: row.ended_at.toISOString(),
            summary: row.summary,
          })),
        };
      });
    },
  );
};
