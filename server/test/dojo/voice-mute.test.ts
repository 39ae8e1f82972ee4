import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, methods } from '@pocdojo/shared/contract/voice-protocol';
import { startLocalStunServer } from '@pocdojo/media/testing/local-stun-server';
import { VoiceTestClient } from '@pocdojo/media/testing/webrtc-voice-client';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { join, type Member } from './dojo-support.ts';

/**
 * Who is muted is the dojo control document's to say, for voice too: a facilitator's dojo mute pauses the
 * voice producer, and a force-mute given over /media shows up in the control document. All in the
 * all-in-one process, with real WebRTC endpoints (werift) on its /media signaling.
 */
const tenantId = 't_voice';
const dojoId = 'd_voice';
let server: ServerProcess;
let stun: Awaited<ReturnType<typeof startLocalStunServer>>;
const members: Member[] = [];
const voices: VoiceTestClient[] = [];

beforeAll(async () => {
  server = await ServerProcess.onTestDatabase();
  stun = await startLocalStunServer();
});

afterAll(async () => {
  for (const voice of voices) await voice.close();
  for (const member of members) member.leave();
  await stun?.close();
  await server?.dispose();
});

async function voiceOf(userId: string, role: 'participant' | 'facilitator'): Promise<VoiceTestClient> {
  const client = await VoiceTestClient.connect(`ws://127.0.0.1:${server.port}/media`, stun.url);
  voices.push(client);
  await client.join(
    await server.token({ sub: userId, tid: tenantId, roles: [role], dojo: dojoId }),
    `${tenantId}/${dojoId}`,
  );
  await client.startReceiving();
  return client;
}

async function hears(listener: VoiceTestClient, userId: string, count = 25): Promise<void> {
  const start = listener.packetsFromUser(userId);
  await listener.waitUntil(() => listener.packetsFromUser(userId) >= start + count, `${count} packets from ${userId}`);
}

describe("a dojo's mutes reach voice", () => {
  it("pauses and resumes a participant's voice on the dojo's mute and unmute commands", async () => {
    const [fay, ann] = await Promise.all([
      join(server, { tenantId, dojoId, userId: 'fay', name: 'Fay', role: 'facilitator' }),
      join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' }),
    ]);
    members.push(fay, ann);
    await eventually(() => Object.keys(fay.control.participants).length === 2, 'both listed');
    const annVoice = await voiceOf('ann', 'participant');
    const fayVoice = await voiceOf('fay', 'facilitator');
    await annVoice.startSending();
    await hears(fayVoice, 'ann');

    expect(await fay.connection.send('mute', { userId: 'ann' })).toMatchObject({ ok: true });
    await annVoice.waitForEvent(events.muted, (data) => (data as { muted: boolean }).muted);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileMuted = fayVoice.packetsFromUser('ann');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(fayVoice.packetsFromUser('ann')).toBe(whileMuted);

    expect(await fay.connection.send('unmute', { userId: 'ann' })).toMatchObject({ ok: true });
    await hears(fayVoice, 'ann');
  });

  it('writes a force-mute given over voice into the control document', async () => {
    const fayVoice = voices[1]!;
    await fayVoice.request(methods.mute, { userId: 'ann' });
    await eventually(() => members[0]!.control.muted.includes('ann'), 'the control document lists ann as muted');
    await fayVoice.request(methods.unmute, { userId: 'ann' });
    await eventually(() => !members[0]!.control.muted.includes('ann'), 'and no longer after unmute');
  });
});

describe("a dojo's roles reach voice", () => {
  const canProduce = (data: unknown) => (data as { canProduce: boolean }).canProduce;

  it('lets an observer the dojo makes a participant speak, and not once the role is taken back', async () => {
    const fay = members[0]!;
    const fayVoice = voices[1]!;
    const olga = await join(server, { tenantId, dojoId, userId: 'olga', name: 'Olga', role: 'observer' });
    members.push(olga);
    await olga.connection.whenSynced();
    await eventually(() => fay.connection.peers().some((peer) => peer.userId === 'olga'), 'olga is present');
    const observerToken = await server.token({ sub: 'olga', tid: tenantId, roles: ['observer'], dojo: dojoId });
    const olgaVoice = await VoiceTestClient.connect(`ws://127.0.0.1:${server.port}/media`, stun.url);
    voices.push(olgaVoice);
    expect(await olgaVoice.join(observerToken, `${tenantId}/${dojoId}`)).toMatchObject({ canProduce: false });

    expect(await fay.connection.send('grantRole', { userId: 'olga', role: 'participant' })).toMatchObject({ ok: true });
    await olgaVoice.waitForEvent(events.muted, canProduce);
    await fayVoice.waitForEvent(events.peerJoined, (data) => {
      const peer = data as { userId: string; role: string };
      return peer.userId === 'olga' && peer.role === 'participant';
    });
    // Joining again with the same observer's token, she takes part as the dojo lists her.
    const rejoined = await VoiceTestClient.connect(`ws://127.0.0.1:${server.port}/media`, stun.url);
    voices.push(rejoined);
    expect(await rejoined.join(observerToken, `${tenantId}/${dojoId}`)).toMatchObject({ canProduce: true });

    expect(await fay.connection.send('revokeRole', { userId: 'olga', role: 'participant' })).toMatchObject({
      ok: true,
    });
    await olgaVoice.waitForEvent(events.muted, (data) => !canProduce(data));
    await rejoined.waitForEvent(events.muted, (data) => !canProduce(data));
  });
});
