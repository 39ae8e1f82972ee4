import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { AwarenessEntry } from '@pocdojo/shared/awareness-update';

/**
 * Validates a client frame of the Hocuspocus protocol before Hocuspocus sees it, so malformed input
 * closes only the sender's connection with a clear reason instead of throwing inside shared state.
 *
 * Frame: varString address (document name, optionally `\0sessionId`), varUint message type, payload:
 *   0 Sync / 4 SyncReply  varUint step (0 state vector | 1 step-2 update | 2 update), varUint8Array
 *   1 Awareness           varUint8Array: varUint count, then per client varUint id, varUint clock, varString JSON
 *   2 Auth                varUint 0 (token), varString token[, varString provider version]
 *   3 QueryAwareness      (nothing)
 *   5 Stateless           varString payload
 *   7 Close               (anything)
 *   9 Ping / 10 Pong      (nothing)
 * Types 6 (server-to-server broadcast) and 8 (server acknowledgement) never come from clients.
 */
export const messageTypes = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  syncReply: 4,
  stateless: 5,
  broadcastStateless: 6,
  close: 7,
  syncStatus: 8,
  ping: 9,
  pong: 10,
} as const;

export const syncSteps = { stateVector: 0, step2: 1, update: 2 } as const;

export interface FrameLimits {
  maxAddressLength: number;
  maxStatelessLength: number;
}

export type FrameCheck =
  | {
      ok: true;
      address: string;
      type: number;
      update: Uint8Array | undefined;
      awareness: AwarenessEntry[] | undefined;
    }
  | { ok: false; reason: string };

export function checkClientFrame(frame: Uint8Array, limits: FrameLimits): FrameCheck {
  try {
    const decoder = decoding.createDecoder(frame);
    const address = decoding.readVarString(decoder);
    if (address.length === 0 || address.length > limits.maxAddressLength) return fail('bad document address');
    const type = decoding.readVarUint(decoder);
    let update: Uint8Array | undefined;
    let awareness: AwarenessEntry[] | undefined;
    switch (type) {
      case messageTypes.sync:
      case messageTypes.syncReply: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === syncSteps.stateVector) Y.decodeStateVector(payload);
        else if (step === syncSteps.step2 || step === syncSteps.update) {
          Y.decodeUpdate(payload);
          update = payload;
        } else return fail(`unknown sync step ${step}`);
        break;
      }
      case messageTypes.awareness:
        awareness = readAwareness(decoding.readVarUint8Array(decoder));
        break;
      case messageTypes.auth: {
        if (decoding.readVarUint(decoder) !== 0) return fail('clients may only send auth tokens');
        decoding.readVarString(decoder);
        if (decoding.hasContent(decoder)) decoding.readVarString(decoder);
        break;
      }
      case messageTypes.stateless:
        if (decoding.readVarString(decoder).length > limits.maxStatelessLength)
          return fail('stateless message too long');
        break;
      case messageTypes.queryAwareness:
      case messageTypes.close:
      case messageTypes.ping:
      case messageTypes.pong:
        break;
      default:
        return fail(`message type ${type} is not accepted from clients`);
    }
    // lib0 reads past the end of a truncated buffer without throwing; the position tells.
    if (decoder.pos > frame.length) return fail('truncated frame');
    return { ok: true, address, type, update, awareness };
  } catch (error) {
    return fail(error instanceof Error ? `malformed frame: ${error.message}` : 'malformed frame');
  }
}

function readAwareness(payload: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(payload);
  const count = decoding.readVarUint(decoder);
  if (count > 10_000) throw new Error('too many awareness states');
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    if (state !== null && (typeof state !== 'object' || Array.isArray(state)))
      throw new Error('an awareness state must be an object or null');
    entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
  }
  if (decoder.pos > payload.length) throw new Error('truncated awareness update');
  return entries;
}

const fail = (reason: string): FrameCheck => ({ ok: false, reason });

export interface FrameHeader {
  address: string;
  type: number;
  /** Where the payload starts. */
  bodyOffset: number;
}

/** Reads the address and type of an outgoing frame. */
export function readFrameHeader(frame: Uint8Array): FrameHeader {
  const decoder = decoding.createDecoder(frame);
  const address = decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  return { address, type, bodyOffset: decoder.pos };
}
