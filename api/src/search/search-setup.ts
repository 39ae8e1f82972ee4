import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiDeps } from '../api-context.ts';
import { createOpenSearchSearch } from './opensearch-search.ts';
import { createPostgresSearch } from './postgres-search.ts';
import type { SearchEngine } from './search-engine.ts';
import { SearchIndexer } from './search-indexer.ts';

/** The configured search engine and, for OpenSearch, the outbox worker that feeds it. */
export interface SearchSetup {
  engine: SearchEngine;
  /** Whether POC changes must be written to the outbox. */
  outbox: boolean;
  start(): void;
  close(): Promise<void>;
}

const idleDelayMs = 1_000;
const failureDelayMs = 5_000;
const pruneEveryMs = 10 * 60_000;

export async function createSearch(deps: ApiDeps): Promise<SearchSetup> {
  const url = deps.config.OPENSEARCH_URL;
  if (!url) {
    return { engine: createPostgresSearch(deps.database.db), outbox: false, start() {}, async close() {} };
  }
  const logger = deps.logger.child({ component: 'search-indexer' });
  const index = deps.config.OPENSEARCH_INDEX;
  // Loaded only when configured: a process searching in Postgres never needs the client's memory.
  const { createOpenSearchGateway } = await import('./opensearch-client.ts');
  const gateway = createOpenSearchGateway({ url });
  const indexer = new SearchIndexer(deps.database.db, gateway, index, logger);
  const stop = new AbortController();
  let loop: Promise<void> | undefined;

  // Drains the outbox until closed: at once while there is a backlog, every second when idle, slower
  // while OpenSearch fails (the rows stay pending, so nothing is lost while it is down).
  async function drainForever(): Promise<void> {
    let ready = false;
    let lastPrune = 0;
    while (!stop.signal.aborted) {
      let delay = idleDelayMs;
      try {
        if (!ready) {
          await indexer.ensureIndex();
          ready = true;
        }
        const outcome = await indexer.drainOnce();
        if (outcome.processed > 0 && outcome.failed === 0) delay = 0;
        if (Date.now() - lastPrune > pruneEveryMs) {
          await indexer.prune();
          lastPrune = Date.now();
        }
      } catch (error) {
        logger.warn({ err: error }, 'search outbox drain failed; retrying');
        delay = failureDelayMs;
      }
      if (delay > 0) await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  }

  return {
    engine: createOpenSearchSearch(gateway, index),
    outbox: true,
    start() {
      loop ??= drainForever();
    },
    async close() {
      stop.abort();
      await loop;
      await gateway.close();
    },
  };
}
