import { describe, expect, it } from 'vitest';
import { controlStateSchema, type ControlState } from '@pocdojo/sdk/dojo-documents';
import { roomNews, statusLine } from '../src/room-news.ts';

const room = (fields: Partial<ControlState>): ControlState =>
  controlStateSchema.parse({
    participants: {
      ada: { name: 'Ada', role: 'facilitator' },
      bob: { name: 'Bob', role: 'participant' },
    },
    ...fields,
  });

const run = {
  id: 'r1',
  status: 'done' as const,
  position: null,
  turn: 2,
  requestedBy: 'ada',
  requestedByName: 'Ada',
  auto: false,
  requestedAt: 1,
  finishedAt: 2,
  light: 'red' as const,
  passed: 3,
  failed: 1,
  message: '1 of 4 tests failed',
};

describe('what the terminal says about the room', () => {
  it('tells Bob when a rotation makes him the driver', () => {
    const before = room({ phase: 'running', turn: 1, driverId: 'ada', navigatorId: 'bob' });
    const after = room({ phase: 'running', turn: 2, driverId: 'bob', navigatorId: 'ada' });
    expect(roomNews(before, after, 'bob')).toEqual(['▶ You drive now.', 'Turn 2: you drive, Ada navigates.']);
  });

  it('says when the lock changes and when a run finishes, with its light', () => {
    const before = room({ phase: 'running', driverId: 'ada', runs: [{ ...run, status: 'running', light: null }] });
    const after = room({ phase: 'running', driverId: 'ada', lock: 'driver', runs: [run] });
    expect(roomNews(before, after, 'bob')).toEqual([
      'Editing is locked to the driver.',
      '🔴 red: 1 of 4 tests failed (3 passed, 1 failed) — run by Ada',
    ]);
  });

  it('sums the room up in the status line: phase, time left, the pair, access, connection, unsynced', () => {
    const state = room({
      phase: 'running',
      turnStartedAt: 0,
      turnSeconds: 300,
      driverId: 'ada',
      navigatorId: 'bob',
      runs: [run],
    });
    expect(statusLine(state, 'bob', 60_000, 'reconnecting', 2, false)).toBe(
      'running · 4:00 left · Ada drives, you navigate · read-only · reconnecting · 2 unsynced · last run 🔴',
    );
  });
});
