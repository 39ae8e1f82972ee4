/**
 * The room lease on its own, against the test Redis: two placements stand for two media processes.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@pocdojo/shared';
import { testRedisUrl } from '@pocdojo/shared/testing/test-database';
import { redisRoomPlacement, type RoomPlacement } from '../src/room-placement.ts';

const logger = createLogger({ level: 'silent', name: 'placement-test' });
const redis = new Redis(testRedisUrl());
const prefix = `pocdojo-test-${randomBytes(4).toString('hex')}:`;
const leaseMs = 2000;
const open: RoomPlacement[] = [];

/** A media process's placement; `hosted` is the set of rooms it has open. */
function mediaProcess(name: string, hosted: Set<string>): RoomPlacement {
  const placement = redisRoomPlacement({
    redisUrl: testRedisUrl(),
    publicUrl: `wss://voice.test/media/${name}`,
    leaseMs,
    logger,
    prefix,
    hosts: (room) => hosted.has(room),
  });
  open.push(placement);
  return placement;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` holds (renewals run on a timer; the machine may be loaded). */
async function eventually(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await pause(100);
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((placement) => placement.close()));
});
afterAll(() => redis.disconnect());

describe('room placement through a Redis lease', () => {
  it('gives a free room to the first process and sends the others there', async () => {
    const m1 = mediaProcess('m1', new Set(['t/a']));
    const m2 = mediaProcess('m2', new Set());
    expect(await m1.place('t/a')).toEqual({ here: true });
    expect(await m2.place('t/a')).toEqual({ here: false, url: 'wss://voice.test/media/m1' });
    expect(await m1.place('t/a')).toEqual({ here: true });
  });

  it('keeps the lease past its time while the room is open, and hands it over when the room closes', async () => {
    const hosted = new Set(['t/b']);
    const m1 = mediaProcess('m1', hosted);
    const m2 = mediaProcess('m2', new Set());
    await m1.place('t/b');
    await pause(leaseMs * 3);
    expect(await m2.place('t/b')).toEqual({ here: false, url: 'wss://voice.test/media/m1' });
    hosted.delete('t/b');
    m1.release('t/b');
    await eventually(async () => (await m2.place('t/b')).here, 'm2 holds the room');
  });

  it('gives back a lease claimed for a room that never opened', async () => {
    const m1 = mediaProcess('m1', new Set());
    await m1.place('t/c');
    // Given back at the next renewal, well before the lease would have expired by itself.
    await eventually(async () => (await redis.exists(`${prefix}t/c`)) === 0, 'the lease is gone');
  });

  it('moves a room whose lease another process took over', async () => {
    const m1 = mediaProcess('m1', new Set(['t/d']));
    const lost: string[] = [];
    m1.onLost((room) => lost.push(room));
    await m1.place('t/d');
    // What a process sees after it could not renew in time and another one claimed the room.
    await redis.set(`${prefix}t/d`, 'wss://voice.test/media/m2', 'PX', 10_000);
    await eventually(() => lost.length > 0, 'm1 hears it lost the room');
    expect(lost).toEqual(['t/d']);
    await redis.del(`${prefix}t/d`);
  });

  it('lets the rooms go at once when the process drains', async () => {
    const m1 = mediaProcess('m1', new Set(['t/e']));
    await m1.place('t/e');
    await m1.close();
    open.splice(open.indexOf(m1), 1);
    expect(await redis.exists(`${prefix}t/e`)).toBe(0);
  });
});
