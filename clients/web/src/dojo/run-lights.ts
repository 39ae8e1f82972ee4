/**
 * How the room reads its test runs: the words next to a light (never the colour alone), a queued run's
 * place, why someone may not run the tests, and the traffic-light strip ordered by turn. Pure, so the
 * wording is tested without a browser.
 */
import type { ControlState } from '@pocdojo/sdk/dojo-documents';
import type { DojoRun, Light } from '@pocdojo/sdk/runs-client';

const ordinalRules = new Intl.PluralRules('en', { type: 'ordinal' });
const ordinalSuffixes: Partial<Record<Intl.LDMLPluralRule, string>> = { one: 'st', two: 'nd', few: 'rd' };

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. */
export const ordinal = (position: number): string =>
  `${position}${ordinalSuffixes[ordinalRules.select(position)] ?? 'th'}`;

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What a light means when the run carries no sentence of its own. */
const lightWords: Record<Light, string> = {
  green: 'All tests passed',
  red: 'Some tests failed',
  amber: 'No result',
};

/**
 * The words for a run at any stage: "Queued (2nd)", "Running…", the result's sentence ("All 4 tests
 * passed", "1 of 4 tests failed", "Did not compile"), or why it could not run.
 */
export function runLabel(run: DojoRun): string {
  switch (run.status) {
    case 'queued':
      return run.position === null ? 'Queued' : `Queued (${ordinal(run.position)})`;
    case 'running':
      return 'Running…';
    case 'replaced':
      return 'Replaced by a newer run';
    case 'failed':
      return run.message ? `Could not run: ${run.message}` : 'Could not run';
    case 'done':
      if (run.message) return capitalized(run.message);
      return run.light ? lightWords[run.light] : 'Finished';
  }
}

/** The light to draw: finished runs have one; the others show their stage instead. */
export type RunMark = Light | 'pending' | 'none';

export function runMark(run: DojoRun): RunMark {
  if (run.status === 'done' && run.light) return run.light;
  return run.status === 'queued' || run.status === 'running' ? 'pending' : 'none';
}

/** "just now", "3 min ago", "2 h ago", else the date and time. */
export function ranAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** Who started a run and when: "Ada, 3 min ago", or "Auto-run for Ada, just now". */
export function runByline(run: DojoRun, now: number): string {
  const who = run.requestedByName || 'someone';
  return `${run.auto ? `Auto-run for ${who}` : who}, ${ranAgo(run.finishedAt ?? run.requestedAt, now)}`;
}

export type Role = 'facilitator' | 'participant' | 'observer';

/**
 * Why this person may not run the tests now, as a sentence; undefined when they may. The same cases
 * as `mayRun`, which the server enforces.
 */
export function runRefusal(state: ControlState, userId: string, role: Role): string | undefined {
  if (state.phase === 'ended') return 'The dojo has ended: its code can no longer run';
  if (role === 'observer') return 'Observers cannot run the tests';
  if (role === 'facilitator' || state.runPolicy === 'everyone') return undefined;
  if (state.driverId === null || state.driverId === userId) return undefined;
  return 'Only the driver and facilitators may run the tests';
}

/** The room's latest run (the control document keeps them oldest first), if any. */
export const latestRun = (runs: readonly DojoRun[]): DojoRun | undefined => runs.at(-1);

/**
 * Runs that belong in a traffic-light strip (replaced ones never ran), oldest first: several sources
 * (the live control document, older pages from the API) merged by id, the live copy winning.
 */
export function stripRuns(...sources: (readonly DojoRun[])[]): DojoRun[] {
  const byId = new Map<string, DojoRun>();
  for (const source of sources) for (const run of source) byId.set(run.id, run);
  return [...byId.values()]
    .filter((run) => run.status !== 'replaced')
    .sort((a, b) => a.requestedAt - b.requestedAt || a.id.localeCompare(b.id));
}

/** The strip cut by turn, turns in order, each turn's runs oldest first. */
export function runsByTurn(runs: readonly DojoRun[]): { turn: number; runs: DojoRun[] }[] {
  const turns = new Map<number, DojoRun[]>();
  for (const run of stripRuns(runs)) turns.set(run.turn, [...(turns.get(run.turn) ?? []), run]);
  return [...turns.entries()].sort(([a], [b]) => a - b).map(([turn, inTurn]) => ({ turn, runs: inTurn }));
}
