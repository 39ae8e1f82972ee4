import { controlStateSchema } from '@pocdojo/shared/contract/dojo-documents';
import { dojoRunSchema } from '@pocdojo/shared/contract/runs';
import { describe, expect, it } from 'vitest';
import {
  latestRun,
  ordinal,
  ranAgo,
  runByline,
  runLabel,
  runMark,
  runRefusal,
  runsByTurn,
  stripRuns,
} from '../src/dojo/run-lights.ts';

const minute = 60_000;
const at = Date.UTC(2026, 11, 6, 14, 0);

/** A run as the control document carries it; the schema fills the defaults the server would. */
const run = (fields: Partial<ReturnType<typeof dojoRunSchema.parse>> & { id: string }) =>
  dojoRunSchema.parse({
    status: 'done',
    turn: 1,
    requestedBy: 'user-ada',
    requestedByName: 'Ada',
    requestedAt: at,
    ...fields,
  });

const room = (fields: Record<string, unknown>) => controlStateSchema.parse({ phase: 'running', ...fields });

describe('the words next to a light', () => {
  it('says where a queued run waits', () => {
    expect(runLabel(run({ id: 'a', status: 'queued', position: 1 }))).toBe('Queued (1st)');
    expect(runLabel(run({ id: 'a', status: 'queued', position: 2 }))).toBe('Queued (2nd)');
    expect(runLabel(run({ id: 'a', status: 'queued', position: 3 }))).toBe('Queued (3rd)');
    expect(runLabel(run({ id: 'a', status: 'queued', position: 11 }))).toBe('Queued (11th)');
    expect(runLabel(run({ id: 'a', status: 'queued' }))).toBe('Queued');
    expect([21, 22, 23, 24, 111, 112, 113].map(ordinal)).toEqual([
      '21st',
      '22nd',
      '23rd',
      '24th',
      '111th',
      '112th',
      '113th',
    ]);
  });

  it('says a run is running', () => {
    expect(runLabel(run({ id: 'a', status: 'running' }))).toBe('Running…');
  });

  it("reads a finished run's sentence as a label", () => {
    const green = run({ id: 'a', light: 'green', passed: 4, failed: 0, message: 'all 4 tests passed' });
    const red = run({ id: 'b', light: 'red', passed: 3, failed: 1, message: '1 of 4 tests failed' });
    const amber = run({ id: 'c', light: 'amber', message: 'timed out after 10 s' });
    expect([green, red, amber].map(runLabel)).toEqual([
      'All 4 tests passed',
      '1 of 4 tests failed',
      'Timed out after 10 s',
    ]);
    expect([green, red, amber].map(runMark)).toEqual(['green', 'red', 'amber']);
  });

  it('names the light when a finished run carries no sentence', () => {
    expect(runLabel(run({ id: 'a', light: 'red' }))).toBe('Some tests failed');
  });

  it('says why a run could not run, and marks it without a light', () => {
    const failed = run({ id: 'a', status: 'failed', message: 'Rust is not installed on this server' });
    expect(runLabel(failed)).toBe('Could not run: Rust is not installed on this server');
    expect(runMark(failed)).toBe('none');
    expect(runMark(run({ id: 'b', status: 'queued', position: 1 }))).toBe('pending');
  });
});

describe('who ran it and when', () => {
  it('counts minutes and hours, then gives the date', () => {
    expect(ranAgo(at, at + 10_000)).toBe('just now');
    expect(ranAgo(at, at + 3 * minute)).toBe('3 min ago');
    expect(ranAgo(at, at + 125 * minute)).toBe('2 h ago');
    expect(ranAgo(at, at + 3 * 24 * 60 * minute)).toMatch(/2026/);
  });

  it('names the person, and marks an auto run as such', () => {
    const finished = run({ id: 'a', requestedAt: at, finishedAt: at + 5_000 });
    expect(runByline(finished, at + 2 * minute)).toBe('Ada, 2 min ago');
    expect(runByline(run({ id: 'b', auto: true }), at)).toBe('Auto-run for Ada, just now');
  });
});

describe('who may run the tests', () => {
  it('lets the driver and facilitators run by default, and tells the others why not', () => {
    const state = room({ driverId: 'user-ada' });
    expect(runRefusal(state, 'user-ada', 'participant')).toBeUndefined();
    expect(runRefusal(state, 'user-fay', 'facilitator')).toBeUndefined();
    expect(runRefusal(state, 'user-bob', 'participant')).toBe('Only the driver and facilitators may run the tests');
  });

  it('lets every participant run once a facilitator allows everyone, never observers', () => {
    const state = room({ driverId: 'user-ada', runPolicy: 'everyone' });
    expect(runRefusal(state, 'user-bob', 'participant')).toBeUndefined();
    expect(runRefusal(state, 'user-oli', 'observer')).toBe('Observers cannot run the tests');
  });

  it('lets anyone but observers run while nobody drives, and nobody once the dojo ended', () => {
    expect(runRefusal(room({ driverId: null }), 'user-bob', 'participant')).toBeUndefined();
    expect(runRefusal(room({ phase: 'ended' }), 'user-fay', 'facilitator')).toBe(
      'The dojo has ended: its code can no longer run',
    );
  });
});

describe('the traffic-light strip', () => {
  it('merges the live runs over older pages by id, drops replaced runs, oldest first', () => {
    const older = [run({ id: 'r2', requestedAt: at + 2 }), run({ id: 'r1', requestedAt: at + 1, light: 'red' })];
    const live = [
      run({ id: 'r2', requestedAt: at + 2, light: 'green' }),
      run({ id: 'r3', requestedAt: at + 3, status: 'replaced' }),
      run({ id: 'r4', requestedAt: at + 4, status: 'running' }),
    ];
    const strip = stripRuns(older, live);
    expect(strip.map((entry) => entry.id)).toEqual(['r1', 'r2', 'r4']);
    expect(strip[1]?.light).toBe('green');
    expect(latestRun(live)?.id).toBe('r4');
  });

  it('groups runs by turn, turns in order, each oldest first', () => {
    const runs = [
      run({ id: 'c', turn: 2, requestedAt: at + 3 }),
      run({ id: 'a', turn: 0, requestedAt: at + 1 }),
      run({ id: 'd', turn: 2, requestedAt: at + 2 }),
      run({ id: 'b', turn: 1, requestedAt: at + 4 }),
    ];
    expect(runsByTurn(runs).map(({ turn, runs: inTurn }) => [turn, inTurn.map((entry) => entry.id)])).toEqual([
      [0, ['a']],
      [1, ['b']],
      [2, ['d', 'c']],
    ]);
  });
});
