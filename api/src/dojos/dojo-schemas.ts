import { dojoDocumentsSchema, dojoFormats } from '@pocdojo/shared/contract/dojos';
import { z } from 'zod';

export const createDojoBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  pocId: z.string().min(1).max(64).optional(),
  format: z.enum(dojoFormats),
  language: z.string().trim().min(1).max(50),
  turnMinutes: z.number().int().min(1).max(120).optional(),
});
export type CreateDojo = z.infer<typeof createDojoBodySchema>;

/** Join normally (role from the dojo and the caller's roles) or, with `as: observer`, read-only. */
export const joinDojoBodySchema = z.strictObject({ as: z.enum(['observer']).optional() }).nullish();

export const dojoIdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

export const dojoSchema = z.object({
  id: z.string(),
  title: z.string(),
  pocId: z.string().nullable(),
  format: z.enum(dojoFormats),
  language: z.string(),
  turnMinutes: z.number().int().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  /** Collaboration document names for the WebSocket tier (`<tenant>/dojo/<id>/<part>`). */
  documents: dojoDocumentsSchema,
});
export type Dojo = z.infer<typeof dojoSchema>;

export const dojoListQuerySchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
