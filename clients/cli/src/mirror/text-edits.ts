/**
 * Turning whole-file saves into text edits. An editor saves a file whole; the dojo's `code` document
 * holds each file as a Y.Text that others type into at the same time. Replacing the text would erase
 * what they typed, so a save becomes the smallest edits from the last synced text (a character diff),
 * and a save that crossed someone else's edits is merged by the CRDT itself.
 */
import diff from 'fast-diff';
import * as Y from 'yjs';

/** Applies to `text` (whose content is `from`) the edits that turn `from` into `to`. */
export function applyTextDiff(text: Y.Text, from: string, to: string): void {
  if (from === to) return;
  let index = 0;
  for (const [operation, chunk] of diff(from, to)) {
    if (operation === diff.EQUAL) index += chunk.length;
    else if (operation === diff.DELETE) text.delete(index, chunk.length);
    else {
      text.insert(index, chunk);
      index += chunk.length;
    }
  }
}

/**
 * The text both sides' edits since `base` lead to: ours (a save) and theirs (what others typed
 * meanwhile) are replayed as concurrent Yjs edits of one common origin, so they merge exactly as two
 * people typing at once would — nothing either side wrote is lost or doubled.
 */
export function mergeTexts(base: string, ours: string, theirs: string): string {
  if (ours === base) return theirs;
  if (theirs === base) return ours;
  const origin = new Y.Doc();
  origin.getText('t').insert(0, base);
  const start = Y.encodeStateAsUpdate(origin);
  const branch = (target: string): Y.Doc => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, start);
    applyTextDiff(doc.getText('t'), base, target);
    return doc;
  };
  const mine = branch(ours);
  const others = branch(theirs);
  Y.applyUpdate(mine, Y.encodeStateAsUpdate(others, Y.encodeStateVector(mine)));
  return mine.getText('t').toString();
}

/** How many characters differ between two texts (inserted plus deleted). */
export function editSize(from: string, to: string): number {
  if (from === to) return 0;
  return diff(from, to).reduce((size, [operation, chunk]) => size + (operation === diff.EQUAL ? 0 : chunk.length), 0);
}

/**
 * Which earlier version of a file a save was most likely made from: the one it differs from least
 * (the first of equals, so callers list the newest first). An editor that did not reload the file after
 * others' changes were written saves its old buffer plus the person's edits; read against the version
 * that buffer was loaded from, the save holds only those edits and merges with the others' changes
 * instead of undoing them.
 */
export function likelyBase(versions: readonly string[], saved: string): string {
  let best = versions[0] ?? '';
  let bestSize = editSize(best, saved);
  for (const version of versions.slice(1)) {
    const size = editSize(version, saved);
    if (size < bestSize) {
      best = version;
      bestSize = size;
    }
  }
  return best;
}
