import { z } from 'zod';
import { withoutControlCharacters } from '../search/highlight.ts';

export const pocStatuses = ['idea', 'active', 'done', 'abandoned'] as const;
export const pocStatusSchema = z.enum(pocStatuses);

/** Free text: trimmed, without control characters, bounded. */
const text = (max: number) => z.string().max(max).transform(withoutControlCharacters).pipe(z.string().trim());

export const tagSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._+#-]*$/u, 'letters, digits, space and . _ + # -');

/** Tags are trimmed, lower-cased and de-duplicated; at most 20 remain. */
export const tagsSchema = z
  .array(z.string().max(100))
  .max(100)
  .transform((tags) => [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))])
  .pipe(z.array(tagSchema).max(20, 'at most 20 distinct tags'));

const nameSchema = text(200).pipe(z.string().min(1, 'required'));
const descriptionSchema = text(5000);
const languageSchema = text(50).pipe(z.string().min(1, 'required'));
const repoUrlSchema = z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).max(500);

export const createPocBodySchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.optional(),
  language: languageSchema,
  tags: tagsSchema.optional(),
  repoUrl: repoUrlSchema.optional(),
  status: pocStatusSchema.optional(),
});
export type CreatePoc = z.infer<typeof createPocBodySchema>;

/** Any subset of the fields; `null` clears description and repoUrl. */
export const updatePocBodySchema = z
  .strictObject({
    name: nameSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    language: languageSchema.optional(),
    tags: tagsSchema.optional(),
    repoUrl: repoUrlSchema.nullable().optional(),
    status: pocStatusSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'at least one field to change');
export type UpdatePoc = z.infer<typeof updatePocBodySchema>;

export const pocIdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

export const listPocsQuerySchema = z.strictObject({
  owner: z.string().min(1).max(64).optional(),
  language: z.string().trim().min(1).max(50).optional(),
  tag: z.string().trim().toLowerCase().pipe(tagSchema).optional(),
  status: pocStatusSchema.optional(),
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type ListPocsQuery = z.infer<typeof listPocsQuerySchema>;

export const pocSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  language: z.string(),
  tags: z.array(z.string()),
  repoUrl: z.string().nullable(),
  status: pocStatusSchema,
  ownerId: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Poc = z.infer<typeof pocSchema>;

export const pocPageSchema = z.object({ items: z.array(pocSchema), nextCursor: z.string().nullable() });
