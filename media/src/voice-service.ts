import {
  DomainError,
  SpanKind,
  startSpan,
  type Logger,
  type Registry,
  type TokenRevocations,
  type TokenVerifier,
} from '@pocdojo/shared';
import type { TemplatedApp } from 'uWebSockets.js';
import type { DojoRole } from '@pocdojo/shared/contract/dojo-roles';
import { formatVoiceRoomId, type DojoVoicePolicy, type VoiceRoomId } from './dojo-voice-policy.ts';
import { resolveWorkerBinary, type MediaSettings } from './media-config.ts';
import { redisRoomPlacement, singleProcessPlacement, type Placement } from './room-placement.ts';
import { SignalingSession } from './signaling-session.ts';
import { mintTurnCredentials } from './turn-credentials.ts';
import { registerVoiceMetrics, workerUsage, type WorkerUsage } from './voice-metrics.ts';
import { closeCodes } from '@pocdojo/shared/contract/voice-protocol';
import { VoiceRoom } from './voice-room.ts';
import { WorkerPool } from './worker-pool.ts';

export interface VoiceServiceDeps {
  /**
   * The voice settings (`mediaSettingsShape`), read with the rest of the process's configuration; with
   * REDIS_URL and MEDIA_PUBLIC_URL, rooms are placed across media processes.
   */
  config: MediaSettings & { REDIS_URL?: string | undefined };
  /** The same verifier the rest of the process uses (`identity.verifier`). */
  verifier: TokenVerifier;
  logger: Logger;
  registry: Registry;
  /**
   * The dojo control document's view of muting; without it, voice keeps that state per room, and in Redis
   * with the room's lease when rooms are placed across processes.
   */
  policy?: DojoVoicePolicy;
  /**
   * The process's revocations, which `verifier` already refuses at a join; with them, a session whose
   * token is revoked after it joined ends too. A media process without a database has none.
   */
  revocations?: Pick<TokenRevocations, 'onRevoked' | 'isRevoked'>;
}

export type VoiceStatus =
  { available: true; workers: number; mediasoupVersion: string } | { available: false; reason: string };

export interface VoiceService {
  /** Serves the signaling WebSocket at `path` (default `/media`) on a uWebSockets.js app. */
  attach(app: TemplatedApp, path?: string): void;
  /** Whether voice can take participants (false when no worker binary exists here). */
  ready(): boolean;
  status(): VoiceStatus;
  /** The open room of a dojo, if anyone is in voice there. */
  room(id: VoiceRoomId): VoiceRoom | undefined;
  /** Force-mute or unmute a user in a dojo (the control document changed). Returns the peers touched. */
  setMuted(room: VoiceRoomId, userId: string, muted: boolean): Promise<number>;
  /** Let an observer speak, or take the floor back. */
  allowSpeaking(room: VoiceRoomId, userId: string, allowed: boolean): number;
  /** A facilitator gave the user another role in the dojo, or none (the control document changed). */
  setGrantedRole(room: VoiceRoomId, userId: string, granted: DojoRole | undefined): number;
  removeFromVoice(room: VoiceRoomId, userId: string, reason?: string): number;
  /** CPU and peak memory of each worker process. */
  workerUsage(): Promise<WorkerUsage[]>;
  close(): Promise<void>;
}

interface SocketData {
  session: SignalingSession | undefined;
}

/**
 * Starts the worker pool (or records why voice is unavailable, leaving the rest of the process running)
 * and returns the service that the process mounts on its uWebSockets.js app.
 */
export async function createVoiceService(deps: VoiceServiceDeps): Promise<VoiceService> {
  const { config, logger } = deps;
  const rooms = new Map<string, Promise<VoiceRoom>>();
  const openRooms = new Map<string, VoiceRoom>();
  const sessions = new Set<SignalingSession>();
  const { revocations } = deps;
  revocations?.onRevoked((userId) => {
    let ended = 0;
    for (const session of sessions) if (session.endIfRevoked((claims) => revocations.isRevoked(claims))) ended += 1;
    if (ended > 0) logger.info({ user: userId, sessions: ended }, 'ended voice sessions of revoked tokens');
  });

  let pool: WorkerPool | undefined;
  let unavailable: string | undefined;
  const workerBinary = resolveWorkerBinary(config);
  if (!workerBinary) {
    unavailable = `no mediasoup worker at ${config.MEDIASOUP_WORKER_BIN ?? 'the Debian path'}; run scripts/install-mediasoup-worker.sh or set MEDIASOUP_WORKER_BIN`;
  } else {
    try {
      pool = await WorkerPool.start({
        workerBinary,
        size: config.MEDIA_WORKERS,
        logLevel: config.MEDIA_WORKER_LOG_LEVEL,
        rtcMinPort: config.MEDIA_RTC_MIN_PORT,
        rtcMaxPort: config.MEDIA_RTC_MAX_PORT,
        logger,
      });
      logger.info({ workers: pool.workers.length, workerBinary, mediasoup: pool.version }, 'voice ready');
    } catch (error) {
      unavailable = `mediasoup workers did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (unavailable) logger.warn({ reason: unavailable }, 'voice unavailable; everything else runs');

  const metrics = registerVoiceMetrics(deps.registry, {
    available: () => pool !== undefined,
    workers: () => pool?.workers ?? [],
    rooms: () => openRooms.values(),
  });
  pool?.onWorkerDied((worker) => {
    metrics.workerDied();
    for (const room of openRooms.values()) {
      if (room.workers.includes(worker)) room.close(closeCodes.unavailable, 'media worker restarted; join again');
    }
  });

  const placement =
    config.MEDIA_PUBLIC_URL && config.REDIS_URL
      ? redisRoomPlacement({
          redisUrl: config.REDIS_URL,
          publicUrl: config.MEDIA_PUBLIC_URL,
          leaseMs: config.MEDIA_ROOM_LEASE_MS,
          logger,
          hosts: (key) => rooms.has(key),
        })
      : singleProcessPlacement;
  const policy = deps.policy ?? placement.mutes;
  // A renewal found the room's lease taken (this process stalled past it; a join placed the room elsewhere
  // meanwhile): its participants rejoin and are sent to the new owner. A renewal after a missed release
  // reclaims a free lease, so a room never runs here for long without one.
  placement.onLost((key) =>
    openRooms.get(key)?.close(closeCodes.unavailable, 'this voice room moved to another media server; join again'),
  );
  const place = async (id: VoiceRoomId): Promise<Placement> => {
    if (!pool) throw new DomainError('unavailable', `voice is unavailable on this server: ${unavailable}`);
    const placed = await placement.place(formatVoiceRoomId(id));
    if (!placed.here) metrics.redirected();
    return placed;
  };

  const turn =
    config.TURN_URLS?.length && config.TURN_SHARED_SECRET
      ? { urls: config.TURN_URLS, secret: config.TURN_SHARED_SECRET, ttlSeconds: config.TURN_TTL_SECONDS }
      : undefined;
  // Every transport gets the static servers and, with TURN configured, credentials of its own.
  const iceServersFor = (userId: string) =>
    turn ? [...config.MEDIA_TURN_SERVERS, mintTurnCredentials(turn, userId)] : config.MEDIA_TURN_SERVERS;

  const openRoom = (id: VoiceRoomId): Promise<VoiceRoom> => {
    const running = pool;
    if (!running) throw new DomainError('unavailable', `voice is unavailable on this server: ${unavailable}`);
    const key = formatVoiceRoomId(id);
    const existing = rooms.get(key);
    if (existing) return existing;
    const opening = VoiceRoom.open(key, {
      pool: running,
      consumersPerWorker: config.MEDIA_CONSUMERS_PER_WORKER,
      listenIp: config.MEDIA_LISTEN_IP,
      announcedIp: config.MEDIA_ANNOUNCED_IP,
      iceServersFor,
      logger,
    });
    rooms.set(key, opening);
    opening.then(
      (room) => {
        openRooms.set(key, room);
        room.onClose(() => {
          rooms.delete(key);
          openRooms.delete(key);
          placement.release(key);
        });
      },
      () => rooms.delete(key),
    );
    return opening;
  };
  const room = (id: VoiceRoomId) => openRooms.get(formatVoiceRoomId(id));

  const sessionContext = {
    verifier: deps.verifier,
    policy,
    logger,
    place,
    openRoom,
    room,
    requestsPerSecond: config.MEDIA_REQUESTS_PER_SECOND,
  };

  return {
    attach(app, path = '/media') {
      app.ws<SocketData>(path, {
        maxPayloadLength: 64 * 1024,
        idleTimeout: 60,
        sendPingsAutomatically: true,
        maxBackpressure: 1024 * 1024,
        closeOnBackpressureLimit: true,
        upgrade(res, req, context) {
          res.upgrade<SocketData>(
            { session: undefined },
            req.getHeader('sec-websocket-key'),
            req.getHeader('sec-websocket-protocol'),
            req.getHeader('sec-websocket-extensions'),
            context,
          );
        },
        open(ws) {
          // Each socket is a trace of its own, as on /collab: a connection outlives whatever opened it.
          const span = startSpan('voice connection', {
            kind: SpanKind.SERVER,
            newTrace: true,
            attributes: {
              'network.protocol.name': 'websocket',
              'url.path': path,
              'client.address': Buffer.from(ws.getRemoteAddressAsText()).toString(),
            },
          });
          const session = new SignalingSession(
            { send: (text) => void ws.send(text), end: (code, reason) => ws.end(code, reason) },
            sessionContext,
            span,
          );
          ws.getUserData().session = session;
          sessions.add(session);
        },
        message(ws, message, isBinary) {
          const session = ws.getUserData().session;
          if (!session) return;
          if (isBinary) {
            session.disconnect(closeCodes.invalid, 'the voice protocol is JSON text frames');
            return;
          }
          session.receive(Buffer.from(message).toString('utf8'));
        },
        close(ws, code, message) {
          const session = ws.getUserData().session;
          if (!session) return;
          sessions.delete(session);
          session.closedByClient(code, Buffer.from(message).toString());
        },
      });
    },
    ready: () => pool !== undefined,
    status: () =>
      pool
        ? { available: true, workers: pool.workers.length, mediasoupVersion: pool.version }
        : { available: false, reason: unavailable ?? 'voice closed' },
    room,
    async setMuted(id, userId, muted) {
      return (await room(id)?.setMuted(userId, muted)) ?? 0;
    },
    allowSpeaking: (id, userId, allowed) => room(id)?.setAllowedToSpeak(userId, allowed) ?? 0,
    setGrantedRole: (id, userId, granted) => room(id)?.setGrantedRole(userId, granted) ?? 0,
    removeFromVoice: (id, userId, reason = 'removed from voice') => room(id)?.remove(userId, reason) ?? 0,
    workerUsage: () => workerUsage(pool?.workers ?? []),
    async close() {
      for (const session of sessions) session.disconnect(closeCodes.unavailable, 'voice service shutting down');
      sessions.clear();
      for (const open of openRooms.values()) open.close();
      await placement.close();
      pool?.close();
      pool = undefined;
      unavailable = 'voice service closed';
    },
  };
}
