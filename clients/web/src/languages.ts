/**
 * Languages the editor highlights, by the id used in POCs, dojos and the code document's
 * `languages` map. Grammars load on demand so the first page stays small.
 */
import type { Extension } from '@codemirror/state';

export interface Language {
  id: string;
  label: string;
  extension: string;
  load: () => Promise<Extension>;
}

export const languages: Language[] = [
  {
    id: 'typescript',
    label: 'TypeScript',
    extension: 'ts',
    load: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true }),
  },
  {
    id: 'javascript',
    label: 'JavaScript',
    extension: 'js',
    load: async () => (await import('@codemirror/lang-javascript')).javascript(),
  },
  {
    id: 'python',
    label: 'Python',
    extension: 'py',
    load: async () => (await import('@codemirror/lang-python')).python(),
  },
  { id: 'java', label: 'Java', extension: 'java', load: async () => (await import('@codemirror/lang-java')).java() },
  { id: 'kotlin', label: 'Kotlin', extension: 'kt', load: async () => (await import('@codemirror/lang-java')).java() },
  { id: 'rust', label: 'Rust', extension: 'rs', load: async () => (await import('@codemirror/lang-rust')).rust() },
  { id: 'go', label: 'Go', extension: 'go', load: async () => (await import('@codemirror/lang-go')).go() },
  { id: 'cpp', label: 'C++', extension: 'cpp', load: async () => (await import('@codemirror/lang-cpp')).cpp() },
  { id: 'c', label: 'C', extension: 'c', load: async () => (await import('@codemirror/lang-cpp')).cpp() },
  { id: 'json', label: 'JSON', extension: 'json', load: async () => (await import('@codemirror/lang-json')).json() },
  {
    id: 'markdown',
    label: 'Markdown',
    extension: 'md',
    load: async () => (await import('@codemirror/lang-markdown')).markdown(),
  },
];

export const languageById = (id: string | undefined): Language | undefined =>
  languages.find((language) => language.id === id?.toLowerCase());

/** A file's language: the one recorded for it, else guessed from its extension. */
export function languageForPath(path: string, recorded: string | undefined): Language | undefined {
  const known = languageById(recorded);
  if (known) return known;
  const extension = path.split('.').pop()?.toLowerCase();
  return languages.find((language) => language.extension === extension);
}
