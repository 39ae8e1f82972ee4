import { z } from 'zod';

/**
 * Everything the renderer needs, as plain data: it never touches the database, so it can be tested,
 * benchmarked and run in a worker process from one value.
 */
export const dojoSessionSummarySchema = z.object({
  title: z.string(),
  startedAt: z.coerce.date(),
  /** Null when the session's length is not recorded. */
  minutes: z.number().nonnegative().nullable(),
  participants: z.number().int().nonnegative(),
});

export const videoPocSchema = z.object({
  name: z.string().min(1),
  language: z.string().nullable(),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  createdAt: z.coerce.date(),
  dojoSessions: z.array(dojoSessionSummarySchema),
});

export const videoInputSchema = z.object({
  person: z.object({ name: z.string().min(1) }),
  tenant: z.object({ name: z.string().min(1) }),
  year: z.number().int().min(2000).max(2100),
  pocs: z.array(videoPocSchema).min(1),
});

/** Seconds on screen per scene kind; tests and previews shorten them, the product uses the defaults. */
export const sceneTimingSchema = z.object({
  openingSec: z.number().positive().default(4),
  pocSec: z.number().positive().default(6),
  statisticsSec: z.number().positive().default(7),
  closingSec: z.number().positive().default(4),
});

export const renderOptionsSchema = z.object({
  narration: z.boolean().default(true),
  /** espeak-ng voice name; `en` ships with every espeak-ng package. */
  voice: z
    .string()
    .regex(/^[a-z0-9+_-]{1,40}$/i)
    .default('en'),
  timing: sceneTimingSchema.default(sceneTimingSchema.parse({})),
});

export type DojoSessionSummary = z.infer<typeof dojoSessionSummarySchema>;
export type VideoPoc = z.infer<typeof videoPocSchema>;
export type VideoInput = z.infer<typeof videoInputSchema>;
export type SceneTiming = z.infer<typeof sceneTimingSchema>;
export type RenderOptions = z.infer<typeof renderOptionsSchema>;

export const VIDEO_WIDTH = 1280;
export const VIDEO_HEIGHT = 720;
export const VIDEO_FPS = 30;
