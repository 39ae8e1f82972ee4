import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceTestClient } from './webrtc-voice-client.ts';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

const peerCount = 40;
/** 10 packets a second per speaker keeps 40 × 39 streams within what the test's own WebRTC stack decrypts. */
const packetIntervalMs = 100;
const windowMs = 5_000;

let server: VoiceTestServer;

beforeAll(async () => {
  // Two workers, mediasoup's ~500 consumers each: a 40-peer room (1,560 consumers) must span both.
  server = await startVoiceTestServer({ MEDIA_WORKERS: '2', MEDIA_CONSUMERS_PER_WORKER: '500' });
});
afterAll(async () => {
  await server.close();
});

describe(`a dojo of ${peerCount} speakers`, () => {
  const clients: VoiceTestClient[] = [];
  const userIds = Array.from({ length: peerCount }, (_, i) => `u${String(i).padStart(2, '0')}`);

  it('spans two workers, and every peer hears every other', { timeout: 180_000 }, async () => {
    const started = performance.now();
    // Everyone joins and opens their receive side one after another, so that placement is the same on
    // every run (the first 22 fit worker 0's budget); then all open their microphones at once, and only
    // then speak, so that setting up 80 connections does not compete with 15,600 packets a second.
    for (const userId of userIds) {
      const client = await server.connectClient();
      await client.join(
        await server.token({ sub: userId, tid: 't_big', roles: ['participant'], dojo: 'town' }),
        't_big/town',
      );
      await client.startReceiving();
      clients.push(client);
    }
    const entered = performance.now();
    await Promise.all(clients.map((client) => client.openMicrophone()));
    await Promise.all(clients.map((client) => client.speak(packetIntervalMs)));
    const joined = performance.now();

    const room = server.voice.room({ tenantId: 't_big', dojoId: 'town' });
    expect(room?.workers).toHaveLength(2);

    const missing = () =>
      clients.flatMap((client, i) =>
        userIds
          .filter((other, j) => i !== j && client.packetsFromUser(other) < 3)
          .map((other) => `${userIds[i]}←${other}`),
      );
    await clients[0]
      ?.waitUntil(() => missing().length === 0, 'every peer hearing every other', 120_000)
      .catch(() => {
        throw new Error(`not heard yet: ${missing().slice(0, 20).join(', ')} (${missing().length} pairs)`);
      });
    const heard = performance.now();

    // A measurement window with everyone speaking: worker CPU over it, as a share of one core.
    const before = await server.voice.workerUsage();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const usage = await server.voice.workerUsage();
    const cpuShare = (index: number) => {
      const start = before.find((u) => u.worker.index === index)?.cpuSeconds ?? 0;
      const end = usage.find((u) => u.worker.index === index)?.cpuSeconds ?? 0;
      return (((end - start) * 1000) / windowMs) * 100;
    };
    const perWorker = room?.workers.map((worker) => `worker ${worker.index}: ${worker.consumers} consumers`).join(', ');
    process.stdout.write(
      [
        `voice room of ${peerCount} peers, ${peerCount * (peerCount - 1)} streams, ${packetIntervalMs} ms packets`,
        `  joined in ${((entered - started) / 1000).toFixed(1)} s, producing ${((joined - entered) / 1000).toFixed(1)} s later, all pairs heard ${((heard - joined) / 1000).toFixed(1)} s after that`,
        `  ${perWorker}`,
        ...usage.map(
          (u) =>
            `  worker ${u.worker.index} (pid ${u.worker.pid}): ${cpuShare(u.worker.index).toFixed(1)} % of a core over ${windowMs / 1000} s of everyone speaking, ${u.cpuSeconds.toFixed(2)} s cpu in all, max rss ${(u.maxRssBytes / 2 ** 20).toFixed(1)} MiB`,
        ),
        '',
      ].join('\n'),
    );
    expect(missing()).toEqual([]);
  });
});
