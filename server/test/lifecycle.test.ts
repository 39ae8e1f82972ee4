import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { acknowledged, connect, eventually, synced } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function postgresServer(): Promise<ServerProcess> {
  const db = await createTestDatabase();
  databases.push(db);
  return ServerProcess.start({ databaseUrl: db.url });
}

describe('server lifecycle', () => {
  it('answers /healthz at once but /readyz only once its database is reachable', async () => {
    const server = await ServerProcess.start({
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/nowhere',
      waitReady: false,
    });
    expect(await (await fetch(`${server.httpUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    await eventually(async () => (await fetch(`${server.httpUrl}/readyz`)).status === 503, 'readyz reports not ready');
    const body = (await (await fetch(`${server.httpUrl}/readyz`)).json()) as { checks: Record<string, string> };
    expect(body.checks.database).toMatch(/^unreachable/);
    // The same checks as a metric, for the alert on a node that stays out of the balancer.
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^pocdojo_readiness_check\{check="database",service="pocdojo"\} 0$/m);
    expect(await server.stop()).toBe(0);
  });

  it('refuses to open an embedded database another live process is using, saying so in one log line', async () => {
    const first = await ServerProcess.start();
    const refused = await ServerProcess.start({ dataDir: first.options.dataDir }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/^server exited \(1\) before listening/);
    const output = refused?.split('\n').slice(1).filter(Boolean) ?? [];
    expect(output).toHaveLength(1);
    expect(JSON.parse(output[0] ?? '')).toMatchObject({
      level: 'fatal',
      name: 'pocdojo',
      msg: expect.stringMatching(/^did not start: .+ is in use by process \d+/),
    });
    expect((await fetch(`${first.httpUrl}/readyz`)).ok).toBe(true);
    const metrics = await (await fetch(`${first.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^pocdojo_readiness_check\{check="database",service="pocdojo"\} 1$/m);
    await first.stop();
  });

  it('closes a connection when its token expires, and the provider comes back with a fresh one', async () => {
    const server = await postgresServer();
    let issued = 0;
    const closeCodes: number[] = [];
    const client = connect({
      url: server.wsUrl,
      name: 't_acme/dojo/expiry/code',
      token: () => server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] }, issued++ === 0 ? 2 : 3600),
    });
    client.provider.configuration.websocketProvider.on('disconnect', ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    await synced(client);
    await eventually(() => closeCodes.includes(4401), 'closed with 4401 when the token expired', 10_000);
    await eventually(() => issued >= 2 && client.provider.isSynced, 'reconnected with a fresh token');
    client.text.insert(0, 'still editing');
    await acknowledged(client);
    client.destroy();
    await server.stop();
  });

  it('never serves a document whose stored state cannot be read, nor overwrites it', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const server = await ServerProcess.start({ databaseUrl: db.url });
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    onTestFinished(() => sql.end());
    await sql.query(
      `INSERT INTO documents (name, tenant_id, last_seq) VALUES ('t_acme/poc/broken/notes', 't_acme', 1)`,
    );
    await sql.query(
      `INSERT INTO document_updates (document_name, seq, update, node_id) VALUES ('t_acme/poc/broken/notes', 1, '\\x010203', 'x')`,
    );

    const closeCodes: number[] = [];
    const client = connect({
      url: server.wsUrl,
      name: 't_acme/poc/broken/notes',
      token: await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] }),
    });
    client.provider.configuration.websocketProvider.on('disconnect', ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    await eventually(() => closeCodes.filter((c) => c === 4503).length >= 2, 'closed as unavailable, and retried');
    expect(client.provider.isSynced).toBe(false);
    const rows = await sql.query(`SELECT update FROM document_updates WHERE document_name = 't_acme/poc/broken/notes'`);
    expect(rows.rows).toEqual([{ update: Buffer.from([1, 2, 3]) }]);
    const metrics = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^pocdojo_persistence_load_failures_total\{[^}]*\} [1-9]/m);

    client.destroy();
    await server.stop();
  });

  it('drains on SIGTERM: commits pending edits, closes clients with 1012 and exits 0', async () => {
    const server = await postgresServer();
    const token = await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] });
    const closeCodes: number[] = [];
    const client = connect({ url: server.wsUrl, name: 't_acme/dojo/drain/code', token });
    client.provider.configuration.websocketProvider.on('disconnect', ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    await synced(client);
    for (let i = 0; i < 50; i++) client.text.insert(client.text.length, `${i};`);
    await acknowledged(client);
    const text = client.text.toString();

    expect(await server.stop()).toBe(0);
    expect(closeCodes).toContain(1012);
    client.destroy();

    await server.restart();
    const reader = connect({ url: server.wsUrl, name: 't_acme/dojo/drain/code', token });
    await synced(reader);
    expect(reader.text.toString()).toBe(text);
    reader.destroy();
    await server.stop();
  });
});
