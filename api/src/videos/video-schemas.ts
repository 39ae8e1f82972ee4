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
