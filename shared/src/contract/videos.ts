import { z } from 'zod';

/**
 * What the REST API answers about yearly videos. The API serializes and documents its responses with
 * these schemas; the SDK validates what it receives with the same ones.
 */
export const videoStatusSchema = z.enum(['queued', 'rendering', 'done', 'failed']);

export const videoSchema = z.object({
  id: z.string(),
  userId: z.string(),
  year: z.number().int(),
  status: videoStatusSchema,
  progress: z.number().min(0).max(1),
  error: z.string().optional(),
  durationSec: z.number().optional(),
  /** A short-lived link that plays the video, once it is done. */
  url: z.string().optional(),
  pocCount: z.number().int(),
  narration: z.boolean(),
  shared: z.boolean(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type Video = z.infer<typeof videoSchema>;

export const queuedVideoSchema = z.object({ id: z.string(), status: videoStatusSchema });

export const videoDownloadSchema = z.object({ url: z.string(), expiresAt: z.iso.datetime() });

export const videoShareSchema = z.object({
  /** The public page; anyone with it can watch until the link is revoked. */
  url: z.string(),
});
