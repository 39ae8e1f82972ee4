import { z } from 'zod';
import { baseConfigSchema, positiveInt } from '@pocdojo/shared';

/** The WebSocket tier's settings on top of the shared ones. */
export const collabConfigSchema = baseConfigSchema.extend({
  NODE_ID: z.string().min(1).max(64).optional(),
  MAX_MESSAGE_BYTES: positiveInt(8 * 1024 * 1024),
  MESSAGES_PER_SECOND: positiveInt(200),
  MESSAGE_BURST: positiveInt(1000),
  COMPACT_AFTER_UPDATES: positiveInt(500),
  SHUTDOWN_DEADLINE_MS: positiveInt(10_000),
});

export type CollabConfig = z.infer<typeof collabConfigSchema>;
