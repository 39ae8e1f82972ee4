/**
 * What changed between two versions of a dojo's files, file by file, as a line diff: the review shows
 * turns this way, and a test run shows its change since the run before it.
 */
import { diffLines } from 'diff';

export type Files = Record<string, string>;

// A last line without a newline would otherwise show as changed when a line is appended.
const withNewline = (text: string | undefined) =>
  text === undefined || text === '' || text.endsWith('\n') ? (text ?? '') : `${text}\n`;

export function FileDiffs({ before, after }: { before: Files; after: Files }) {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return (
    <>
      {paths.map((path) => {
        const parts = diffLines(withNewline(before[path]), withNewline(after[path]));
        const changed = parts.some((part) => part.added || part.removed);
        return (
          <details class="diff" open={changed}>
            <summary>
              {path} {changed ? '' : <span class="muted">(unchanged)</span>}
            </summary>
            {/* Focusable so that keyboard users can scroll a long diff. */}
            <pre tabIndex={0}>
              {parts.map((part) => (
                <span class={part.added ? 'added' : part.removed ? 'removed' : 'same'}>
                  {part.value
                    .replace(/\n$/, '')
                    .split('\n')
                    .map((line) => `${part.added ? '+' : part.removed ? '-' : ' '} ${line}\n`)
                    .join('')}
                </span>
              ))}
            </pre>
          </details>
        );
      })}
    </>
  );
}
