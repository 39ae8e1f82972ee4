import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenIssuer, loadOrCreateSigningKey } from '@pocdojo/shared';
import { connect, eventually, synced, type TestProvider } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

describe('authentication and tenant isolation', () => {
  let server: ServerProcess;
  const providers: TestProvider[] = [];

  beforeAll(async () => {
    server = await ServerProcess.onTestDatabase();
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    await server?.dispose();
  });

  /** Connects and resolves with the permission-denied reason the provider receives. */
  async function refusal(name: string, token: string): Promise<string> {
    let reason: string | undefined;
    const p = connect({ url: server.wsUrl, name, token, onAuthenticationFailed: (r) => (reason = r) });
    providers.push(p);
    await eventually(() => reason !== undefined, 'authentication failure');
    expect(p.provider.isSynced).toBe(false);
    return reason!;
  }

  const participant = (tid = 't_acme') => server.token({ sub: 'u1', tid, roles: ['participant'] });

  it('refuses a document of another tenant before loading it', async () => {
    expect(await refusal('t_other/dojo/d1/code', await participant('t_acme'))).toMatch(/^forbidden/);
    const rows = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    expect(rows).toMatch(/^pocdojo_documents_loaded\{[^}]*\} 0$/m);
  });

  it('refuses an expired token', async () => {
    const expired = await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] }, -60);
    expect(await refusal('t_acme/dojo/d1/code', expired)).toBe('unauthorized: token expired');
  });

  it('refuses a token signed by another key', async () => {
    const strangerKey = await loadOrCreateSigningKey(await mkdtemp(join(tmpdir(), 'pocdojo-stranger-')));
    const forged = await createTokenIssuer({ key: strangerKey, issuer: 'poc-dojo', audience: 'poc-dojo' }).issue(
      { sub: 'u1', tid: 't_acme', roles: ['admin'] },
      3600,
    );
    expect(await refusal('t_acme/dojo/d1/code', forged)).toBe('unauthorized: invalid token');
  });

  it('refuses a token for another audience', async () => {
    const key = await loadOrCreateSigningKey(server.options.dataDir);
    const elsewhere = await createTokenIssuer({ key, issuer: 'poc-dojo', audience: 'another-product' }).issue(
      { sub: 'u1', tid: 't_acme', roles: ['participant'] },
      3600,
    );
    expect(await refusal('t_acme/dojo/d1/code', elsewhere)).toBe('unauthorized: invalid token');
  });

  it('refuses a dojo join token on another dojo', async () => {
    const joinToken = await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'], dojo: 'd1' });
    expect(await refusal('t_acme/dojo/d2/code', joinToken)).toMatch(/^forbidden/);
  });

  it('lets an observer read but never write', async () => {
    const writer = connect({ url: server.wsUrl, name: 't_acme/dojo/d3/code', token: await participant() });
    providers.push(writer);
    await synced(writer);
    writer.text.insert(0, 'from the driver');

    const observer = connect({
      url: server.wsUrl,
      name: 't_acme/dojo/d3/code',
      token: await server.token({ sub: 'o1', tid: 't_acme', roles: ['observer'] }),
    });
    providers.push(observer);
    await synced(observer);
    await eventually(() => observer.text.toString() === 'from the driver', 'observer reads');

    observer.text.insert(0, 'sneaky ');
    const latecomer = connect({ url: server.wsUrl, name: 't_acme/dojo/d3/code', token: await participant() });
    providers.push(latecomer);
    await synced(latecomer);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writer.text.toString()).toBe('from the driver');
    expect(latecomer.text.toString()).toBe('from the driver');
  });
});
