import {
  DomainError,
  inSpan,
  isDomainError,
  TokenError,
  withActiveSpan,
  type Claims,
  type Logger,
  type Span,
  type TokenVerifier,
} from '@pocdojo/shared';
import type { types } from 'mediasoup';
import { roleWithGrant, tokenRole } from '@pocdojo/shared/contract/dojo-roles';
import type { DojoVoicePolicy, VoiceRoomId } from './dojo-voice-policy.ts';
import { formatVoiceRoomId, parseVoiceRoomId } from './dojo-voice-policy.ts';
import { leadsDojo, type PeerConnection, type VoicePeer } from './voice-peer.ts';
import {
  closeCodes,
  decodeRequest,
  encodeError,
  encodeEvent,
  encodeResponse,
  methods,
  type EventName,
  type Request,
  type RequestData,
} from '@pocdojo/shared/contract/voice-protocol';
import type { Placement } from './room-placement.ts';
import type { VoiceRoom } from './voice-room.ts';

/** What a session needs from the service around it. */
export interface SessionContext {
  verifier: TokenVerifier;
  policy: DojoVoicePolicy;
  requestsPerSecond: number;
  logger: Logger;
  /** Which media process hosts the room; this one claims it when nobody does. */
  place(id: VoiceRoomId): Promise<Placement>;
  /** The room for this id, opened on demand; throws `unavailable` when voice cannot run here. */
  openRoom(id: VoiceRoomId): Promise<VoiceRoom>;
  /** The room if it is open. */
  room(id: VoiceRoomId): VoiceRoom | undefined;
}

/** The socket under a session: uWebSockets.js in production, anything that sends text frames in principle. */
export interface SessionSocket {
  send(text: string): void;
  end(code: number, reason: string): void;
}

/**
 * One client's signaling: authenticates the join, then turns requests into room operations and room
 * events into frames. Requests are answered in any order; the room serializes what must be.
 *
 * Traced as the collaboration tier's sockets are: `span` is the connection's, open to close (the room it
 * joined, the close code and reason), and each request is a `voice <method>` span inside it (join,
 * createTransport, connectTransport, produce, startConsuming…) with the placement's Redis and the
 * policy's Postgres calls under it. Untraced, these are the API's no-op spans.
 */
export class SignalingSession implements PeerConnection {
  private joined: { room: VoiceRoom; roomId: VoiceRoomId; peer: VoicePeer; claims: Claims } | undefined;
  private closed = false;
  /** A token bucket: a participant needs a handful of requests; a flood is a bug or abuse. */
  private allowance: number;
  private allowanceAt = Date.now();
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: SessionSocket,
    private readonly context: SessionContext,
    /** The connection's span, ended here when the socket closes. */
    private readonly span: Span,
  ) {
    this.allowance = context.requestsPerSecond * 5;
  }

  /** One text frame from the client. */
  receive(text: string): void {
    const decoded = decodeRequest(text);
    if (!decoded.ok) {
      this.write(encodeError(decoded.id, decoded.error));
      return;
    }
    const { request } = decoded;
    if (!this.withinRate()) {
      this.write(encodeError(request.id, { code: 'rate_limited', message: 'too many voice requests; slow down' }));
      return;
    }
    const handled = withActiveSpan(this.span, () =>
      inSpan(`voice ${request.method}`, { attributes: { 'voice.method': request.method } }, () => this.handle(request)),
    );
    handled.then(
      (data) => this.write(encodeResponse(request.id, data ?? {})),
      (error: unknown) => {
        if (isDomainError(error)) {
          this.write(encodeError(request.id, { code: error.code, message: error.message }));
          return;
        }
        this.context.logger.error({ err: error, method: request.method }, 'voice request failed');
        const message = error instanceof Error ? error.message : 'internal error';
        this.write(encodeError(request.id, { code: 'invalid', message: `${request.method} failed: ${message}` }));
      },
    );
  }

  send(event: EventName, data: unknown): void {
    this.write(encodeEvent(event, data));
  }

  disconnect(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    this.endSpan(code, reason);
    this.socket.end(code, reason);
  }

  /**
   * Leaves and closes as an expired token does when the token this session joined with was revoked (its
   * person erased, or their roles changed): the client rejoins with a fresh token, which an erased person
   * cannot get and a person with new roles joins with.
   */
  endIfRevoked(isRevoked: (claims: Claims) => boolean): boolean {
    if (!this.joined || !isRevoked(this.joined.claims)) return false;
    this.leave();
    this.disconnect(closeCodes.unauthorized, 'token revoked');
    return true;
  }

  /** The socket closed: leave the room. */
  closedByClient(code: number, reason: string): void {
    if (!this.closed) this.endSpan(code, reason);
    this.closed = true;
    clearTimeout(this.expiryTimer);
    this.leave();
  }

  private endSpan(code: number, reason: string): void {
    this.span.setAttributes({ 'websocket.close.code': code, 'websocket.close.reason': reason });
    this.span.end();
  }

  private withinRate(): boolean {
    const now = Date.now();
    const rate = this.context.requestsPerSecond;
    this.allowance = Math.min(rate * 5, this.allowance + ((now - this.allowanceAt) / 1000) * rate);
    this.allowanceAt = now;
    if (this.allowance < 1) return false;
    this.allowance -= 1;
    return true;
  }

  private write(text: string): void {
    if (!this.closed) this.socket.send(text);
  }

  private leave(): void {
    if (!this.joined) return;
    const { room, peer } = this.joined;
    this.joined = undefined;
    room.leave(peer);
  }

  private async handle(request: Request): Promise<unknown> {
    if (request.method === methods.join) return this.join(request.data);
    const joined = this.joined;
    if (!joined) throw new DomainError('invalid', `join a room before ${request.method}`);
    const { room, peer, roomId } = joined;
    switch (request.method) {
      case methods.createTransport:
        return room.createTransport(peer, request.data.direction);
      case methods.connectTransport:
        return room.connectTransport(
          peer,
          request.data.transportId,
          request.data.dtlsParameters as types.DtlsParameters,
        );
      case methods.startConsuming:
        return room.startConsuming(peer, request.data.rtpCapabilities as types.RtpCapabilities);
      case methods.produce:
        return {
          producerId: await room.produce(
            peer,
            request.data.transportId,
            request.data.rtpParameters as types.RtpParameters,
          ),
        };
      case methods.pauseProducer:
        return room.pauseProducer(peer);
      case methods.resumeProducer:
        return room.resumeProducer(peer);
      case methods.restartIce:
        return { iceParameters: await room.restartIce(peer, request.data.transportId) };
      case methods.leave:
        this.leave();
        return {};
      case methods.mute:
      case methods.unmute:
      case methods.remove: {
        this.assertLeads(peer);
        const { userId } = request.data;
        await this.context.policy.recordCommand({
          action: request.method,
          room: roomId,
          by: peer.identity.userId,
          userId,
        });
        if (request.method === methods.remove)
          return { peers: room.remove(userId, 'removed from voice by a facilitator') };
        return { peers: await room.setMuted(userId, request.method === methods.mute) };
      }
      case methods.allowSpeaking: {
        this.assertLeads(peer);
        const { userId, allowed } = request.data;
        await this.context.policy.recordCommand({
          action: 'allowSpeaking',
          room: roomId,
          by: peer.identity.userId,
          userId,
          allowed,
        });
        return { peers: room.setAllowedToSpeak(userId, allowed) };
      }
    }
  }

  private async join({ token, room: roomText }: RequestData<'join'>): Promise<unknown> {
    if (this.joined) throw new DomainError('conflict', 'this session is in a voice room already; leave first');
    const claims = await this.context.verifier.verify(token).catch((error: unknown) => {
      if (error instanceof TokenError) {
        throw new DomainError('unauthorized', error.reason === 'expired' ? 'token expired' : error.message);
      }
      throw error;
    });
    const roomId = parseVoiceRoomId(roomText);
    if (!roomId) throw new DomainError('invalid', 'room must be "<tenant>/<dojo>"');
    if (roomId.tenantId !== claims.tid) throw new DomainError('forbidden', 'this voice room belongs to another tenant');
    if (claims.dojo === undefined) throw new DomainError('forbidden', 'voice needs a join token for this dojo');
    if (claims.dojo !== roomId.dojoId) throw new DomainError('forbidden', 'this join token is for another dojo');

    const joinedAs = tokenRole(claims);
    const granted = await this.context.policy.grantedRole?.(roomId, claims.sub);
    const identity = {
      userId: claims.sub,
      name: claims.name,
      token: joinedAs,
      role: roleWithGrant(granted, joinedAs),
    };
    const muted = await this.context.policy.isMuted(roomId, identity.userId);
    const placement = await this.context.place(roomId);
    if (!placement.here) {
      this.context.logger.debug({ room: formatVoiceRoomId(roomId), to: placement.url }, 'voice room is elsewhere');
      return { redirect: placement.url };
    }
    // Opened right after the claim, with no await between: the lease is never renewed for a room not opening.
    const room = await this.context.openRoom(roomId);
    const peer = await room.join(identity, this, muted);
    if (this.closed) {
      room.leave(peer);
      throw new DomainError('not_found', 'session closed while joining');
    }
    this.joined = { room, roomId, peer, claims };
    this.span.setAttributes({ 'voice.room': formatVoiceRoomId(roomId), 'voice.peer': peer.id });
    // As on /collab: the session lasts as long as its token; the client rejoins with a fresh one.
    const untilExpiry = Math.min(claims.exp * 1000 - Date.now(), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      this.leave();
      this.disconnect(closeCodes.unauthorized, 'token expired');
    }, untilExpiry);
    this.context.logger.debug(
      { room: formatVoiceRoomId(roomId), peer: peer.id, user: identity.userId },
      'joined voice',
    );
    return {
      peerId: peer.id,
      routerRtpCapabilities: room.routerRtpCapabilities,
      canProduce: room.canProduce(identity),
      muted: room.isMuted(identity.userId),
      peers: [...room.peers.values()].filter((other) => other !== peer).map((other) => other.describe()),
    };
  }

  private assertLeads(peer: VoicePeer): void {
    if (!leadsDojo(peer.identity)) throw new DomainError('forbidden', 'only a facilitator of this dojo can do that');
  }
}
