import { baseConfigSchema, flag } from '@pocdojo/shared';
import { z } from 'zod';
import { storageConfigSection } from '../storage/storage-config.ts';

/**
 * Variables of the yearly video and its worker. The all-in-one server merges `reportsVideosConfigSection`
 * into its schema and hands the parsed object to `buildApi`; the video plugin reads its part back from
 * that object, so every field here also accepts its already-parsed value (a boolean for a flag).
 */
const parsedFlag = (fallback: boolean) => z.union([z.boolean(), flag(fallback)]);
const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

export const videoConfigSection = z.object({
  /** `inline`: this process renders queued videos; `off`: only separate `npm run worker` processes do. */
  VIDEO_WORKER: z.enum(['inline', 'off']).default('inline'),
  /** Narration by espeak-ng unless a request says otherwise; off means a background tone. */
  VIDEO_NARRATION: parsedFlag(true),
  VIDEO_VOICE: z
    .string()
    .regex(/^[a-z0-9+_-]{1,40}$/i)
    .default('en'),
  VIDEO_OPENING_SECONDS: seconds(4),
  VIDEO_POC_SECONDS: seconds(6),
  VIDEO_STATISTICS_SECONDS: seconds(7),
  VIDEO_CLOSING_SECONDS: seconds(4),
  /** Retries after a failed render, with exponential backoff from VIDEO_RETRY_DELAY_SECONDS. */
  VIDEO_RETRY_LIMIT: count(3),
  VIDEO_RETRY_DELAY_SECONDS: count(15),
  /** Longest one render attempt may take. */
  VIDEO_JOB_TIMEOUT_SECONDS: seconds(3600),
  /** A worker silent for this long is presumed dead and its job retried by another. */
  VIDEO_STALL_SECONDS: seconds(30),
  VIDEO_HEARTBEAT_SECONDS: seconds(5),
  VIDEO_POLL_SECONDS: seconds(2),
  /** Lifetime of download and playback links. */
  VIDEO_LINK_TTL_SECONDS: z.coerce.number().int().positive().default(300),
});

export const reportsVideosConfigSection = storageConfigSection.extend(videoConfigSection.shape);

/** What the video plugin and the worker read: the base variables they need plus their own. */
export const videoServiceConfigSchema = baseConfigSchema
  .pick({ DATA_DIR: true, DATABASE_URL: true, DATABASE_OWNER_URL: true, LOG_LEVEL: true })
  .extend(reportsVideosConfigSection.shape);

export type VideoServiceConfig = z.infer<typeof videoServiceConfigSchema>;
