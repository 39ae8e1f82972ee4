import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { inSpan, isDomainError, JobQueue, type DatabaseHandle, type Logger, type Unlisten } from '@pocdojo/shared';
import { languageIdSchema, languageNames, runFilesSchema } from '@pocdojo/shared/contract/runs';
import { RunQueue, runNotifyChannel, traceOf, type RunRow } from '@pocdojo/shared/runs/run-queue';
import { publishLanguages, withdrawRunner } from '@pocdojo/shared/runs/runner-availability';
import type { Runner } from '../runner.ts';
import type { RunMetrics } from './run-metrics.ts';
import type { RunServiceSettings } from './run-service-config.ts';

export const runJobName = 'run';
export const runJobSchema = z.object({ runId: z.string().min(1).max(64) });

export interface RunWorkerOptions {
  database: DatabaseHandle;
  runner: Runner;
  settings: RunServiceSettings;
  logger: Logger;
  metrics?: RunMetrics;
}

/**
 * The run service in one process: takes `run` jobs (RUNNER_CONCURRENCY at a time), runs each queued run
 * with the Runner and stores its result, admits queued runs into the job queue (shared/src/runs/
 * run-queue.ts has the fairness rule), and publishes the languages this runner can run.
 *
 * Event-driven: every change of a run notifies `dojo_runs`, and on each notification this runner admits
 * at once and wakes its idle job workers, so a run requested in any process starts without waiting for
 * a poll. The admission tick (RUNNER_ADMIT_INTERVAL_MS) and pg-boss's own polling remain only as the
 * safety net for a notification lost while the listening connection was down.
 *
 * A run is taken only while its row still waits (a replaced run is skipped). A run this process cannot
 * run (its language unavailable here, files it refuses) fails with the runner's sentence. Shutting down
 * drains: no new jobs, running ones get `RUNNER_DRAIN_SECONDS`, then the rest are aborted and handed
 * back, and the job queue retries them on another runner (or this one after a restart).
 */
export class RunWorker {
  readonly runnerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly runs: RunQueue;
  private readonly log: Logger;
  private admitTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private unlisten: Unlisten | undefined;
  /** The admission running now, and whether a notification asked for another after it. */
  private admitting: Promise<void> | undefined;
  private admitAgain = false;
  private published = false;
  private stopping = false;

  private constructor(
    private readonly options: RunWorkerOptions,
    private readonly jobs: JobQueue,
  ) {
    this.runs = new RunQueue(options.database.db, options.settings.RUNS_PER_TENANT);
    this.log = options.logger;
  }

  static async start(options: RunWorkerOptions): Promise<RunWorker> {
    const logger = options.logger.child({ component: 'run-worker' });
    const jobs = await JobQueue.start({
      database: options.database,
      logger,
      heartbeatSeconds: options.settings.RUNNER_HEARTBEAT_SECONDS,
      // The safety net only: a notification wakes the workers when a run is admitted (see the header).
      pollingIntervalSeconds: 2,
    });
    const worker = new RunWorker({ ...options, logger }, jobs);
    try {
      await jobs.define(runJobName, {
        retryLimit: options.settings.RUNNER_RETRY_LIMIT,
        retryDelaySeconds: 1,
        // A run lasts seconds (wall limit ≤ 60 s); the cache of a new toolchain may take minutes once.
        expireInSeconds: 900,
      });
      await jobs.work(runJobName, runJobSchema, (job) => worker.take(job.data.runId, job.signal, job.lastAttempt), {
        concurrency: options.settings.RUNNER_CONCURRENCY,
      });
      worker.unlisten = await options.database.listen(runNotifyChannel, {
        notified: () => void worker.admitSoon(),
        // Back after a lost connection: whatever was queued meanwhile is admitted now, not at the next tick.
        resumed: () => void worker.admitSoon(),
      });
    } catch (error) {
      await jobs.stop();
      throw error;
    }
    worker.admitTimer = setInterval(() => void worker.admitSoon(), options.settings.RUNNER_ADMIT_INTERVAL_MS);
    worker.beatTimer = setInterval(() => void worker.beat(), options.settings.RUNNER_HEARTBEAT_SECONDS * 1000);
    // Each language is offered as soon as its probe settles, not when the slowest toolchain is ready.
    options.runner.observer.on('known', () => void worker.beat());
    void worker.beat();
    logger.info(
      { runner: worker.runnerId, concurrency: options.settings.RUNNER_CONCURRENCY },
      'run worker taking runs',
    );
    return worker;
  }

  /** True once this runner told the others which languages it can run (those still being prepared as getting ready). */
  get ready(): boolean {
    return this.published && !this.stopping;
  }

  /**
   * Hands waiting runs to the job queue while their tenants are under the limit, then wakes this
   * process's idle workers (the runs admitted here or, when a notification brought us here, by another
   * runner). A burst of notifications makes one admission and at most one more after it.
   */
  admitSoon(): Promise<void> {
    if (this.admitting) {
      this.admitAgain = true;
      return this.admitting;
    }
    this.admitting = (async () => {
      do {
        this.admitAgain = false;
        await this.admit();
      } while (this.admitAgain && !this.stopping);
    })().finally(() => {
      this.admitting = undefined;
    });
    return this.admitting;
  }

  private async admit(): Promise<void> {
    if (this.stopping) return;
    try {
      const admitted = await this.runs.admit((trx, runId) => this.jobs.send(runJobName, { runId }, trx));
      if (admitted.length > 0) this.log.debug({ runs: admitted }, 'runs admitted');
      this.jobs.wake(runJobName);
    } catch (error) {
      this.log.warn({ err: error }, 'run admission failed; retrying');
    }
  }

  private async beat(): Promise<void> {
    if (this.stopping) return;
    try {
      await publishLanguages(this.options.database.db, this.runnerId, this.options.runner.languagesNow());
      this.published = true;
    } catch (error) {
      this.log.warn({ err: error }, 'languages not published');
    }
  }

  private async take(runId: string, signal: AbortSignal, lastAttempt: boolean): Promise<void> {
    const row = await this.runs.start(runId, this.runnerId);
    if (!row) return;
    const log = this.log.child({ run: runId, dojo: row.dojo_id, tenant: row.tenant_id });
    this.options.metrics?.queueWait.observe(
      Math.max(0, ((row.started_at?.getTime() ?? Date.now()) - row.requested_at.getTime()) / 1000),
    );
    try {
      // The run continues the trace of the request that asked for it, linked to the job that carried it.
      await inSpan(
        'dojo run',
        { parent: traceOf(row), linkActive: true, attributes: { 'run.id': row.id, 'run.language': row.language } },
        () => this.execute(row, signal, log),
      );
    } catch (error) {
      if (signal.aborted) {
        await this.runs.handBack(runId);
        log.info('run aborted by shutdown; handed back for a retry');
      } else if (lastAttempt) {
        await this.runs.fail(runId, 'the runner failed to run it; run the tests again');
        this.options.metrics?.finished.inc({ outcome: 'failed' });
      } else {
        await this.runs.handBack(runId);
      }
      throw error;
    } finally {
      // The place this run held is free: the tenant's next run goes in now rather than at the next tick.
      await this.admitSoon();
    }
  }

  private async execute(row: RunRow, signal: AbortSignal, log: Logger): Promise<void> {
    const language = languageIdSchema.safeParse(row.language);
    const files = runFilesSchema.safeParse(row.files);
    if (!language.success || !files.success) {
      await this.runs.fail(row.id, `this runner cannot run ${row.language} code`);
      this.options.metrics?.finished.inc({ outcome: 'failed' });
      return;
    }
    let started;
    try {
      started = await this.options.runner.start({ language: language.data, files: files.data });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // Refused before any sandbox: unavailable here, or files it does not take. Retrying cannot help.
      const message =
        error.code === 'unavailable' || error.code === 'not_found'
          ? `${languageNames[language.data]} is not available on this server`
          : error.message;
      await this.runs.fail(row.id, message);
      this.options.metrics?.finished.inc({ outcome: 'failed' });
      log.info({ reason: error.message }, 'run refused');
      return;
    }
    const run = started;
    const cancel = () => run.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const result = await inSpan('sandbox run', { attributes: { 'run.language': language.data } }, async (span) => {
        const settled = await run.result;
        span.setAttributes({ 'run.light': settled.light, 'run.duration_ms': settled.durationMs });
        return settled;
      });
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('run aborted');
      await this.runs.finish(row.id, result);
      this.options.metrics?.finished.inc({ outcome: result.light });
      this.options.metrics?.duration.observe({ language: language.data }, result.durationMs / 1000);
      log.info({ light: result.light, passed: result.passed, failed: result.failed }, 'run finished');
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  /**
   * Stops taking runs and waits up to `graceMs` for the running ones; whatever still runs then is
   * aborted and handed back.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.admitTimer);
    clearInterval(this.beatTimer);
    await this.unlisten?.();
    await withdrawRunner(this.options.database.db, this.runnerId).catch((error: unknown) => {
      this.log.warn({ err: error }, 'runner heartbeat not withdrawn; it goes stale');
    });
    await this.jobs.drain(runJobName, graceMs);
    await this.jobs.stop();
  }
}
