/**
 * Traffic lights, drawn the same everywhere: a coloured circle that also carries a sign (✓ green, ✗ red,
 * ! amber) so that the colour is never the only cue, a spinner while a run waits or runs, and the strip
 * of a room's runs in which each light opens its run.
 */
import type { DojoRun } from '@pocdojo/sdk/runs-client';
import { runByline, runLabel, runMark, type RunMark } from './run-lights.ts';

const signs: Record<RunMark, string> = { green: '✓', red: '✗', amber: '!', pending: '', none: '–' };

/** Decorative: the words next to it or the button around it say what it means. */
export function RunLight({ run, size = 'small' }: { run: DojoRun; size?: 'small' | 'large' }) {
  const mark = runMark(run);
  if (mark === 'pending') return <span class={`spinner ${size}`} aria-hidden="true" />;
  return (
    <span class={`light light-${mark} ${size}`} aria-hidden="true">
      {signs[mark]}
    </span>
  );
}

/** The room's runs in order, each a button that opens it (replaced runs never ran: not shown). */
export function LightStrip({
  runs,
  now,
  label,
  onOpen,
}: {
  runs: DojoRun[];
  now: number;
  /** Names the list for screen readers: "Test runs of turn 2". */
  label: string;
  onOpen: (run: DojoRun) => void;
}) {
  return (
    <ol class="light-strip" aria-label={label}>
      {runs.map((run) => {
        const description = `${runLabel(run)} (${runByline(run, now)})`;
        return (
          <li>
            <button
              type="button"
              class="light-button"
              aria-label={description}
              title={description}
              onClick={() => onOpen(run)}
            >
              <RunLight run={run} />
            </button>
          </li>
        );
      })}
    </ol>
  );
}
