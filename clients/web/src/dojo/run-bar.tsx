/**
 * The editor's test-run toolbar: "Run tests" (also Ctrl/Cmd+Enter) for whoever the run policy allows,
 * disabled with the reason for everyone else, and the room's latest run live from the `control`
 * document: queued with its place, running, then its light, what it says, who ran it and when.
 */
import type { DojoRun } from '@pocdojo/sdk/runs-client';
import { useEffect, useId, useRef } from 'preact/hooks';
import { CommandError, useCommand } from './command-button.tsx';
import { RunLight } from './run-light.tsx';
import { latestRun, type Role, runByline, runLabel, runRefusal } from './run-lights.ts';
import type { DojoView } from './use-dojo.ts';

const onMac = /Mac|iPhone|iPad/.test(navigator.platform);

const isShortcut = (event: KeyboardEvent) =>
  event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;

// Form fields keep their own Enter behaviour; the code editor (contenteditable) is where the shortcut lives.
const inFormField = (target: EventTarget | null) =>
  target instanceof HTMLElement && target.closest('input, textarea, select') !== null;

export function RunBar({
  view,
  role,
  now,
  onOpen,
}: {
  view: DojoView;
  role: Role;
  now: number;
  onOpen: (run: DojoRun) => void;
}) {
  const { connection, control } = view;
  const refusal = runRefusal(control, connection.self.userId, role);
  const command = useCommand(() => connection.send('run', {}));
  const latest = latestRun(control.runs);
  const reasonId = useId();
  const pressedAnyway = refusal !== undefined && command.error === refusal;
  // A refusal or a reply from before the policy changed says nothing about now.
  useEffect(() => command.refuse(undefined), [refusal]);

  // The shortcut works inside the editor too, so it is caught before CodeMirror's Mod-Enter (new line).
  const current = useRef({ refusal, command });
  current.current = { refusal, command };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isShortcut(event) || inFormField(event.target)) return;
      event.preventDefault();
      event.stopPropagation();
      const { refusal: reason, command: run } = current.current;
      if (reason) run.refuse(reason);
      else if (!run.busy) void run.send();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div class="run-bar" role="group" aria-label="Test runs">
      <span class="command">
        <button
          type="button"
          class="primary run-button"
          disabled={refusal !== undefined || command.busy}
          aria-describedby={refusal ? reasonId : undefined}
          aria-keyshortcuts="Control+Enter Meta+Enter"
          onClick={() => void command.send()}
        >
          <span aria-hidden="true">▶</span> Run tests{' '}
          <kbd class="shortcut" aria-hidden="true">
            {onMac ? '⌘↵' : 'Ctrl+↵'}
          </kbd>
        </button>
        {!refusal && <CommandError error={command.error} />}
      </span>
      {refusal && (
        // The button's description; pressing the shortcut anyway says it again, out loud.
        <span
          id={reasonId}
          class={pressedAnyway ? 'run-refusal field-error' : 'run-refusal muted'}
          role={pressedAnyway ? 'alert' : undefined}
        >
          {refusal}
        </span>
      )}
      <div class="run-status">
        <span role="status" class="run-now">
          {latest ? (
            <>
              <RunLight run={latest} size="large" />
              <span class={`run-label run-label-${latest.status}`}>{runLabel(latest)}</span>
            </>
          ) : (
            <span class="muted">No test run yet</span>
          )}
        </span>
        {latest && (
          <>
            <span class="muted run-byline">{runByline(latest, now)}</span>
            {latest.status === 'done' && (
              <button type="button" class="small" onClick={() => onOpen(latest)}>
                Show output
              </button>
            )}
          </>
        )}
      </div>
    </div>
  );
}
