import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { positiveInt } from '@pocdojo/shared';

/**
 * The settings of the run service, the part of a process that takes `run` jobs (the `npm run runner`
 * process, or the all-in-one server in-process). docs/runner.md lists them.
 */
export const runServiceSettingsShape = {
  /** Runs at once in this process; each is a sandbox with its own CPU limit. */
  RUNNER_CONCURRENCY: positiveInt(availableParallelism()),
  /** Runs one tenant may have admitted or running at once across all runners (fairness between tenants). */
  RUNS_PER_TENANT: positiveInt(2),
  /** On SIGTERM, how long running runs may finish before they are aborted and handed back for a retry. */
  RUNNER_DRAIN_SECONDS: z.coerce.number().int().min(0).max(600).default(30),
  /**
   * How often queued runs are admitted when nothing prompts it. A notification admits at once (a request,
   * a run finishing), so this only catches what a lost notification missed (listening connection down).
   */
  RUNNER_ADMIT_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(5_000),
  /** How often the runner publishes the languages it can run; three missed beats mark it gone. */
  RUNNER_HEARTBEAT_SECONDS: positiveInt(5),
  /** Attempts after the first when a runner dies or shuts down mid-run. */
  RUNNER_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(2),
};

export type RunServiceSettings = z.infer<z.ZodObject<typeof runServiceSettingsShape>>;

/** The all-in-one server's switch (like VIDEO_WORKER): off when separate runner processes take the runs. */
export const runWorkerSwitchShape = { RUN_WORKER: z.enum(['inline', 'off']).default('inline') };
