/**
 * The `/media` signaling protocol, version 1.
 *
 * One WebSocket per participant; every frame is a JSON text frame of one of three kinds:
 *
 *   request   client → server   {"v":1, "id":7, "method":"produce", "data":{…}}
 *   response  server → client   {"v":1, "id":7, "ok":true, "data":{…}}
 *                               {"v":1, "id":7, "ok":false, "error":{"code":"forbidden", "message":"…"}}
 *   event     server → client   {"v":1, "event":"newConsumer", "data":{…}}
 *
 * `id` is chosen by the client and echoed in the response; responses may arrive out of order. Error codes
 * are the platform's (`forbidden`, `invalid`, `unauthorized`, `unavailable`, `not_found`, `conflict`,
 * `rate_limited`); the message is for humans.
 *
 * A session, in the order mediasoup-client needs it:
 *
 *   join {token, room}              room = "<tid>/<dojo>", exactly the tenant and dojo the join token names.
 *                                   → {peerId, routerRtpCapabilities, canProduce, muted, peers}
 *                                   or, when several media processes run and another one hosts this dojo's
 *                                   room, → {redirect: "wss://…/media/…"}: open a socket there and join again.
 *                                   A client that loses its socket (4503, or the process died) joins again
 *                                   through the URL it started from, after a short pause, with a fresh token.
 *   createTransport {direction}     "send" | "recv" → {id, iceParameters, iceCandidates, dtlsParameters,
 *                                   iceServers}: the options of device.createSendTransport/createRecvTransport.
 *   connectTransport {transportId, dtlsParameters}
 *   startConsuming {rtpCapabilities} the server then sends `newConsumer` for every other producer, now and later.
 *   produce {transportId, kind:"audio", rtpParameters} → {producerId}   (refused for listeners)
 *   pauseProducer / resumeProducer  self-mute; resume is refused while a facilitator has muted the user.
 *                                   Sent before produce, pauseProducer makes the producer start paused.
 *   restartIce {transportId}        → {iceParameters} after a network change.
 *   leave                           closes everything of this peer; the socket stays open.
 *
 * Facilitator commands (a join token with the facilitator role for this dojo):
 *
 *   mute {userId} / unmute {userId} the server pauses/resumes that user's producer; the user cannot unpause.
 *   remove {userId}                 the user's sockets get `removed` and are closed with code 4403.
 *   allowSpeaking {userId, allowed} lets an observer produce (or stops them).
 *
 * Events:
 *
 *   peerJoined {peerId, userId, name, role} · peerLeft {peerId}   (peerJoined again when a peer's role changes)
 *   newConsumer {consumerId, producerId, peerId, userId, kind, rtpParameters, producerPaused}
 *   consumerClosed {consumerId} · consumerPaused {consumerId} · consumerResumed {consumerId}
 *   speaking {speakers: [{peerId, userId, volume}]} · silence {}   (audio level observer, dBov −127…0)
 *   muted {muted, canProduce}       this user's mute or floor state changed.
 *   removed {reason}                sent before the server closes the socket.
 */
import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';

export const protocolVersion = 1;

export const methods = {
  join: 'join',
  createTransport: 'createTransport',
  connectTransport: 'connectTransport',
  startConsuming: 'startConsuming',
  produce: 'produce',
  pauseProducer: 'pauseProducer',
  resumeProducer: 'resumeProducer',
  restartIce: 'restartIce',
  leave: 'leave',
  mute: 'mute',
  unmute: 'unmute',
  remove: 'remove',
  allowSpeaking: 'allowSpeaking',
} as const;

export const events = {
  peerJoined: 'peerJoined',
  peerLeft: 'peerLeft',
  newConsumer: 'newConsumer',
  consumerClosed: 'consumerClosed',
  consumerPaused: 'consumerPaused',
  consumerResumed: 'consumerResumed',
  speaking: 'speaking',
  silence: 'silence',
  muted: 'muted',
  removed: 'removed',
} as const;

export type EventName = (typeof events)[keyof typeof events];

/** WebSocket close codes: 4000 + the HTTP status the error code maps to everywhere else. */
export const closeCodes: Record<ErrorCode, number> = {
  invalid: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  not_found: 4404,
  conflict: 4409,
  rate_limited: 4429,
  unavailable: 4503,
};

const id = z.string().min(1).max(64);
const userId = z.string().min(1).max(128);

// mediasoup validates RTP parameters and capabilities in depth; here we check the shape and size only.
const rtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string(), kind: z.string() })).max(64),
  headerExtensions: z
    .array(z.looseObject({ uri: z.string() }))
    .max(64)
    .optional(),
});
const rtpParameters = z.looseObject({
  codecs: z
    .array(z.looseObject({ mimeType: z.string(), payloadType: z.number().int() }))
    .min(1)
    .max(16),
  encodings: z.array(z.looseObject({})).max(4).optional(),
  headerExtensions: z
    .array(z.looseObject({ uri: z.string(), id: z.number().int() }))
    .max(16)
    .optional(),
  mid: z.string().max(32).optional(),
});
const dtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().max(200),
      }),
    )
    .min(1)
    .max(8),
});

const request = <M extends string, D extends z.ZodType>(method: M, data: D) =>
  z.object({ v: z.literal(protocolVersion), id: z.number().int().nonnegative(), method: z.literal(method), data });
const empty = z.object({}).default({});

export const requestSchema = z.discriminatedUnion('method', [
  request(methods.join, z.object({ token: z.string().min(1).max(8192), room: z.string().min(3).max(130) })),
  request(methods.createTransport, z.object({ direction: z.enum(['send', 'recv']) })),
  request(methods.connectTransport, z.object({ transportId: id, dtlsParameters })),
  request(methods.startConsuming, z.object({ rtpCapabilities })),
  request(methods.produce, z.object({ transportId: id, kind: z.literal('audio'), rtpParameters })),
  request(methods.pauseProducer, empty),
  request(methods.resumeProducer, empty),
  request(methods.restartIce, z.object({ transportId: id })),
  request(methods.leave, empty),
  request(methods.mute, z.object({ userId })),
  request(methods.unmute, z.object({ userId })),
  request(methods.remove, z.object({ userId })),
  request(methods.allowSpeaking, z.object({ userId, allowed: z.boolean() })),
]);

export type Request = z.infer<typeof requestSchema>;
export type Method = Request['method'];
export type RequestData<M extends Method> = Extract<Request, { method: M }>['data'];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export type DecodedRequest =
  { ok: true; request: Request } | { ok: false; id: number | undefined; error: ProtocolError };

/** Parses one client frame. A frame that is not a valid request yields the error to reply with. */
export function decodeRequest(text: string): DecodedRequest {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, id: undefined, error: { code: 'invalid', message: 'frame is not JSON' } };
  }
  const parsed = requestSchema.safeParse(frame);
  if (parsed.success) return { ok: true, request: parsed.data };
  const claimedId = z.object({ id: z.number().int().nonnegative() }).safeParse(frame);
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return {
    ok: false,
    id: claimedId.success ? claimedId.data.id : undefined,
    error: { code: 'invalid', message: `invalid request: ${where}${issue?.message ?? 'unknown shape'}` },
  };
}

export const encodeRequest = <M extends Method>(requestId: number, method: M, data: RequestData<M>): string =>
  JSON.stringify({ v: protocolVersion, id: requestId, method, data });

export const encodeResponse = (requestId: number, data: unknown): string =>
  JSON.stringify({ v: protocolVersion, id: requestId, ok: true, data });

export const encodeError = (requestId: number | undefined, error: ProtocolError): string =>
  JSON.stringify({ v: protocolVersion, id: requestId ?? null, ok: false, error });

export const encodeEvent = (event: EventName, data: unknown): string =>
  JSON.stringify({ v: protocolVersion, event, data });

/** What a client reads: responses to its requests, and events. */
export const serverFrameSchema = z.union([
  z.object({ v: z.literal(protocolVersion), id: z.number().int().nullable(), ok: z.literal(true), data: z.unknown() }),
  z.object({
    v: z.literal(protocolVersion),
    id: z.number().int().nullable(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({ v: z.literal(protocolVersion), event: z.enum(Object.values(events)), data: z.unknown() }),
]);

export type ServerFrame = z.infer<typeof serverFrameSchema>;

export const decodeServerFrame = (text: string): ServerFrame => serverFrameSchema.parse(JSON.parse(text));

/*
 * What the server answers and announces. mediasoup's own objects (RTP capabilities and parameters, ICE and
 * DTLS parameters, ICE servers) are checked as objects only: mediasoup-client validates them in depth, and a
 * client narrows their type to its WebRTC library's (clients/sdk/src/voice-client.ts).
 */
const mediasoupObject = z.looseObject({});

/** Someone else in the room (`peers` of the join, `peerJoined`), by their dojo role. */
export const voicePeerSchema = z.object({
  peerId: z.string(),
  userId: z.string(),
  name: z.string().optional(),
  role: z.enum(['facilitator', 'participant', 'observer']),
});
export type VoicePeerInfo = z.infer<typeof voicePeerSchema>;

export const joinedSchema = z.object({
  peerId: z.string(),
  routerRtpCapabilities: mediasoupObject,
  canProduce: z.boolean(),
  muted: z.boolean(),
  peers: z.array(voicePeerSchema),
});

/** Another media process hosts this dojo's room: join there (docs/adr/0010-voice-placement.md). */
export const redirectSchema = z.object({ redirect: z.string().regex(/^wss?:\/\//) });

export const transportCreatedSchema = z.object({
  id: z.string(),
  iceParameters: mediasoupObject,
  iceCandidates: z.array(mediasoupObject),
  dtlsParameters: mediasoupObject,
  iceServers: z.array(mediasoupObject).optional(),
});

export const producedSchema = z.object({ producerId: z.string() });
export const iceRestartedSchema = z.object({ iceParameters: mediasoupObject });

export const newConsumerSchema = z.object({
  consumerId: z.string(),
  producerId: z.string(),
  peerId: z.string(),
  userId: z.string(),
  kind: z.literal('audio'),
  rtpParameters: mediasoupObject,
});

export const speakingSchema = z.object({ speakers: z.array(z.object({ userId: z.string(), volume: z.number() })) });
export const mutedSchema = z.object({ muted: z.boolean(), canProduce: z.boolean() });
export const consumerClosedSchema = z.object({ consumerId: z.string() });
export const peerLeftSchema = z.object({ peerId: z.string() });
