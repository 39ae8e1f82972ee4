/**
 * Voice for participants behind NAT: every transport comes with TURN credentials of its own, minted in the
 * TURN REST API's shared-secret scheme, and a private coturn (`use-auth-secret`) relays the audio. The
 * clients here check relay candidates only (iceTransportPolicy "relay"), so the call connects through
 * the TURN server or not at all. A forged or expired credential gets no relay.
 */
import { createTurnClient } from 'werift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintTurnCredentials } from '../src/turn-credentials.ts';
import { methods } from '@pocdojo/shared/contract/voice-protocol';
import { startLocalStunServer } from './local-stun-server.ts';
import { TurnServerProcess } from './turn-server-process.ts';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';
import { VoiceTestClient } from './webrtc-voice-client.ts';

const secret = 'turn-shared-secret-for-tests-only';
let turn: TurnServerProcess;
let server: VoiceTestServer;
let stun: Awaited<ReturnType<typeof startLocalStunServer>>;
const clients: VoiceTestClient[] = [];

/** Asks coturn for a relay with `username`/`password`; true when it allocated one. */
async function allocates(username: string, password: string): Promise<boolean> {
  const attempt = createTurnClient({ address: ['127.0.0.1', turn.port], username, password }).then(
    async (client) => {
      await client.close();
      return true;
    },
    () => false,
  );
  const giveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000));
  return Promise.race([attempt, giveUp]);
}

beforeAll(async () => {
  turn = await TurnServerProcess.start(secret);
  stun = await startLocalStunServer();
  server = await startVoiceTestServer({ TURN_URLS: turn.url, TURN_SHARED_SECRET: secret, TURN_TTL_SECONDS: '600' });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.close();
  await stun?.close();
  await turn?.close();
});

async function relayOnlyParticipant(userId: string): Promise<VoiceTestClient> {
  const client = await VoiceTestClient.connect(server.url, stun.url, { relayOnly: true });
  clients.push(client);
  await client.join(
    await server.token({ sub: userId, tid: 't_turn', roles: ['participant'], dojo: 'd1' }),
    't_turn/d1',
  );
  return client;
}

describe('TURN for voice', () => {
  it('hands each participant TURN credentials of their own, valid for TURN_TTL_SECONDS', async () => {
    const client = await VoiceTestClient.connect(server.url, stun.url);
    clients.push(client);
    await client.join(
      await server.token({ sub: 'cleo', tid: 't_turn', roles: ['participant'], dojo: 'd2' }),
      't_turn/d2',
    );
    const before = Math.floor(Date.now() / 1000);
    const transport = (await client.request(methods.createTransport, { direction: 'recv' })) as {
      iceServers: { urls: string[]; username: string; credential: string }[];
    };
    const [relay] = transport.iceServers;
    expect(relay?.urls).toEqual([turn.url]);
    const [expiry, user] = (relay?.username ?? '').split(':');
    expect(user).toBe('cleo');
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(599);
    expect(Number(expiry) - before).toBeLessThanOrEqual(601);
    expect(await allocates(relay?.username ?? '', relay?.credential ?? '')).toBe(true);
  }, 60_000);

  it('connects two participants through the relay alone, and each hears the other', async () => {
    const ada = await relayOnlyParticipant('ada');
    const bob = await relayOnlyParticipant('bob');
    for (const client of [ada, bob]) {
      await client.startReceiving();
      await client.startSending(50);
    }
    await ada.waitUntil(() => ada.packetsFromUser('bob') > 20, 'packets from bob', 60_000);
    await bob.waitUntil(() => bob.packetsFromUser('ada') > 20, 'packets from ada', 60_000);
    // werift checks only the relay's pairs under the "relay" policy; the SFU's side shows it: every
    // transport's selected remote address is a port coturn relays from, none is the client's own socket.
    const room = server.voice.room({ tenantId: 't_turn', dojoId: 'd1' });
    const tuples = [...(room?.peers.values() ?? [])].flatMap((peer) =>
      [...peer.transports.values()].map((transport) => transport.iceSelectedTuple),
    );
    expect(tuples).toHaveLength(4);
    for (const tuple of tuples) {
      expect(tuple?.remoteIp).toBe('127.0.0.1');
      expect(tuple?.remotePort).toBeGreaterThanOrEqual(turn.relayPorts[0]);
      expect(tuple?.remotePort).toBeLessThanOrEqual(turn.relayPorts[1]);
    }
    expect(turn.log()).toMatch(/user <\d+:ada>: incoming packet ALLOCATE processed, success/);
    expect(turn.log()).toMatch(/user <\d+:bob>: incoming packet ALLOCATE processed, success/);
  }, 120_000);

  it('refuses a forged credential', async () => {
    const minted = mintTurnCredentials({ urls: [turn.url], secret, ttlSeconds: 600 }, 'mallory');
    const forged = mintTurnCredentials(
      { urls: [turn.url], secret: 'not-the-shared-secret!', ttlSeconds: 600 },
      'mallory',
    );
    expect(await allocates(minted.username ?? '', forged.credential ?? '')).toBe(false);
  }, 30_000);

  it('refuses an expired credential', async () => {
    const anHourAgo = Date.now() - 3600_000;
    const expired = mintTurnCredentials({ urls: [turn.url], secret, ttlSeconds: 600 }, 'ada', anHourAgo);
    expect(await allocates(expired.username ?? '', expired.credential ?? '')).toBe(false);
  }, 30_000);
});
