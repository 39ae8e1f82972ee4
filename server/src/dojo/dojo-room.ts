import type { Connection, Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { Claims, Logger } from '@pocdojo/shared';
import {
  chatMessages,
  controlState,
  readCodeFiles,
  readControlState,
  type ControlState,
  type DojoDocumentPart,
} from '@pocdojo/shared/contract/dojo-documents';
import { encodeEvent, protocolVersion, type DojoEvent } from '@pocdojo/shared/contract/dojo-protocol';
import { presenceSchema } from '@pocdojo/shared/contract/presence';
import { ChatLog } from './chat-log.ts';
import { dojoAuditEntries, type DojoAuditEntry } from './dojo-audit.ts';
import type { DojoLeases } from './dojo-lease.ts';
import type { DojoKey, DojoRecords, FileSnapshot } from './dojo-records.ts';
import { inFlight, type DojoRuns, type RunRequester } from './dojo-runs.ts';
import { deadline, joinerOf, register, tick, type Actor, type Effect, type Transition } from './dojo-session.ts';
import { TurnTimer } from './turn-timer.ts';

type DirectConnection = Awaited<ReturnType<Hocuspocus['openDirectConnection']>>;
type Documents = Record<DojoDocumentPart, DirectConnection>;

/** The close a removed member's document connections get (a 4xxx code: the provider shows the reason). */
export const removedClose = { code: 4403, reason: 'forbidden: removed from this dojo' };

export interface RoomDeps {
  instance: Hocuspocus;
  records: DojoRecords;
  leases: DojoLeases;
  runs: DojoRuns;
  logger: Logger;
  names: Record<DojoDocumentPart, string>;
  key: DojoKey;
}

/**
 * One dojo as this node sees it while it has clients in it: server-side (direct) connections to the
 * three documents so the server can write them, the turn timer when this node holds the dojo's lease,
 * and the enforcement of removals that any node decided (read from the `control` document).
 * The lease holder also keeps the test runs shown in `control` in step with the runs table (read when
 * a notification says the dojo's runs changed, and polled slowly while any is in flight) and starts
 * auto-runs when the code rests after a change.
 */
export class DojoRoom {
  clients = 0;
  readonly ready: Promise<Documents>;
  private documents: Documents | undefined;
  private leader = false;
  private closed = false;
  private readonly timer = new TurnTimer(() => void this.onDeadline());
  private leaseLoop: NodeJS.Timeout | undefined;
  private runPoll: NodeJS.Timeout | undefined;
  private autoRunTimer: NodeJS.Timeout | undefined;
  private readonly onCodeUpdate = () => this.codeChanged();
  private cached: ControlState | undefined;
  private readonly onStateChange = () => {
    this.cached = undefined;
    this.stateChanged();
  };
  /** Commands and timer runs of this dojo on this node, one at a time, so each reads the last one's result. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RoomDeps) {
    this.ready = this.open();
  }

  private async open(): Promise<Documents> {
    const { instance, names } = this.deps;
    const context = { dojoRules: true };
    const [code, chat, control] = await Promise.all([
      instance.openDirectConnection(names.code, context),
      instance.openDirectConnection(names.chat, context),
      instance.openDirectConnection(names.control, context),
    ]);
    this.documents = { code, chat, control };
    controlState(this.doc('control')).observe(this.onStateChange);
    this.doc('code').on('update', this.onCodeUpdate);
    await this.adoptDojoSettings();
    // Runs that finished while nobody was in the room show their lights at once.
    await this.syncRuns().catch((error: unknown) => {
      this.deps.logger.warn({ err: error, dojo: this.deps.key.dojoId }, 'dojo runs not read');
    });
    void this.renewLease();
    this.leaseLoop = setInterval(() => void this.renewLease(), Math.max(200, this.deps.leases.ttlMs / 3));
    return this.documents;
  }

  /** A dojo still in its lobby takes its format and turn length from the dojo the API created. */
  private async adoptDojoSettings(): Promise<void> {
    const settings = await this.deps.records.dojoSettings(this.deps.key).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, dojo: this.deps.key.dojoId }, 'dojo settings not read; keeping defaults');
      return undefined;
    });
    const base = this.state();
    if (!settings || base.phase !== 'lobby' || base.turn !== 0) return;
    await this.writeState(base, {
      ...base,
      format: settings.format,
      turnSeconds: settings.turnSeconds ?? base.turnSeconds,
    });
  }

  doc(part: DojoDocumentPart): Y.Doc {
    const document = this.documents?.[part].document;
    if (!document) throw new Error(`dojo document ${part} is not open`);
    return document;
  }

  /** The control state, parsed once per change (every code message and presence update reads it). */
  state(): ControlState {
    this.cached ??= readControlState(this.doc('control'));
    return this.cached;
  }

  /** The state once the documents are open (presence stamping does not wait for them). */
  stateIfOpen(): ControlState | undefined {
    return this.documents?.control.document ? this.state() : undefined;
  }

  /** Runs `work` after every earlier command or timer run of this dojo on this node. */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes the keys `next` changed relative to `base` (the state it was computed from), so a change
   * that landed meanwhile in another key (from another node) is kept.
   */
  async writeState(base: ControlState, next: ControlState): Promise<void> {
    const changed = (Object.keys(next) as Array<keyof ControlState>).filter(
      (key) => JSON.stringify(base[key]) !== JSON.stringify(next[key]),
    );
    if (changed.length === 0) return;
    // Not `await this.ready`: opening the room writes the dojo's settings before it is ready.
    if (!this.documents) throw new Error('dojo documents are not open');
    await this.documents.control.transact((doc) => {
      const map = controlState(doc);
      for (const key of changed) map.set(key, next[key]);
    });
  }

  /**
   * Carries out a transition: a turn end is claimed in the database first (exactly one node ends each
   * turn), a removal stored and enforced, a reopened dojo's session summary withdrawn; then the state
   * is written, then the other effects run. Returns a conflict message when another node already ended
   * that turn.
   */
  async commit(
    base: ControlState,
    transition: Extract<Transition, { ok: true }>,
    actor: Actor | null,
  ): Promise<string | null> {
    for (const effect of transition.effects) {
      if (effect.type !== 'snapshot') continue;
      const claim = await this.deps.records.claimTurnEnd(this.deps.key, {
        ...effect,
        endedAt: Date.now(),
        files: this.files(),
      });
      // 'stale': the node that claimed it died before writing the state; the state moves on now.
      if (claim === 'taken') return `turn ${effect.turn} has already ended`;
    }
    for (const effect of transition.effects) {
      if (effect.type !== 'remove') continue;
      // Refused at authentication before anyone learns of the removal, and closed here with the
      // facilitator's name before the state change closes them on the other nodes.
      await this.deps.records.remove(this.deps.key, effect.userId, actor?.userId ?? 'server');
      this.closeRemoved([effect.userId], actor?.userId ?? 'server');
    }
    // Before the state: if withdrawing fails the dojo stays ended, rather than running with a summary
    // that tells the API (export, the POC's sessions, reports) it has ended.
    if (transition.effects.some((effect) => effect.type === 'reopened')) await this.deps.records.reopen(this.deps.key);
    await this.writeState(base, transition.state);
    for (const effect of transition.effects) await this.perform(effect, transition.state, actor);
    await this.audit(dojoAuditEntries(this.deps.key.dojoId, base, transition.state, transition.effects), actor);
    return null;
  }

  /**
   * Appends to the tenant's audit trail after the change is in the documents (which no database
   * transaction covers): a failed write is logged, and the dojo carries on.
   */
  private async audit(entries: DojoAuditEntry[], actor: Actor | null): Promise<void> {
    for (const entry of entries) {
      await this.deps.records
        .audit(this.deps.key, actor && { userId: actor.userId, name: actor.name }, entry)
        .catch((error: unknown) => {
          this.deps.logger.error(
            { err: error, dojo: this.deps.key.dojoId, action: entry.action },
            'audit entry not written',
          );
        });
    }
  }

  private async perform(effect: Effect, state: ControlState, actor: Actor | null): Promise<void> {
    const documents = await this.ready;
    switch (effect.type) {
      case 'snapshot':
      case 'remove':
      case 'reopened':
        // Done before the state was written (see commit).
        return;
      case 'chat':
        if (!actor) return;
        await documents.chat.transact((doc) => ChatLog.append(doc, actor, effect.text, Date.now()));
        return;
      case 'summon':
        if (!actor) return;
        this.broadcast({
          v: protocolVersion,
          type: 'event',
          name: 'summon',
          data: { path: effect.path, line: effect.line, by: actor.userId },
        });
        return;
      case 'ended':
        await this.recordSession(state);
        return;
      case 'run':
        if (!actor) return;
        await this.requestRun(actor, state, false);
        return;
    }
  }

  /** Queues a run of `code` as it is now (refusals are thrown as DomainError) and shows it at once. */
  private async requestRun(by: RunRequester, state: ControlState, auto: boolean): Promise<void> {
    await this.deps.runs.request(this.deps.key, this.doc('code'), by, { turn: state.turn, auto });
    await this.syncRuns();
  }

  /** Writes the latest runs into `control` when they differ from what it shows. Call inside `serialized`. */
  private async syncRuns(): Promise<void> {
    const runs = await this.deps.runs.recent(this.deps.key);
    if (this.closed) return;
    const base = this.state();
    if (JSON.stringify(base.runs) === JSON.stringify(runs)) return;
    await this.writeState(base, { ...base, runs });
  }

  /**
   * The runs table changed for this dojo (a `dojo_runs` notification, or the listening connection came
   * back): the lease holder shows the change now. Other nodes get it through the document.
   */
  runsChanged(): void {
    if (this.leader && !this.closed) this.refreshRuns();
  }

  private refreshRuns(): void {
    void this.serialized(() => this.syncRuns()).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, dojo: this.deps.key.dojoId }, 'dojo runs not refreshed');
    });
  }

  /**
   * The safety net under the notifications: while this node holds the lease and a run is queued or
   * running, it also reads the runs every RUN_POLL_MS (5 s by default), for a notification that was
   * lost (NOTIFY is delivered at most once, and not while the listening connection is down).
   */
  private pollRuns(): void {
    const wanted = this.leader && !this.closed && inFlight(this.state().runs);
    if (!wanted) {
      clearInterval(this.runPoll);
      this.runPoll = undefined;
      return;
    }
    this.runPoll ??= setInterval(() => this.refreshRuns(), this.deps.runs.settings.pollMs);
  }

  /** Auto-run: each change to the code restarts the wait; the lease holder runs when the code rests. */
  private codeChanged(): void {
    if (!this.leader || this.closed || !this.state().autoRun) return;
    clearTimeout(this.autoRunTimer);
    this.autoRunTimer = setTimeout(() => void this.autoRun(), this.deps.runs.settings.autoRunDebounceMs);
  }

  private async autoRun(): Promise<void> {
    await this.serialized(async () => {
      const state = this.state();
      if (!this.leader || this.closed || !state.autoRun || state.phase === 'ended') return;
      // On the driver's behalf: the change that started it is theirs.
      const driver = state.driverId;
      const by = driver
        ? { userId: driver, name: state.participants[driver]?.name ?? driver }
        : { userId: 'auto-run', name: 'Auto-run' };
      try {
        await this.requestRun(by, state, true);
      } catch (error) {
        this.deps.logger.info({ err: error, dojo: this.deps.key.dojoId }, 'auto-run not started');
      }
    });
  }

  /** The `code` document as plain files, for snapshots. */
  files(): FileSnapshot {
    return readCodeFiles(this.doc('code'));
  }

  private async recordSession(state: ControlState): Promise<void> {
    const turns = await this.deps.records.turns(this.deps.key);
    const first = turns[0]?.started_at ?? null;
    const last = turns.at(-1)?.ended_at ?? new Date();
    await this.deps.records.recordSession(this.deps.key, state.format, {
      format: state.format,
      participants: Object.entries(state.participants).map(([userId, person]) => ({
        userId,
        name: person.name,
        role: person.role,
      })),
      turns: turns.map((turn) => ({
        turn: turn.turn,
        driverId: turn.driver_id,
        seconds: turn.started_at ? Math.round((turn.ended_at.getTime() - turn.started_at.getTime()) / 1000) : null,
      })),
      durationSeconds: first ? Math.round((last.getTime() - first.getTime()) / 1000) : 0,
      chatCount: chatMessages(this.doc('chat')).length,
      removed: state.removed,
    });
  }

  /** Sends an event to every client of this dojo's control document, on every node. */
  broadcast(event: DojoEvent): void {
    this.deps.instance.documents.get(this.deps.names.control)?.broadcastStateless(encodeEvent(event));
  }

  /** This node's client connections to the dojo's documents, optionally only those of one user. */
  connections(userId?: string): Array<{ part: DojoDocumentPart; connection: Connection }> {
    const found: Array<{ part: DojoDocumentPart; connection: Connection }> = [];
    for (const part of ['code', 'chat', 'control'] as const) {
      const document = this.deps.instance.documents.get(this.deps.names[part]);
      for (const connection of document?.getConnections() ?? []) {
        const sub = (connection.context as { claims?: { sub?: string } } | undefined)?.claims?.sub;
        if (userId === undefined || sub === userId) found.push({ part, connection });
      }
    }
    return found;
  }

  /**
   * Someone in the room, on any node, as their presence on `code` shows them (the server stamped its
   * identity fields from their token).
   */
  present(userId: string): Actor | undefined {
    for (const state of this.documents?.code.document?.awareness.getStates().values() ?? []) {
      const presence = presenceSchema.safeParse(state);
      if (presence.success && presence.data.userId === userId) {
        return { userId, name: presence.data.name, role: presence.data.role };
      }
    }
    return undefined;
  }

  /** Tells one user something on their control connections on this node. */
  notify(userId: string, event: DojoEvent): void {
    const payload = encodeEvent(event);
    for (const { part, connection } of this.connections(userId))
      if (part === 'control') connection.sendStateless(payload);
  }

  private closeRemoved(userIds: string[], by: string): void {
    for (const userId of userIds) {
      const open = this.connections(userId);
      if (open.length === 0) continue;
      this.notify(userId, { v: protocolVersion, type: 'event', name: 'removed', data: { by } });
      for (const { connection } of open) connection.close(removedClose);
    }
  }

  /**
   * Lists this node's clients in `participants`. Called on every change of the state too: two nodes
   * registering at once both rewrite the `participants` key and one write wins, so each node puts its
   * own people back until the state holds everyone.
   */
  async registerPresent(): Promise<void> {
    await this.serialized(async () => {
      if (this.closed) return;
      const base = this.state();
      let next = base;
      for (const { connection } of this.connections()) {
        const claims = (connection.context as { claims?: Claims }).claims;
        if (claims) next = register(next, joinerOf(claims)) ?? next;
      }
      if (next !== base) await this.writeState(base, next);
    });
  }

  private stateChanged(): void {
    if (this.closed) return;
    const state = this.state();
    if (this.connections().some(({ connection }) => this.unregistered(connection, state))) void this.registerPresent();
    // Removals decided on another node arrive here through the document; the facilitator is not known.
    this.closeRemoved(state.removed, 'facilitator');
    const due = deadline(state);
    if (this.leader) this.timer.schedule(due);
    this.pollRuns();
    // A deadline, auto-run or a run in flight appeared or went away: take or give up the lease now.
    if (wantsLease(state) !== this.leader) void this.renewLease();
  }

  private unregistered(connection: Connection, state: ControlState): boolean {
    const claims = (connection.context as { claims?: Claims }).claims;
    return claims !== undefined && register(state, joinerOf(claims)) !== null;
  }

  /**
   * Takes or renews the lease while the dojo has a deadline to watch (running with the timer rule, or
   * on a break), and gives it up otherwise, so rooms in the lobby, paused or ended cost no queries.
   */
  private async renewLease(): Promise<void> {
    if (this.closed) return;
    const key = `${this.deps.key.tenantId}/${this.deps.key.dojoId}`;
    const wanted = wantsLease(this.state());
    let held = false;
    try {
      if (wanted) held = await this.deps.leases.acquire(key);
      else if (this.leader) await this.deps.leases.release(key);
    } catch (error) {
      this.deps.logger.warn({ err: error, dojo: this.deps.key.dojoId }, 'dojo lease not renewed; pausing the timer');
    }
    if (this.closed) return;
    if (held !== this.leader) this.deps.logger.info({ dojo: this.deps.key.dojoId, leader: held }, 'dojo timer lease');
    const gained = held && !this.leader;
    this.leader = held;
    // Notifications that came before this node held the lease were not shown: catch up once.
    if (gained && inFlight(this.state().runs)) this.refreshRuns();
    if (held) this.timer.schedule(deadline(this.state()));
    else this.timer.cancel();
    this.pollRuns();
  }

  private async onDeadline(): Promise<void> {
    await this.serialized(async () => {
      if (!this.leader || this.closed) return;
      const base = this.state();
      const transition = tick(base, Date.now());
      if (!transition) {
        this.timer.schedule(deadline(base));
        return;
      }
      if (!transition.ok) return;
      try {
        const conflict = await this.commit(base, transition, null);
        if (!conflict) return;
        // Another node ended this turn; its state arrives through the document, or, if that node died
        // before writing it, the claim turns stale and a later attempt moves the state on.
        this.deps.logger.info({ dojo: this.deps.key.dojoId, conflict }, 'turn ended elsewhere');
        this.retrySoon();
      } catch (error) {
        this.deps.logger.error({ err: error, dojo: this.deps.key.dojoId }, 'turn end failed; retrying');
        this.retrySoon();
      }
    });
  }

  private retrySoon(): void {
    setTimeout(() => {
      if (!this.closed && this.leader) this.timer.schedule(deadline(this.state()));
    }, 1_000).unref();
  }

  /** The last client on this node left: stop the timer, hand the lease over, release the documents. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer.cancel();
    clearInterval(this.leaseLoop);
    clearInterval(this.runPoll);
    clearTimeout(this.autoRunTimer);
    const documents = await this.ready.catch(() => undefined);
    if (!documents) return;
    controlState(documents.control.document ?? new Y.Doc()).unobserve(this.onStateChange);
    documents.code.document?.off('update', this.onCodeUpdate);
    if (this.leader) {
      await this.deps.leases.release(`${this.deps.key.tenantId}/${this.deps.key.dojoId}`).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, dojo: this.deps.key.dojoId }, 'dojo lease not released; it expires');
      });
    }
    this.leader = false;
    await Promise.all(
      Object.values(documents).map((connection) => connection.disconnect({ unloadImmediately: false })),
    );
  }
}

/**
 * A dojo needs its lease holder while something is counting down, while auto-run is on (someone must
 * start the runs) and while a run is in flight (someone must show its result).
 */
function wantsLease(state: ControlState): boolean {
  return deadline(state) !== null || state.autoRun || inFlight(state.runs);
}
