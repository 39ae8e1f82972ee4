/**
 * One test run in full, in a modal dialog (the native <dialog>: focus moves in and back, Escape closes):
 * its light and sentence, the failing tests, the output as the runner captured it (with a note when it
 * was cut), what changed since the run before it and the code it ran. The room's `control` document
 * only knows the light; the rest comes from the API.
 */
import type { ApiError } from '@pocdojo/sdk/api-client';
import type { DojoRun, RunDetail } from '@pocdojo/sdk/runs-client';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { runs } from '../session.ts';
import { FileDiffs } from './file-diff.tsx';
import { RunLight } from './run-light.tsx';
import { runByline, runLabel } from './run-lights.ts';

type Loaded = { run: RunDetail; previous: RunDetail | undefined };

export function RunDetailDialog({
  dojoId,
  run,
  now,
  onClose,
}: {
  dojoId: string;
  /** The run as the room sees it: shown at once, while the rest loads. */
  run: DojoRun;
  now: number;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);

  useEffect(() => {
    let current = true;
    void (async () => {
      const answer = await runs.getRun(dojoId, run.id);
      if (!current) return;
      if (!answer.ok) return setError(answer.error);
      const previousId = answer.value.previousRunId;
      const previous = previousId ? await runs.getRun(dojoId, previousId) : undefined;
      if (current) setLoaded({ run: answer.value, previous: previous?.ok ? previous.value : undefined });
    })();
    return () => void (current = false);
  }, [dojoId, run.id, run.status]);

  const detail = loaded?.run;
  return (
    <dialog ref={dialog} class="run-dialog" aria-labelledby={`${id}-title`} onClose={onClose}>
      <header class="run-dialog-head">
        <h2 id={`${id}-title`}>
          <RunLight run={run} size="large" /> {runLabel(run)}
        </h2>
        <button type="button" class="icon" aria-label="Close" autoFocus onClick={() => dialog.current?.close()}>
          ×
        </button>
      </header>
      <p class="muted">
        {run.turn === 0 ? 'Before the first turn' : `Turn ${run.turn}`} · {runByline(run, now)}
      </p>
      {error ? (
        <p class="field-error" role="alert">
          {error.code === 'not_found' ? 'This run is no longer stored.' : error.message}
        </p>
      ) : !detail ? (
        <p class="muted">Loading the run…</p>
      ) : (
        <>
          {detail.failing.length > 0 && (
            <section aria-labelledby={`${id}-failing`}>
              <h3 id={`${id}-failing`}>Failing tests</h3>
              <ul class="failing-tests">
                {detail.failing.map((name) => (
                  <li>{name}</li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby={`${id}-output`}>
            <h3 id={`${id}-output`}>Output</h3>
            {detail.outputTruncated && (
              <p class="notice-inline">The output was too long and was cut: its end is missing.</p>
            )}
            {detail.output ? (
              // Focusable so that keyboard users can scroll it.
              <pre class="run-output" tabIndex={0}>
                {detail.output}
              </pre>
            ) : (
              <p class="muted">The run printed nothing.</p>
            )}
          </section>
          <section aria-labelledby={`${id}-changes`}>
            <h3 id={`${id}-changes`}>
              {loaded.previous ? 'Changes since the run before' : 'The code it ran (first run)'}
            </h3>
            {loaded.previous && (
              <p class="muted">
                The run before: <RunLight run={loaded.previous} /> {runLabel(loaded.previous)}
              </p>
            )}
            <FileDiffs before={loaded.previous?.files ?? {}} after={detail.files} />
          </section>
          {loaded.previous && (
            <details class="run-files">
              <summary>The code it ran</summary>
              {Object.entries(detail.files)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([path, text]) => (
                  <section class="run-file" aria-label={path}>
                    <h4>{path}</h4>
                    <pre tabIndex={0}>{text}</pre>
                  </section>
                ))}
            </details>
          )}
        </>
      )}
    </dialog>
  );
}
