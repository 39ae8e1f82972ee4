import { Hocuspocus } from '@hocuspocus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger, createMetricsRegistry, type DatabaseHandle } from '@pocdojo/shared';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { Compactor } from '../src/compaction.ts';
import { DocumentPersistence } from '../src/document-persistence.ts';
import { DurableAcks } from '../src/durable-ack.ts';
import { GroupCommit } from '../src/group-commit.ts';
import { LogRepair } from '../src/log-repair.ts';
import { registerPersistenceMetrics } from '../src/persistence-metrics.ts';
import { UpdateLog } from '../src/update-log.ts';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('log repair', () => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database: handle, close } = await openMigratedTestDatabase(logger));
  });
  afterAll(() => close?.());

  it('brings a held document up to date with updates another node logged but never published', async () => {
    const log = new UpdateLog(handle, 'node-a');
    const persistence = new DocumentPersistence({
      log,
      commits: new GroupCommit(log, logger, { committed: () => undefined, failed: () => undefined }),
      compactor: new Compactor(handle.db, log, logger),
      acks: new DurableAcks(),
      metrics: registerPersistenceMetrics(createMetricsRegistry()),
      logger,
      compaction: { afterUpdates: 1000 },
    });
    const hocuspocus = new Hocuspocus({ quiet: true, extensions: [persistence] });
    const repaired: string[] = [];
    const repair = new LogRepair({
      hocuspocus,
      persistence,
      log,
      logger,
      intervalMs: 60_000,
      repaired: (name) => repaired.push(name),
    });

    const name = 't_acme/poc/repair/notes';
    const held = await hocuspocus.openDirectConnection(name);
    const document = hocuspocus.documents.get(name)!;

    // Node B's client typed; B logged it, and its Redis message never reached this node.
    const elsewhere = new Y.Doc();
    elsewhere.getText('code').insert(0, 'typed on node B');
    await new UpdateLog(handle, 'node-b').append([
      { name, tenantId: 't_acme', update: Y.encodeStateAsUpdate(elsewhere) },
    ]);
    expect(document.getText('code').toString()).toBe('');

    await repair.runOnce();
    expect(document.getText('code').toString()).toBe('typed on node B');
    expect(repaired).toEqual([name]);

    // Nothing missing any more: a second pass changes nothing and counts nothing.
    await repair.runOnce();
    expect(repaired).toEqual([name]);
    await held.disconnect();
  });
});
