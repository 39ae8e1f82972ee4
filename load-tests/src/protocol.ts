/**
 * The collaboration wire protocol as the load generators speak it: pure encode/decode functions shared by the
 * k6 scripts (bundled by esbuild, so nothing here may touch Node APIs) and the Node benchmark harness.
 *
 * Hocuspocus framing (our tier and `@hocuspocus/server`): every binary frame is
 *
 *   varString address        the document name, e.g. `t_abc/dojo/d1/code`
 *   varUint   message type   one of `messageType` below
 *   payload                  by type:
 *     sync (0), sync reply (4)  varUint sync type, then
 *                                 step 1 (0): varUint8Array state vector
 *                                 step 2 (1): varUint8Array update (what the receiver lacks)
 *                                 update (2): varUint8Array update
 *     awareness (1)             varUint8Array awareness update (see `encodeAwarenessUpdate` in @pocdojo/shared/awareness-update)
 *     auth (2)                  varUint auth type, then token (0): varString token,
 *                               permission denied (1): varString reason, authenticated (2): varString scope
 *     query awareness (3)       nothing
 *     stateless (5)             varString payload
 *     close (7)                 varString reason
 *     sync status (8)           varUint 1 when the server applied the client's update, 0 when it refused it
 *
 * A client opens with auth(token), then sync step 1 with its state vector; the server answers authenticated,
 * then step 2 (what the client lacks) and its own step 1, which the client answers with step 2. Afterwards both
 * sides send `update` frames, and the server acknowledges each client update with a sync status.
 *
 * y-websocket framing (the `y-websocket` reference server) is the same without the address (the document name
 * is the URL path) and without the token exchange or sync status.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const messageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  syncReply: 4,
  stateless: 5,
  close: 7,
  syncStatus: 8,
} as const;

export const syncType = { step1: 0, step2: 1, update: 2 } as const;

export const authType = { token: 0, permissionDenied: 1, authenticated: 2 } as const;

/**
 * Hocuspocus 4 keeps idle sockets alive with a connection-level ping: a frame holding only the message type 9,
 * without an address, which the client answers with the single byte 10.
 */
export const isPing = (frame: Uint8Array): boolean => frame.length === 1 && frame[0] === 9;
export const pongFrame = new Uint8Array([10]);

/** The state vector and update of an empty Y.Doc: what a client without local state sends. */
export const emptyStateVector = new Uint8Array([0]);
export const emptyUpdate = new Uint8Array([0, 0]);

/** Hocuspocus frames start with the document name; y-websocket frames carry it in the URL instead. */
export type Framing = { kind: 'hocuspocus'; documentName: string } | { kind: 'y-websocket' };

export type IncomingMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'authenticated'; scope: string }
  | { type: 'permission-denied'; reason: string }
  | { type: 'token-request' }
  | { type: 'query-awareness' }
  | { type: 'stateless'; payload: string }
  | { type: 'close'; reason: string }
  | { type: 'sync-status'; applied: boolean }
  | { type: 'unknown'; code: number };

function start(framing: Framing, type: number): encoding.Encoder {
  const encoder = encoding.createEncoder();
  if (framing.kind === 'hocuspocus') encoding.writeVarString(encoder, framing.documentName);
  encoding.writeVarUint(encoder, type);
  return encoder;
}

function syncFrame(framing: Framing, kind: number, payload: Uint8Array): Uint8Array {
  const encoder = start(framing, messageType.sync);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** The first frame a Hocuspocus client sends for a document. */
export function encodeAuth(documentName: string, token: string): Uint8Array {
  const encoder = start({ kind: 'hocuspocus', documentName }, messageType.auth);
  encoding.writeVarUint(encoder, authType.token);
  encoding.writeVarString(encoder, token);
  return encoding.toUint8Array(encoder);
}

export const encodeSyncStep1 = (framing: Framing, stateVector: Uint8Array): Uint8Array =>
  syncFrame(framing, syncType.step1, stateVector);

export const encodeSyncStep2 = (framing: Framing, update: Uint8Array): Uint8Array =>
  syncFrame(framing, syncType.step2, update);

export const encodeUpdate = (framing: Framing, update: Uint8Array): Uint8Array =>
  syncFrame(framing, syncType.update, update);

export function encodeAwareness(framing: Framing, awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = start(framing, messageType.awareness);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}

export function encodeStateless(documentName: string, payload: string): Uint8Array {
  const encoder = start({ kind: 'hocuspocus', documentName }, messageType.stateless);
  encoding.writeVarString(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** Reads one frame. Hocuspocus frames also give back the address they were sent for. */
export function decodeMessage(
  framing: Framing['kind'],
  frame: Uint8Array,
): { address: string | undefined; message: IncomingMessage } {
  const decoder = decoding.createDecoder(frame);
  const address = framing === 'hocuspocus' ? decoding.readVarString(decoder) : undefined;
  const type = decoding.readVarUint(decoder);
  return { address, message: decodeBody(framing, type, decoder) };
}

function decodeBody(framing: Framing['kind'], type: number, decoder: decoding.Decoder): IncomingMessage {
  switch (type) {
    case messageType.sync:
    case messageType.syncReply: {
      const kind = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (kind === syncType.step1) return { type: 'sync-step1', stateVector: payload };
      if (kind === syncType.step2) return { type: 'sync-step2', update: payload };
      if (kind === syncType.update) return { type: 'update', update: payload };
      return { type: 'unknown', code: type };
    }
    case messageType.awareness:
      return { type: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case messageType.auth: {
      const kind = decoding.readVarUint(decoder);
      // y-protocols' auth message has a single kind, 0: permission denied.
      if (framing === 'y-websocket') return { type: 'permission-denied', reason: decoding.readVarString(decoder) };
      if (kind === authType.authenticated) return { type: 'authenticated', scope: decoding.readVarString(decoder) };
      if (kind === authType.permissionDenied) {
        return { type: 'permission-denied', reason: decoding.readVarString(decoder) };
      }
      return { type: 'token-request' };
    }
    case messageType.queryAwareness:
      return { type: 'query-awareness' };
    case messageType.stateless:
      return { type: 'stateless', payload: decoding.readVarString(decoder) };
    case messageType.close:
      return { type: 'close', reason: decoding.readVarString(decoder) };
    case messageType.syncStatus:
      return { type: 'sync-status', applied: decoding.readVarUint(decoder) === 1 };
    default:
      return { type: 'unknown', code: type };
  }
}
