import type {
  beforeHandleAwarenessPayload,
  beforeHandleMessagePayload,
  connectedPayload,
  Extension,
  Hocuspocus,
  onAuthenticatePayload,
  onConfigurePayload,
  onDisconnectPayload,
  onStatelessPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import {
  isDomainError,
  nulMessage,
  parseDocumentName,
  type DatabaseHandle,
  type Logger,
  type TokenVerifier,
  type Unlisten,
} from '@pocdojo/shared';
import { dojoDocumentParts, mayEdit, type DojoDocumentPart } from '@pocdojo/shared/contract/dojo-documents';
import { runNotifyChannel } from '@pocdojo/shared/runs/run-queue';
import {
  decodeCommand,
  encodeReply,
  errorReply,
  okReply,
  protocolVersion,
} from '@pocdojo/shared/contract/dojo-protocol';
import { claimsOf, PermissionDenied } from '../tenant-guard.ts';
import { ChatLog } from './chat-log.ts';
import { DojoLeases } from './dojo-lease.ts';
import { DojoRecords, type DojoKey } from './dojo-records.ts';
import { DojoRoom } from './dojo-room.ts';
import { DojoRuns, type RunSettings } from './dojo-runs.ts';
import { effectiveRole, tokenRole } from '@pocdojo/shared/contract/dojo-roles';
import { actorOf, applyCommand } from './dojo-session.ts';
import { carriesNul, changes, revertOf, updateOf } from './edit-guard.ts';
import { stampPresence } from './presence-guard.ts';

interface DojoDocument extends DojoKey {
  part: DojoDocumentPart;
  roomKey: string;
}

function dojoDocument(documentName: string): DojoDocument | undefined {
  const name = parseDocumentName(documentName);
  if (!name || name.kind !== 'dojo' || !dojoDocumentParts.includes(name.part as DojoDocumentPart)) return undefined;
  return {
    tenantId: name.tenantId,
    dojoId: name.id,
    part: name.part as DojoDocumentPart,
    roomKey: `${name.tenantId}/${name.id}`,
  };
}

/** The origin of the server's own corrections (refused edits undone); persisted like any local change. */
const refusalOrigin = { source: 'local' as const, context: { dojoRules: 'refused' } };

export interface DojoRulesOptions {
  verifier: TokenVerifier;
  database: DatabaseHandle;
  nodeId: string;
  logger: Logger;
  /** How long a node's timer lease lasts without renewal (default 10 s). */
  leaseTtlMs?: number;
  runs: RunSettings;
}

/**
 * The rules of a dojo, enforced on the server for its three documents (`code`, `chat`, `control`):
 * - removed members are refused at authentication, and their open connections are closed;
 * - only the server writes `chat` and `control`; `code` takes edits (typing and file operations alike:
 *   both are changes of the document) only from whom the editing lock allows, from nobody once the dojo
 *   has ended, and never text holding NUL; a refused edit is undone for everyone, the writer included,
 *   who also gets `editRejected`;
 * - presence identity fields come from the token;
 * - commands (stateless messages on `control`) are validated, answered, and applied as transitions of
 *   the session state machine; the turn timer runs on the one node holding the dojo's lease;
 * - `run` captures the code and queues a test run; the lease holder keeps the `control` document's run
 *   list in step with the runs table and starts auto-runs.
 */
export class DojoRules implements Extension {
  extensionName = 'dojo-rules';
  // After the tenant guard (2000), which verifies the token and the tenant first.
  priority = 1500;

  private instance: Hocuspocus | undefined;
  private readonly rooms = new Map<string, DojoRoom>();
  private readonly records: DojoRecords;
  private readonly leases: DojoLeases;
  private readonly chat = new ChatLog();
  private readonly runs: DojoRuns;
  private unlisten: Unlisten | undefined;

  constructor(private readonly options: DojoRulesOptions) {
    this.records = new DojoRecords(options.database.db, options.nodeId);
    this.runs = new DojoRuns(options.database.db, this.records, options.runs);
    this.leases = new DojoLeases(options.database.db, options.nodeId, options.leaseTtlMs ?? 10_000);
  }

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
    // Runners write results to the table; its notification ("tenant/dojo") tells the room holding the
    // dojo to show them now. After a reconnection every room reads its runs again.
    try {
      this.unlisten = await this.options.database.listen(runNotifyChannel, {
        notified: (roomKey) => this.rooms.get(roomKey)?.runsChanged(),
        resumed: () => {
          for (const room of this.rooms.values()) room.runsChanged();
        },
      });
    } catch (error) {
      this.options.logger.warn({ err: error }, 'run notifications unavailable; rooms show runs at each poll');
    }
  }

  async onAuthenticate({ token, documentName }: onAuthenticatePayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    if (!dojo) return;
    // The tenant guard verified this token a moment ago (its claims are not shared between hooks): the
    // verifier answers this one from its cache of verified tokens.
    const claims = await this.options.verifier.verify(token);
    if (await this.records.isRemoved(dojo, claims.sub)) {
      this.options.logger.info({ dojo: dojo.dojoId, user: claims.sub }, 'removed member refused');
      throw new PermissionDenied('forbidden: you were removed from this dojo');
    }
  }

  async connected({ documentName, context }: connectedPayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    const claims = claimsOf(context);
    if (!dojo || !claims) return;
    const room = this.room(dojo);
    room.clients += 1;
    await room.ready;
    await room.registerPresent();
  }

  async onDisconnect({ documentName, context }: onDisconnectPayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    if (!dojo || !claimsOf(context)) return;
    const room = this.rooms.get(dojo.roomKey);
    if (!room) return;
    room.clients -= 1;
    if (room.clients > 0) return;
    this.rooms.delete(dojo.roomKey);
    await room.close();
  }

  async beforeHandleMessage({ documentName, update, connection, document }: beforeHandleMessagePayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    const claims = claimsOf(connection.context);
    if (!dojo || !claims) return;
    const change = updateOf(update);
    if (!change) return;
    const room = this.room(dojo);
    await room.ready;
    let reason: string | null = null;
    if (dojo.part === 'code') {
      const state = room.state();
      const role = effectiveRole(state, claims.sub, tokenRole(claims));
      if (mayEdit(state, claims.sub, role)) {
        // A granted observer's connection was opened read-only from the token; the grant opens it.
        connection.readOnly = false;
        if (!carriesNul(change)) return;
        reason = `the code ${nulMessage}`;
      } else {
        reason =
          state.phase === 'ended'
            ? 'this dojo has ended; its code is read-only until a facilitator reopens it'
            : role === 'observer'
              ? 'observers cannot edit the code'
              : `editing is locked to the ${state.lock === 'pair' ? 'driver and navigator' : 'driver'}`;
      }
    } else {
      reason = `only the server writes the ${dojo.part} document; send a command instead`;
    }
    if (!changes(document, change)) return;
    const revert = revertOf(document, change);
    if (!revert) {
      // It builds on changes this server does not have: nothing sensible to undo, so the client resyncs.
      throw Object.assign(new Error(reason), { code: 4409, reason: `conflict: ${reason}` });
    }
    Y.applyUpdate(document, revert, refusalOrigin);
    this.options.logger.info({ dojo: dojo.dojoId, part: dojo.part, user: claims.sub }, 'edit refused and undone');
    room.notify(claims.sub, { v: protocolVersion, type: 'event', name: 'editRejected', data: { reason } });
  }

  async beforeHandleAwareness({ documentName, context, states }: beforeHandleAwarenessPayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    const claims = claimsOf(context);
    if (!dojo || !claims) return;
    const state = this.rooms.get(dojo.roomKey)?.stateIfOpen();
    const role = state ? effectiveRole(state, claims.sub, tokenRole(claims)) : tokenRole(claims).role;
    stampPresence(states, { userId: claims.sub, name: claims.name ?? claims.sub, role });
  }

  async onStateless({ documentName, connection, payload }: onStatelessPayload): Promise<void> {
    const dojo = dojoDocument(documentName);
    const claims = claimsOf(connection.context);
    if (!dojo || dojo.part !== 'control' || !claims) return;
    const reply = (text: string) => connection.sendStateless(text);
    const decoded = decodeCommand(payload);
    if (!decoded.ok) {
      if (decoded.id !== undefined) reply(encodeReply(errorReply(decoded.id, 'invalid', decoded.message)));
      return;
    }
    const command = decoded.value;
    const room = this.room(dojo);
    try {
      await room.ready;
      const answer = await room.serialized(async () => {
        const base = room.state();
        const actor = actorOf(claims, base);
        const now = Date.now();
        if (command.name === 'chat' && !this.chat.allow(`${dojo.roomKey}/${claims.sub}`, now)) {
          return errorReply(command.id, 'rate_limited', 'too many chat messages; wait a moment');
        }
        const transition = applyCommand(base, actor, command, now, Math.random, (userId) => room.present(userId));
        if (!transition.ok) return errorReply(command.id, transition.code, transition.message);
        const conflict = await room.commit(base, transition, actor);
        return conflict ? errorReply(command.id, 'conflict', conflict) : okReply(command.id);
      });
      reply(encodeReply(answer));
    } catch (error) {
      // A refusal found while carrying the command out (a run the dojo cannot have): the person reads it.
      if (isDomainError(error) && error.code !== 'unauthorized') {
        reply(encodeReply(errorReply(command.id, error.code, error.message)));
        return;
      }
      this.options.logger.error({ err: error, dojo: dojo.dojoId, command: command.name }, 'dojo command failed');
      reply(encodeReply(errorReply(command.id, 'unavailable', 'the command could not be applied; retry')));
    }
  }

  async onDestroy(): Promise<void> {
    await this.unlisten?.();
    await Promise.all([...this.rooms.values()].map((room) => room.close()));
    this.rooms.clear();
  }

  private room(dojo: DojoDocument): DojoRoom {
    const existing = this.rooms.get(dojo.roomKey);
    if (existing) return existing;
    if (!this.instance) throw new Error('dojo rules used before Hocuspocus configured them');
    const name = (part: DojoDocumentPart) => `${dojo.tenantId}/dojo/${dojo.dojoId}/${part}`;
    const room = new DojoRoom({
      instance: this.instance,
      records: this.records,
      leases: this.leases,
      runs: this.runs,
      logger: this.options.logger,
      names: { code: name('code'), chat: name('chat'), control: name('control') },
      key: { tenantId: dojo.tenantId, dojoId: dojo.dojoId },
    });
    this.rooms.set(dojo.roomKey, room);
    return room;
  }
}
