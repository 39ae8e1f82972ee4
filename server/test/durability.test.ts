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
    const server = await ServerProcess.start({ databaseUrl: await databaseUrl() });
    const token = await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] });
    const writer = connect({ url: server.wsUrl, name: 't_acme/poc/p1/notes', token });
    await synced(writer);
    for (let i = 0; i < 20; i++) writer.text.insert(writer.text.length, `line ${i}\n`);
    await acknowledged(writer);
    const acknowledgedText = writer.text.toString();
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
