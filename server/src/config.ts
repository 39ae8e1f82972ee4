import { z } from 'zod';
import { baseConfigSchema, flag, positiveInt } from '@pocdojo/shared';
import { runRequestConfigSection } from '@pocdojo/shared/runs/run-request';

/** The WebSocket tier's settings on top of the shared ones. */
export const collabConfigSchema = baseConfigSchema.extend({
  NODE_ID: z.string().min(1).max(64).optional(),
  MAX_MESSAGE_BYTES: positiveInt(8 * 1024 * 1024),
  MESSAGES_PER_SECOND: positiveInt(200),
  MESSAGE_BURST: positiveInt(1000),
  COMPACT_AFTER_UPDATES: positiveInt(500),
  SHUTDOWN_DEADLINE_MS: positiveInt(10_000),
  /** How often each node checks the documents it holds against the log (heals dropped Redis messages). */
  REPAIR_INTERVAL_MS: positiveInt(2_000),
  /** How long a document with no clients stays in memory; 0 unloads at once. */
  DOCUMENT_IDLE_MS: z.coerce.number().int().min(0).default(30_000),
  REDIS_PREFIX: z.string().min(1).max(64).default('pocdojo'),
  /**
   * The update log's append as a named prepared statement on a Postgres server. Set false behind a pooler
   * in transaction mode that does not track them (PgBouncer before 1.21, or without max_prepared_statements).
   */
  DATABASE_PREPARED_STATEMENTS: flag(true),
  /**
   * The least time between two presence (awareness) broadcasts of a document: the cursor moves of this
   * interval go out together in one frame. A move after a quiet spell goes out at once; none waits longer
   * than twice this. 0 relays each move as it comes.
   */
  PRESENCE_INTERVAL_MS: z.coerce.number().int().min(0).max(1_000).default(60),
  /** Auto-run: how long the code must rest after a change before a run starts by itself. */
  RUN_AUTO_DEBOUNCE_MS: z.coerce.number().int().min(200).max(60_000).default(1500),
  /**
   * While a dojo has runs queued or running, how often its room reads their state anyway: a notification
   * shows each change at once, so this only catches one that was lost.
   */
  RUN_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  ...runRequestConfigSection.shape,
});

export type CollabConfig = z.infer<typeof collabConfigSchema>;
