import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

let server: VoiceTestServer;

beforeAll(async () => {
  server = await startVoiceTestServer({ MEDIA_WORKERS: '1' });
});
afterAll(async () => {
  await server.close();
});

async function joinDojo(userId: string) {
  const client = await server.connectClient();
  await client.join(
    await server.token({ sub: userId, tid: 't_acme', roles: ['participant'], dojo: 'd1' }),
    't_acme/d1',
  );
  return client;
}

describe('a mediasoup worker that dies', () => {
  it('closes the sessions of its rooms with 4503, and the pool starts a replacement that takes new rooms', async () => {
    const alice = await joinDojo('alice');
    const bob = await joinDojo('bob');
    const [usage] = await server.voice.workerUsage();
    if (!usage) throw new Error('no worker running');

    process.kill(usage.worker.pid, 'SIGKILL');
    expect(await alice.waitForClose()).toBe(4503);
    expect(await bob.waitForClose()).toBe(4503);

    await alice.waitUntil(
      () => server.voice.status().available && (server.voice.status() as { workers: number }).workers === 1,
      'a replacement worker',
    );
    const [replacement] = await server.voice.workerUsage();
    expect(replacement?.worker.pid).not.toBe(usage.worker.pid);
    // The replacement keeps `media_workers` level, so the death is counted for the alert to see.
    expect(await server.registry.getSingleMetricAsString('media_worker_deaths_total')).toContain(
      'media_worker_deaths_total 1',
    );
    const carol = await joinDojo('carol');
    await carol.startReceiving();
    await carol.startSending();
    expect(server.voice.room({ tenantId: 't_acme', dojoId: 'd1' })?.peers.size).toBe(1);
  });
});
