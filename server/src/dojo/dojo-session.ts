/**
 * The dojo session as a state machine: pure functions from (control state, actor, command, clock) to
 * either the next control state plus the effects to carry out, or an error reply. No I/O here: the
 * dojo rules extension reads the state from the `control` document, calls these, writes the result
 * back and performs the effects (snapshots, chat, summon, removal).
 *
 * Phases: lobby → running ⇄ paused, running|paused → break → running, any → ended, and ended → paused
 * (or → lobby when it never started) when a facilitator reopens it.
 * Turns: `turn` counts from 1 at start; ending turn N (timer, `rotate`, `handover`) snapshots `code`
 * as turn N and makes the navigator the driver and the next person in the rotation the navigator.
 * Formats: a Randori rotates a pair; a Mob rotates the driver and has no single navigator (everyone
 * navigates); a Kata is a rotation of one (the presenter drives, everyone follows).
 */
import type { Claims } from '@pocdojo/shared';
import { effectiveRole, tokenRole, type DojoRole, type TokenRole } from '@pocdojo/shared/contract/dojo-roles';
import type { Command, ReplyErrorCode } from '@pocdojo/shared/contract/dojo-protocol';
import { mayRun, remainingTurnMs, type ControlState, type Participant } from '@pocdojo/shared/contract/dojo-documents';

export interface Actor {
  userId: string;
  name: string;
  role: DojoRole;
}

export type Effect =
  | {
      type: 'snapshot';
      turn: number;
      driverId: string | null;
      navigatorId: string | null;
      reason: TurnEndReason;
      startedAt: number | null;
    }
  | { type: 'chat'; text: string }
  | { type: 'summon'; path: string; line: number }
  | { type: 'remove'; userId: string }
  | { type: 'ended' }
  | { type: 'reopened' }
  /** Run the tests on `code` as it is now, for the actor (the room captures the files and requests it). */
  | { type: 'run' };

export type TurnEndReason = 'rotation' | 'handover' | 'end';

export type Transition =
  { ok: true; state: ControlState; effects: Effect[] } | { ok: false; code: ReplyErrorCode; message: string };

const fail = (code: ReplyErrorCode, message: string): Transition => ({ ok: false, code, message });
const done = (state: ControlState, effects: Effect[] = []): Transition => ({ ok: true, state, effects });

const facilitatorCommands = new Set<Command['name']>([
  'start',
  'pause',
  'resume',
  'end',
  'reopen',
  'break',
  'setBreakReminder',
  'setTurnLength',
  'setRotation',
  'putInRotation',
  'takeOutOfRotation',
  'randomizeRotation',
  'rotate',
  'setHandoverRule',
  'lock',
  'grantRole',
  'revokeRole',
  'remove',
  'mute',
  'unmute',
  'summon',
  'setRunPolicy',
  'setAutoRun',
]);

export function actorOf(claims: Pick<Claims, 'sub' | 'name' | 'roles' | 'observing'>, state: ControlState): Actor {
  return {
    userId: claims.sub,
    name: claims.name ?? claims.sub,
    role: effectiveRole(state, claims.sub, tokenRole(claims)),
  };
}

/** The instant the running turn (or the break) ends, or null when nothing is counting down. */
export function deadline(state: ControlState): number | null {
  if (state.phase === 'break') return state.breakEndsAt;
  if (state.phase !== 'running' || state.handover !== 'timer' || state.turnStartedAt === null) return null;
  return state.turnStartedAt + state.turnSeconds * 1000;
}

/** Driver and navigator for the person at `index` of the rotation (navigator: the next one, if any). */
function pairAt(
  format: ControlState['format'],
  rotation: string[],
  index: number,
): Pick<ControlState, 'driverId' | 'navigatorId'> {
  if (rotation.length === 0) return { driverId: null, navigatorId: null };
  const at = ((index % rotation.length) + rotation.length) % rotation.length;
  return {
    driverId: rotation[at] ?? null,
    // In a mob everyone navigates: there is no single navigator.
    navigatorId: format !== 'mob' && rotation.length > 1 ? (rotation[(at + 1) % rotation.length] ?? null) : null,
  };
}

/** A new rotation order, when everyone in it is in the room and may drive. */
function rotate(state: ControlState, order: string[]): Transition {
  if (new Set(order).size !== order.length) return fail('invalid', 'the rotation names someone twice');
  const unknown = order.find((id) => !state.participants[id]);
  if (unknown !== undefined) return notHere();
  const watcher = order.find((id) => state.participants[id]?.role === 'observer');
  if (watcher !== undefined) return fail('invalid', `${nameIn(state, watcher)} is an observer and cannot drive`);
  return done(repair(state, order));
}

/** Keeps the current driver when they are still in the new rotation, else starts from its head. */
function repair(state: ControlState, rotation: string[]): ControlState {
  if (state.phase === 'lobby' || state.phase === 'ended') return { ...state, rotation };
  const at = state.driverId === null ? 0 : Math.max(0, rotation.indexOf(state.driverId));
  return { ...state, rotation, ...pairAt(state.format, rotation, at) };
}

/** Ends the current turn and starts the next one at `startAt` with the next pair of the rotation. */
export function endTurn(state: ControlState, reason: TurnEndReason, startAt: number, nextDriver?: string): Transition {
  const at =
    nextDriver !== undefined
      ? state.rotation.indexOf(nextDriver)
      : state.driverId === null
        ? 0
        : state.rotation.indexOf(state.driverId) + 1;
  const pair = pairAt(state.format, state.rotation, Math.max(0, at));
  const every = state.breakReminderEveryTurns;
  return done(
    {
      ...state,
      ...pair,
      turn: state.turn + 1,
      turnStartedAt: state.phase === 'paused' ? null : startAt,
      remainingMs: state.phase === 'paused' ? state.turnSeconds * 1000 : null,
      breakDue: state.breakDue || (every > 0 && state.turn % every === 0),
      driveRequests: state.driveRequests.filter((id) => id !== pair.driverId),
    },
    [
      {
        type: 'snapshot',
        turn: state.turn,
        driverId: state.driverId,
        navigatorId: state.navigatorId,
        reason,
        startedAt: state.turnStartedAt,
      },
    ],
  );
}

/** How late a turn's end may be noticed and the next turn still start at the deadline. */
const lateTimerToleranceMs = 2_000;

/**
 * What the server's clock does at `now`: ends the turn (or the break) whose deadline passed. A turn
 * that ended while no node was running the timer (everyone gone, a restart) starts now rather than
 * at its theoretical start, so nobody gets a turn that is already over.
 */
export function tick(state: ControlState, now: number): Transition | null {
  const due = deadline(state);
  if (due === null || now < due) return null;
  if (state.phase === 'break') return resumeTurn({ ...state, breakEndsAt: null }, now);
  // A timer that fires a little late (a busy event loop) keeps the cadence; a deadline noticed well
  // after it passed (the node holding the timer died, and its lease had to expire first) gives the next
  // driver a whole turn from now, not the rest of one that ran while nobody saw a clock.
  const startAt = now - due <= lateTimerToleranceMs ? due : now;
  return endTurn(state, 'rotation', startAt);
}

function resumeTurn(state: ControlState, now: number): Transition {
  const left = state.remainingMs ?? state.turnSeconds * 1000;
  return done({
    ...state,
    phase: 'running',
    turnStartedAt: now - (state.turnSeconds * 1000 - left),
    remainingMs: null,
    breakEndsAt: null,
  });
}

// Refusals are read by people: they name others by their display name, never by their user id.
const notHere = (): Transition => fail('not_found', 'that person is not in this dojo');
const nameIn = (state: ControlState, userId: string): string => state.participants[userId]?.name ?? 'that person';

function knownPerson(state: ControlState, userId: string): Transition | null {
  return state.participants[userId] ? null : notHere();
}

/**
 * Applies one command of `actor` at `now`. `random` picks in [0, 1) for randomizeRotation; `present`
 * finds someone in the room who is not listed (an observer) for grantRole.
 */
export function applyCommand(
  state: ControlState,
  actor: Actor,
  command: Command,
  now: number,
  random: () => number,
  present: (userId: string) => Actor | undefined = () => undefined,
): Transition {
  if (facilitatorCommands.has(command.name) && actor.role !== 'facilitator') {
    return fail('forbidden', `only facilitators may ${command.name}`);
  }
  if (state.phase === 'ended' && command.name !== 'chat' && command.name !== 'reopen') {
    return fail('conflict', 'this dojo has ended');
  }
  switch (command.name) {
    case 'start': {
      if (state.phase !== 'lobby') return fail('conflict', `cannot start a dojo that is ${state.phase}`);
      const rotation =
        state.rotation.length > 0
          ? state.rotation
          : Object.entries(state.participants)
              .filter(([, person]) => person.role === 'participant')
              .map(([id]) => id);
      return done({
        ...state,
        phase: 'running',
        turn: 1,
        rotation,
        ...pairAt(state.format, rotation, 0),
        turnStartedAt: now,
        remainingMs: null,
        breakEndsAt: null,
      });
    }
    case 'pause':
      if (state.phase !== 'running') return fail('conflict', `cannot pause a dojo that is ${state.phase}`);
      return done({ ...state, phase: 'paused', remainingMs: remainingTurnMs(state, now), turnStartedAt: null });
    case 'resume':
      if (state.phase !== 'paused' && state.phase !== 'break') {
        return fail('conflict', `cannot resume a dojo that is ${state.phase}`);
      }
      return resumeTurn(state, now);
    case 'break': {
      if (state.phase !== 'running' && state.phase !== 'paused') {
        return fail('conflict', `cannot take a break while ${state.phase}`);
      }
      return done({
        ...state,
        phase: 'break',
        remainingMs: remainingTurnMs(state, now),
        turnStartedAt: null,
        breakEndsAt: now + command.args.minutes * 60_000,
        breakDue: false,
      });
    }
    case 'end': {
      const ended = { ...state, phase: 'ended' as const, turnStartedAt: null, remainingMs: null, breakEndsAt: null };
      // A dojo ended from its lobby played no turn: there is nothing to snapshot (and turn 0 stays free
      // for the end after a reopen).
      if (state.turn === 0) return done(ended, [{ type: 'ended' }]);
      return done(ended, [
        {
          type: 'snapshot',
          turn: state.turn,
          driverId: state.driverId,
          navigatorId: state.navigatorId,
          reason: 'end',
          startedAt: state.turnStartedAt,
        },
        { type: 'ended' },
      ]);
    }
    case 'reopen':
      if (state.phase !== 'ended') {
        return fail('conflict', `only an ended dojo can be reopened; this one is ${state.phase}`);
      }
      // A dojo that never started goes back to its lobby. Otherwise a facilitator reopening wants to carry
      // on where the group stopped, but not with a clock running while people come back: the same
      // driver and navigator, paused, with a full turn to resume. The end stored turn N's snapshot, so
      // this is turn N + 1, and the next end or rotation snapshots a turn of its own.
      if (state.turn === 0) return done({ ...state, phase: 'lobby' }, [{ type: 'reopened' }]);
      return done(
        {
          ...state,
          phase: 'paused',
          turn: state.turn + 1,
          turnStartedAt: null,
          remainingMs: state.turnSeconds * 1000,
          breakEndsAt: null,
        },
        [{ type: 'reopened' }],
      );
    case 'setBreakReminder':
      return done({ ...state, breakReminderEveryTurns: command.args.everyTurns, breakDue: false });
    case 'setTurnLength':
      return done({ ...state, turnSeconds: command.args.seconds });
    case 'setRotation':
      return rotate(state, command.args.order);
    case 'putInRotation':
      if (state.rotation.includes(command.args.userId)) return done(state);
      return rotate(state, [...state.rotation, command.args.userId]);
    case 'takeOutOfRotation':
      return rotate(
        state,
        state.rotation.filter((id) => id !== command.args.userId),
      );
    case 'randomizeRotation': {
      const order = [...state.rotation];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as string, order[i] as string];
      }
      return done(repair(state, order));
    }
    case 'rotate':
      if (state.phase !== 'running' && state.phase !== 'paused') {
        return fail('conflict', `cannot rotate while ${state.phase}`);
      }
      if (state.rotation.length === 0) return fail('conflict', 'the rotation is empty');
      return endTurn(state, 'rotation', now);
    case 'setHandoverRule':
      return done({
        ...state,
        handover: command.args.rule,
        // Switching to the timer restarts the count, so a long manual turn does not end at once.
        turnStartedAt: command.args.rule === 'timer' && state.phase === 'running' ? now : state.turnStartedAt,
      });
    case 'lock':
      return done({ ...state, lock: command.args.mode });
    case 'grantRole':
    case 'revokeRole': {
      // Observers are not listed; granting one a role lists them, when they are in the room.
      const watcher = present(command.args.userId);
      const listed =
        command.name === 'grantRole' && !state.participants[command.args.userId] && watcher
          ? { ...state.participants, [watcher.userId]: listing(watcher.name, watcher.role, 0) }
          : state.participants;
      const missing = knownPerson({ ...state, participants: listed }, command.args.userId);
      if (missing) return missing;
      const person = listed[command.args.userId] as Participant;
      let role: DojoRole = command.args.role;
      if (command.name === 'revokeRole') {
        if (person.role !== command.args.role) {
          return fail('conflict', `${person.name} is ${person.role}, not ${command.args.role}`);
        }
        if (person.role === 'observer') return fail('invalid', 'observer is the lowest role');
        role = person.role === 'facilitator' ? 'participant' : 'observer';
      }
      return done(withRole(state, listed, command.args.userId, { ...person, role, granted: true }));
    }
    case 'remove': {
      const { userId } = command.args;
      if (userId === actor.userId) return fail('invalid', 'facilitators cannot remove themselves');
      const participants = Object.fromEntries(Object.entries(state.participants).filter(([id]) => id !== userId));
      const next = repair(
        {
          ...state,
          participants,
          muted: state.muted.filter((id) => id !== userId),
          driveRequests: state.driveRequests.filter((id) => id !== userId),
          removed: state.removed.includes(userId) ? state.removed : [...state.removed, userId],
        },
        state.rotation.filter((id) => id !== userId),
      );
      return done(next, [{ type: 'remove', userId }]);
    }
    case 'mute':
      return done({
        ...state,
        muted: state.muted.includes(command.args.userId) ? state.muted : [...state.muted, command.args.userId],
      });
    case 'unmute':
      return done({ ...state, muted: state.muted.filter((id) => id !== command.args.userId) });
    case 'summon':
      return done(state, [{ type: 'summon', path: command.args.path, line: command.args.line }]);
    case 'setRunPolicy':
      return done({ ...state, runPolicy: command.args.policy });
    case 'setAutoRun':
      return done({ ...state, autoRun: command.args.on });
    case 'run':
      if (!mayRun(state, actor.userId, actor.role)) {
        return fail(
          'forbidden',
          actor.role === 'observer'
            ? 'observers cannot run the tests'
            : 'only the driver and facilitators may run the tests; ask the facilitator to allow everyone',
        );
      }
      return done(state, [{ type: 'run' }]);
    case 'chat':
      if (state.muted.includes(actor.userId)) return fail('forbidden', 'you are muted in this dojo');
      return done(state, [{ type: 'chat', text: command.args.text }]);
    case 'raiseHand': {
      const person = state.participants[actor.userId];
      if (!person) return fail('not_found', 'you are not registered in this dojo yet');
      return done({
        ...state,
        participants: { ...state.participants, [actor.userId]: { ...person, handRaised: command.args.raised } },
      });
    }
    case 'requestDrive':
      if (actor.role === 'observer') return fail('forbidden', 'observers cannot drive');
      if (state.driverId === actor.userId) return fail('conflict', 'you are driving already');
      if (state.driveRequests.includes(actor.userId)) return done(state);
      return done({ ...state, driveRequests: [...state.driveRequests, actor.userId] });
    case 'handover': {
      if (state.driverId !== actor.userId) return fail('forbidden', 'only the driver may hand over');
      if (state.handover !== 'manual') return fail('forbidden', 'the handover rule is the timer');
      if (state.phase !== 'running') return fail('conflict', `cannot hand over while ${state.phase}`);
      const to = command.args.to;
      if (to !== undefined && !state.rotation.includes(to)) {
        return fail('not_found', `${nameIn(state, to)} is not in the rotation`);
      }
      return endTurn(state, 'handover', now, to);
    }
  }
}

/** A new listing, as registration makes it: no grant, hand down. */
const listing = (name: string, role: DojoRole, issuedAt: number): Participant => ({
  name,
  role,
  handRaised: false,
  granted: false,
  issuedAt,
});

/** `state` with `person` listed under `userId`; an observer leaves the rotation (and the wheel if driving). */
function withRole(
  state: ControlState,
  listed: ControlState['participants'],
  userId: string,
  person: Participant,
): ControlState {
  const participants = { ...listed, [userId]: person };
  const rotation = person.role === 'observer' ? state.rotation.filter((id) => id !== userId) : state.rotation;
  return repair({ ...state, participants }, rotation);
}

/** Who joined, as their token says. */
export interface Joiner {
  userId: string;
  name: string;
  token: TokenRole;
  /** The token's `iat` (epoch seconds). */
  issuedAt: number;
}

export function joinerOf(claims: Pick<Claims, 'sub' | 'name' | 'roles' | 'observing' | 'iat'>): Joiner {
  return { userId: claims.sub, name: claims.name ?? claims.sub, token: tokenRole(claims), issuedAt: claims.iat ?? 0 };
}

/**
 * Lists a newly connected person in `participants`, or brings their listing up to date with a newer token
 * than the one it shows: the tenant may have changed their role since (a change revokes their tokens, and
 * the next join token carries the new role). A facilitator's grant stands; a token minted to observe lists
 * nobody (the person asked to watch, maybe beside a tab where they take part); observers are counted by
 * presence, not listed, unless listed already. Only a strictly newer token that says something else
 * rewrites a listing, so two nodes holding different tokens of one person cannot rewrite it back and forth.
 */
export function register(state: ControlState, joiner: Joiner): ControlState | null {
  const { userId, name, token, issuedAt } = joiner;
  if (token.observing || state.removed.includes(userId)) return null;
  const listed = state.participants[userId];
  if (!listed) {
    if (token.role === 'observer') return null;
    return { ...state, participants: { ...state.participants, [userId]: listing(name, token.role, issuedAt) } };
  }
  if (listed.granted || issuedAt <= listed.issuedAt || (listed.role === token.role && listed.name === name))
    return null;
  return withRole(state, state.participants, userId, { ...listed, name, role: token.role, issuedAt });
}
