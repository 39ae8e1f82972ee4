import { describe, expect, it } from 'vitest';
import { controlStateSchema, type ControlState } from '@pocdojo/shared/contract/dojo-documents';
import {
  decodeCommand,
  encodeCommand,
  type Command,
  type CommandArgs,
  type CommandName,
} from '@pocdojo/shared/contract/dojo-protocol';
import { effectiveRole, tokenRole } from '@pocdojo/shared/contract/dojo-roles';
import {
  actorOf,
  applyCommand,
  deadline,
  register,
  tick,
  type Actor,
  type Joiner,
  type Transition,
} from '../../src/dojo/dojo-session.ts';

/** The session state machine alone: pure transitions, no server. */
const fay: Actor = { userId: 'fay', name: 'Fay', role: 'facilitator' };
const ann: Actor = { userId: 'ann', name: 'Ann', role: 'participant' };
const t0 = 1_000_000;

function command<N extends CommandName>(name: N, args: CommandArgs<N>): Command {
  const decoded = decodeCommand(encodeCommand('c1', name, args));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value;
}

function ok(transition: Transition | null): Extract<Transition, { ok: true }> {
  if (!transition?.ok) throw new Error(`expected a transition, got ${JSON.stringify(transition)}`);
  return transition;
}

/** Someone joining with a join token of `role` issued at `issuedAt` (epoch seconds). */
const joiner = (actor: Actor, issuedAt = 1, observing = false): Joiner => ({
  userId: actor.userId,
  name: actor.name,
  token: { role: actor.role, observing },
  issuedAt,
});

function registered(state: ControlState, who: Joiner): ControlState {
  const next = register(state, who);
  if (!next) throw new Error(`expected ${who.userId} to be (re)listed`);
  return next;
}

function lobby(overrides: Partial<ControlState> = {}): ControlState {
  let state = controlStateSchema.parse({});
  for (const person of [
    fay,
    ann,
    { userId: 'bob', name: 'Bob', role: 'participant' as const },
    { userId: 'cyd', name: 'Cyd', role: 'participant' as const },
  ]) {
    state = register(state, joiner(person)) ?? state;
  }
  return { ...state, turnSeconds: 60, ...overrides };
}

const run = (state: ControlState, actor: Actor, name: CommandName, args: object, now = t0) =>
  applyCommand(state, actor, command(name, args as never), now, () => 0);

const started = (overrides: Partial<ControlState> = {}) => ok(run(lobby(overrides), fay, 'start', {})).state;

describe('the dojo session state machine', () => {
  it('lists facilitators and participants who connect, but not observers or removed people', () => {
    const state = lobby();
    expect(Object.keys(state.participants)).toEqual(['fay', 'ann', 'bob', 'cyd']);
    expect(register(state, joiner({ userId: 'obs', name: 'O', role: 'observer' }))).toBeNull();
    expect(
      register({ ...state, removed: ['zed'] }, joiner({ userId: 'zed', name: 'Z', role: 'participant' })),
    ).toBeNull();
  });

  it('refuses facilitator commands from participants', () => {
    expect(run(lobby(), ann, 'start', {})).toMatchObject({ ok: false, code: 'forbidden' });
    expect(run(lobby(), ann, 'remove', { userId: 'bob' })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('starts with the participants in joining order when no rotation was set', () => {
    expect(started()).toMatchObject({
      phase: 'running',
      turn: 1,
      rotation: ['ann', 'bob', 'cyd'],
      driverId: 'ann',
      navigatorId: 'bob',
      turnStartedAt: t0,
    });
    expect(run(started(), fay, 'start', {})).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('ends a turn at its deadline, snapshotting it, and starts the next at the deadline (no drift)', () => {
    const state = started();
    expect(tick(state, t0 + 59_999)).toBeNull();
    const next = ok(tick(state, t0 + 60_400));
    expect(next.state).toMatchObject({ turn: 2, driverId: 'bob', navigatorId: 'cyd', turnStartedAt: t0 + 60_000 });
    expect(next.effects).toEqual([
      { type: 'snapshot', turn: 1, driverId: 'ann', navigatorId: 'bob', reason: 'rotation', startedAt: t0 },
    ]);
    const wrapped = ok(tick(ok(tick(next.state, t0 + 120_000)).state, t0 + 180_000)).state;
    expect(wrapped).toMatchObject({ turn: 4, driverId: 'ann', navigatorId: 'bob' });
  });

  it('starts a turn that ended while nobody ran the timer at the moment it is noticed', () => {
    const late = ok(tick(started(), t0 + 10 * 60_000)).state;
    expect(late).toMatchObject({ turn: 2, turnStartedAt: t0 + 10 * 60_000 });
    // A node died at the deadline and the next took the timer over when its lease expired, seconds later.
    const handedOver = ok(tick(started(), t0 + 60_000 + 9_000)).state;
    expect(handedOver).toMatchObject({ turn: 2, turnStartedAt: t0 + 69_000 });
  });

  it('pauses and resumes with the time that was left', () => {
    const paused = ok(run(started(), fay, 'pause', {}, t0 + 20_000)).state;
    expect(paused).toMatchObject({ phase: 'paused', remainingMs: 40_000, turnStartedAt: null });
    expect(deadline(paused)).toBeNull();
    const resumed = ok(run(paused, fay, 'resume', {}, t0 + 500_000)).state;
    expect(deadline(resumed)).toBe(t0 + 540_000);
  });

  it('takes a break with its own countdown and resumes the turn when it ends', () => {
    const onBreak = ok(run(started(), fay, 'break', { minutes: 5 }, t0 + 30_000)).state;
    expect(onBreak).toMatchObject({ phase: 'break', breakEndsAt: t0 + 330_000, remainingMs: 30_000 });
    const back = ok(tick(onBreak, t0 + 330_000)).state;
    expect(back).toMatchObject({ phase: 'running', turn: 1, breakEndsAt: null });
    expect(deadline(back)).toBe(t0 + 360_000);
  });

  it('flags a break as due every K turns', () => {
    const state = ok(run(started(), fay, 'setBreakReminder', { everyTurns: 2 })).state;
    const second = ok(tick(state, t0 + 60_000)).state;
    expect(second.breakDue).toBe(false);
    expect(ok(tick(second, t0 + 120_000)).state.breakDue).toBe(true);
  });

  it('validates a rotation order', () => {
    expect(run(lobby(), fay, 'setRotation', { order: ['ann', 'ann'] })).toMatchObject({ code: 'invalid' });
    expect(run(lobby(), fay, 'setRotation', { order: ['ann', 'zed'] })).toMatchObject({ code: 'not_found' });
    const state = ok(run(started(), fay, 'setRotation', { order: ['cyd', 'ann'] })).state;
    expect(state).toMatchObject({ rotation: ['cyd', 'ann'], driverId: 'ann', navigatorId: 'cyd' });
  });

  it('puts people in the rotation and takes them out one at a time, each command counting on its own', () => {
    // Two facilitator clicks in a row: the second is applied to the state the first left, not to what
    // the facilitator's page showed when it was sent.
    const first = ok(run(lobby(), fay, 'putInRotation', { userId: 'bob' })).state;
    const both = ok(run(first, fay, 'putInRotation', { userId: 'ann' })).state;
    expect(both.rotation).toEqual(['bob', 'ann']);
    expect(ok(run(both, fay, 'putInRotation', { userId: 'bob' })).state.rotation).toEqual(['bob', 'ann']);
    const running = ok(run(both, fay, 'start', {})).state;
    expect(running).toMatchObject({ driverId: 'bob', navigatorId: 'ann' });
    const without = ok(run(running, fay, 'takeOutOfRotation', { userId: 'bob' })).state;
    expect(without).toMatchObject({ rotation: ['ann'], driverId: 'ann' });
    expect(run(lobby(), fay, 'putInRotation', { userId: 'zed' })).toMatchObject({ code: 'not_found' });
    expect(run(lobby(), ann, 'putInRotation', { userId: 'ann' })).toMatchObject({ code: 'forbidden' });
  });

  it('names people in its refusals, never by their user id', () => {
    expect(run(lobby(), fay, 'setRotation', { order: ['ann', 'zed'] })).toMatchObject({
      message: 'that person is not in this dojo',
    });
    const watching = ok(run(lobby(), fay, 'grantRole', { userId: 'bob', role: 'observer' })).state;
    expect(run(watching, fay, 'setRotation', { order: ['ann', 'bob'] })).toMatchObject({
      code: 'invalid',
      message: 'Bob is an observer and cannot drive',
    });
    expect(run(lobby(), fay, 'revokeRole', { userId: 'cyd', role: 'facilitator' })).toMatchObject({
      code: 'conflict',
      message: 'Cyd is participant, not facilitator',
    });
    expect(run(lobby(), fay, 'grantRole', { userId: 'zed', role: 'participant' })).toMatchObject({
      message: 'that person is not in this dojo',
    });
    const manual = ok(run(started({ rotation: ['ann', 'bob'] }), fay, 'setHandoverRule', { rule: 'manual' })).state;
    expect(run(manual, ann, 'handover', { to: 'cyd' })).toMatchObject({
      code: 'not_found',
      message: 'Cyd is not in the rotation',
    });
  });

  it('randomizes the rotation with the random source it is given', () => {
    const state = ok(run(started(), fay, 'randomizeRotation', {})).state;
    expect(state.rotation).toEqual(['bob', 'cyd', 'ann']);
  });

  it('lets the driver hand over early only under the manual rule', () => {
    expect(run(started(), ann, 'handover', {})).toMatchObject({ ok: false, code: 'forbidden' });
    const manual = ok(run(started(), fay, 'setHandoverRule', { rule: 'manual' })).state;
    expect(deadline(manual)).toBeNull();
    expect(run(manual, { ...ann, userId: 'bob' }, 'handover', {})).toMatchObject({ ok: false, code: 'forbidden' });
    const handed = ok(run(manual, ann, 'handover', { to: 'cyd' }));
    expect(handed.state).toMatchObject({ turn: 2, driverId: 'cyd', navigatorId: 'ann' });
    expect(handed.effects[0]).toMatchObject({ type: 'snapshot', reason: 'handover', turn: 1 });
  });

  it('grants and revokes roles; an observer leaves the rotation', () => {
    const granted = ok(run(started(), fay, 'grantRole', { userId: 'ann', role: 'observer' })).state;
    expect(granted).toMatchObject({ rotation: ['bob', 'cyd'], driverId: 'bob' });
    expect(run(granted, fay, 'revokeRole', { userId: 'bob', role: 'facilitator' })).toMatchObject({ code: 'conflict' });
    const revoked = ok(run(granted, fay, 'revokeRole', { userId: 'bob', role: 'participant' })).state;
    expect(revoked.participants.bob?.role).toBe('observer');
  });

  it('lists an observer who is in the room when a facilitator grants them a role', () => {
    const olga: Actor = { userId: 'olga', name: 'Olga', role: 'observer' };
    const grant = command('grantRole', { userId: 'olga', role: 'participant' });
    expect(applyCommand(started(), fay, grant, t0, () => 0)).toMatchObject({ ok: false, code: 'not_found' });
    const granted = ok(
      applyCommand(
        started(),
        fay,
        grant,
        t0,
        () => 0,
        (id) => (id === 'olga' ? olga : undefined),
      ),
    );
    expect(granted.state.participants.olga).toEqual({
      name: 'Olga',
      role: 'participant',
      handRaised: false,
      granted: true,
      issuedAt: 0,
    });
  });

  it('removes a participant from the state and asks for their removal', () => {
    const removed = ok(run(started(), fay, 'remove', { userId: 'bob' }));
    expect(removed.state).toMatchObject({ rotation: ['ann', 'cyd'], removed: ['bob'], navigatorId: 'cyd' });
    expect(removed.state.participants.bob).toBeUndefined();
    expect(removed.effects).toEqual([{ type: 'remove', userId: 'bob' }]);
    expect(run(started(), fay, 'remove', { userId: 'fay' })).toMatchObject({ code: 'invalid' });
  });

  it('refuses chat from a muted participant', () => {
    const muted = ok(run(started(), fay, 'mute', { userId: 'ann' })).state;
    expect(run(muted, ann, 'chat', { text: 'hi' })).toMatchObject({ ok: false, code: 'forbidden' });
    const unmuted = ok(run(muted, fay, 'unmute', { userId: 'ann' })).state;
    expect(ok(run(unmuted, ann, 'chat', { text: 'hi' })).effects).toEqual([{ type: 'chat', text: 'hi' }]);
  });

  it('keeps hands raised and drive requests', () => {
    const raised = ok(run(started(), ann, 'raiseHand', { raised: true })).state;
    expect(raised.participants.ann?.handRaised).toBe(true);
    expect(run(started(), ann, 'requestDrive', {})).toMatchObject({ code: 'conflict' });
    expect(ok(run(started(), { ...ann, userId: 'cyd' }, 'requestDrive', {})).state.driveRequests).toEqual(['cyd']);
  });

  it('has no single navigator in a mob', () => {
    expect(started({ format: 'mob' })).toMatchObject({ driverId: 'ann', navigatorId: null });
  });

  it('ends with a last snapshot and refuses everything but chat and reopen afterwards', () => {
    const ended = ok(run(started(), fay, 'end', {}));
    expect(ended.effects.map((effect) => effect.type)).toEqual(['snapshot', 'ended']);
    expect(run(ended.state, fay, 'rotate', {})).toMatchObject({ code: 'conflict' });
    expect(run(ended.state, ann, 'chat', { text: 'thanks all' })).toMatchObject({ ok: true });
  });

  it('ends a dojo that never started without a snapshot: it played no turn', () => {
    const ended = ok(run(lobby(), fay, 'end', {}));
    expect(ended.state.phase).toBe('ended');
    expect(ended.effects).toEqual([{ type: 'ended' }]);
  });

  it('reopens an ended dojo paused, with the same pair and a full new turn to resume', () => {
    const running = ok(run(started(), fay, 'rotate', {}, t0 + 10_000)).state;
    const ended = ok(run(running, fay, 'end', {}, t0 + 30_000)).state;
    const reopened = ok(run(ended, fay, 'reopen', {}, t0 + 90_000));
    expect(reopened.effects).toEqual([{ type: 'reopened' }]);
    expect(reopened.state).toMatchObject({
      phase: 'paused',
      turn: 3,
      driverId: 'bob',
      navigatorId: 'cyd',
      rotation: ['ann', 'bob', 'cyd'],
      turnStartedAt: null,
      remainingMs: 60_000,
    });
    expect(deadline(reopened.state)).toBeNull();
    expect(deadline(ok(run(reopened.state, fay, 'resume', {}, t0 + 100_000)).state)).toBe(t0 + 160_000);
    // Ending again snapshots the new turn, not the one the first end stored.
    expect(ok(run(reopened.state, fay, 'end', {})).effects[0]).toMatchObject({ type: 'snapshot', turn: 3 });
  });

  it('reopens a dojo ended before it started into its lobby', () => {
    const ended = ok(run(lobby(), fay, 'end', {})).state;
    const reopened = ok(run(ended, fay, 'reopen', {})).state;
    expect(reopened).toMatchObject({ phase: 'lobby', turn: 0 });
    expect(ok(run(reopened, fay, 'start', {})).state).toMatchObject({ phase: 'running', turn: 1 });
  });

  it('lets only a facilitator reopen, and only an ended dojo', () => {
    const ended = ok(run(started(), fay, 'end', {})).state;
    expect(run(ended, ann, 'reopen', {})).toMatchObject({ ok: false, code: 'forbidden' });
    expect(run(started(), fay, 'reopen', {})).toMatchObject({ ok: false, code: 'conflict' });
    expect(run(lobby(), fay, 'reopen', {})).toMatchObject({ ok: false, code: 'conflict' });
  });
});

describe('test runs in the session', () => {
  const bob: Actor = { userId: 'bob', name: 'Bob', role: 'participant' };
  const olga: Actor = { userId: 'olga', name: 'Olga', role: 'observer' };

  it('lets the driver and facilitators run, and asks the room to run the code as it is', () => {
    const state = started();
    expect(state.driverId).toBe('ann');
    expect(ok(run(state, ann, 'run', {}))).toEqual({ ok: true, state, effects: [{ type: 'run' }] });
    expect(ok(run(state, fay, 'run', {})).effects).toEqual([{ type: 'run' }]);
  });

  it('refuses anyone else under the default policy with a sentence that says who may', () => {
    expect(run(started(), bob, 'run', {})).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'only the driver and facilitators may run the tests; ask the facilitator to allow everyone',
    });
    expect(run(started(), olga, 'run', {})).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('lets every participant run once a facilitator allows everyone, but never observers', () => {
    const everyone = ok(run(started(), fay, 'setRunPolicy', { policy: 'everyone' })).state;
    expect(everyone.runPolicy).toBe('everyone');
    expect(ok(run(everyone, bob, 'run', {})).effects).toEqual([{ type: 'run' }]);
    expect(run(everyone, olga, 'run', {})).toMatchObject({ ok: false, code: 'forbidden' });
    const back = ok(run(everyone, fay, 'setRunPolicy', { policy: 'driver' })).state;
    expect(run(back, bob, 'run', {})).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('lets anyone run in the lobby, where nobody drives yet', () => {
    expect(ok(run(lobby(), bob, 'run', {})).effects).toEqual([{ type: 'run' }]);
  });

  it('turns auto-run on and off, for facilitators only', () => {
    expect(lobby().autoRun).toBe(false);
    const on = ok(run(lobby(), fay, 'setAutoRun', { on: true })).state;
    expect(on.autoRun).toBe(true);
    expect(ok(run(on, fay, 'setAutoRun', { on: false })).state.autoRun).toBe(false);
    expect(run(lobby(), ann, 'setAutoRun', { on: true })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(run(lobby(), ann, 'setRunPolicy', { policy: 'everyone' })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('refuses runs once the dojo has ended: its code cannot change', () => {
    const ended = ok(run(started(), fay, 'end', {})).state;
    expect(run(ended, fay, 'run', {})).toMatchObject({ ok: false, code: 'conflict' });
  });

  it('rejects a policy that does not exist before it reaches the state machine', () => {
    const decoded = decodeCommand(
      JSON.stringify({ v: 1, type: 'command', id: 'c1', name: 'setRunPolicy', args: { policy: 'all' } }),
    );
    expect(decoded).toMatchObject({ ok: false, id: 'c1' });
  });
});

describe('a role the tenant changed after the person joined', () => {
  const demotedFay: Actor = { ...fay, role: 'participant' };

  it('reaches the dojo with the next join token: listed and acting with the new role', () => {
    const state = registered(lobby(), joiner(demotedFay, 2));
    expect(state.participants.fay).toMatchObject({ role: 'participant', granted: false, issuedAt: 2 });
    const now = actorOf({ sub: 'fay', name: 'Fay', roles: ['participant'] }, state);
    expect(now.role).toBe('participant');
    expect(applyCommand(state, now, command('start', {}), t0, () => 0)).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('takes someone the tenant made an observer out of the rotation', () => {
    const running = started({ rotation: ['ann', 'bob'] });
    const state = registered(running, joiner({ ...ann, role: 'observer' }, 2));
    expect(state.participants.ann?.role).toBe('observer');
    expect(state).toMatchObject({ rotation: ['bob'], driverId: 'bob' });
  });

  it('is not undone by an older token, so two nodes holding different tokens cannot rewrite it in turn', () => {
    const demoted = registered(lobby(), joiner(demotedFay, 2));
    expect(register(demoted, joiner(fay, 1))).toBeNull();
    expect(register(demoted, joiner(demotedFay, 3))).toBeNull();
  });

  it('leaves a facilitator’s grant in the dojo standing', () => {
    const granted = ok(run(lobby(), fay, 'grantRole', { userId: 'ann', role: 'facilitator' })).state;
    expect(granted.participants.ann).toMatchObject({ role: 'facilitator', granted: true });
    expect(register(granted, joiner(ann, 5))).toBeNull();
    expect(effectiveRole(granted, 'ann', { role: 'participant', observing: false })).toBe('facilitator');
  });

  it('is not read from a token minted to observe: the person asked to watch', () => {
    expect(register(lobby(), joiner({ ...fay, role: 'observer' }, 9, true))).toBeNull();
  });
});

describe('the role a connection acts with', () => {
  const seated = lobby({
    participants: {
      fay: { name: 'Fay', role: 'facilitator', handRaised: false, granted: false, issuedAt: 1 },
      olga: { name: 'Olga', role: 'participant', handRaised: false, granted: true, issuedAt: 0 },
    },
  });

  it('takes a facilitator’s grant in the room over a join token’s role', () => {
    expect(effectiveRole(seated, 'olga', tokenRole({ roles: ['observer'] }))).toBe('participant');
    expect(effectiveRole(seated, 'newcomer', tokenRole({ roles: ['participant'] }))).toBe('participant');
  });

  it('maps a tenant token’s roles as the join does: an admin who is not a facilitator takes part', () => {
    expect(effectiveRole(seated, 'ann', tokenRole({ roles: ['admin'] }))).toBe('participant');
    expect(effectiveRole(seated, 'ann', tokenRole({ roles: ['admin', 'facilitator'] }))).toBe('facilitator');
    expect(effectiveRole(seated, 'otto', tokenRole({ roles: ['observer'] }))).toBe('observer');
  });

  it('keeps a token minted to observe an observer, whatever the room lists for the same person', () => {
    const watching = tokenRole({ roles: ['observer'], observing: true });
    expect(effectiveRole(seated, 'fay', watching)).toBe('observer');
    expect(effectiveRole(seated, 'olga', watching)).toBe('observer');
    const fayWatching = actorOf({ sub: 'fay', name: 'Fay', roles: ['observer'], observing: true }, seated);
    expect(fayWatching.role).toBe('observer');
    expect(applyCommand(seated, fayWatching, command('start', {}), t0, () => 0)).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
  });
});
