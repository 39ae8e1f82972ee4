import { buildSearchBody, parseSearchResponse, tenantAlias } from './opensearch-documents.ts';
import type { OpenSearchGateway } from './opensearch-client.ts';
import type { SearchEngine } from './search-engine.ts';

/**
 * The OpenSearch engine: queries the tenant's filtered alias. A tenant whose alias does not exist
 * yet has indexed nothing, so its answer is empty rather than an error.
 */
export function createOpenSearchSearch(gateway: OpenSearchGateway, index: string): SearchEngine {
  return {
    name: 'opensearch',
    async search(tenantId, query) {
      const started = performance.now();
      const body = await gateway.search(tenantAlias(index, tenantId), buildSearchBody(tenantId, query));
      const tookMs = Math.round((performance.now() - started) * 100) / 100;
      if (body === undefined) return { items: [], facets: { languages: {}, tags: {} }, tookMs };
      return parseSearchResponse(body, tookMs);
    },
  };
}
