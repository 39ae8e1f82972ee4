import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger, migrateToLatest, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { UpdateLog, type UpdateLogOptions } from '../src/update-log.ts';

const logger = createLogger({ level: 'silent', name: 'test' });

function typed(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('code').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('the update log on a Postgres server', () => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;
  // One connection, so the statements it has prepared can be read back on it.
  let pool: pg.Pool;

  beforeAll(async () => {
    ({ database: handle, close } = await openMigratedTestDatabase(logger));
    pool = new pg.Pool({ connectionString: handle.connectionString, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await close?.();
  });

  const preparedNames = async () =>
    (await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).rows.map((row) => row.name);

  async function appendTwice(documentName: string, options: UpdateLogOptions) {
    const log = new UpdateLog({ db: handle.db, pool }, 'node-a', options);
    const first = await log.append([{ name: documentName, tenantId: 't_acme', update: typed('one ') }]);
    const second = await log.append([{ name: documentName, tenantId: 't_acme', update: typed('two') }]);
    return { log, seqs: [first.get(documentName), second.get(documentName)] };
  }

  it('appends through a statement prepared once on the connection', async () => {
    const { log, seqs } = await appendTwice('t_acme/poc/prepared/code', {});

    expect(seqs).toEqual([1, 2]);
    expect(await preparedNames()).toContain('pocdojo_append_updates');
    expect((await log.load('t_acme/poc/prepared/code')).updates).toHaveLength(2);
  });

  it('appends without naming a statement when told to (a pooler that cannot track them)', async () => {
    await pool.query('DEALLOCATE ALL');
    const { log, seqs } = await appendTwice('t_acme/poc/unprepared/code', { preparedStatements: false });

    expect(seqs).toEqual([1, 2]);
    expect(await preparedNames()).toEqual([]);
    expect((await log.load('t_acme/poc/unprepared/code')).updates).toHaveLength(2);
  });
});

describe('the update log on the embedded database', () => {
  let dataDir: string;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-update-log-'));
    handle = await openDatabase({ databaseUrl: undefined, dataDir, logger });
    await migrateToLatest(handle.db, logger);
  });
  afterAll(async () => {
    await handle?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('appends through its prepared statement on a connection that replaced the one that prepared it', async () => {
    const log = new UpdateLog(handle, 'node-a');
    const name = 't_acme/poc/embedded/code';
    expect((await log.append([{ name, tenantId: 't_acme', update: typed('one ') }])).get(name)).toBe(1);
    // PGlite's one session keeps what the old connection prepared; the new one must not trip over it.
    const connection = await handle.pool.connect();
    connection.release(true);
    expect((await log.append([{ name, tenantId: 't_acme', update: typed('two') }])).get(name)).toBe(2);
    expect((await log.load(name)).updates).toHaveLength(2);
  });
});
