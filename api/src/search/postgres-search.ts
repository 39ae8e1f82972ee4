import type { Database } from '@pocdojo/shared';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { markStart, markStop, markedToHtml } from './highlight.ts';
import { facetSize, queryWords, type SearchEngine, type SearchQuery, type SearchResult } from './search-engine.ts';

/**
 * The default engine: Postgres in the same database, so it works embedded and needs no other server.
 *
 * - Full text: the generated `pocs.search` tsvector (name A, tags B, description C; 'simple' config,
 *   no stemming) matched by a prefix tsquery built from the query words (`kube opera` →
 *   `kube:* & opera:*`): search-as-you-type.
 * - Typos: pg_trgm word similarity between the query and `pocs.search_text` (name and tags), so
 *   `kubernets` still finds `Kubernetes operator`.
 * - Both matches run through their GIN indexes in `pocdojo_search_candidates`; the rest of the
 *   query (scores, filters, facets) works on those candidates under row-level security.
 * - Score: weighted ts_rank + word similarity + a bonus for an exact name match.
 * - Facets count over every match, not only the page. The language counts leave the language filter
 *   out, so with one language chosen the others still show how many they would find; the tag counts
 *   apply every filter. Highlights come from ts_headline on the page only.
 * One statement, one round trip, inside a tenant transaction (row-level security applies).
 */
const weights = '{0.1, 0.2, 0.4, 1.0}';
const typoThreshold = '0.5';
const nameHeadline = `StartSel=${markStart}, StopSel=${markStop}, HighlightAll=true`;
const descriptionHeadline = `StartSel=${markStart}, StopSel=${markStop}, MaxWords=30, MinWords=10`;

const rowSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      language: z.string(),
      tags: z.array(z.string()),
      score: z.number(),
      name_marked: z.string().nullable(),
      description_marked: z.string().nullable(),
    }),
  ),
  languages: z.record(z.string(), z.number()),
  tags: z.record(z.string(), z.number()),
});

export function createPostgresSearch(db: Kysely<Database>): SearchEngine {
  return {
    name: 'postgres',
    async search(tenantId: string, query: SearchQuery): Promise<SearchResult> {
      const started = performance.now();
      const words = queryWords(query.q);
      const text = words.join(' ');
      const tsquery = words.map((word) => `${word}:*`).join(' & ');
      const hasText = words.length > 0;

      // Candidates come from the GIN indexes (see the search-candidates migration for why a function).
      const textMatch = hasText
        ? sql`AND id IN (SELECT pocdojo_search_candidates(to_tsquery('simple', ${tsquery}), ${text}))`
        : sql``;
      const languageMatch = query.language ? sql`AND lower(language) = lower(${query.language})` : sql``;
      const tagsMatch = query.tags.length > 0 ? sql`AND tags @> ${query.tags}::text[]` : sql``;
      const score = hasText
        ? sql`ts_rank(${weights}::float4[], search, to_tsquery('simple', ${tsquery}))
              + word_similarity(${text}, search_text)
              + CASE WHEN lower(name) = ${text} THEN 1 ELSE 0 END`
        : sql`0`;
      const highlight = (column: 'name' | 'description', options: string) =>
        hasText
          ? sql`ts_headline('simple', ${sql.ref(column)}, to_tsquery('simple', ${tsquery}), ${options})`
          : sql`NULL`;

      const result = await withTenant(db, tenantId, async (trx) => {
        // 0.5 rather than pg_trgm's 0.6: one dropped letter in a short word (`oprator`) scores ~0.55.
        await sql`SELECT set_config('pg_trgm.word_similarity_threshold', ${typoThreshold}, true)`.execute(trx);
        const { rows } = await sql<unknown>`
          WITH any_language AS MATERIALIZED (
            SELECT id, name, description, language, tags, created_at, (${score})::float8 AS score
            FROM pocs
            WHERE tenant_id = ${tenantId} ${textMatch} ${tagsMatch}
          ),
          matched AS MATERIALIZED (
            SELECT * FROM any_language WHERE true ${languageMatch}
          ),
          page AS (
            SELECT * FROM matched ORDER BY score DESC, created_at DESC, id DESC LIMIT ${query.limit}
          )
          SELECT
            (SELECT coalesce(json_agg(h ORDER BY h.score DESC, h.created_at DESC, h.id DESC), '[]'::json) FROM (
              SELECT id, name, language, tags, score, created_at,
                ${highlight('name', nameHeadline)} AS name_marked,
                CASE WHEN description IS NULL THEN NULL ELSE ${highlight('description', descriptionHeadline)} END AS description_marked
              FROM page) h) AS items,
            (SELECT coalesce(json_object_agg(language, n), '{}'::json) FROM (
              SELECT language, count(*) AS n FROM any_language GROUP BY language ORDER BY n DESC, language LIMIT ${facetSize}) l) AS languages,
            (SELECT coalesce(json_object_agg(tag, n), '{}'::json) FROM (
              SELECT tag, count(*) AS n FROM matched, unnest(tags) AS tag GROUP BY tag ORDER BY n DESC, tag LIMIT ${facetSize}) t) AS tags
        `.execute(trx);
        return rowSchema.parse(rows[0]);
      });

      return {
        items: result.items.map((item) => {
          const name = item.name_marked === null ? undefined : markedToHtml(item.name_marked);
          const description = item.description_marked === null ? undefined : markedToHtml(item.description_marked);
          return {
            id: item.id,
            name: item.name,
            language: item.language,
            tags: item.tags,
            score: Math.round(item.score * 10_000) / 10_000,
            highlights: { ...(name && { name }), ...(description && { description }) },
          };
        }),
        facets: { languages: result.languages, tags: result.tags },
        tookMs: Math.round((performance.now() - started) * 100) / 100,
      };
    },
  };
}
