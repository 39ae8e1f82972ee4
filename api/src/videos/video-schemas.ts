import { z } from 'zod';

export const createVideoBodySchema = z.strictObject({
  year: z.number().int().min(2000).max(2100),
  /** Whose year; defaults to the caller. Admins only for someone else. */
  userId: z.string().min(1).max(100).optional(),
  /** Render again even if a video for this person and year exists. */
  force: z.boolean().default(false),
  /** Spoken narration (default from VIDEO_NARRATION); without it the video carries a background tone. */
  narration: z.boolean().optional(),
});

export const videoIdParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const shareTokenParamsSchema = z.object({ token: z.string().min(1).max(100) });

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

export const queuedVideoSchema = z.object({ id: z.string(), status: videoStatusSchema });

export const videoDownloadSchema = z.object({ url: z.string(), expiresAt: z.iso.datetime() });

export const videoShareSchema = z.object({
  /** The public page; anyone with it can watch until the link is revoked. */
  url: z.string(),
});

export type VideoResponse = z.infer<typeof videoSchema>;
