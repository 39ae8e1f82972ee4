import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, methods } from '@pocdojo/shared/contract/voice-protocol';
import type { VoiceTestClient } from './webrtc-voice-client.ts';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

let server: VoiceTestServer;

beforeAll(async () => {
  server = await startVoiceTestServer();
});
afterAll(async () => {
  await server.close();
});

type DojoRole = 'participant' | 'facilitator' | 'observer';

async function joinDojo(userId: string, role: DojoRole, dojo = 'd1'): Promise<VoiceTestClient> {
  const client = await server.connectClient();
  await client.join(await server.token({ sub: userId, tid: 't_acme', roles: [role], dojo }), `t_acme/${dojo}`);
  return client;
}

/** Resolves once `listener` has received `count` more packets from `userId` than it had when called. */
async function hears(listener: VoiceTestClient, userId: string, count = 25): Promise<void> {
  const start = listener.packetsFromUser(userId);
  await listener.waitUntil(() => listener.packetsFromUser(userId) >= start + count, `${count} packets from ${userId}`);
}

describe('two participants in a dojo', () => {
  let alice: VoiceTestClient;
  let bob: VoiceTestClient;
  let facilitator: VoiceTestClient;

  beforeAll(async () => {
    alice = await joinDojo('alice', 'participant');
    bob = await joinDojo('bob', 'participant');
    facilitator = await joinDojo('fran', 'facilitator');
    for (const client of [alice, bob, facilitator]) await client.startReceiving();
    await alice.startSending();
    await bob.startSending();
  });

  it("carry A's Opus packets to B and B's to A", async () => {
    await hears(bob, 'alice');
    await hears(alice, 'bob');
  });

  it("show B's consumer of A with growing byte and packet counts on the server", async () => {
    const peers = [...(server.voice.room({ tenantId: 't_acme', dojoId: 'd1' })?.peers.values() ?? [])];
    const peerOf = (userId: string) => peers.find((peer) => peer.identity.userId === userId);
    const aliceProducer = peerOf('alice')?.producer;
    const consumer = [...(peerOf('bob')?.consumers.values() ?? [])].find((c) => c.producerId === aliceProducer?.id);
    if (!consumer) throw new Error("bob has no consumer of alice's producer");
    const [first] = await consumer.getStats();
    await hears(bob, 'alice');
    const [second] = await consumer.getStats();
    expect(second?.packetCount).toBeGreaterThan(first?.packetCount ?? 0);
    expect(second?.byteCount).toBeGreaterThan(first?.byteCount ?? 0);
  });

  it('tell everyone who is speaking, from the audio levels in the packets', async () => {
    const speaking = await bob.waitForEvent(events.speaking, (data) =>
      JSON.stringify(data).includes('"userId":"alice"'),
    );
    expect(speaking).toMatchObject({
      speakers: expect.arrayContaining([expect.objectContaining({ userId: 'alice' })]),
    });
  });

  it("stop A's packets reaching B when a facilitator force-mutes A, and resume them on unmute", async () => {
    await facilitator.request(methods.mute, { userId: 'alice' });
    await alice.waitForEvent(events.muted, (data) => (data as { muted: boolean }).muted);
    await bob.waitForEvent(events.consumerPaused);
    // Packets already in flight when the producer paused may still land; after that, nothing from alice.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileMuted = bob.packetsFromUser('alice');
    await hears(alice, 'bob', 25);
    expect(bob.packetsFromUser('alice')).toBe(whileMuted);

    await expect(alice.request(methods.resumeProducer, {})).rejects.toMatchObject({ code: 'forbidden' });

    await facilitator.request(methods.unmute, { userId: 'alice' });
    await bob.waitForEvent(events.consumerResumed);
    await hears(bob, 'alice');
  });

  it('let a participant mute and unmute themselves', async () => {
    await bob.request(methods.pauseProducer, {});
    await alice.waitForEvent(events.consumerPaused);
    await bob.request(methods.resumeProducer, {});
    await hears(alice, 'bob');
  });

  it('refuse facilitator commands from participants', async () => {
    await expect(bob.request(methods.mute, { userId: 'alice' })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'only a facilitator of this dojo can do that',
    });
  });

  it('report peers, producers, consumers, bitrate and worker CPU on /metrics', async () => {
    const text = await server.registry.metrics();
    expect(text).toMatch(/^media_available 1$/m);
    expect(text).toMatch(/^media_rooms 1$/m);
    expect(text).toMatch(/^media_peers 3$/m);
    expect(text).toMatch(/^media_producers 2$/m);
    expect(text).toMatch(/^media_consumers 4$/m);
    expect(text).toMatch(/^media_bitrate_bits_per_second\{direction="in"\} [1-9]/m);
    expect(text).toMatch(/^media_worker_cpu_seconds\{worker="0"\} /m);
    expect(text).toMatch(/^media_worker_max_rss_bytes\{worker="0"\} [1-9]/m);
  });
});

describe('joining voice', () => {
  it('refuses a token of another tenant', async () => {
    const client = await server.connectClient();
    const token = await server.token({ sub: 'mallory', tid: 't_other', roles: ['participant'], dojo: 'd1' });
    await expect(client.join(token, 't_acme/d1')).rejects.toMatchObject({
      code: 'forbidden',
      message: 'this voice room belongs to another tenant',
    });
  });

  it('refuses a join token for another dojo', async () => {
    const client = await server.connectClient();
    const token = await server.token({ sub: 'dave', tid: 't_acme', roles: ['participant'], dojo: 'd2' });
    await expect(client.join(token, 't_acme/d1')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses an expired token', async () => {
    const client = await server.connectClient();
    const token = await server.token({ sub: 'erin', tid: 't_acme', roles: ['participant'], dojo: 'd1' }, -60);
    await expect(client.join(token, 't_acme/d1')).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'token expired',
    });
  });

  it('refuses requests before join, with the protocol error', async () => {
    const client = await server.connectClient();
    await expect(client.request(methods.createTransport, { direction: 'send' })).rejects.toMatchObject({
      code: 'invalid',
      message: 'join a room before createTransport',
    });
  });
});

describe('leaving', () => {
  it('closes the session with 4401 when the join token expires', async () => {
    const client = await server.connectClient();
    const token = await server.token({ sub: 'tim', tid: 't_acme', roles: ['participant'], dojo: 'd5' }, 2);
    await client.join(token, 't_acme/d5');
    expect(await client.waitForClose()).toBe(4401);
  });

  it('closes the room once its last participant disconnected', async () => {
    const first = await joinDojo('uma', 'participant', 'd6');
    const second = await joinDojo('vic', 'participant', 'd6');
    await first.startReceiving();
    await second.startSending();
    const room = { tenantId: 't_acme', dojoId: 'd6' };
    expect(server.voice.room(room)?.peers.size).toBe(2);
    await first.close();
    await second.close();
    await first.waitUntil(() => server.voice.room(room) === undefined, 'the room to close');
  });
});

describe('a flood of requests', () => {
  it('is answered with rate_limited past the burst allowance', async () => {
    const client = await server.connectClient();
    const replies = await Promise.allSettled(Array.from({ length: 150 }, () => client.request(methods.leave, {})));
    const codes = replies.map((reply) =>
      reply.status === 'rejected' ? (reply.reason as { code: string }).code : 'ok',
    );
    expect(codes.filter((code) => code === 'rate_limited').length).toBeGreaterThan(0);
    expect(codes.slice(0, 100).every((code) => code === 'invalid')).toBe(true);
  });
});

describe('joining muted', () => {
  it('starts the producer paused when the peer muted itself before producing, until it unmutes', async () => {
    const listener = await joinDojo('lena', 'participant', 'd5');
    await listener.startReceiving();
    const rejoined = await joinDojo('remy', 'participant', 'd5');
    await rejoined.request(methods.pauseProducer, {});
    await rejoined.startSending();
    expect(await listener.waitForEvent(events.newConsumer)).toMatchObject({ userId: 'remy', producerPaused: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(listener.packetsFromUser('remy')).toBe(0);

    await rejoined.request(methods.resumeProducer, {});
    await hears(listener, 'remy');
  });
});

describe('observers', () => {
  it('listen only: producing is refused until a facilitator lets them speak', async () => {
    const olive = await joinDojo('olive', 'observer', 'd3');
    const lead = await joinDojo('lena', 'facilitator', 'd3');
    await lead.startReceiving();
    await expect(olive.startSending()).rejects.toMatchObject({
      code: 'forbidden',
      message: 'observers listen only in voice; a facilitator can let you speak',
    });

    await lead.request(methods.allowSpeaking, { userId: 'olive', allowed: true });
    await olive.waitForEvent(events.muted, (data) => (data as { canProduce: boolean }).canProduce);
    await olive.startSending();
    await hears(lead, 'olive');
  });
});

describe('removal from voice', () => {
  it('closes the removed user’s session with 4403 after telling them why', async () => {
    const lead = await joinDojo('lena', 'facilitator', 'd4');
    const rob = await joinDojo('rob', 'participant', 'd4');
    await lead.request(methods.remove, { userId: 'rob' });
    expect(await rob.waitForEvent(events.removed)).toEqual({ reason: 'removed from voice by a facilitator' });
    expect(await rob.waitForClose()).toBe(4403);
    await lead.waitForEvent(events.peerLeft);
  });
});
