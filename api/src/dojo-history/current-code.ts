import type { Database } from '@pocdojo/shared';
import { readCodeFiles, type CodeFiles } from '@pocdojo/shared/contract/dojo-code';
import { loadDocument } from '@pocdojo/sync';
import type { Kysely } from 'kysely';
import * as Y from 'yjs';

/**
 * The files of a dojo's `code` document as they are now, loaded from the update log and its snapshot
 * the way the collaboration tier loads a document. The log belongs to the collaboration tier and sits
 * outside row-level security, so this reads as the database owner: check first that the dojo is the
 * caller's tenant's (the document name comes from that dojo).
 */
export async function currentCodeFiles(db: Kysely<Database>, documentName: string): Promise<CodeFiles> {
  return withCurrentDocument(db, documentName, readCodeFiles);
}

/** Loads a document as it is now (as `currentCodeFiles`, owner reads), lends it to `read`, then drops it. */
export async function withCurrentDocument<T>(
  db: Kysely<Database>,
  documentName: string,
  read: (doc: Y.Doc) => T | Promise<T>,
): Promise<T> {
  const loaded = await loadDocument(db, documentName);
  const doc = new Y.Doc();
  try {
    Y.transact(doc, () => {
      for (const update of loaded.updates) Y.applyUpdate(doc, update);
    });
    return await read(doc);
  } finally {
    doc.destroy();
  }
}
