/**
 * Review of past turns: the server stores a snapshot of `code` at the end of every turn; pick two
 * points (a turn's end, or now) and see, file by file, what changed between them — the way
 * cyber-dojo's review shows a solution evolving. Also downloads the dojo's export.
 */
import type { ApiError, TurnSnapshot } from '@pocdojo/sdk/api-client';
import { diffLines } from 'diff';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../session.ts';

type Files = Record<string, string>;

export function ReviewPanel({
  dojoId,
  turnCount,
  liveFiles,
  nameOf,
}: {
  dojoId: string;
  /** The control document's turn number: a new snapshot exists whenever it moves. */
  turnCount: number;
  liveFiles: () => Files;
  nameOf: (userId: string | null) => string;
}) {
  const [turns, setTurns] = useState<TurnSnapshot[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [from, setFrom] = useState<string>('start');
  const [to, setTo] = useState<string>('live');
  const [files, setFiles] = useState<{ before: Files; after: Files } | undefined>();

  useEffect(() => {
    void api.dojoHistory(dojoId).then((answer) => (answer.ok ? setTurns(answer.value.items) : setError(answer.error)));
  }, [dojoId, turnCount]);

  useEffect(() => {
    const load = async (which: string): Promise<Files | undefined> => {
      if (which === 'live') return liveFiles();
      if (which === 'start') return {};
      const answer = await api.dojoTurn(dojoId, Number(which));
      if (!answer.ok) {
        setError(answer.error);
        return undefined;
      }
      return Object.fromEntries(Object.entries(answer.value.files).map(([path, file]) => [path, file.text]));
    };
    void Promise.all([load(from), load(to)]).then(([before, after]) => before && after && setFiles({ before, after }));
  }, [from, to, turns]);

  async function downloadExport() {
    const file = await api.dojoExport(dojoId);
    if (!file.ok) return setError(file.error);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(file.value);
    link.download = `dojo-${dojoId}.tar.gz`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  if (error) return <p class="field-error">{error.message}</p>;
  if (!turns) return <p class="muted">Loading history…</p>;

  const option = (turn: TurnSnapshot) => (
    <option value={String(turn.turn)}>
      End of turn {turn.turn} ({nameOf(turn.driverId)})
    </option>
  );
  const paths = files ? [...new Set([...Object.keys(files.before), ...Object.keys(files.after)])].sort() : [];

  return (
    <section class="review" aria-label="Review of past turns">
      {turns.length === 0 && <p class="muted">No turn has ended yet: a snapshot is stored at every rotation.</p>}
      <div class="field-row">
        <div class="field">
          <label for="review-from">From</label>
          <select id="review-from" value={from} onChange={(event) => setFrom(event.currentTarget.value)}>
            <option value="start">The start (empty)</option>
            {turns.map(option)}
          </select>
        </div>
        <div class="field">
          <label for="review-to">To</label>
          <select id="review-to" value={to} onChange={(event) => setTo(event.currentTarget.value)}>
            {turns.map(option)}
            <option value="live">Now</option>
          </select>
        </div>
      </div>
      {files &&
        paths.map((path) => {
          // A last line without a newline would otherwise show as changed when a line is appended.
          const withNewline = (text: string | undefined) =>
            text === undefined || text === '' || text.endsWith('\n') ? (text ?? '') : `${text}\n`;
          const parts = diffLines(withNewline(files.before[path]), withNewline(files.after[path]));
          const changed = parts.some((part) => part.added || part.removed);
          return (
            <details class="diff" open={changed}>
              <summary>
                {path} {changed ? '' : <span class="muted">(unchanged)</span>}
              </summary>
              <pre>
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
      <button type="button" class="small" onClick={() => void downloadExport()}>
        Download the files (.tar.gz)
      </button>
    </section>
  );
}
