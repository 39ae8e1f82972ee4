import { DomainError, type Logger } from '@pocdojo/shared';
import type { types } from 'mediasoup';
import type { IceServer } from './media-config.ts';
import { VoicePeer, type PeerConnection, type PeerIdentity, type TransportDirection } from './voice-peer.ts';
import { closeCodes, events } from '@pocdojo/shared/contract/voice-protocol';
import { roleWithGrant, type DojoRole } from '@pocdojo/shared/contract/dojo-roles';
import type { MediaWorker, WorkerPool } from './worker-pool.ts';

/** Opus with in-band FEC and DTX: loss resilience and near-zero bitrate while a participant is silent. */
export const voiceCodecs: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1, minptime: 10 },
  },
];

export interface VoiceRoomOptions {
  pool: WorkerPool;
  /** Consumers a worker should carry before the room grows onto another worker. */
  consumersPerWorker: number;
  listenIp: string;
  announcedIp: string | undefined;
  /** STUN/TURN servers for a participant's transports (TURN credentials are minted per user). */
  iceServersFor(userId: string): IceServer[];
  logger: Logger;
}

export interface TransportOptions {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
  iceServers: IceServer[];
}

interface RoomProducer {
  producer: types.Producer;
  peer: VoicePeer;
}

/**
 * The voice of one dojo (`<tid>/<dojo>`): a router per worker the room spans, the peers placed on them, every
 * producer piped to every router of the room, and an audio level observer for the active speaker.
 *
 * A room where everyone hears everyone has N×(N−1) consumers; past `consumersPerWorker` on its workers, new
 * peers go to a router on the least loaded other worker. Operations that change the room's shape run one
 * at a time, so a producer is never piped to a router that is still being added, nor consumed before it is
 * piped where the consumer lives.
 */
export class VoiceRoom {
  readonly peers = new Map<string, VoicePeer>();
  private readonly routers = new Map<MediaWorker, types.Router>();
  private readonly producers = new Map<string, RoomProducer>();
  private readonly mutedUsers = new Set<string>();
  private readonly allowedListeners = new Set<string>();
  private levels: types.AudioLevelObserver | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closeListeners: (() => void)[] = [];
  closed = false;

  private constructor(
    readonly id: string,
    private readonly options: VoiceRoomOptions,
  ) {}

  /** Opens the room on the least loaded worker. */
  static async open(id: string, options: VoiceRoomOptions): Promise<VoiceRoom> {
    const room = new VoiceRoom(id, options);
    const worker = options.pool.leastLoaded();
    const router = await worker.worker.createRouter({ mediaCodecs: voiceCodecs, appData: { room: id } });
    room.routers.set(worker, router);
    room.levels = await router.createAudioLevelObserver({ maxEntries: 4, threshold: -70, interval: 500 });
    room.levels.on('volumes', (volumes: types.AudioLevelObserverVolume[]) => {
      const speakers = volumes.flatMap(({ producer, volume }) => {
        const owner = room.producers.get(producer.id)?.peer;
        return owner ? [{ peerId: owner.id, userId: owner.identity.userId, volume }] : [];
      });
      room.broadcast(events.speaking, { speakers });
    });
    room.levels.on('silence', () => room.broadcast(events.silence, {}));
    return room;
  }

  get workers(): MediaWorker[] {
    return [...this.routers.keys()];
  }

  get routerRtpCapabilities(): types.RtpCapabilities {
    const home = this.routers.values().next().value;
    if (!home) throw new DomainError('unavailable', 'voice room is closed');
    return home.rtpCapabilities;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  isMuted(userId: string): boolean {
    return this.mutedUsers.has(userId);
  }

  /** Observers listen only, unless a facilitator gave them the floor. */
  canProduce(identity: PeerIdentity): boolean {
    return identity.role !== 'observer' || this.allowedListeners.has(identity.userId);
  }

  /** Adds a participant on the router with room to spare. `muted` is the dojo's record for this user. */
  join(identity: PeerIdentity, connection: PeerConnection, muted: boolean): Promise<VoicePeer> {
    return this.serially(async () => {
      if (this.closed) throw new DomainError('conflict', 'the voice room closed as you joined; join again');
      const router = await this.routerForNewPeer();
      if (muted) this.mutedUsers.add(identity.userId);
      const peer = new VoicePeer(identity, router, connection);
      this.broadcast(events.peerJoined, peer.describe());
      this.peers.set(peer.id, peer);
      return peer;
    });
  }

  async createTransport(peer: VoicePeer, direction: TransportDirection): Promise<TransportOptions> {
    this.assertMember(peer);
    if (peer.transport(direction)) throw new DomainError('conflict', `a ${direction} transport exists already`);
    const transport = await peer.router.createWebRtcTransport({
      listenIps: [{ ip: this.options.listenIp, announcedIp: this.options.announcedIp }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 600_000,
      appData: { direction, peerId: peer.id },
    });
    // Checked again: the peer may have left, or a concurrent request opened the same direction meanwhile.
    if (peer.closed || peer.transport(direction)) {
      transport.close();
      throw peer.closed
        ? new DomainError('not_found', 'peer left')
        : new DomainError('conflict', `a ${direction} transport exists already`);
    }
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      iceServers: this.options.iceServersFor(peer.identity.userId),
    };
  }

  async connectTransport(peer: VoicePeer, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transportOf(peer, transportId).connect({ dtlsParameters });
  }

  async restartIce(peer: VoicePeer, transportId: string): Promise<types.IceParameters> {
    return this.transportOf(peer, transportId).restartIce();
  }

  /** From now on the peer receives every producer of the room, current and future. */
  startConsuming(peer: VoicePeer, rtpCapabilities: types.RtpCapabilities): Promise<void> {
    return this.serially(async () => {
      this.assertMember(peer);
      if (!peer.transport('recv')) throw new DomainError('invalid', 'create a recv transport before consuming');
      peer.rtpCapabilities = rtpCapabilities;
      for (const { producer, peer: owner } of this.producers.values()) {
        if (owner !== peer) await this.consume(peer, producer, owner);
      }
    });
  }

  produce(peer: VoicePeer, transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    return this.serially(async () => {
      this.assertMember(peer);
      if (!this.canProduce(peer.identity)) {
        throw new DomainError('forbidden', 'observers listen only in voice; a facilitator can let you speak');
      }
      if (peer.producer) throw new DomainError('conflict', 'this peer already sends audio');
      const transport = this.transportOf(peer, transportId);
      if ((transport.appData as { direction: TransportDirection }).direction !== 'send') {
        throw new DomainError('invalid', 'produce needs a send transport');
      }
      const producer = await transport.produce({ kind: 'audio', rtpParameters, appData: { peerId: peer.id } });
      peer.producer = producer;
      this.producers.set(producer.id, { producer, peer });
      producer.observer.once('close', () => {
        this.producers.delete(producer.id);
        if (peer.producer === producer) peer.producer = undefined;
      });
      // Muted by a facilitator, or by themselves before producing (rejoining muted after a reload):
      // the producer starts paused, so not one packet reaches the others.
      if (this.mutedUsers.has(peer.identity.userId) || peer.selfPaused) await producer.pause();
      for (const router of this.routers.values()) {
        if (router !== peer.router) await peer.router.pipeToRouter({ producerId: producer.id, router });
      }
      await this.levels?.addProducer({ producerId: producer.id });
      for (const other of this.peers.values()) {
        if (other !== peer) await this.consume(other, producer, peer);
      }
      return producer.id;
    });
  }

  async pauseProducer(peer: VoicePeer): Promise<void> {
    this.assertMember(peer);
    peer.selfPaused = true;
    await peer.producer?.pause();
  }

  async resumeProducer(peer: VoicePeer): Promise<void> {
    this.assertMember(peer);
    if (this.mutedUsers.has(peer.identity.userId)) {
      throw new DomainError('forbidden', 'a facilitator muted you; only a facilitator can unmute you');
    }
    peer.selfPaused = false;
    await peer.producer?.resume();
  }

  /**
   * Force-mute: the server pauses the user's producer, so nobody receives their audio whatever their client
   * does. Unmuting resumes it unless the user muted themselves. Returns how many of the user's peers it touched.
   */
  async setMuted(userId: string, muted: boolean): Promise<number> {
    if (muted) this.mutedUsers.add(userId);
    else this.mutedUsers.delete(userId);
    const targets = this.peersOf(userId);
    for (const peer of targets) {
      if (muted) await peer.producer?.pause();
      else if (!peer.selfPaused) await peer.producer?.resume();
      peer.connection.send(events.muted, { muted, canProduce: this.canProduce(peer.identity) });
    }
    return targets.length;
  }

  /** Gives an observer the floor, or takes it back (closing the microphone they had open). */
  setAllowedToSpeak(userId: string, allowed: boolean): number {
    if (allowed) this.allowedListeners.add(userId);
    else this.allowedListeners.delete(userId);
    const targets = this.peersOf(userId);
    for (const peer of targets) this.tellFloor(peer);
    return targets.length;
  }

  /**
   * A facilitator gave the user another role in the dojo (or none): each of their peers acts with the role
   * that gives, loses its producer when it may no longer speak, is told whether it may, and the others see
   * the peer's new role (`peerJoined` again).
   */
  setGrantedRole(userId: string, granted: DojoRole | undefined): number {
    const targets = this.peersOf(userId);
    for (const peer of targets) {
      const role = roleWithGrant(granted, peer.identity.token);
      if (role === peer.identity.role) continue;
      peer.identity.role = role;
      this.tellFloor(peer);
      this.broadcast(events.peerJoined, peer.describe(), peer);
    }
    return targets.length;
  }

  /** Removes every peer of the user from voice; their sessions are told why and closed. */
  remove(userId: string, reason: string): number {
    const targets = this.peersOf(userId);
    for (const peer of targets) {
      peer.connection.send(events.removed, { reason });
      this.leave(peer);
      peer.connection.disconnect(closeCodes.forbidden, reason);
    }
    return targets.length;
  }

  leave(peer: VoicePeer): void {
    if (!this.peers.delete(peer.id)) return;
    peer.close();
    this.broadcast(events.peerLeft, { peerId: peer.id });
    if (this.peers.size === 0) this.close();
  }

  /** Ends the room: its peers are disconnected with `code` (the service's shutdown, a worker that died). */
  close(code?: number, reason = 'voice room closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) {
      peer.close();
      if (code !== undefined) peer.connection.disconnect(code, reason);
    }
    this.peers.clear();
    for (const router of this.routers.values()) router.close();
    this.routers.clear();
    for (const listener of this.closeListeners) listener();
  }

  /** Bitrates of every WebRTC transport in the room, in bits per second. */
  async bitrates(): Promise<{ inbound: number; outbound: number }> {
    let inbound = 0;
    let outbound = 0;
    const transports = [...this.peers.values()].flatMap((peer) => [...peer.transports.values()]);
    const stats = await Promise.all(transports.map((t) => t.getStats().catch(() => [])));
    for (const stat of stats.flat()) {
      inbound += stat.recvBitrate;
      outbound += stat.sendBitrate;
    }
    return { inbound, outbound };
  }

  private async consume(peer: VoicePeer, producer: types.Producer, owner: VoicePeer): Promise<void> {
    const transport = peer.transport('recv');
    const rtpCapabilities = peer.rtpCapabilities;
    if (!transport || !rtpCapabilities || peer.closed || producer.closed) return;
    if (!peer.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      this.options.logger.warn({ room: this.id, peer: peer.id }, 'client cannot receive Opus; not consuming');
      return;
    }
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: false });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    consumer.on('producerclose', () => peer.connection.send(events.consumerClosed, { consumerId: consumer.id }));
    consumer.on('producerpause', () => peer.connection.send(events.consumerPaused, { consumerId: consumer.id }));
    consumer.on('producerresume', () => peer.connection.send(events.consumerResumed, { consumerId: consumer.id }));
    peer.connection.send(events.newConsumer, {
      consumerId: consumer.id,
      producerId: producer.id,
      peerId: owner.id,
      userId: owner.identity.userId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    });
  }

  /**
   * The first router of the room whose worker can take one more peer within the budget, counting what the
   * room will need there (everyone on it consumes every other peer's stream) plus the worker's other load;
   * otherwise a new router on the least loaded worker the room is not on yet, with every existing producer
   * piped into it; when the room is on every worker already, the router with the least projected load.
   */
  private async routerForNewPeer(): Promise<types.Router> {
    const streams = this.peers.size;
    const projected = [...this.routers].map(([worker, router]) => {
      const peersHere = [...this.peers.values()].filter((peer) => peer.router === router);
      const roomConsumersHere = peersHere.reduce((sum, peer) => sum + peer.consumers.size, 0);
      const otherLoad = Math.max(0, worker.consumers - roomConsumersHere);
      return { router, load: otherLoad + (peersHere.length + 1) * streams };
    });
    const fitting = projected.find(({ load }) => load <= this.options.consumersPerWorker);
    if (fitting) return fitting.router;
    const worker = this.options.pool.leastLoaded(new Set(this.routers.keys()));
    if (this.routers.has(worker)) {
      const lightest = projected.reduce((best, candidate) => (candidate.load < best.load ? candidate : best));
      return lightest.router;
    }
    const router = await worker.worker.createRouter({ mediaCodecs: voiceCodecs, appData: { room: this.id } });
    this.routers.set(worker, router);
    this.options.logger.info(
      { room: this.id, worker: worker.index, routers: this.routers.size },
      'voice room spans another worker',
    );
    for (const { producer, peer } of this.producers.values()) {
      await peer.router.pipeToRouter({ producerId: producer.id, router });
    }
    return router;
  }

  private transportOf(peer: VoicePeer, transportId: string): types.WebRtcTransport {
    this.assertMember(peer);
    const transport = peer.transports.get(transportId);
    if (!transport) throw new DomainError('not_found', 'no such transport for this peer');
    return transport;
  }

  private assertMember(peer: VoicePeer): void {
    if (this.closed || peer.closed || !this.peers.has(peer.id))
      throw new DomainError('not_found', 'not in this voice room');
  }

  private peersOf(userId: string): VoicePeer[] {
    return [...this.peers.values()].filter((peer) => peer.identity.userId === userId);
  }

  /** Whether the peer may speak changed: a microphone it may no longer use closes, and it is told. */
  private tellFloor(peer: VoicePeer): void {
    const canProduce = this.canProduce(peer.identity);
    if (!canProduce) peer.producer?.close();
    peer.connection.send(events.muted, { muted: this.isMuted(peer.identity.userId), canProduce });
  }

  private broadcast(event: (typeof events)[keyof typeof events], data: unknown, except?: VoicePeer): void {
    for (const peer of this.peers.values()) if (peer !== except) peer.connection.send(event, data);
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation);
    // The queue itself never rejects: one failed operation must not block the ones after it.
    this.queue = next.catch(() => undefined);
    return next;
  }
}
