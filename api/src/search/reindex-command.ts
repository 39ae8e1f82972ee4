/**
 * `npm run api:reindex`: rebuilds the OpenSearch index from Postgres (the source of truth) into a new
 * physical index and swaps the aliases onto it. Needs OPENSEARCH_URL (and DATABASE_OWNER_URL or DATABASE_URL
 * unless embedded).
 */
import { createLogger, migrateToLatest, openDatabase, readConfig } from '@pocdojo/shared';
import { apiConfigSchema } from '../api-config.ts';
import { createOpenSearchGateway } from './opensearch-client.ts';
import { SearchIndexer } from './search-indexer.ts';

const config = readConfig(apiConfigSchema);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'reindex' });
if (!config.OPENSEARCH_URL) {
  logger.error('OPENSEARCH_URL is not set: the Postgres engine needs no index');
  process.exit(2);
}
// It copies every tenant's POCs: as the tables' owner when the services log in as a restricted role.
const database = await openDatabase({
  databaseUrl: config.DATABASE_OWNER_URL ?? config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  logger,
});
const gateway = createOpenSearchGateway({ url: config.OPENSEARCH_URL });
try {
  await migrateToLatest(database.db, logger);
  const indexer = new SearchIndexer(database.db, gateway, config.OPENSEARCH_INDEX, logger);
  const result = await indexer.reindex();
  logger.info(result, 'reindexed');
} finally {
  await gateway.close();
  await database.close();
}
