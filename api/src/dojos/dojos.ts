import { DomainError, formatDocumentName, type Role } from '@pocdojo/shared';
import type { DojoRole } from '@pocdojo/shared/contract/dojos';
import { tenantDojoRole } from '@pocdojo/shared/contract/dojo-roles';
import { sql } from 'kysely';
import { decodeCursor, encodeCursor } from '../pocs/poc-cursor.ts';
import { findPoc } from '../pocs/pocs.ts';
import { newId } from '../tenancy/identifiers.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { dojoSchema, type CreateDojo, type Dojo } from './dojo-schemas.ts';

export function dojoDocuments(tenantId: string, dojoId: string): Dojo['documents'] {
  const name = (part: string) => formatDocumentName({ tenantId, kind: 'dojo', id: dojoId, part });
  return { code: name('code'), chat: name('chat'), control: name('control') };
}

const dojoColumns = [
  'id',
  'title',
  'poc_id',
  'format',
  'language',
  'turn_minutes',
  'created_by',
  'created_at',
] as const;

function toDojo(
  tenantId: string,
  row: {
    id: string;
    title: string;
    poc_id: string | null;
    format: string;
    language: string;
    turn_minutes: number | null;
    created_by: string;
    created_at: Date;
  },
): Dojo {
  return dojoSchema.parse({
    id: row.id,
    title: row.title,
    pocId: row.poc_id,
    format: row.format,
    language: row.language,
    turnMinutes: row.turn_minutes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    documents: dojoDocuments(tenantId, row.id),
  });
}

export async function createDojo(
  trx: TenantTransaction,
  options: { tenantId: string; createdBy: string },
  dojo: CreateDojo,
): Promise<Dojo> {
  // A POC of another tenant is invisible here, so it reads as missing: no existence leak.
  if (dojo.pocId !== undefined && !(await findPoc(trx, options.tenantId, dojo.pocId))) {
    throw new DomainError('not_found', 'no such POC');
  }
  const row = await trx
    .insertInto('dojos')
    .values({
      id: newId('d'),
      tenant_id: options.tenantId,
      title: dojo.title,
      poc_id: dojo.pocId ?? null,
      format: dojo.format,
      language: dojo.language,
      turn_minutes: dojo.turnMinutes ?? null,
      created_by: options.createdBy,
    })
    .returning(dojoColumns)
    .executeTakeFirstOrThrow();
  return toDojo(options.tenantId, row);
}

export async function getDojo(trx: TenantTransaction, tenantId: string, id: string): Promise<Dojo> {
  const row = await trx
    .selectFrom('dojos')
    .select(dojoColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new DomainError('not_found', 'no such dojo');
  return toDojo(tenantId, row);
}

export async function listDojos(
  trx: TenantTransaction,
  tenantId: string,
  page: { cursor?: string; limit: number },
): Promise<{ items: Dojo[]; nextCursor: string | null }> {
  let select = trx
    .selectFrom('dojos')
    .select(dojoColumns)
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created_us'))
    .where('tenant_id', '=', tenantId);
  if (page.cursor) {
    const after = decodeCursor(page.cursor);
    select = select.where(
      sql<boolean>`(created_at, id) < (timestamptz 'epoch' + ${after.createdAtMicros}::bigint * interval '1 microsecond', ${after.id})`,
    );
  }
  const rows = await select
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => toDojo(tenantId, row)),
    nextCursor:
      rows.length > page.limit && last ? encodeCursor({ createdAtMicros: last.created_us, id: last.id }) : null,
  };
}

/**
 * The caller's role in a dojo: its creator and tenant facilitators facilitate, observers (by tenant
 * role or by asking) watch, everyone else participates.
 */
export function dojoRoleFor(dojo: Dojo, caller: { userId: string; roles: Role[] }, asObserver: boolean): DojoRole {
  if (asObserver) return 'observer';
  if (dojo.createdBy === caller.userId) return 'facilitator';
  return tenantDojoRole(caller.roles);
}

/** Records the join; a member the dojo rules removed stays out (403). */
export async function recordJoin(
  trx: TenantTransaction,
  member: { tenantId: string; dojoId: string; userId: string; role: DojoRole },
): Promise<void> {
  const existing = await trx
    .selectFrom('dojo_members')
    .select('removed')
    .where('tenant_id', '=', member.tenantId)
    .where('dojo_id', '=', member.dojoId)
    .where('user_id', '=', member.userId)
    .forUpdate()
    .executeTakeFirst();
  if (existing?.removed) throw new DomainError('forbidden', 'you were removed from this dojo');
  await trx
    .insertInto('dojo_members')
    .values({ tenant_id: member.tenantId, dojo_id: member.dojoId, user_id: member.userId, role: member.role })
    .onConflict((c) => c.columns(['dojo_id', 'user_id']).doUpdateSet({ role: member.role, last_joined_at: sql`now()` }))
    .execute();
}
