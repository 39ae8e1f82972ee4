import { DomainError } from '@pocdojo/shared';
import { sql, type Selectable } from 'kysely';
import type { PocsTable } from '@pocdojo/shared/database/schema';
import { enqueueSearchChange } from '../search/search-outbox.ts';
import { newId } from '../tenancy/identifiers.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { decodeCursor, encodeCursor } from './poc-cursor.ts';
import type { CreatePoc, ListPocsQuery, Poc, UpdatePoc } from './poc-schemas.ts';
import { pocStatusSchema } from './poc-schemas.ts';

/**
 * POC storage. Every function runs inside a tenant transaction: row-level security already confines
 * it to the caller's tenant, and the explicit tenant filters below are the first line of that defence.
 */
export interface PocWriteOptions {
  tenantId: string;
  /** Write outbox rows for the OpenSearch engine. */
  outbox: boolean;
}

type PocRow = Pick<
  Selectable<PocsTable>,
  | 'id'
  | 'name'
  | 'description'
  | 'language'
  | 'tags'
  | 'repo_url'
  | 'status'
  | 'owner_id'
  | 'version'
  | 'created_at'
  | 'updated_at'
>;

export const pocColumns = [
  'id',
  'name',
  'description',
  'language',
  'tags',
  'repo_url',
  'status',
  'owner_id',
  'version',
  'created_at',
  'updated_at',
] as const;

export function toPoc(row: PocRow): Poc {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    language: row.language,
    tags: row.tags,
    repoUrl: row.repo_url,
    status: pocStatusSchema.parse(row.status),
    ownerId: row.owner_id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function createPoc(
  trx: TenantTransaction,
  options: PocWriteOptions & { ownerId: string },
  poc: CreatePoc,
): Promise<Poc> {
  const row = await trx
    .insertInto('pocs')
    .values({
      id: newId('p'),
      tenant_id: options.tenantId,
      owner_id: options.ownerId,
      name: poc.name,
      description: poc.description || null,
      language: poc.language,
      tags: poc.tags ?? [],
      repo_url: poc.repoUrl ?? null,
      status: poc.status ?? 'idea',
    })
    .returning(pocColumns)
    .executeTakeFirstOrThrow();
  if (options.outbox) {
    await enqueueSearchChange(trx, {
      tenantId: options.tenantId,
      pocId: row.id,
      version: row.version,
      operation: 'upsert',
    });
  }
  return toPoc(row);
}

export async function findPoc(trx: TenantTransaction, tenantId: string, id: string): Promise<Poc | undefined> {
  const row = await trx
    .selectFrom('pocs')
    .select(pocColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toPoc(row);
}

export async function getPoc(trx: TenantTransaction, tenantId: string, id: string): Promise<Poc> {
  const poc = await findPoc(trx, tenantId, id);
  if (!poc) throw new DomainError('not_found', 'no such POC');
  return poc;
}

export async function updatePoc(
  trx: TenantTransaction,
  options: PocWriteOptions,
  id: string,
  changes: UpdatePoc,
): Promise<Poc> {
  const row = await trx
    .updateTable('pocs')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.description !== undefined && { description: changes.description || null }),
      ...(changes.language !== undefined && { language: changes.language }),
      ...(changes.tags !== undefined && { tags: changes.tags }),
      ...(changes.repoUrl !== undefined && { repo_url: changes.repoUrl }),
      ...(changes.status !== undefined && { status: changes.status }),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('tenant_id', '=', options.tenantId)
    .where('id', '=', id)
    .returning(pocColumns)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', 'no such POC');
  if (options.outbox) {
    await enqueueSearchChange(trx, {
      tenantId: options.tenantId,
      pocId: id,
      version: row.version,
      operation: 'upsert',
    });
  }
  return toPoc(row);
}

/** Hands every POC of `fromUserId` to `toUserId` (an erased person's POCs); returns their ids. */
export async function reassignPocs(
  trx: TenantTransaction,
  options: PocWriteOptions,
  fromUserId: string,
  toUserId: string,
): Promise<string[]> {
  const rows = await trx
    .updateTable('pocs')
    .set({ owner_id: toUserId, version: sql`version + 1`, updated_at: sql`now()` })
    .where('tenant_id', '=', options.tenantId)
    .where('owner_id', '=', fromUserId)
    .returning(['id', 'version'])
    .execute();
  if (options.outbox) {
    for (const row of rows) {
      await enqueueSearchChange(trx, {
        tenantId: options.tenantId,
        pocId: row.id,
        version: row.version,
        operation: 'upsert',
      });
    }
  }
  return rows.map((row) => row.id);
}

export async function deletePoc(trx: TenantTransaction, options: PocWriteOptions, id: string): Promise<void> {
  const row = await trx
    .deleteFrom('pocs')
    .where('tenant_id', '=', options.tenantId)
    .where('id', '=', id)
    .returning('version')
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', 'no such POC');
  if (options.outbox) {
    // One past the last indexed version, so the delete wins over any upsert still in flight.
    await enqueueSearchChange(trx, {
      tenantId: options.tenantId,
      pocId: id,
      version: row.version + 1,
      operation: 'delete',
    });
  }
}

export async function listPocs(
  trx: TenantTransaction,
  tenantId: string,
  query: ListPocsQuery,
): Promise<{ items: Poc[]; nextCursor: string | null }> {
  let select = trx
    .selectFrom('pocs')
    .select(pocColumns)
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created_us'))
    .where('tenant_id', '=', tenantId);
  if (query.owner) select = select.where('owner_id', '=', query.owner);
  if (query.language) select = select.where(sql`lower(language)`, '=', query.language.toLowerCase());
  if (query.tag) select = select.where(sql<boolean>`tags @> ARRAY[${query.tag}]::text[]`);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.year) {
    select = select
      .where('created_at', '>=', sql<Date>`make_timestamptz(${query.year}, 1, 1, 0, 0, 0, 'UTC')`)
      .where('created_at', '<', sql<Date>`make_timestamptz(${query.year + 1}, 1, 1, 0, 0, 0, 'UTC')`);
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(
      sql<boolean>`(created_at, id) < (timestamptz 'epoch' + ${after.createdAtMicros}::bigint * interval '1 microsecond', ${after.id})`,
    );
  }
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toPoc),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ createdAtMicros: last.created_us, id: last.id }) : null,
  };
}
