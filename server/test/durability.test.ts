import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { acknowledged, connect, synced } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

describe.each([
  ['embedded Postgres (PGlite)', async () => undefined],
  [
    'Postgres server',
    async () => {
      const db = await createTestDatabase();
      databases.push(db);
      return db.url;
    },
  ],
])('an acknowledged edit survives kill -9 — %s', (_mode, databaseUrl) => {
  it('is there after the server restarts on the same data', async () => {
    // Compaction runs several times on the way (every 5 log rows).
    const server = await ServerProcess.start({ databaseUrl: await databaseUrl(), env: { COMPACT_AFTER_UPDATES: '5' } });
    const token = await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] });
    const writer = connect({ url: server.wsUrl, name: 't_acme/poc/p1/notes', token });
    await synced(writer);
    for (let i = 0; i < 20; i++) {
      writer.text.insert(writer.text.length, `line ${i}\n`);
      await acknowledged(writer);
    }
    const acknowledgedText = writer.text.toString();
    const metrics = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^pocdojo_persistence_compactions_total\{result="compacted"[^}]*\} [1-9]/m);
    writer.destroy();

    await server.kill();
    await server.restart();

    const reader = connect({ url: server.wsUrl, name: 't_acme/poc/p1/notes', token });
    await synced(reader);
    expect(reader.text.toString()).toBe(acknowledgedText);
    reader.destroy();
    await server.stop();
  });
});
