import { z } from 'zod';
import { markStart, markStop, markedToHtml } from './highlight.ts';
import { facetSize, queryWords, type SearchQuery, type SearchResult } from './search-engine.ts';

/**
 * Everything the OpenSearch engine sends and reads, as pure functions (tested without a server).
 *
 * Layout: one shared physical index (`<index>-v<n>`) behind the write alias `<index>`, documents
 * routed by tenant id, and one *filtered alias per tenant* (`<index>-<tenant>`, filter
 * `tenant_id = <tenant>`, routing `<tenant>`). Searches go through the tenant's alias and also carry
 * an explicit tenant filter. We chose filtered aliases over an index per tenant because most tenants
 * hold a few hundred POCs: thousands of tiny indices would waste shards and heap, while a filtered
 * alias costs nothing and routing keeps each tenant's documents on one shard.
 */
export interface PocDocumentSource {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  language: string;
  tags: string[];
  createdAt: Date;
  version: number;
}

export const tenantAlias = (index: string, tenantId: string): string => `${index}-${tenantId.toLowerCase()}`;

/** Settings and mappings: folded text for exact words, edge n-grams for prefixes, keywords for filters and facets. */
export function indexDefinition(): Record<string, unknown> {
  const prefix = { type: 'text', analyzer: 'autocomplete', search_analyzer: 'folded' };
  return {
    settings: {
      analysis: {
        filter: { autocomplete_edge: { type: 'edge_ngram', min_gram: 1, max_gram: 20 } },
        normalizer: { folded_keyword: { type: 'custom', filter: ['lowercase', 'asciifolding'] } },
        analyzer: {
          folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] },
          autocomplete: {
            type: 'custom',
            tokenizer: 'standard',
            filter: ['lowercase', 'asciifolding', 'autocomplete_edge'],
          },
        },
      },
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        tenant_id: { type: 'keyword' },
        name: {
          type: 'text',
          analyzer: 'folded',
          fields: { prefix, exact: { type: 'keyword', normalizer: 'folded_keyword' } },
        },
        description: { type: 'text', analyzer: 'folded', fields: { prefix } },
        language: { type: 'keyword', fields: { folded: { type: 'keyword', normalizer: 'folded_keyword' } } },
        tags: { type: 'keyword' },
        created_at: { type: 'date' },
      },
    },
  };
}

export function pocDocument(poc: PocDocumentSource): Record<string, unknown> {
  return {
    tenant_id: poc.tenantId,
    name: poc.name,
    description: poc.description ?? '',
    language: poc.language,
    tags: poc.tags,
    created_at: poc.createdAt.toISOString(),
  };
}

/** Bulk lines that index a POC at its version; OpenSearch refuses older versions (idempotent replays). */
export function bulkIndexLines(index: string, poc: PocDocumentSource): Record<string, unknown>[] {
  return [
    { index: { _index: index, _id: poc.id, routing: poc.tenantId, version: poc.version, version_type: 'external' } },
    pocDocument(poc),
  ];
}

export function bulkDeleteLines(
  index: string,
  change: { pocId: string; tenantId: string; version: number },
): Record<string, unknown>[] {
  return [
    {
      delete: {
        _index: index,
        _id: change.pocId,
        routing: change.tenantId,
        version: change.version,
        version_type: 'external',
      },
    },
  ];
}

/**
 * The search body: prefix and fuzzy matching on name/tags/description, filters, facets, highlights.
 * The language filter is a post_filter: the hits honour it, the aggregations run before it, so the
 * language counts still show the other languages; the tag counts apply it in a filter aggregation.
 */
export function buildSearchBody(tenantId: string, query: SearchQuery): Record<string, unknown> {
  const text = queryWords(query.q).join(' ');
  const filter: Record<string, unknown>[] = [{ term: { tenant_id: tenantId } }];
  for (const tag of query.tags) filter.push({ term: { tags: tag } });
  const language = query.language ? { term: { 'language.folded': query.language.toLowerCase() } } : undefined;
  const must = text
    ? [
        {
          bool: {
            should: [
              { term: { 'name.exact': { value: text, boost: 10 } } },
              {
                multi_match: {
                  query: text,
                  type: 'most_fields',
                  operator: 'and',
                  fields: ['name^4', 'name.prefix^2', 'tags^2', 'description', 'description.prefix^0.5'],
                },
              },
              {
                multi_match: {
                  query: text,
                  fields: ['name^2', 'tags', 'description^0.5'],
                  fuzziness: 'AUTO',
                  prefix_length: 1,
                  operator: 'and',
                },
              },
            ],
            minimum_should_match: 1,
          },
        },
      ]
    : [];
  return {
    size: query.limit,
    track_total_hits: false,
    _source: ['name', 'language', 'tags'],
    query: { bool: { filter, must } },
    ...(language && { post_filter: language }),
    sort: text ? ['_score', { created_at: 'desc' }] : [{ created_at: 'desc' }],
    aggs: {
      languages: { terms: { field: 'language', size: facetSize } },
      tags: {
        filter: language ?? { match_all: {} },
        aggs: { values: { terms: { field: 'tags', size: facetSize } } },
      },
    },
    ...(text && {
      highlight: {
        pre_tags: [markStart],
        post_tags: [markStop],
        fields: {
          name: { number_of_fragments: 0 },
          'name.prefix': { number_of_fragments: 0 },
          description: { fragment_size: 160, number_of_fragments: 1 },
          'description.prefix': { fragment_size: 160, number_of_fragments: 1 },
        },
      },
    }),
  };
}

const bucketsSchema = z.object({ buckets: z.array(z.object({ key: z.string(), doc_count: z.number() })) });

export const searchResponseSchema = z.object({
  took: z.number().optional(),
  hits: z.object({
    hits: z.array(
      z.object({
        _id: z.string(),
        _score: z.number().nullable().optional(),
        _source: z.object({ name: z.string(), language: z.string(), tags: z.array(z.string()) }),
        highlight: z.record(z.string(), z.array(z.string())).optional(),
      }),
    ),
  }),
  aggregations: z.object({ languages: bucketsSchema, tags: z.object({ values: bucketsSchema }) }).optional(),
});

const counts = (buckets: { key: string; doc_count: number }[] | undefined) =>
  Object.fromEntries((buckets ?? []).map((bucket) => [bucket.key, bucket.doc_count]));

/** Maps OpenSearch's answer onto the API's search result (the same shape as the Postgres engine). */
export function parseSearchResponse(body: unknown, tookMs: number): SearchResult {
  const response = searchResponseSchema.parse(body);
  return {
    items: response.hits.hits.map((hit) => {
      const pick = (field: 'name' | 'description') => {
        const marked = hit.highlight?.[`${field}.prefix`]?.[0] ?? hit.highlight?.[field]?.[0];
        return marked === undefined ? undefined : markedToHtml(marked);
      };
      const name = pick('name');
      const description = pick('description');
      return {
        id: hit._id,
        name: hit._source.name,
        language: hit._source.language,
        tags: hit._source.tags,
        score: Math.round((hit._score ?? 0) * 10_000) / 10_000,
        highlights: { ...(name && { name }), ...(description && { description }) },
      };
    }),
    facets: {
      languages: counts(response.aggregations?.languages.buckets),
      tags: counts(response.aggregations?.tags.values.buckets),
    },
    tookMs,
  };
}
