import { sql, type Kysely } from 'kysely';
import * as Y from 'yjs';
import type { Database, Logger } from '@pocdojo/shared';
import type { UpdateLog } from './update-log.ts';

export type CompactionResult = 'compacted' | 'busy' | 'nothing-to-do';

/**
 * Folds a document's log into a new snapshot. One node at a time per document: a session-level advisory
 * lock on a pinned connection, released by Postgres itself if the node dies. Updates appended while it
 * runs have a higher seq than anything it read, so deleting `seq <= folded` never removes them.
 */
export class Compactor {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: UpdateLog,
    private readonly logger: Logger,
  ) {}

  async compact(name: string): Promise<CompactionResult> {
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
        const loaded = await this.log.load(name, 0, conn);
        if (loaded.seq <= Number(before.snapshot_seq)) return 'nothing-to-do';
        const doc = new Y.Doc();
        for (const update of loaded.updates) Y.applyUpdate(doc, update);
        const snapshot = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        await conn.transaction().execute(async (trx) => {
          const moved = await trx
            .updateTable('documents')
            .set({ snapshot, snapshot_seq: loaded.seq })
            .where('name', '=', name)
            .where('snapshot_seq', '=', before.snapshot_seq)
            .executeTakeFirst();
          if (moved.numUpdatedRows === 0n) throw new Error(`snapshot of ${name} moved during compaction`);
          await trx
            .deleteFrom('document_updates')
            .where('document_name', '=', name)
            .where('seq', '<=', String(loaded.seq))
            .execute();
        });
        this.logger.debug({ document: name, seq: loaded.seq, bytes: snapshot.byteLength }, 'document compacted');
        return 'compacted';
      } finally {
        await sql`SELECT pg_advisory_unlock(${lockKey})`.execute(conn);
      }
    });
  }
}
