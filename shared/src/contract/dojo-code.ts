/**
 * The `code` document of a dojo: Y.Map `files` (path → Y.Text, the file's content) and Y.Map
 * `languages` (path → language id). Participants write it, the collaboration tier snapshots it as plain
 * files at every turn end, and the API exports it: all of them read it through these functions.
 */
import * as Y from 'yjs';
import type { TurnFiles } from './dojos.ts';

export const codeFiles = (doc: Y.Doc): Y.Map<Y.Text> => doc.getMap<Y.Text>('files');
export const codeLanguages = (doc: Y.Doc): Y.Map<string> => doc.getMap<string>('languages');

/** Path → text and language, the shape of a turn snapshot's files. */
export type CodeFiles = TurnFiles['files'];

/** The files of a `code` document as plain text (entries that are not text are skipped). */
export function readCodeFiles(doc: Y.Doc): CodeFiles {
  const languages = codeLanguages(doc);
  const files: CodeFiles = {};
  codeFiles(doc).forEach((text, path) => {
    if (text instanceof Y.Text) files[path] = { text: text.toString(), language: languages.get(path) ?? null };
  });
  return files;
}
