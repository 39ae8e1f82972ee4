import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger, type DatabaseHandle } from '@pocdojo/shared';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { Compactor } from '../src/compaction.ts';
import { UpdateLog } from '../src/update-log.ts';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('compaction under concurrent writes', () => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database: handle, close } = await openMigratedTestDatabase(logger));
  });
  afterAll(() => close?.());

  it('loses no update, whatever the interleaving of writers and compactions', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Per writer: a list of edits (insert position as a fraction of the length, and the text).
        fc.array(
          fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ minLength: 1, maxLength: 8 })), {
            minLength: 1,
            maxLength: 15,
          }),
          {
            minLength: 2,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 1, max: 6 }),
        async (writers, compactions) => {
          const name = `t_prop/poc/run${run++}/code`;
          const nodes = writers.map((_, i) => new UpdateLog(handle, `node-${i}`));
          const compactor = new Compactor(handle.db, nodes[0]!, logger);
          const reference = new Y.Doc();

          const writing = writers.map(async (edits, i) => {
            const doc = new Y.Doc();
            for (const [at, text] of edits) {
              const before = Y.encodeStateVector(doc);
              const t = doc.getText('code');
              t.insert(Math.floor(at * t.length), text);
              const update = Y.encodeStateAsUpdate(doc, before);
              Y.applyUpdate(reference, update);
              await nodes[i]!.append([{ name, tenantId: 't_prop', update }]);
            }
          });
          const compacting = (async () => {
            for (let c = 0; c < compactions; c++) {
              await compactor.compact(name);
              await new Promise((resolve) => setImmediate(resolve));
            }
          })();
          await Promise.all([...writing, compacting]);
          await compactor.compact(name);

          const loaded = await nodes[0]!.load(name);
          const restored = new Y.Doc();
          for (const update of loaded.updates) Y.applyUpdate(restored, update);
          expect(restored.getText('code').toString()).toBe(reference.getText('code').toString());
          expect(restored.getText('code').length).toBe(writers.flat().reduce((n, [, text]) => n + text.length, 0));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('folds the state a node holds, keeping the rows after the seq that state reflects', async () => {
    const name = 't_prop/poc/known/code';
    const log = new UpdateLog(handle, 'node-a');
    const held = new Y.Doc();
    const type = (doc: Y.Doc, text: string) => {
      const before = Y.encodeStateVector(doc);
      doc.getText('code').insert(doc.getText('code').length, text);
      return Y.encodeStateAsUpdate(doc, before);
    };
    for (let i = 0; i < 10; i++) await log.append([{ name, tenantId: 't_prop', update: type(held, `${i} `) }]);
    // Held but not committed yet, and committed by another node but not held yet.
    type(held, 'pending ');
    const elsewhere = new Y.Doc();
    await log.append([{ name, tenantId: 't_prop', update: type(elsewhere, 'other') }]);

    const result = await new Compactor(handle.db, log, logger).compact(name, {
      update: Y.encodeStateAsUpdate(held),
      seq: 10,
    });

    expect(result).toBe('compacted');
    const loaded = await log.load(name);
    expect(loaded.updates).toHaveLength(2);
    const restored = new Y.Doc();
    for (const update of loaded.updates) Y.applyUpdate(restored, update);
    const text = restored.getText('code').toString();
    expect(text).toContain('0 1 2 3 4 5 6 7 8 9 pending ');
    expect(text).toContain('other');
  });

  it('lets one node compact a document at a time', async () => {
    const name = 't_prop/poc/lock/code';
    const log = new UpdateLog(handle, 'node-a');
    const doc = new Y.Doc();
    for (let i = 0; i < 50; i++) {
      const before = Y.encodeStateVector(doc);
      doc.getText('code').insert(0, `${i} `);
      await log.append([{ name, tenantId: 't_prop', update: Y.encodeStateAsUpdate(doc, before) }]);
    }
    const results = await Promise.all([1, 2, 3].map(() => new Compactor(handle.db, log, logger).compact(name)));
    expect(results.filter((r) => r === 'compacted')).toHaveLength(1);
    expect((await log.load(name)).updates).toHaveLength(1);
  });

  it('loads the snapshot only for a reader behind it, and the log after it in order', async () => {
    const name = 't_prop/poc/after-snapshot/code';
    const log = new UpdateLog(handle, 'node-a');
    const doc = new Y.Doc();
    const type = async (text: string) => {
      const before = Y.encodeStateVector(doc);
      doc.getText('code').insert(doc.getText('code').length, text);
      await log.append([{ name, tenantId: 't_prop', update: Y.encodeStateAsUpdate(doc, before) }]);
    };
    for (const text of ['a', 'b', 'c']) await type(text);
    expect(await new Compactor(handle.db, log, logger).compact(name)).toBe('compacted');
    for (const text of ['d', 'e']) await type(text);

    const textOf = (updates: Uint8Array[], base = new Y.Doc()) => {
      for (const update of updates) Y.applyUpdate(base, update);
      return base.getText('code').toString();
    };
    const whole = await log.load(name);
    expect(whole).toMatchObject({ seq: 5 });
    expect(whole.updates).toHaveLength(3);
    expect(textOf(whole.updates)).toBe('abcde');

    // A node holding seq 2 is behind the snapshot (seq 3): it gets the snapshot and what follows.
    expect((await log.load(name, 2)).updates).toHaveLength(3);
    // A node holding seq 4 gets only seq 5, not the snapshot again.
    const behindByOne = await log.load(name, 4);
    expect(behindByOne).toMatchObject({ seq: 5 });
    expect(behindByOne.updates).toHaveLength(1);
    expect(await log.load('t_prop/poc/never-written/code')).toEqual({ updates: [], seq: 0 });

    // Several documents in one read: each gets its own state, in its own order.
    const other = new Y.Doc();
    other.getText('code').insert(0, 'xyz');
    await log.append([{ name: 't_prop/poc/other/code', tenantId: 't_prop', update: Y.encodeStateAsUpdate(other) }]);
    const many = await log.loadMany([name, 't_prop/poc/never-written/code', 't_prop/poc/other/code']);
    expect(many.get('t_prop/poc/never-written/code')).toEqual({ updates: [], seq: 0 });
    const [mine, theirs] = [many.get(name), many.get('t_prop/poc/other/code')];
    if (!mine || mine instanceof Error || !theirs || theirs instanceof Error) throw new Error('documents not read');
    expect(textOf(mine.updates)).toBe('abcde');
    expect(textOf(theirs.updates)).toBe('xyz');
  });
});
