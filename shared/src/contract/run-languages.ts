import { languageIdSchema, type LanguageId } from './runs.ts';

/** Spellings people give a dojo's language that name a start point under another id. */
const aliases: Record<string, LanguageId> = {
  ts: 'typescript',
  js: 'javascript',
  node: 'javascript',
  py: 'python',
  python3: 'python',
  'c++': 'cpp',
  golang: 'go',
  rs: 'rust',
  rb: 'ruby',
};

/**
 * The start point that runs a dojo's tests: the dojo's language (free text the API stores, e.g. the web
 * app's editor language ids) matched case-insensitively to a runnable language id, or undefined when
 * no start point runs it (Kotlin, C, Markdown…). Browser-safe.
 */
export function runLanguageOf(dojoLanguage: string): LanguageId | undefined {
  const spelled = dojoLanguage.trim().toLowerCase();
  const direct = languageIdSchema.safeParse(spelled);
  return direct.success ? direct.data : aliases[spelled];
}
