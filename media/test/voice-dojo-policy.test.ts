import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@pocdojo/shared';
import type { DojoVoicePolicy, FacilitatorCommand } from '../src/dojo-voice-policy.ts';
import { events, methods } from '@pocdojo/shared/contract/voice-protocol';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

const turnServers = [{ urls: 'turn:turn.example.org:3478', username: 'dojo', credential: 'secret' }];
const recorded: FacilitatorCommand[] = [];

/** A stand-in for the dojo control document: carol is muted there; nobody may remove the host. */
const controlDocument: DojoVoicePolicy = {
  isMuted: (_room, userId) => userId === 'carol',
  recordCommand(command) {
    if (command.action === 'remove' && command.userId === 'host') throw new DomainError('forbidden', 'the host stays');
    recorded.push(command);
  },
};

let server: VoiceTestServer;

beforeAll(async () => {
  server = await startVoiceTestServer({ MEDIA_TURN_SERVERS: JSON.stringify(turnServers) }, controlDocument);
});
afterAll(async () => {
  await server.close();
});

async function joinDojo(userId: string, role: 'participant' | 'facilitator') {
  const client = await server.connectClient();
  const joined = await client.join(
    await server.token({ sub: userId, tid: 't_acme', roles: [role], dojo: 'd1' }),
    't_acme/d1',
  );
  return { client, joined };
}

describe('transports', () => {
  it('hand clients the configured TURN servers and both UDP and TCP candidates, and restart ICE', async () => {
    const { client } = await joinDojo('tess', 'participant');
    const transport = (await client.request(methods.createTransport, { direction: 'send' })) as {
      id: string;
      iceServers: unknown;
      iceCandidates: { protocol: string }[];
      iceParameters: { usernameFragment: string };
    };
    expect(transport.iceServers).toEqual(turnServers);
    expect(transport.iceCandidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);

    const restarted = (await client.request(methods.restartIce, { transportId: transport.id })) as {
      iceParameters: { usernameFragment: string };
    };
    expect(restarted.iceParameters.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);
  });
});

describe('the dojo control document', () => {
  it('decides who joins muted: their microphone starts paused at the server', async () => {
    const { client: listener } = await joinDojo('liam', 'participant');
    await listener.startReceiving();
    const { client: carol, joined } = await joinDojo('carol', 'participant');
    expect(joined.muted).toBe(true);
    await carol.startSending();
    expect(
      await listener.waitForEvent(events.newConsumer, (data) => (data as { userId: string }).userId === 'carol'),
    ).toMatchObject({ producerPaused: true });
  });

  it('records facilitator commands before voice applies them', async () => {
    const { client: lead } = await joinDojo('fran', 'facilitator');
    await lead.request(methods.unmute, { userId: 'carol' });
    expect(recorded).toContainEqual({
      action: 'unmute',
      room: { tenantId: 't_acme', dojoId: 'd1' },
      by: 'fran',
      userId: 'carol',
    });
    await expect(lead.request(methods.remove, { userId: 'host' })).rejects.toMatchObject({
      code: 'forbidden',
      message: 'the host stays',
    });
  });

  it('mutes through the service API when the document changes elsewhere', async () => {
    const { client: mia } = await joinDojo('mia', 'participant');
    expect(await server.voice.setMuted({ tenantId: 't_acme', dojoId: 'd1' }, 'mia', true)).toBe(1);
    expect(await mia.waitForEvent(events.muted)).toEqual({ muted: true, canProduce: true });
  });
});
