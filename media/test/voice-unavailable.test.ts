import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

let server: VoiceTestServer;

beforeAll(async () => {
  server = await startVoiceTestServer({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
});
afterAll(async () => {
  await server.close();
});

describe('a machine without the mediasoup worker', () => {
  it('still starts the service, and says why voice is unavailable', () => {
    expect(server.voice.ready()).toBe(false);
    expect(server.voice.status()).toEqual({
      available: false,
      reason:
        'no mediasoup worker at /nonexistent/mediasoup-worker; run scripts/install-mediasoup-worker.sh or set MEDIASOUP_WORKER_BIN',
    });
  });

  it('reports media_available 0 on /metrics', async () => {
    expect(await server.registry.metrics()).toMatch(/^media_available 0$/m);
  });

  it('refuses to join with `unavailable` and the reason', async () => {
    const client = await server.connectClient();
    const token = await server.token({ sub: 'alice', tid: 't_acme', roles: ['participant'], dojo: 'd1' });
    await expect(client.join(token, 't_acme/d1')).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('voice is unavailable on this server: no mediasoup worker'),
    });
  });
});
