import { Histogram } from '@pocdojo/shared';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { searchQuerySchema, searchResultSchema } from './search-engine.ts';

export const searchRoutes: ApiPlugin = async (app, { context }) => {
  const { search, limits } = context;
  const duration = new Histogram({
    name: 'api_search_duration_seconds',
    help: 'POC search time inside the engine',
    labelNames: ['engine'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [context.metrics],
  });
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.get(
    '/search/pocs',
    {
      schema: {
        tags: ['search'],
        summary: 'Search POCs by name and description (prefix, typo tolerant), filter by language and tags',
        description:
          'An empty `q` with filters lists every match newest first. `tags=a,b` requires all of them. Facets count every match: the language counts leave the language filter out (the other languages stay choosable), the tag counts apply every filter.',
        security: [{ bearer: [] }],
        querystring: searchQuerySchema,
        response: { 200: searchResultSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await limits.searchByUser.consume(request);
      await limits.searchByTenant.consume(request);
      const result = await search.search(principal.tenantId, request.query);
      duration.observe({ engine: search.name }, result.tookMs / 1000);
      return result;
    },
  );
};
