import type { ColumnType, Generated } from 'kysely';

/**
 * The one typed view of the database. Each component adds its tables here, next to a dated migration
 * in `migrations/` that creates them.
 */
export interface Database {
  documents: DocumentsTable;
  document_updates: DocumentUpdatesTable;
}

/** One row per collaborative document: its update counter and latest snapshot. */
export interface DocumentsTable {
  name: string;
  tenant_id: string;
  /** Highest update sequence number appended to the log. */
  last_seq: ColumnType<string, string | number, string | number>;
  /** The snapshot holds every update with seq <= snapshot_seq. */
  snapshot_seq: ColumnType<string, string | number, string | number>;
  snapshot: Uint8Array | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Append-only log of Yjs updates after the snapshot; compaction folds it into the snapshot. */
export interface DocumentUpdatesTable {
  document_name: string;
  seq: ColumnType<string, string | number, string | number>;
  update: Uint8Array;
  node_id: string;
  created_at: Generated<Date>;
}
