import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { hasNul, nulPaths } from '@pocdojo/shared';
import { messageTypes, syncSteps } from '../frame-guard.ts';

/**
 * Reading and reverting document updates a client is not allowed to make.
 *
 * Yjs has no "reject": an update the server drops stays in the writer's document and comes back at
 * every resync. So the server takes it and undoes it in the same step: it applies the update to a
 * scratch copy, undoes it there with Y.UndoManager (deleting what it inserted, restoring what it
 * deleted or overwrote), and applies "update + undo" to the real document as one server change. Every
 * client, the writer included, receives that change, so the writer's document rolls back to the
 * server's content, other clients never see the refused text, and the writer's own later resyncs
 * carry nothing new.
 */

/** The document update carried by a raw Hocuspocus message, if it is a sync step 2 or an update. */
export function updateOf(message: Uint8Array): Uint8Array | null {
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type !== messageTypes.sync && type !== messageTypes.syncReply) return null;
    const step = decoding.readVarUint(decoder);
    if (step !== syncSteps.step2 && step !== syncSteps.update) return null;
    return decoding.readVarUint8Array(decoder);
  } catch {
    return null;
  }
}

/** True when applying `update` would change `doc` (it carries inserts or deletes the server lacks). */
export function changes(doc: Y.Doc, update: Uint8Array): boolean {
  return !Y.snapshotContainsUpdate(Y.snapshot(doc), update);
}

/** The text and values an item inserts; nested types, binary and deletions carry no text of their own. */
function insertedValues(content: Y.Item['content']): unknown[] {
  if (content instanceof Y.ContentString) return [content.str];
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) return content.arr;
  if (content instanceof Y.ContentEmbed) return [content.embed];
  if (content instanceof Y.ContentFormat) return [content.key, content.value];
  return [];
}

/**
 * True when `update` inserts a NUL (U+0000) in text, a value or a map key (a file path). The code is
 * snapshotted into Postgres jsonb at every turn end, which cannot hold NUL, so such an edit is refused
 * like any other the rules do not allow, instead of failing every later turn end.
 */
export function carriesNul(update: Uint8Array): boolean {
  return Y.decodeUpdate(update).structs.some(
    (struct) =>
      struct instanceof Y.Item &&
      ((struct.parentSub !== null && hasNul(struct.parentSub)) || nulPaths(insertedValues(struct.content)).length > 0),
  );
}

type RootKind = 'map' | 'text' | 'array';
const rootConstructors = { map: Y.Map, text: Y.Text, array: Y.Array } as const;

function kindOf(keyed: boolean, content: Y.Item['content'] | undefined): RootKind {
  if (keyed) return 'map';
  return content instanceof Y.ContentString || content instanceof Y.ContentFormat ? 'text' : 'array';
}

/**
 * "update + its undo" against `doc`'s current state, or null when the update cannot be undone as a
 * whole (it depends on changes the server does not have yet).
 */
export function revertOf(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  const scratch = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(doc));
    // Root types must be typed (map, array, text) for the undo manager to see their changes; a
    // document loaded from updates only knows them generically, so the kind is read from their items.
    const roots = new Map<string, RootKind>();
    for (const [name, type] of scratch.share) roots.set(name, kindOf(type._map.size > 0, type._start?.content));
    for (const struct of Y.decodeUpdate(update).structs) {
      if (struct instanceof Y.Item && typeof struct.parent === 'string' && !roots.has(struct.parent)) {
        roots.set(struct.parent, kindOf(struct.parentSub !== null, struct.content));
      }
    }
    const origin = { refused: true };
    const undo = new Y.UndoManager(
      [...roots].map(([name, kind]) => scratch.get(name, rootConstructors[kind])),
      { trackedOrigins: new Set([origin]), captureTimeout: 0 },
    );
    Y.applyUpdate(scratch, update, origin);
    if (scratch.store.pendingStructs !== null || scratch.store.pendingDs !== null) return null;
    undo.undo();
    undo.destroy();
    return Y.encodeStateAsUpdate(scratch, Y.encodeStateVector(doc));
  } finally {
    scratch.destroy();
  }
}
