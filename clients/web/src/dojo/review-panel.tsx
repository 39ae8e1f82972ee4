/**
 * Review of past turns: the server stores a snapshot of `code` at the end of every turn; pick two
 * points (a turn's end, or now) and see, file by file, what changed between them — the way
 * cyber-dojo's review shows a solution evolving — with each turn's test runs as a strip of traffic
 * lights, each opening its run. Also downloads the dojo's export.
 */
import type { ApiError, TurnSnapshot } from '@pocdojo/sdk/api-client';
import type { DojoRun } from '@pocdojo/sdk/runs-client';
import { useEffect, useState } from 'preact/hooks';
import { api, runs } from '../session.ts';
import { FileDiffs, type Files } from './file-diff.tsx';
import { LightStrip } from './run-light.tsx';
import { runsByTurn, stripRuns } from './run-lights.ts';

export function ReviewPanel({
  dojoId,
  turnCount,
  liveFiles,
  liveRuns,
  now,
  nameOf,
  onOpenRun,
}: {
  dojoId: string;
  /** The control document's turn number: a new snapshot exists whenever it moves. */
  turnCount: number;
  liveFiles: () => Files;
  /** The control document's runs (the latest ones); older ones come from the API. */
  liveRuns: DojoRun[];
  now: number;
  nameOf: (userId: string | null) => string;
  onOpenRun: (run: DojoRun) => void;
}) {
  const [storedRuns, setStoredRuns] = useState<DojoRun[]>([]);
  const [turns, setTurns] = useState<TurnSnapshot[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [from, setFrom] = useState<string>('start');
  const [to, setTo] = useState<string>('live');
  const [files, setFiles] = useState<{ before: Files; after: Files } | undefined>();

  useEffect(() => {
    void api.dojoHistory(dojoId).then((answer) => (answer.ok ? setTurns(answer.value.items) : setError(answer.error)));
  }, [dojoId, turnCount]);

  // Runs the control document no longer keeps; a server without runs simply has none to add.
  const finished = liveRuns.filter((run) => run.finishedAt !== null).length;
  useEffect(() => {
    void runs.listRuns(dojoId).then((answer) => answer.ok && setStoredRuns(answer.value.items));
  }, [dojoId, finished]);

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
  const turnName = (turn: number) => {
    const driverId = turns.find((snapshot) => snapshot.turn === turn)?.driverId;
    return turn === 0 ? 'Before the first turn' : driverId ? `Turn ${turn} (${nameOf(driverId)})` : `Turn ${turn}`;
  };
  const byTurn = runsByTurn(stripRuns(storedRuns, liveRuns));

  return (
    <section class="review" aria-label="Review of past turns">
      <h2>Test runs</h2>
      {byTurn.length === 0 ? (
        <p class="muted">No test run yet.</p>
      ) : (
        <ul class="turn-runs">
          {byTurn.map(({ turn, runs: inTurn }) => (
            <li>
              <span class="turn-name">{turnName(turn)}</span>
              <LightStrip runs={inTurn} now={now} label={`Test runs: ${turnName(turn)}`} onOpen={onOpenRun} />
            </li>
          ))}
        </ul>
      )}
      <h2>Changes</h2>
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
      {files && <FileDiffs before={files.before} after={files.after} />}
      <button type="button" class="small" onClick={() => void downloadExport()}>
        Download the files (.tar.gz)
      </button>
    </section>
  );
}
