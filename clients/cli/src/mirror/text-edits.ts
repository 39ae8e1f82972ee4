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
