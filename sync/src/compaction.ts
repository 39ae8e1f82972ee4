import { sql, type Kysely } from 'kysely';
import * as Y from 'yjs';
import type { Database, Logger } from '@pocdojo/shared';
import type { UpdateLog } from './update-log.ts';

export type CompactionResult = 'compacted' | 'busy' | 'nothing-to-do';

/** A document's full state that reflects every log row up to `seq` (and possibly more). */
export interface KnownState {
  update: Uint8Array;
  seq: number;
}

/**
 * Folds a document's log into a new snapshot. One node at a time per document: a session-level advisory
 * lock on a pinned connection, released by Postgres itself if the node dies. Updates appended while it
 * runs have a higher seq than anything it read, so deleting `seq <= folded` never removes them.
 *
 * A node that holds the document passes its state (`known`) and the snapshot is that state: reading the
 * rows back from the database and replaying them one by one was, every few hundred keystrokes, a large
 * part of a typing room's CPU. The state may carry more than the rows up to its seq (updates not yet
 * committed, or from another node not yet logged): Yjs updates are idempotent, so a row replayed over
 * a snapshot that already holds it changes nothing.
 */
export class Compactor {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: UpdateLog,
    private readonly logger: Logger,
  ) {}

  async compact(name: string, known?: KnownState): Promise<CompactionResult> {
    return this.db.connection().execute(async (conn) => {
      const lockKey = sql`hashtextextended(${'compact:' + name}, 0)`;
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${lockKey}) AS locked`.execute(conn);
      if (!rows[0]?.locked) return 'busy';
      try {
        const before = await conn
          .selectFrom('documents')
          .select(['snapshot_seq'])
          .where('name', '=', name)
          .executeTakeFirst();
        if (!before) return 'nothing-to-do';
        const folded = known ?? (await this.fromLog(name, conn));
        if (folded.seq <= Number(before.snapshot_seq)) return 'nothing-to-do';
        const snapshot = folded.update;
        await conn.transaction().execute(async (trx) => {
          const moved = await trx
            .updateTable('documents')
            .set({ snapshot, snapshot_seq: folded.seq })
            .where('name', '=', name)
            .where('snapshot_seq', '=', before.snapshot_seq)
            .executeTakeFirst();
          if (moved.numUpdatedRows === 0n) throw new Error(`snapshot of ${name} moved during compaction`);
          await trx
            .deleteFrom('document_updates')
            .where('document_name', '=', name)
            .where('seq', '<=', String(folded.seq))
            .execute();
        });
        this.logger.debug({ document: name, seq: folded.seq, bytes: snapshot.byteLength }, 'document compacted');
        return 'compacted';
      } finally {
        await sql`SELECT pg_advisory_unlock(${lockKey})`.execute(conn);
      }
    });
  }

  /** The state the log holds, replayed (for a document this node does not hold). */
  private async fromLog(name: string, conn: Kysely<Database>): Promise<KnownState> {
    const loaded = await this.log.load(name, 0, conn);
    const doc = new Y.Doc();
    // One transaction: Yjs then merges structs and cleans up once, not after each of the rows.
    Y.transact(doc, () => {
      for (const update of loaded.updates) Y.applyUpdate(doc, update);
    });
    const update = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    return { update, seq: loaded.seq };
  }
}
