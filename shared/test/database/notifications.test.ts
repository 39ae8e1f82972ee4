import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, openDatabase, type DatabaseHandle, type Unlisten } from '@pocdojo/shared';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';

const logger = createLogger({ level: 'silent', name: 'notifications-test' });

async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a listener was told, in order. */
function recorder() {
  const heard: string[] = [];
  let resumed = 0;
  return {
    heard,
    resumedCount: () => resumed,
    listener: { notified: (payload: string) => heard.push(payload), resumed: () => (resumed += 1) },
  };
}

for (const mode of ['postgres', 'embedded'] as const) {
  describe(`notifications on ${mode === 'postgres' ? 'a real Postgres server' : 'the embedded PGlite default'}`, () => {
    let dataDir: string;
    let testDatabase: TestDatabase | undefined;
    let database: DatabaseHandle;
    const unlistens: Unlisten[] = [];

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-notify-'));
      testDatabase = mode === 'postgres' ? await createTestDatabase() : undefined;
      database = await openDatabase({ databaseUrl: testDatabase?.url, dataDir, logger });
    });

    afterAll(async () => {
      for (const unlisten of unlistens) await unlisten();
      await database?.close();
      await testDatabase?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('tells a listener each payload once its transaction commits, and nothing of a rolled back one', async () => {
      const { heard, listener, resumedCount } = recorder();
      unlistens.push(await database.listen('run_test', listener));
      expect(resumedCount()).toBe(1);
      await database.db.transaction().execute(async (trx) => {
        await sql`SELECT pg_notify('run_test', 't_a/d_one')`.execute(trx);
      });
      await database.db
        .transaction()
        .execute(async (trx) => {
          await sql`SELECT pg_notify('run_test', 't_a/d_rolled_back')`.execute(trx);
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await sql`SELECT pg_notify('run_test', 't_a/d_two')`.execute(database.db);
      await eventually(() => heard.length >= 2, 'both notifications');
      expect(heard).toEqual(['t_a/d_one', 't_a/d_two']);
    });

    it('stops telling a listener that stopped listening, and keeps telling the others', async () => {
      const first = recorder();
      const second = recorder();
      const stopFirst = await database.listen('run_other', first.listener);
      unlistens.push(await database.listen('run_other', second.listener));
      await stopFirst();
      await sql`SELECT pg_notify('run_other', 'after')`.execute(database.db);
      await eventually(() => second.heard.length === 1, 'the notification');
      expect(first.heard).toEqual([]);
    });

    it('refuses a channel name that is not a plain identifier', async () => {
      await expect(database.listen('runs; DROP TABLE x', recorder().listener)).rejects.toThrow(/channel name/);
    });

    if (mode === 'postgres') {
      it('listens on all its channels over one connection, opened with the first listener, closed with the last', async () => {
        const listeningConnections = async () => {
          const { rows } = await database.pool.query<{ count: number }>(
            `SELECT count(*)::int AS count FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'pocdojo-notifications'`,
          );
          return rows[0]!.count;
        };
        const before = await listeningConnections();
        const other = await openDatabase({ databaseUrl: testDatabase!.url, dataDir, logger });
        try {
          const channels = ['run_one', 'run_two', 'token_three'];
          const recorders = channels.map(() => recorder());
          const stops = await Promise.all(channels.map((channel, i) => other.listen(channel, recorders[i]!.listener)));
          expect(await listeningConnections()).toBe(before + 1);
          for (const channel of channels) await sql`SELECT pg_notify(${channel}, ${channel})`.execute(database.db);
          await eventually(() => recorders.every((r) => r.heard.length === 1), 'a notification on each channel');
          expect(recorders.map((r) => r.heard[0])).toEqual(channels);
          for (const stop of stops) await stop();
          expect(await listeningConnections()).toBe(before);
        } finally {
          await other.close();
        }
      });

      it('comes back after its connection is killed and says so, so the listener reads what it missed', async () => {
        const { heard, listener, resumedCount } = recorder();
        const others = recorder();
        unlistens.push(await database.listen('run_killed', listener));
        unlistens.push(await database.listen('run_killed_too', others.listener));
        const admin = new pg.Client({ connectionString: testDatabase!.url });
        await admin.connect();
        try {
          await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'pocdojo-notifications'`,
          );
          await eventually(() => resumedCount() >= 2, 'the listener to resume');
          expect(others.resumedCount()).toBeGreaterThanOrEqual(2);
          await admin.query(`SELECT pg_notify('run_killed', 'after the reconnection')`);
          await eventually(() => heard.length === 1, 'the notification after the reconnection');
          expect(heard).toEqual(['after the reconnection']);
        } finally {
          await admin.end();
        }
      });
    }
  });
}
