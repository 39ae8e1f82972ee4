import { App, us_listen_socket_close, us_socket_local_port, type us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApiOnSharedPort } from '../src/shared-port.ts';
import { startTestApi, type TestApi } from './api-harness.ts';

/** The all-in-one wiring: the API answering on a uWebSockets.js app next to uWS's own routes. */
let api: TestApi;
let socket: us_listen_socket;
let base: string;

beforeAll(async () => {
  api = await startTestApi({ env: { API_BODY_LIMIT: '4096' } });
  const app = App();
  app.get('/healthz', (res) => {
    res.end('uws itself');
  });
  serveApiOnSharedPort(app, api.app, { bodyLimit: api.config.API_BODY_LIMIT });
  socket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (listening) => (listening ? resolve(listening) : reject(new Error('listen failed')))),
  );
  base = `http://127.0.0.1:${us_socket_local_port(socket)}`;
});
afterAll(async () => {
  if (socket) us_listen_socket_close(socket);
  await api?.close();
});

describe('the API on the shared uWebSockets.js port', () => {
  it('signs up, creates and reads back a POC through real HTTP', async () => {
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantName: 'Shared Port', email: 'a@example.com', password: 'correct horse battery' }),
    });
    expect(signup.status).toBe(201);
    const { accessToken } = (await signup.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/pocs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Über operator', language: 'Go', tags: ['k8s'] }),
    });
    expect(created.status).toBe(201);
    const poc = (await created.json()) as { id: string };
    const listed = await fetch(`${base}/api/v1/pocs?language=go&limit=5`, { headers: auth });
    expect(((await listed.json()) as { items: { name: string }[] }).items.map((p) => p.name)).toEqual([
      'Über operator',
    ]);
    const deleted = await fetch(`${base}/api/v1/pocs/${poc.id}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(204);
  });

  it('passes problems, status codes and headers through', async () => {
    const missing = await fetch(`${base}/api/v1/pocs/p_nothing`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await jwks.json()).toEqual(api.identity.jwks);
  });

  it('refuses a body over the limit with 413', async () => {
    const reply = await fetch(`${base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantName: 'x'.repeat(10_000),
        email: 'a@example.com',
        password: 'correct horse battery',
      }),
    });
    expect(reply.status).toBe(413);
    expect(await reply.json()).toMatchObject({ status: 413, code: 'invalid' });
  });

  it('leaves the uWS app’s own routes alone', async () => {
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('uws itself');
  });
});
