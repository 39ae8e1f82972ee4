import { DomainError } from '@pocdojo/shared';
import { runFilesSchema, type DojoRun, type RunDetail } from '@pocdojo/shared/contract/runs';
import { dojoRunColumns, toDojoRun, type RunQueue } from '@pocdojo/shared/runs/run-queue';
import { sql } from 'kysely';
import { z } from 'zod';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/**
 * A dojo's runs as the API reads them, under the tenant's row-level security (the dojo was found the
 * same way first). Positions count other tenants' runs too, so the run queue asks the database function
 * that counts them, on the same transaction.
 */

/**
 * Page cursors are opaque to clients: base64url of `<requested_at in µs since epoch>:<run id>`, the
 * last run of the page in (requested_at DESC, id DESC) order.
 */
const cursorSchema = z.tuple([z.string().regex(/^\d{1,18}$/), z.string().regex(/^r_[A-Za-z0-9_-]{1,40}$/)]);

const encodeRunCursor = (requestedAtMicros: string, id: string): string =>
  Buffer.from(`${requestedAtMicros}:${id}`).toString('base64url');

function decodeRunCursor(cursor: string): { requestedAtMicros: string; id: string } {
  const parsed = cursorSchema.safeParse(Buffer.from(cursor, 'base64url').toString('utf8').split(':'));
  if (!parsed.success) throw new DomainError('invalid', 'cursor is not one this API returned');
  return { requestedAtMicros: parsed.data[0], id: parsed.data[1] };
}

/** The positions of the dojo's queued runs when any of `rows` is queued. */
async function withPositions<T extends { status: string; id: string }>(
  trx: TenantTransaction,
  queue: RunQueue,
  key: { tenantId: string; dojoId: string },
  rows: T[],
): Promise<Map<string, number>> {
  return rows.some((row) => row.status === 'queued') ? queue.positions(key.tenantId, key.dojoId, trx) : new Map();
}

export async function listRuns(
  trx: TenantTransaction,
  queue: RunQueue,
  key: { tenantId: string; dojoId: string },
  page: { cursor?: string; limit: number },
): Promise<{ items: DojoRun[]; nextCursor: string | null }> {
  let select = trx
    .selectFrom('dojo_runs')
    .select(dojoRunColumns)
    .select(sql<string>`(extract(epoch from requested_at) * 1000000)::bigint::text`.as('requested_us'))
    .where('tenant_id', '=', key.tenantId)
    .where('dojo_id', '=', key.dojoId);
  if (page.cursor) {
    const after = decodeRunCursor(page.cursor);
    select = select.where(
      sql<boolean>`(requested_at, id) < (timestamptz 'epoch' + ${after.requestedAtMicros}::bigint * interval '1 microsecond', ${after.id})`,
    );
  }
  const rows = await select
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const positions = await withPositions(trx, queue, key, items);
  const last = items.at(-1);
  return {
    items: items.map((row) => toDojoRun(row, positions.get(row.id) ?? null)),
    nextCursor: rows.length > page.limit && last ? encodeRunCursor(last.requested_us, last.id) : null,
  };
}

/** One run as the room sees it. */
export async function findRun(
  trx: TenantTransaction,
  queue: RunQueue,
  key: { tenantId: string; dojoId: string },
  runId: string,
): Promise<DojoRun> {
  const row = await trx
    .selectFrom('dojo_runs')
    .select(dojoRunColumns)
    .where('tenant_id', '=', key.tenantId)
    .where('dojo_id', '=', key.dojoId)
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', 'this dojo has no such run');
  const positions = await withPositions(trx, queue, key, [row]);
  return toDojoRun(row, positions.get(row.id) ?? null);
}

export async function getRun(
  trx: TenantTransaction,
  queue: RunQueue,
  key: { tenantId: string; dojoId: string },
  runId: string,
): Promise<RunDetail> {
  const row = await trx
    .selectFrom('dojo_runs')
    .select(dojoRunColumns)
    .select(['files', 'output', 'output_truncated', 'failing'])
    .where('tenant_id', '=', key.tenantId)
    .where('dojo_id', '=', key.dojoId)
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', 'this dojo has no such run');
  // The run to diff against: requested just before this one, with code to compare. Compared in SQL, as
  // timestamps are finer than JavaScript dates.
  const previous = await trx
    .selectFrom('dojo_runs')
    .select('id')
    .where('tenant_id', '=', key.tenantId)
    .where('dojo_id', '=', key.dojoId)
    .where(
      sql<boolean>`(requested_at, id) < (SELECT r.requested_at, r.id FROM dojo_runs r
        WHERE r.tenant_id = ${key.tenantId} AND r.id = ${row.id})`,
    )
    .where(sql<boolean>`files <> '{}'::jsonb`)
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const positions = await withPositions(trx, queue, key, [row]);
  return {
    ...toDojoRun(row, positions.get(row.id) ?? null),
    output: row.output,
    outputTruncated: row.output_truncated ?? false,
    failing: row.failing ?? [],
    // Stored by the run queue from checked paths; parsed so that a bad row fails here, not in a client.
    files: runFilesSchema.parse(row.files),
    previousRunId: previous?.id ?? null,
  };
}
