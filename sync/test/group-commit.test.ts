/**
 * The group commit on its own, against a real Postgres server reached through a TCP proxy the test can
 * cut: which updates share a commit, that nobody hears "durable" before the commit is, and that an outage
 * loses, reorders and duplicates nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { TcpProxy } from '@pocdojo/shared/testing/tcp-proxy';
import { GroupCommit, type GroupCommitObserver } from '../src/group-commit.ts';
import { UpdateLog } from '../src/update-log.ts';

const logger = createLogger({ level: 'silent', name: 'group-commit-test' });

interface Commit {
  documents: number;
  updates: number;
}

/** Records what the group commit reports, as the persistence metrics do. */
class Recorder implements GroupCommitObserver {
  readonly commits: Commit[] = [];
  failures = 0;
  committed(documents: number, updates: number): void {
    this.commits.push({ documents, updates });
  }
  failed(): void {
    this.failures += 1;
  }
}

/** A typist's document: every call returns the update for the next few characters, in order. */
function typist() {
  const doc = new Y.Doc();
  const text = doc.getText('code');
  return (characters: string): Uint8Array => {
    const before = Y.encodeStateVector(doc);
    text.insert(text.length, characters);
    return Y.encodeStateAsUpdate(doc, before);
  };
}

const settled = (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
};

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the group commit', () => {
  let owner: { database: DatabaseHandle; close(): Promise<void> };
  let proxy: TcpProxy;
  let database: DatabaseHandle;
  let log: UpdateLog;
  let recorder: Recorder;
  let commit: GroupCommit;
  let documents = 0;
  const documentName = () => `t_acme/poc/gc${(documents += 1)}/code`;

  /** The document's text as the log holds it. */
  async function stored(name: string): Promise<string> {
    const doc = new Y.Doc();
    for (const update of (await log.load(name)).updates) Y.applyUpdate(doc, update);
    return doc.getText('code').toString();
  }

  beforeAll(async () => {
    owner = await openMigratedTestDatabase(logger);
    const url = new URL(owner.database.connectionString);
    proxy = await TcpProxy.start([Number(url.port || 5432)]);
    url.host = `127.0.0.1:${proxy.port}`;
    database = await openDatabase({ databaseUrl: url.toString(), dataDir: '.', logger, poolSize: 2 });
    log = new UpdateLog(database, 'node-a');
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    await owner?.close();
  });

  const start = () => {
    recorder = new Recorder();
    commit = new GroupCommit(log, logger, recorder, { initialMs: 20, maxMs: 200 });
  };
  afterEach(async () => {
    proxy.mend();
    commit.close();
    await commit.flush();
  });

  it('commits the updates of one event-loop turn together, and gives each its sequence number', async () => {
    start();
    const [a, b] = [documentName(), documentName()];
    const typeA = typist();
    const typeB = typist();

    const seqs = await Promise.all([
      commit.append(a, 't_acme', typeA('one ')),
      commit.append(a, 't_acme', typeA('two')),
      commit.append(b, 't_acme', typeB('other')),
    ]);

    expect(recorder.commits).toEqual([{ documents: 2, updates: 3 }]);
    // The two updates of `a` were merged into one row: both are told that row's number.
    expect(seqs).toEqual([1, 1, 1]);
    expect(await stored(a)).toBe('one two');
    expect(await stored(b)).toBe('other');
  });

  it('gathers what arrives while a commit is in flight into the next one', async () => {
    start();
    const name = documentName();
    const type = typist();

    const first = commit.append(name, 't_acme', type('a'));
    // The first commit starts after this turn; send ten more while it is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    const more = Array.from({ length: 10 }, (_, index) => commit.append(name, 't_acme', type(String(index))));
    await Promise.all([first, ...more]);

    expect(recorder.commits).toEqual([
      { documents: 1, updates: 1 },
      { documents: 1, updates: 10 },
    ]);
    expect(await stored(name)).toBe('a0123456789');
  });

  it('tells nobody an update is durable while the database is unreachable, and commits it once it is back', async () => {
    start();
    const name = documentName();
    const type = typist();
    proxy.cut();

    const pending = commit.append(name, 't_acme', type('kept'));
    const isSettled = settled(pending);
    await until(() => recorder.failures >= 2, 'two failed attempts');

    expect(isSettled()).toBe(false);
    expect(commit.backlogBytes).toBeGreaterThan(0);

    proxy.mend();
    await pending;
    expect(commit.backlogBytes).toBe(0);
    expect(await stored(name)).toBe('kept');
  });

  it('keeps each document’s order when updates arrive behind a failed batch', async () => {
    start();
    const name = documentName();
    const type = typist();
    proxy.cut();

    const early = commit.append(name, 't_acme', type('first '));
    await until(() => recorder.failures >= 1, 'a failed attempt');
    const late = commit.append(name, 't_acme', type('second'));
    proxy.mend();
    const [earlySeq, lateSeq] = await Promise.all([early, late]);

    expect(lateSeq).toBeGreaterThanOrEqual(earlySeq);
    expect(await stored(name)).toBe('first second');
    // Nothing was appended twice: the retried batch is one row.
    expect((await log.load(name)).updates).toHaveLength(1);
  });

  it('refuses new updates once closed, and still commits the ones it took', async () => {
    start();
    const name = documentName();
    const type = typist();

    const taken = commit.append(name, 't_acme', type('taken'));
    commit.close();

    await expect(commit.append(name, 't_acme', type('late'))).rejects.toThrow('group commit closed');
    await commit.flush();
    await expect(taken).resolves.toBe(1);
    expect(await stored(name)).toBe('taken');
  });
});
