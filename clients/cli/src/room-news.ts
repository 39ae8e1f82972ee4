/**
 * What the terminal tells a person about the room, as plain sentences: the pure part of the room view.
 * `roomNews` compares two readings of the control document and says what changed that a person cares
 * about (phase, who drives, the lock, runs); `statusLine` is the one-line summary shown at the prompt.
 */
import type { ControlState } from '@pocdojo/sdk/dojo-documents';
import { remainingTurnMs } from '@pocdojo/sdk/dojo-documents';
import type { DojoRun } from '@pocdojo/shared/contract/runs';

export type Connectivity = 'online' | 'connecting' | 'reconnecting';

const phaseNames: Record<ControlState['phase'], string> = {
  lobby: 'in the lobby',
  running: 'running',
  paused: 'paused',
  break: 'on a break',
  ended: 'ended',
};

const lightMarks: Record<NonNullable<DojoRun['light']>, string> = { green: '🟢', red: '🔴', amber: '🟠' };

export function nameIn(state: ControlState, userId: string | null, selfId: string): string {
  if (userId === null) return 'nobody';
  if (userId === selfId) return 'you';
  return state.participants[userId]?.name ?? 'someone';
}

export function clock(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function pairSentence(state: ControlState, selfId: string): string {
  const driver = nameIn(state, state.driverId, selfId);
  if (state.driverId === null) return 'nobody drives yet';
  const navigator = state.navigatorId === null ? '' : `, ${nameIn(state, state.navigatorId, selfId)} navigate`;
  return `${driver} drive${driver === 'you' ? '' : 's'}${navigator}${navigator && state.navigatorId !== selfId ? 's' : ''}`;
}

export function runSentence(run: DojoRun): string {
  if (run.status === 'failed') return `⚪ the run failed: ${run.message ?? 'no result'}`;
  const light = run.light ? lightMarks[run.light] : '⚪';
  const counts = run.passed === null ? '' : ` (${run.passed} passed, ${run.failed ?? 0} failed)`;
  return `${light} ${run.light ?? 'no light'}: ${run.message ?? ''}${counts} — run by ${run.requestedByName}`;
}

/** Sentences for what changed between two readings of the room (the first reading: `previous` undefined). */
export function roomNews(previous: ControlState | undefined, next: ControlState, selfId: string): string[] {
  const news: string[] = [];
  if (previous?.phase !== next.phase) news.push(`The dojo is ${phaseNames[next.phase]}.`);
  const pairChanged = previous?.driverId !== next.driverId || previous?.navigatorId !== next.navigatorId;
  if (pairChanged && next.driverId !== null) {
    if (next.driverId === selfId && previous?.driverId !== selfId) news.push('▶ You drive now.');
    else if (next.navigatorId === selfId && previous?.navigatorId !== selfId) news.push('▶ You navigate now.');
    news.push(`Turn ${next.turn}: ${pairSentence(next, selfId)}.`);
  }
  if (previous !== undefined && previous.lock !== next.lock)
    news.push(
      next.lock === 'open'
        ? 'Editing is open to everyone.'
        : `Editing is locked to the ${next.lock === 'driver' ? 'driver' : 'driver and navigator'}.`,
    );
  if (next.breakDue && !previous?.breakDue) news.push('A break is due.');
  const finishedBefore = new Set(
    (previous?.runs ?? []).filter((run) => run.status === 'done' || run.status === 'failed').map((run) => run.id),
  );
  for (const run of next.runs) {
    const finished = run.status === 'done' || run.status === 'failed';
    if (finished && previous !== undefined && !finishedBefore.has(run.id)) news.push(runSentence(run));
    const wasKnown = previous?.runs.some((known) => known.id === run.id);
    if (!finished && previous !== undefined && !wasKnown)
      news.push(`Tests are running (asked by ${run.requestedByName})…`);
  }
  return news;
}

/** The summary at the prompt: phase, time left, the pair, connection and unsynced edits. */
export function statusLine(
  state: ControlState,
  selfId: string,
  now: number,
  connectivity: Connectivity,
  unsynced: number,
  mayEdit: boolean,
): string {
  const left = remainingTurnMs(state, now);
  const parts = [
    state.phase,
    ...(left === null ? [] : [`${clock(left)} left`]),
    pairSentence(state, selfId),
    mayEdit ? 'you may edit' : 'read-only',
    connectivity,
    ...(unsynced > 0 ? [`${unsynced} unsynced`] : []),
  ];
  const last = [...state.runs].reverse().find((run) => run.light !== null);
  if (last?.light) parts.push(`last run ${lightMarks[last.light]}`);
  return parts.join(' · ');
}
