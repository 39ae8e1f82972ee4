import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, openDatabase } from '@pocdojo/shared';

const logger = createLogger({ level: 'silent', name: 'embedded-database-test' });

describe('the embedded database (PGlite in DATA_DIR)', () => {
  const dataDirs: string[] = [];
  const freshDataDir = async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-embedded-'));
    dataDirs.push(dataDir);
    return dataDir;
  };
  afterEach(async () => {
    for (const dataDir of dataDirs.splice(0)) await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a new directory, and keeps what was written across a close and a reopen', async () => {
    const dataDir = await freshDataDir();
    const first = await openDatabase({ databaseUrl: undefined, dataDir, logger });
    await sql`CREATE TABLE kept (word text)`.execute(first.db);
    await sql`INSERT INTO kept VALUES ('dojo')`.execute(first.db);
    await first.close();
    expect(await readdir(join(dataDir, 'pgdata'))).toContain('PG_VERSION');

    const second = await openDatabase({ databaseUrl: undefined, dataDir, logger });
    const { rows } = await sql<{ word: string }>`SELECT word FROM kept`.execute(second.db);
    await second.close();
    expect(rows).toEqual([{ word: 'dojo' }]);
  });

  it('vacuums itself, as autovacuum would on a server: dead rows do not pile up', async () => {
    const database = await openDatabase({
      databaseUrl: undefined,
      dataDir: await freshDataDir(),
      logger,
      vacuumIntervalMs: 200,
    });
    try {
      await sql`CREATE TABLE churn (id int)`.execute(database.db);
      await sql`INSERT INTO churn SELECT generate_series(1, 2000)`.execute(database.db);
      await sql`DELETE FROM churn`.execute(database.db);
      const deadRows = async () => {
        const { rows } = await sql<{ dead: string; vacuums: string }>`
          SELECT n_dead_tup AS dead, vacuum_count AS vacuums FROM pg_stat_user_tables WHERE relname = 'churn'`.execute(
          database.db,
        );
        return rows[0];
      };
      const deadline = Date.now() + 10_000;
      let stats = await deadRows();
      while (Number(stats?.vacuums ?? 0) === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        stats = await deadRows();
      }
      expect(Number(stats?.vacuums)).toBeGreaterThan(0);
      expect(Number(stats?.dead)).toBe(0);
    } finally {
      await database.close();
    }
  });

  it('says which directory failed to open, and leaves it unlocked for the next attempt', async () => {
    const dataDir = await freshDataDir();
    await mkdir(join(dataDir, 'pgdata'));
    await writeFile(join(dataDir, 'pgdata', 'PG_VERSION'), 'not a version\n');
    const open = () => openDatabase({ databaseUrl: undefined, dataDir, logger });
    const failure = `the embedded database in ${join(dataDir, 'pgdata')} did not open: PGlite failed to initialize`;
    await expect(open()).rejects.toThrow(failure);
    // A second attempt meets the same damage, not a lock left behind by the first.
    await expect(open()).rejects.toThrow(failure);
  });

  it('says why a new directory could not be created', async () => {
    const dataDir = await freshDataDir();
    // A file where initdb must make a directory: the directory is new (no PG_VERSION) but cannot be filled.
    await mkdir(join(dataDir, 'pgdata'));
    await writeFile(join(dataDir, 'pgdata', 'base'), 'in the way');
    await expect(openDatabase({ databaseUrl: undefined, dataDir, logger })).rejects.toThrow(
      `the embedded database in ${join(dataDir, 'pgdata')} did not open: initdb failed: ErrnoError`,
    );
  });
});
