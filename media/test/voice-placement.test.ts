/**
 * A dojo's voice room lives on one media process at a time, across several (docs/adr/0010-voice-placement.md):
 * two real `npm run media` processes sharing a Redis, behind a private HAProxy that spreads new voice
 * sockets over both and reaches each one by its own path (`/media/m1`, `/media/m2`). Two participants
 * whose sockets reach different processes end up in one room and hear each other; when the process
 * holding the room is killed (SIGKILL), its lease expires and both rejoin through the balancer, as
 * clients do, on the other one, where whoever a facilitator had force-muted is still muted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '@pocdojo/shared';
import { HaproxyProcess } from '@pocdojo/shared/testing/haproxy-process';
import { ServiceProcess, sparePort } from '@pocdojo/shared/testing/service-process';
import { testRedisUrl } from '@pocdojo/shared/testing/test-database';
import { z } from 'zod';
import { methods } from '@pocdojo/shared/contract/voice-protocol';
import { startLocalStunServer } from './local-stun-server.ts';
import { joinResultSchema, VoiceTestClient } from './webrtc-voice-client.ts';

const leaseMs = 3000;
const room = `t_place/d${Date.now().toString(36)}`;
const leaseKey = `pocdojo:voice-room:${room}`;
const mutedKey = `${leaseKey}:muted`;

interface MediaNode {
  name: string;
  publicUrl: string;
  process: ServiceProcess;
}

let dataDir: string;
let balancer: HaproxyProcess;
let redis: Redis;
let stun: Awaited<ReturnType<typeof startLocalStunServer>>;
const nodes: MediaNode[] = [];
const clients: VoiceTestClient[] = [];
let tokens: { ada: string; bob: string };

interface Joined {
  client: VoiceTestClient;
  redirectedTo: string | undefined;
  /** Whether the room holds this user force-muted. */
  muted: boolean;
}

/** Join as a browser would: through `entry`, following a redirect to the room's process. */
async function joinVoice(token: string, entry = `ws://127.0.0.1:${balancer.port}/media`): Promise<Joined> {
  let client = await VoiceTestClient.connect(entry, stun.url);
  clients.push(client);
  const first = z
    .union([z.object({ redirect: z.string() }), joinResultSchema])
    .parse(await client.request(methods.join, { token, room }));
  if (!('redirect' in first)) return { client, redirectedTo: undefined, muted: first.muted };
  await client.close();
  client = await VoiceTestClient.connect(first.redirect, stun.url);
  clients.push(client);
  const { muted } = await client.join(token, room);
  return { client, redirectedTo: first.redirect, muted };
}

/** What a client does after losing its voice socket: try again through the balancer until it is back in. */
async function rejoinVoice(token: string): Promise<Joined> {
  for (;;) {
    try {
      return await joinVoice(token);
    } catch {
      // The room's process is gone and its lease not yet expired, or the balancer has not seen it go.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function speakAndListen(client: VoiceTestClient): Promise<void> {
  await client.startReceiving();
  await client.startSending(50);
}

const hears = (listener: VoiceTestClient, speaker: string) =>
  listener.waitUntil(() => listener.packetsFromUser(speaker) > 20, `packets from ${speaker}`, 60_000);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-placement-'));
  const identity = await createIdentity({ DATA_DIR: dataDir, AUTH_ISSUER: 'poc-dojo', AUTH_AUDIENCE: 'poc-dojo' });
  const dojo = room.split('/')[1] ?? '';
  const issue = (sub: string, role: 'facilitator' | 'participant') =>
    identity.issuer!.issue({ sub, tid: 't_place', roles: [role], dojo }, 600);
  // Ada facilitates: she may force-mute Bob.
  tokens = { ada: await issue('ada', 'facilitator'), bob: await issue('bob', 'participant') };
  stun = await startLocalStunServer();
  redis = new Redis(testRedisUrl());

  const balancerPort = await sparePort();
  const ports = [await sparePort(), await sparePort()];
  const names = ['m1', 'm2'];
  const started = await Promise.all(
    names.map(async (name, index) => {
      const publicUrl = `ws://127.0.0.1:${balancerPort}/media/${name}`;
      const process = await ServiceProcess.start({
        name,
        entry: 'media/src/main.ts',
        port: ports[index] ?? 0,
        env: {
          DATA_DIR: dataDir,
          HOST: '127.0.0.1',
          MEDIA_PORT: String(ports[index]),
          MEDIA_WORKERS: '1',
          // Two processes on one address: each its own RTP ports.
          MEDIA_RTC_MIN_PORT: String(41000 + index * 500),
          MEDIA_RTC_MAX_PORT: String(41499 + index * 500),
          REDIS_URL: testRedisUrl(),
          MEDIA_PUBLIC_URL: publicUrl,
          MEDIA_ROOM_LEASE_MS: String(leaseMs),
          LOG_LEVEL: 'info',
        },
      });
      return { name, publicUrl, process };
    }),
  );
  nodes.push(...started);
  const servers = (options: string) =>
    nodes.map((node, index) => `  server ${node.name} 127.0.0.1:${ports[index]} ${options}`).join('\n');
  balancer = await HaproxyProcess.start(
    [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 1h',
      '  timeout server 1h',
      '  timeout tunnel 1h',
      '  retries 3',
      '  option redispatch',
      'frontend voice',
      `  bind 127.0.0.1:${balancerPort}`,
      ...nodes.map((node) => `  use_backend ${node.name} if { path_beg /media/${node.name} }`),
      '  default_backend media',
      'backend media',
      '  balance roundrobin',
      // uWebSockets.js answers HTTP/1.1 with a Host header only: HAProxy's default check is HTTP/1.0.
      '  option httpchk',
      '  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host media',
      servers('check inter 500ms fall 2 rise 1'),
      ...nodes.flatMap((node, index) => [
        `backend ${node.name}`,
        '  http-request set-path /media',
        `  server ${node.name} 127.0.0.1:${ports[index]}`,
      ]),
      '',
    ].join('\n'),
    balancerPort,
  );
  await balancer.waitHealthy('/readyz', 4);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await balancer?.close();
  await Promise.all(nodes.map((node) => node.process.kill()));
  await redis?.del(leaseKey, mutedKey);
  redis?.disconnect();
  await stun?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('voice rooms placed across media processes', () => {
  let ada: VoiceTestClient;
  let bob: VoiceTestClient;

  it('puts two participants whose sockets reach different processes in one room', async () => {
    // Each enters through one process's own path: Ada reaches m1, Bob m2.
    const [m1, m2] = nodes;
    const first = await joinVoice(tokens.ada, m1?.publicUrl);
    const second = await joinVoice(tokens.bob, m2?.publicUrl);
    ada = first.client;
    bob = second.client;
    // m1 took the room; m2 sent Bob there.
    expect(await redis.get(leaseKey)).toBe(m1?.publicUrl);
    expect(first.redirectedTo).toBeUndefined();
    expect(second.redirectedTo).toBe(m1?.publicUrl);

    await Promise.all([speakAndListen(ada), speakAndListen(bob)]);
    await Promise.all([hears(ada, 'bob'), hears(bob, 'ada')]);
  }, 120_000);

  it('moves the room to the other process when its process is killed, and both rejoin there, Bob still muted', async () => {
    await ada.request(methods.mute, { userId: 'bob' });
    const owner = await redis.get(leaseKey);
    const doomed = nodes.find((node) => node.publicUrl === owner);
    const survivor = nodes.find((node) => node.publicUrl !== owner);
    if (!doomed || !survivor) throw new Error(`no media process holds ${room}`);

    const killedAt = Date.now();
    await doomed.process.kill();
    await Promise.all([ada.waitForClose(), bob.waitForClose()]);
    const [adaBack, bobBack] = await Promise.all([rejoinVoice(tokens.ada), rejoinVoice(tokens.bob)]);
    const rejoinedAfter = Date.now() - killedAt;
    ada = adaBack.client;
    bob = bobBack.client;

    expect(await redis.get(leaseKey)).toBe(survivor.publicUrl);
    // The force-mute given on the dead process holds on the new one, until a facilitator lifts it there.
    expect(bobBack.muted).toBe(true);
    expect(adaBack.muted).toBe(false);
    await ada.request(methods.unmute, { userId: 'bob' });
    await Promise.all([speakAndListen(ada), speakAndListen(bob)]);
    await Promise.all([hears(ada, 'bob'), hears(bob, 'ada')]);
    process.stdout.write(`voice room moved: both rejoined ${(rejoinedAfter / 1000).toFixed(1)} s after the kill\n`);
  }, 120_000);
});
