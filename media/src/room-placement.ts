import { DomainError, type Logger } from '@pocdojo/shared';
import { Redis } from 'ioredis';
import { formatVoiceRoomId, roomLocalPolicy, type DojoVoicePolicy } from './dojo-voice-policy.ts';

/** Where a dojo's voice room lives: on this process, or on the one at `url`. */
export type Placement = { here: true } | { here: false; url: string };

/**
 * Which media process hosts each voice room. One process: always this one. Several: a lease in Redis
 * per room (docs/adr/0010-voice-placement.md).
 */
export interface RoomPlacement {
  /** Claims the room for this process, unless another process holds it. */
  place(room: string): Promise<Placement>;
  /** The room closed here; another process may take it. */
  release(room: string): void;
  /** `listener` hears of rooms this process hosted and no longer holds (its lease was taken over). */
  onLost(listener: (room: string) => void): void;
  /**
   * Who a facilitator force-muted in each room, kept where the room's next host reads it: a room that
   * moves to another process (its process died or drained) keeps its muted participants muted.
   */
  readonly mutes: DojoVoicePolicy;
  close(): Promise<void>;
}

export const singleProcessPlacement: RoomPlacement = {
  place: () => Promise.resolve({ here: true }),
  release: () => undefined,
  onLost: () => undefined,
  mutes: roomLocalPolicy,
  close: () => Promise.resolve(),
};

/**
 * How long a room's force-mutes outlive its last lease renewal. Longer than any lease, so that the room's
 * next host finds them after a crash; a force-mute also holds when everyone leaves and comes back within
 * it, as the dojo's control document keeps it in the all-in-one process.
 */
const mutesKeptMs = 60 * 60_000;

/**
 * Returns the lease's owner after making it this process's when nobody holds it (SET NX PX), and extends
 * it when this process holds it already: claiming and renewing are the same atomic step. The holder keeps
 * the room's force-muted set (KEYS[2]) alive with it.
 */
const claimScript = `
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  owner = ARGV[1]
elseif owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return owner`;

/** Deletes the lease only while this process holds it. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisPlacementOptions {
  redisUrl: string;
  /** This process's /media URL as clients reach it; also its name as a lease owner. */
  publicUrl: string;
  leaseMs: number;
  logger: Logger;
  /** Key prefix, so that deployments (or tests) sharing a Redis do not share leases. */
  prefix?: string;
  /** Whether a room is open (or opening) here: a lease claimed for a join that then failed is given back. */
  hosts(room: string): boolean;
}

/**
 * Leases in Redis: the first media process asked for a room claims it for `leaseMs` and renews it every
 * third of that while the room is open; the others send the room's participants to the holder's URL. A
 * process that dies stops renewing, its leases expire, and the next join claims the room elsewhere.
 */
export function redisRoomPlacement(options: RedisPlacementOptions): RoomPlacement {
  const { publicUrl, leaseMs, logger } = options;
  const prefix = options.prefix ?? 'pocdojo:voice-room:';
  const redis = new Redis(options.redisUrl, { connectTimeout: 2_000, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'voice placement: redis error'));
  const held = new Set<string>();
  const lostListeners: ((room: string) => void)[] = [];

  const mutedKey = (room: string) => `${prefix}${room}:muted`;
  const claim = async (room: string): Promise<string> =>
    String(
      await redis.eval(claimScript, 2, prefix + room, mutedKey(room), publicUrl, String(leaseMs), String(mutesKeptMs)),
    );
  const unreachable = (error: unknown) =>
    new DomainError(
      'unavailable',
      `voice placement is unreachable (${error instanceof Error ? error.message : String(error)}); try again`,
    );

  const mutes: DojoVoicePolicy = {
    async isMuted(room, userId) {
      try {
        return (await redis.sismember(mutedKey(formatVoiceRoomId(room)), userId)) === 1;
      } catch (error) {
        throw unreachable(error);
      }
    },
    // Recorded before the room applies it: a mute Redis did not take is refused rather than lost on a move.
    async recordCommand(command) {
      if (command.action !== 'mute' && command.action !== 'unmute') return;
      const key = mutedKey(formatVoiceRoomId(command.room));
      try {
        if (command.action === 'unmute') await redis.srem(key, command.userId);
        else await redis.multi().sadd(key, command.userId).pexpire(key, mutesKeptMs).exec();
      } catch (error) {
        throw unreachable(error);
      }
    },
  };

  const release = (room: string) => {
    if (!held.delete(room)) return;
    redis
      .eval(releaseScript, 1, prefix + room, publicUrl)
      .catch((error: unknown) => logger.warn({ err: error, room }, 'voice room lease not released'));
  };

  const renew = async () => {
    for (const room of [...held]) {
      if (!options.hosts(room)) {
        release(room);
        continue;
      }
      try {
        const owner = await claim(room);
        if (owner === publicUrl || !held.has(room)) continue;
        // Another process took the room (this one could not renew in time): its participants move there.
        held.delete(room);
        logger.warn({ room, owner }, 'voice room lease lost');
        for (const listener of lostListeners) listener(room);
      } catch (error) {
        logger.warn({ err: error, room }, 'voice room lease not renewed');
      }
    }
  };
  const renewal = setInterval(() => void renew(), Math.max(250, Math.floor(leaseMs / 3)));
  renewal.unref();

  return {
    async place(room) {
      let owner: string;
      try {
        owner = await claim(room);
      } catch (error) {
        throw unreachable(error);
      }
      if (owner !== publicUrl) return { here: false, url: owner };
      held.add(room);
      return { here: true };
    },
    release,
    onLost(listener) {
      lostListeners.push(listener);
    },
    mutes,
    async close() {
      clearInterval(renewal);
      // A draining process hands its rooms over at once instead of after the lease runs out.
      await Promise.all(
        [...held].map((room) => redis.eval(releaseScript, 1, prefix + room, publicUrl).catch(() => undefined)),
      );
      held.clear();
      // quit, not disconnect: the releases of rooms that just closed are still on their way.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
