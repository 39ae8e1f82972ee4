/**
 * Review of past turns: the server stores a snapshot of `code` at every rotation (issue 6); pick two
 * turns and see, file by file, what changed between them.
 */
import type { ApiError, TurnFiles, TurnSnapshot } from '@pocdojo/sdk/api-client';
import { diffLines } from 'diff';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../session.ts';

export function ReviewPanel({ dojoId, liveFiles }: { dojoId: string; liveFiles: () => Record<string, string> }) {
  const [turns, setTurns] = useState<TurnSnapshot[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [from, setFrom] = useState<string>('');
  const [to, setTo] = useState<string>('live');
  const [files, setFiles] = useState<{ before: Record<string, string>; after: Record<string, string> } | undefined>();

  useEffect(() => {
    void api.dojoHistory(dojoId).then((answer) => {
      if (!answer.ok) return setError(answer.error);
      setTurns(answer.value);
      if (answer.value[0]) setFrom(String(answer.value[0].turn));
    });
  }, [dojoId]);

  useEffect(() => {
    if (!from) return;
    const load = async (which: string): Promise<Record<string, string> | undefined> => {
      if (which === 'live') return liveFiles();
      const answer: { ok: true; value: TurnFiles } | { ok: false; error: ApiError } = await api.dojoTurn(
        dojoId,
        Number(which),
      );
      if (!answer.ok) {
        setError(answer.error);
        return undefined;
      }
      return answer.value.files;
    };
    void Promise.all([load(from), load(to)]).then(([before, after]) => before && after && setFiles({ before, after }));
  }, [from, to]);

  if (error?.code === 'not_found')
    return <p class="muted">No turns recorded yet: snapshots appear at each rotation.</p>;
  if (error) return <p class="field-error">{error.message}</p>;
  if (!turns) return <p class="muted">Loading history…</p>;
  if (turns.length === 0) return <p class="muted">No turns recorded yet: snapshots appear at each rotation.</p>;

  const option = (turn: TurnSnapshot) => (
    <option value={String(turn.turn)}>
      Turn {turn.turn}
      {turn.driverName ? ` · ${turn.driverName}` : ''}
    </option>
  );
  const paths = files ? [...new Set([...Object.keys(files.before), ...Object.keys(files.after)])].sort() : [];

  return (
    <section class="review" aria-label="Review of past turns">
      <div class="field-row">
        <div class="field">
          <label for="review-from">From</label>
          <select id="review-from" value={from} onChange={(event) => setFrom(event.currentTarget.value)}>
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
          const parts = diffLines(files.before[path] ?? '', files.after[path] ?? '');
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
    </section>
  );
}
