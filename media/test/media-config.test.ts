import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '@pocdojo/shared';
import { debianWorkerBinary, mediaConfigSchema, resolveWorkerBinary } from '../src/media-config.ts';

describe('voice configuration', () => {
  it('defaults to the Debian worker, local listening and no TURN servers', () => {
    const config = readConfig(mediaConfigSchema, {});
    expect(config).toMatchObject({
      MEDIA_CONSUMERS_PER_WORKER: 500,
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_RTC_MIN_PORT: 40000,
      MEDIA_RTC_MAX_PORT: 49999,
      MEDIA_TURN_SERVERS: [],
      MEDIA_PORT: 8081,
    });
    expect(resolveWorkerBinary(config)).toBe(debianWorkerBinary);
  });

  it('reads the TURN servers handed to clients as JSON', () => {
    const servers = [{ urls: ['turn:turn.example.org:3478?transport=tcp'], username: 'u', credential: 'p' }];
    expect(readConfig(mediaConfigSchema, { MEDIA_TURN_SERVERS: JSON.stringify(servers) }).MEDIA_TURN_SERVERS).toEqual(
      servers,
    );
  });

  it('names every bad variable at once', () => {
    let problems: string[] = [];
    try {
      readConfig(mediaConfigSchema, { MEDIA_TURN_SERVERS: 'turn:x', MEDIA_LISTEN_IP: 'localhost', MEDIA_WORKERS: '0' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'MEDIA_LISTEN_IP',
      'MEDIA_TURN_SERVERS',
      'MEDIA_WORKERS',
    ]);
  });

  it('refuses an empty RTC port range', () => {
    expect(() => readConfig(mediaConfigSchema, { MEDIA_RTC_MIN_PORT: '5000', MEDIA_RTC_MAX_PORT: '4000' })).toThrow(
      'MEDIA_RTC_MIN_PORT: MEDIA_RTC_MIN_PORT must be below MEDIA_RTC_MAX_PORT',
    );
  });

  it('reports no worker when the configured binary does not exist', () => {
    expect(resolveWorkerBinary({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' })).toBeUndefined();
  });

  it('reads the TURN URLs with their shared secret, and refuses one without the other', () => {
    const config = readConfig(mediaConfigSchema, {
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349',
      TURN_SHARED_SECRET: 'a-secret-long-enough',
    });
    expect(config).toMatchObject({
      TURN_URLS: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
      TURN_TTL_SECONDS: 3600,
    });
    expect(() => readConfig(mediaConfigSchema, { TURN_URLS: 'turn:turn.example.org' })).toThrow(
      'TURN_URLS and TURN_SHARED_SECRET go together',
    );
    expect(() =>
      readConfig(mediaConfigSchema, { TURN_URLS: 'stun:x', TURN_SHARED_SECRET: 'a-secret-long-enough' }),
    ).toThrow('each TURN URL starts with turn: or turns:');
  });

  it('places rooms across processes only with Redis', () => {
    expect(() => readConfig(mediaConfigSchema, { MEDIA_PUBLIC_URL: 'wss://voice.example.org/media/m1' })).toThrow(
      'needs REDIS_URL',
    );
    expect(
      readConfig(mediaConfigSchema, {
        MEDIA_PUBLIC_URL: 'wss://voice.example.org/media/m1',
        REDIS_URL: 'redis://127.0.0.1:6379',
      }),
    ).toMatchObject({ MEDIA_PUBLIC_URL: 'wss://voice.example.org/media/m1', MEDIA_ROOM_LEASE_MS: 5000 });
  });
});
