import type { Database } from '@pocdojo/shared';
import type { AuditEntry } from '@pocdojo/shared/contract/audit';
import { readChatMessages, type ChatMessage } from '@pocdojo/shared/contract/dojo-documents';
import type { Kysely } from 'kysely';
import { listAuditEntries } from '../audit/audit-entries.ts';
import { withCurrentDocument } from '../dojo-history/current-code.ts';
import { dojoDocuments } from '../dojos/dojos.ts';
import { pocColumns, toPoc } from '../pocs/pocs.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/** Every dojo a person took part in: joined, opened, was removed from or ran tests in. */
export async function dojosOfPerson(trx: TenantTransaction, tenantId: string, userId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('dojo_members')
    .select('dojo_id')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .union((eb) =>
      eb.selectFrom('dojos').select('id as dojo_id').where('tenant_id', '=', tenantId).where('created_by', '=', userId),
    )
    .union((eb) =>
      eb.selectFrom('dojo_removals').select('dojo_id').where('tenant_id', '=', tenantId).where('user_id', '=', userId),
    )
    .union((eb) =>
      eb.selectFrom('dojo_runs').select('dojo_id').where('tenant_id', '=', tenantId).where('requested_by', '=', userId),
    )
    .execute();
  return rows.map((row) => row.dojo_id).sort();
}

/** The most audit entries about one person an export carries (newest first). */
const auditEntriesExported = 10_000;

/**
 * Everything the tenant's tables hold about a person, as plain JSON-ready values: profile, POCs they own,
 * dojo participation (memberships, dojos opened, turns, test runs), videos and the audit entries about
 * them. Read in one tenant transaction, so the parts agree with each other.
 */
export async function collectPersonalData(trx: TenantTransaction, tenantId: string, userId: string) {
  const [profile, tenant, pocs, memberships, opened, turns, runs, videos, audit] = await Promise.all([
    trx
      .selectFrom('users')
      .select(['id', 'email', 'display_name as displayName', 'roles', 'created_at as createdAt'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', userId)
      .executeTakeFirstOrThrow(),
    trx.selectFrom('tenants').select(['id', 'name', 'slug']).where('id', '=', tenantId).executeTakeFirstOrThrow(),
    trx
      .selectFrom('pocs')
      .select(pocColumns)
      .where('tenant_id', '=', tenantId)
      .where('owner_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    trx
      .selectFrom('dojo_members')
      .innerJoin('dojos', 'dojos.id', 'dojo_members.dojo_id')
      .select([
        'dojos.id as dojoId',
        'dojos.title',
        'dojos.format',
        'dojos.language',
        'dojo_members.role',
        'dojo_members.removed',
        'dojo_members.first_joined_at as firstJoinedAt',
        'dojo_members.last_joined_at as lastJoinedAt',
      ])
      .where('dojo_members.tenant_id', '=', tenantId)
      .where('dojo_members.user_id', '=', userId)
      .orderBy('dojo_members.first_joined_at')
      .execute(),
    trx
      .selectFrom('dojos')
      .select(['id', 'title', 'format', 'language', 'poc_id as pocId', 'created_at as createdAt'])
      .where('tenant_id', '=', tenantId)
      .where('created_by', '=', userId)
      .orderBy('created_at')
      .execute(),
    trx
      .selectFrom('dojo_turns')
      .select([
        'dojo_id as dojoId',
        'turn',
        'driver_id as driverId',
        'navigator_id as navigatorId',
        'started_at as startedAt',
        'ended_at as endedAt',
      ])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('driver_id', '=', userId), eb('navigator_id', '=', userId)]))
      .orderBy('ended_at')
      .execute(),
    trx
      .selectFrom('dojo_runs')
      .select([
        'id',
        'dojo_id as dojoId',
        'language',
        'turn',
        'status',
        'light',
        'passed',
        'failed',
        'message',
        'requested_at as requestedAt',
      ])
      .where('tenant_id', '=', tenantId)
      .where('requested_by', '=', userId)
      .orderBy('requested_at')
      .execute(),
    trx
      .selectFrom('videos')
      .select([
        'id',
        'year',
        'status',
        'duration_sec',
        'poc_count',
        'video_path',
        'card_path',
        'created_at',
        'finished_at',
      ])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    listAuditEntries(trx, tenantId, { person: userId, limit: auditEntriesExported }),
  ]);
  return {
    profile: { ...profile, tenant },
    pocs: pocs.map(toPoc),
    dojos: { memberships, opened, turns, runs },
    videos,
    auditEntries: audit.items satisfies AuditEntry[],
  };
}

export type PersonalData = Awaited<ReturnType<typeof collectPersonalData>>;

/** The person's chat messages in the given dojos, read from the chat documents (owner reads). */
export async function chatMessagesOf(
  db: Kysely<Database>,
  tenantId: string,
  dojoIds: string[],
  userId: string,
): Promise<Array<ChatMessage & { dojoId: string }>> {
  const messages: Array<ChatMessage & { dojoId: string }> = [];
  for (const dojoId of dojoIds) {
    const chat = await withCurrentDocument(db, dojoDocuments(tenantId, dojoId).chat, readChatMessages);
    for (const message of chat) if (message.authorId === userId) messages.push({ ...message, dojoId });
  }
  return messages;
}
