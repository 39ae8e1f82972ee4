import type { Database } from '@pocdojo/shared';
import { chatMessageSchema, chatMessages, controlState } from '@pocdojo/shared/contract/dojo-documents';
import { formerMemberName } from '@pocdojo/shared/contract/personal-data';
import { sql, type Kysely } from 'kysely';
import * as Y from 'yjs';

/**
 * Rewrites one stored collaboration document: loads it under the compactor's advisory lock (no compaction
 * runs meanwhile) with its `documents` row locked (no update is appended meanwhile), lets `change` edit
 * it, and when it changed stores the result as the new snapshot and drops the whole update log, because
 * the old updates still hold what was removed. Yjs garbage-collects deleted content, so the snapshot
 * keeps none of it. The update log sits outside row-level security: this writes as the owner, for a
 * document the caller has checked belongs to its tenant.
 *
 * A room open on a collaboration node keeps its in-memory copy until it closes; its later updates follow
 * the snapshot (they get higher sequence numbers), and the next load shows the rewritten document.
 */
export async function rewriteDocument(
  db: Kysely<Database>,
  name: string,
  change: (doc: Y.Doc) => boolean,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`compact:${name}`}, 0))`.execute(trx);
    const row = await trx
      .selectFrom('documents')
      .select(['snapshot', 'snapshot_seq', 'last_seq'])
      .where('name', '=', name)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return false;
    const updates = await trx
      .selectFrom('document_updates')
      .select('update')
      .where('document_name', '=', name)
      .where('seq', '>', row.snapshot_seq)
      .orderBy('seq')
      .execute();
    const doc = new Y.Doc();
    try {
      Y.transact(doc, () => {
        if (row.snapshot) Y.applyUpdate(doc, row.snapshot);
        for (const { update } of updates) Y.applyUpdate(doc, update);
      });
      if (!change(doc)) return false;
      await trx
        .updateTable('documents')
        .set({ snapshot: Y.encodeStateAsUpdate(doc), snapshot_seq: row.last_seq, updated_at: sql`now()` })
        .where('name', '=', name)
        .execute();
      await trx
        .deleteFrom('document_updates')
        .where('document_name', '=', name)
        .where('seq', '<=', row.last_seq)
        .execute();
      return true;
    } finally {
      doc.destroy();
    }
  });
}

/** The chat: the person's messages stay, shown as from a former member. */
export function anonymiseChat(userId: string): (doc: Y.Doc) => boolean {
  return (doc) => {
    const messages = chatMessages(doc);
    let changed = false;
    doc.transact(() => {
      for (let index = 0; index < messages.length; index += 1) {
        const message = chatMessageSchema.safeParse(messages.get(index));
        if (!message.success || message.data.authorId !== userId || message.data.authorName === formerMemberName)
          continue;
        messages.delete(index, 1);
        messages.insert(index, [{ ...message.data, authorName: formerMemberName }]);
        changed = true;
      }
    });
    return changed;
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The control state: the person's entry in the participants and the runs they asked for. */
export function anonymiseControl(userId: string): (doc: Y.Doc) => boolean {
  return (doc) => {
    const state = controlState(doc);
    let changed = false;
    doc.transact(() => {
      const participants = state.get('participants');
      const entry = isRecord(participants) ? participants[userId] : undefined;
      if (isRecord(participants) && isRecord(entry) && entry.name !== formerMemberName) {
        state.set('participants', { ...participants, [userId]: { ...entry, name: formerMemberName } });
        changed = true;
      }
      const runs = state.get('runs');
      if (
        Array.isArray(runs) &&
        runs.some((run) => isRecord(run) && run.requestedBy === userId && run.requestedByName !== formerMemberName)
      ) {
        state.set(
          'runs',
          runs.map((run: unknown) =>
            isRecord(run) && run.requestedBy === userId ? { ...run, requestedByName: formerMemberName } : run,
          ),
        );
        changed = true;
      }
    });
    return changed;
  };
}
