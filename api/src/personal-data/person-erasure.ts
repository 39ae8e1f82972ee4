import { DomainError, recordAudit, revokeTokensOf, type AuditSource, type Database } from '@pocdojo/shared';
import type { EraseBody, ErasureResult } from '@pocdojo/shared/contract/personal-data';
import { erasedEmail, formerMemberName } from '@pocdojo/shared/contract/personal-data';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { hashPassword } from '../auth/passwords.ts';
import type { Principal } from '../auth/principal.ts';
import { revokeAllRefreshTokens } from '../auth/refresh-tokens.ts';
import { dojoDocuments } from '../dojos/dojos.ts';
import { deletePoc, reassignPocs } from '../pocs/pocs.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { membership } from '../users/users.ts';
import { anonymiseChat, anonymiseControl, rewriteDocument } from './dojo-document-rewrite.ts';
import { dojosOfPerson } from './personal-data.ts';

export interface ErasureDeps {
  db: Kysely<Database>;
  store: ObjectStore;
  searchOutbox: boolean;
}

/**
 * An admin erases a person: the row stays (ids elsewhere keep resolving) with its personal fields
 * anonymised and `erased_at` set; their tokens are revoked (refresh tokens, and the access and dojo tokens
 * already issued, whose open connections close); their POCs go to `toUserId` or are deleted; their videos,
 * share links and stored files are removed; the dojo documents, runs and session summaries show them as
 * "a former member"; the personal fields of audit entries about them are cleared, and the erasure is audited.
 *
 * The dojo documents are rewritten first, each in its own transaction (they live outside the tenant's
 * row-level security); the rest is one tenant transaction, so a failure leaves the person un-erased and
 * the request can be repeated (rewriting a document twice changes nothing the second time).
 */
export async function erasePerson(
  deps: ErasureDeps,
  principal: Principal,
  personId: string,
  body: EraseBody,
  source: AuditSource,
): Promise<ErasureResult> {
  const { tenantId } = principal;
  if (personId === principal.userId) {
    throw new DomainError('conflict', 'you cannot erase yourself; ask another admin');
  }
  const dojoIds = await withTenant(deps.db, tenantId, async (trx) => {
    await requireErasable(trx, tenantId, personId);
    if (body.pocs === 'reassign') await requireHeir(trx, tenantId, personId, body.toUserId);
    return dojosOfPerson(trx, tenantId, personId);
  });

  let dojoDocumentsRewritten = 0;
  for (const dojoId of dojoIds) {
    const names = dojoDocuments(tenantId, dojoId);
    if (await rewriteDocument(deps.db, names.chat, anonymiseChat(personId))) dojoDocumentsRewritten += 1;
    if (await rewriteDocument(deps.db, names.control, anonymiseControl(personId))) dojoDocumentsRewritten += 1;
  }

  const unusablePassword = await hashPassword(randomUUID());
  return withTenant(deps.db, tenantId, async (trx) => {
    const person = await requireErasable(trx, tenantId, personId, true);
    if (body.pocs === 'reassign') await requireHeir(trx, tenantId, personId, body.toUserId);
    const pocOptions = { tenantId, outbox: deps.searchOutbox };
    let pocsReassigned = 0;
    let pocsDeleted = 0;
    if (body.pocs === 'reassign') {
      pocsReassigned = (await reassignPocs(trx, pocOptions, personId, body.toUserId)).length;
    } else {
      const owned = await trx
        .selectFrom('pocs')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('owner_id', '=', personId)
        .execute();
      for (const { id } of owned) await deletePoc(trx, pocOptions, id);
      pocsDeleted = owned.length;
    }

    const videosRemoved = await removeVideos(trx, deps.store, tenantId, personId);
    await anonymiseDojoRecords(trx, tenantId, personId);
    await revokeAllRefreshTokens(trx, personId);
    await revokeTokensOf(trx, personId);
    await trx.deleteFrom('sso_sign_ins').where('tenant_id', '=', tenantId).where('user_id', '=', personId).execute();
    await trx
      .updateTable('users')
      .set({
        email: erasedEmail(personId),
        display_name: formerMemberName,
        password_hash: unusablePassword,
        // The identity provider's subject identifies the person too; a later company sign-in starts afresh.
        sso_subject: null,
        roles: [],
        erased_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', personId)
      .execute();
    const { rows } = await sql<{ redacted: number }>`
      SELECT pocdojo_redact_audit_person(${personId}, ${person.email}) AS redacted`.execute(trx);
    const auditEntriesRedacted = rows[0]?.redacted ?? 0;
    const result = {
      userId: personId,
      pocsReassigned,
      pocsDeleted,
      videosRemoved,
      dojoDocumentsRewritten,
      auditEntriesRedacted,
    };
    await recordAudit(trx, {
      tenantId,
      action: 'person_erased',
      actor: { userId: principal.userId },
      target: { type: 'person', id: personId },
      source,
      details: {
        pocs: body.pocs,
        ...(body.pocs === 'reassign' && { toUserId: body.toUserId }),
        pocsReassigned,
        pocsDeleted,
        videosRemoved,
        auditEntriesRedacted,
      },
    });
    return result;
  });
}

async function requireErasable(
  trx: TenantTransaction,
  tenantId: string,
  personId: string,
  lock = false,
): Promise<{ email: string }> {
  let query = trx
    .selectFrom('users')
    .select(['email', 'erased_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', personId);
  if (lock) query = query.forUpdate();
  const person = await query.executeTakeFirst();
  if (!person) throw new DomainError('not_found', 'no such person');
  if (person.erased_at !== null) throw new DomainError('conflict', 'this person has already been erased');
  return person;
}

async function requireHeir(trx: TenantTransaction, tenantId: string, personId: string, heirId: string): Promise<void> {
  if (heirId === personId) throw new DomainError('invalid', 'POCs must go to someone other than the person erased');
  if ((await membership(trx, tenantId, heirId)) !== 'member')
    throw new DomainError('invalid', 'the POCs must go to a current member');
}

/** Deletes the person's videos (every render, superseded ones too), their share links and their files. */
async function removeVideos(trx: TenantTransaction, store: ObjectStore, tenantId: string, personId: string) {
  const videos = await trx
    .selectFrom('videos')
    .select(['id', 'video_path', 'card_path'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', personId)
    .forUpdate()
    .execute();
  if (videos.length === 0) return 0;
  const ids = videos.map((video) => video.id);
  // Files first: if one cannot be deleted the transaction rolls back and the erasure can be repeated.
  for (const video of videos) {
    for (const path of [video.video_path, video.card_path]) if (path) await store.delete({ tenantId, path });
  }
  await trx.deleteFrom('video_shares').where('video_id', 'in', ids).execute();
  await trx.deleteFrom('videos').where('id', 'in', ids).execute();
  return videos.length;
}

/** The names the dojo tables keep beside the ids: who asked for a run, who took part in a session. */
async function anonymiseDojoRecords(trx: TenantTransaction, tenantId: string, personId: string): Promise<void> {
  await trx
    .updateTable('dojo_runs')
    .set({ requested_by_name: formerMemberName })
    .where('tenant_id', '=', tenantId)
    .where('requested_by', '=', personId)
    .execute();
  const sessions = await trx
    .selectFrom('dojo_sessions')
    .select(['dojo_id', 'summary'])
    .where('tenant_id', '=', tenantId)
    .where(sql<boolean>`summary->'participants' @> ${JSON.stringify([{ userId: personId }])}::jsonb`)
    .execute();
  for (const session of sessions) {
    const participants = session.summary.participants;
    if (!Array.isArray(participants)) continue;
    const summary = {
      ...session.summary,
      participants: participants.map((participant: unknown) =>
        typeof participant === 'object' &&
        participant !== null &&
        'userId' in participant &&
        participant.userId === personId
          ? { ...participant, name: formerMemberName }
          : participant,
      ),
    };
    await trx
      .updateTable('dojo_sessions')
      .set({ summary: JSON.stringify(summary) })
      .where('tenant_id', '=', tenantId)
      .where('dojo_id', '=', session.dojo_id)
      .execute();
  }
}
