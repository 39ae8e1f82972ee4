import { z } from 'zod';
import { tagSchema } from '../pocs/poc-schemas.ts';

/**
 * The POC search contract, the same for every engine: `GET /api/v1/search/pocs`.
 * Highlights wrap matched words in <mark>…</mark> around HTML-escaped text, so clients can render them.
 */
export const searchQuerySchema = z.strictObject({
  q: z.string().trim().max(200).default(''),
  language: z.string().trim().min(1).max(50).optional(),
  tags: z
    .string()
    .max(1000)
    .optional()
    .transform((text, context) => {
      const tags = [
        ...new Set(
          (text ?? '')
            .split(',')
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      for (const tag of tags) {
        if (!tagSchema.safeParse(tag).success) {
          context.addIssue({ code: 'custom', message: `invalid tag "${tag.slice(0, 50)}"` });
          return z.NEVER;
        }
      }
      if (tags.length > 20) {
        context.addIssue({ code: 'custom', message: 'at most 20 tags' });
        return z.NEVER;
      }
      return tags;
    }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export const searchHitSchema = z.object({
  id: z.string(),
  name: z.string(),
  language: z.string(),
  tags: z.array(z.string()),
  score: z.number(),
  highlights: z.object({ name: z.string().optional(), description: z.string().optional() }),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  items: z.array(searchHitSchema),
  /** Over every match, not only the returned page. */
  facets: z.object({ languages: z.record(z.string(), z.number()), tags: z.record(z.string(), z.number()) }),
  tookMs: z.number(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export interface SearchEngine {
  readonly name: 'postgres' | 'opensearch';
  search(tenantId: string, query: SearchQuery): Promise<SearchResult>;
}

/** Words of the query as the engines tokenise them: letters and digits, lower-cased, at most 10. */
export function queryWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 10);
}

/** How many facet values each facet returns (the most frequent). */
export const facetSize = 30;
