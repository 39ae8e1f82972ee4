import { sql, type Kysely } from 'kysely';
import * as Y from 'yjs';
import type { Database, DatabaseHandle } from '@pocdojo/shared';

/**
 * The durable form of a document: a snapshot plus an append-only log of Yjs updates after it.
 *
 * - Every append bumps the document's `last_seq` in the same statement that inserts the update, so the
 *   row lock on `documents` orders concurrent writers (on any node) and sequence numbers commit in order.
 * - A read is one statement, so it sees one snapshot: a compaction that folds and deletes log rows at the
 *   same time can never make a reader miss an update.
 * - Yjs updates are idempotent: a retried append whose first attempt did commit only duplicates a row,
 *   it never changes the document.
 */
export interface LoadedDocument {
  /** Updates to apply in order (the snapshot first when there is one). */
  updates: Uint8Array[];
  /** The highest sequence number included. */
  seq: number;
}

export interface PendingAppend {
  name: string;
  tenantId: string;
  update: Uint8Array;
}

export class CorruptDocumentError extends Error {
  constructor(name: string, cause: unknown) {
    super(`document ${name} has a row that is not a valid Yjs update`, { cause });
    this.name = 'CorruptDocumentError';
  }
}

/**
 * The append, the statement every commit runs. It goes to the pg pool directly rather than through
 * Kysely so that on a Postgres server it is a named prepared statement: parsed and planned once per
 * connection instead of once per commit, which was about half of a small commit's CPU in this process and
 * two thirds of its time in Postgres. On the embedded database too: there a new connection first drops
 * what a replaced one prepared in PGlite's one session (open-database.ts), so preparing the name again works.
 */
const appendStatement = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS t(name, tenant_id, update, ord)
  ),
  bumped AS (
    INSERT INTO documents (name, tenant_id, last_seq)
    SELECT name, tenant_id, 1 FROM input ORDER BY ord
    ON CONFLICT (name) DO UPDATE SET last_seq = documents.last_seq + 1, updated_at = now()
    RETURNING name, last_seq
  )
  INSERT INTO document_updates (document_name, seq, update, node_id)
  SELECT bumped.name, bumped.last_seq, input.update, $4 FROM bumped JOIN input USING (name)
  RETURNING document_name, seq`;

export interface UpdateLogOptions {
  /** Prepare the append by name; default true. */
  preparedStatements?: boolean;
}

/** A row of a load: each document's own row (no seq) first, then its log rows. */
interface LoadRow {
  name: string;
  seq: string | null;
  update: Uint8Array | null;
  last_seq: string | null;
}

/**
 * The durable state after `afterSeq` of each named document, in one statement: a document's own row first
 * (with the snapshot only when the log before `afterSeq` was compacted away), then its log rows after both
 * the snapshot and `afterSeq`, in order. One statement reads one snapshot of the database, so a compaction
 * that folds and deletes log rows at the same time can never make a reader miss an update; and a load is
 * one round trip for any number of documents instead of a REPEATABLE READ transaction's three or four for
 * each, which counts when a restarted node has the documents of all its reconnecting clients to load.
 */
const loadStatement = (names: string[], afterSeq: number) => sql<LoadRow>`
  SELECT d.name, NULL::bigint AS seq,
         CASE WHEN ${String(afterSeq)}::bigint < d.snapshot_seq THEN d.snapshot END AS update,
         d.last_seq
    FROM documents d WHERE d.name = ANY(${names}::text[])
  UNION ALL
  SELECT d.name, u.seq, u.update, NULL
    FROM documents d JOIN document_updates u ON u.document_name = d.name
   WHERE d.name = ANY(${names}::text[]) AND u.seq > GREATEST(d.snapshot_seq, ${String(afterSeq)}::bigint)
  ORDER BY name, seq NULLS FIRST`;

/** A document's state as read, once every update in it is known to decode. */
function checked(name: string, loaded: LoadedDocument): LoadedDocument | CorruptDocumentError {
  for (const update of loaded.updates) {
    try {
      Y.decodeUpdate(update);
    } catch (error) {
      return new CorruptDocumentError(name, error);
    }
  }
  return loaded;
}

/**
 * Each named document's durable state after `afterSeq`, read on `db` in one statement: the updates to
 * apply in order, the snapshot first when the log before `afterSeq` was compacted away; a document never
 * written is empty at seq 0. A document holding an update that does not decode is a CorruptDocumentError
 * of its own, which leaves the others loaded.
 */
export async function loadDocuments(
  db: Kysely<Database>,
  names: string[],
  afterSeq = 0,
): Promise<Map<string, LoadedDocument | CorruptDocumentError>> {
  const { rows } = await loadStatement(names, afterSeq).execute(db);
  const read = new Map<string, LoadedDocument>();
  for (const row of rows) {
    if (row.seq === null) {
      read.set(row.name, { updates: row.update ? [row.update] : [], seq: Math.max(Number(row.last_seq), afterSeq) });
    } else if (row.update) {
      read.get(row.name)?.updates.push(row.update);
    }
  }
  return new Map(names.map((name) => [name, checked(name, read.get(name) ?? { updates: [], seq: 0 })]));
}

/**
 * A document's durable state after `afterSeq` (see loadDocuments). How every node loads a document, and how
 * a reader outside the collaboration tier (the API's export) gets the same state.
 */
export async function loadDocument(db: Kysely<Database>, name: string, afterSeq = 0): Promise<LoadedDocument> {
  const loaded = (await loadDocuments(db, [name], afterSeq)).get(name);
  if (!loaded || loaded instanceof CorruptDocumentError) throw loaded ?? new Error(`document ${name} not read`);
  return loaded;
}

export class UpdateLog {
  private readonly appendName: { name: string } | undefined;

  constructor(
    private readonly database: Pick<DatabaseHandle, 'db' | 'pool'>,
    private readonly nodeId: string,
    options: UpdateLogOptions = {},
  ) {
    this.appendName = (options.preparedStatements ?? true) ? { name: 'pocdojo_append_updates' } : undefined;
  }

  /**
   * Everything after `afterSeq`; when the log before it was compacted away, the snapshot too. `db` lets a
   * caller that holds a connection (the compactor) read on it instead of taking a second one.
   */
  load(name: string, afterSeq = 0, db: Kysely<Database> = this.database.db): Promise<LoadedDocument> {
    return loadDocument(db, name, afterSeq);
  }

  /** Whole documents, many in one statement (see loadDocuments). */
  loadMany(names: string[]): Promise<Map<string, LoadedDocument | CorruptDocumentError>> {
    return loadDocuments(this.database.db, names);
  }

  /** Appends one merged update per document in a single transaction; returns each document's new seq. */
  async append(batch: PendingAppend[]): Promise<Map<string, number>> {
    if (batch.length === 0) return new Map();
    // Sorted so that two nodes committing overlapping batches lock document rows in the same order.
    const sorted = [...batch].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const result = await this.database.pool.query<{ document_name: string; seq: string }>({
      ...this.appendName,
      text: appendStatement,
      values: [
        sorted.map((b) => b.name),
        sorted.map((b) => b.tenantId),
        sorted.map((b) => Buffer.from(b.update.buffer, b.update.byteOffset, b.update.byteLength)),
        this.nodeId,
      ],
    });
    return new Map(result.rows.map((row) => [row.document_name, Number(row.seq)]));
  }

  /** The latest committed sequence number of each named document (0 when it has none). */
  async lastSeqs(names: string[]): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = await this.database.db
      .selectFrom('documents')
      .select(['name', 'last_seq'])
      .where('name', 'in', names)
      .execute();
    return new Map(rows.map((row) => [row.name, Number(row.last_seq)]));
  }
}
