import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  chatMessages,
  controlState,
  mayEdit,
  readChatMessages,
  readControlState,
  remainingTurnMs,
} from '../../src/contract/dojo-documents.ts';
import { colorFor, readPeers } from '../../src/contract/presence.ts';

describe('the control document', () => {
  it('reads an empty document as a lobby with open editing', () => {
    const state = readControlState(new Y.Doc());
    expect(state).toMatchObject({ phase: 'lobby', lock: 'open', driverId: null, rotation: [], participants: {} });
  });

  it('falls back to defaults field by field when a value is malformed', () => {
    const doc = new Y.Doc();
    controlState(doc).set('phase', 'dancing');
    controlState(doc).set('driverId', 'u1');
    expect(readControlState(doc)).toMatchObject({ phase: 'lobby', driverId: 'u1' });
  });
});

describe('who may edit the code', () => {
  const state = (fields: Partial<ReturnType<typeof readControlState>>) => ({
    ...readControlState(new Y.Doc()),
    ...fields,
  });

  it('never observers, everyone else while editing is open or nobody drives', () => {
    expect(mayEdit(state({}), 'u1', 'observer')).toBe(false);
    expect(mayEdit(state({}), 'u1', 'participant')).toBe(true);
    expect(mayEdit(state({ lock: 'driver' }), 'u1', 'participant')).toBe(true);
  });

  it('only the driver under a driver lock, driver and navigator under a pair lock', () => {
    const locked = state({ lock: 'driver', driverId: 'd', navigatorId: 'n' });
    expect(mayEdit(locked, 'd', 'participant')).toBe(true);
    expect(mayEdit(locked, 'n', 'participant')).toBe(false);
    expect(mayEdit(locked, 'f', 'facilitator')).toBe(false);
    expect(mayEdit({ ...locked, lock: 'pair' }, 'n', 'participant')).toBe(true);
  });

  it('nobody, the driver and facilitators included, once the dojo has ended', () => {
    const ended = state({ phase: 'ended', lock: 'open', driverId: 'd' });
    expect(mayEdit(ended, 'd', 'participant')).toBe(false);
    expect(mayEdit(ended, 'f', 'facilitator')).toBe(false);
    expect(mayEdit({ ...ended, phase: 'paused' }, 'd', 'participant')).toBe(true);
  });
});

describe('the turn clock', () => {
  const base = readControlState(new Y.Doc());

  it('counts down a running turn from its start and never below zero', () => {
    const running = { ...base, phase: 'running' as const, turnStartedAt: 1_000, turnSeconds: 60 };
    expect(remainingTurnMs(running, 31_000)).toBe(30_000);
    expect(remainingTurnMs(running, 100_000)).toBe(0);
  });

  it('holds the remaining time while paused, counts the break, and shows nothing in the lobby', () => {
    expect(remainingTurnMs({ ...base, phase: 'paused', remainingMs: 12_000 }, 99_999)).toBe(12_000);
    expect(remainingTurnMs({ ...base, phase: 'break', breakEndsAt: 70_000 }, 10_000)).toBe(60_000);
    expect(remainingTurnMs(base, 10_000)).toBeNull();
  });
});

describe('chat and presence readers', () => {
  it('drops chat entries that are not messages', () => {
    const doc = new Y.Doc();
    chatMessages(doc).push([{ id: 'm1', authorId: 'u1', authorName: 'Ada', text: 'hi', at: 1 }, { text: 'no author' }]);
    expect(readChatMessages(doc).map((message) => message.id)).toEqual(['m1']);
  });

  it('lists other clients with valid presence only, and gives each user a stable colour', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { userId: 'me', name: 'Me', color: '#000000', role: 'participant' }],
      [2, { userId: 'u2', name: 'Bob', color: colorFor('u2'), role: 'observer', file: 'a.ts' }],
      [3, { name: 'no user id' }],
    ]);
    expect(readPeers(states, 1)).toEqual([
      expect.objectContaining({ clientId: 2, userId: 'u2', file: 'a.ts', topLine: null }),
    ]);
    expect(colorFor('u2')).toBe(colorFor('u2'));
    expect(colorFor('u2')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
