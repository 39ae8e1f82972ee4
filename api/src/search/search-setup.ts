import type { ApiDeps } from '../api-context.ts';
import { createPostgresSearch } from './postgres-search.ts';
import type { SearchEngine } from './search-engine.ts';

/** The configured search engine and, for OpenSearch, the outbox worker that feeds it. */
export interface SearchSetup {
  engine: SearchEngine;
  /** Whether POC changes must be written to the outbox. */
  outbox: boolean;
  start(): void;
  close(): Promise<void>;
}

export function createSearch(deps: ApiDeps): SearchSetup {
  return {
    engine: createPostgresSearch(deps.database.db),
    outbox: false,
    start() {},
    async close() {},
  };
}
