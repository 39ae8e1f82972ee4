import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { DatabaseHandle } from '../database/open-database.ts';
import type { Database } from '../database/schema.ts';
import type { Logger } from '../logging.ts';
import { contextFromHeaders, inSpan, SpanKind, traceHeaders } from '../telemetry/spans.ts';

/**
 * A durable job queue in Postgres (pg-boss), on the same pool as everything else so it runs unchanged on a
 * real server and on the embedded PGlite. Jobs survive restarts because they are rows; failures retry with
 * exponential backoff. pg-boss alone only notices a dead worker when the job's expiry (hours, for long
 * renders) runs out, so each running job also beats a heartbeat row: any live worker fails a job whose
 * heartbeat went quiet, which hands it back to pg-boss for a retry within seconds of the crash.
 * When tracing, a job carries the trace context of whoever queued it in its data (`traceContext`, W3C
 * headers), so the request that asked for the work and the work itself are one trace.
 */
export interface RetryPolicy {
  /** Attempts after the first. */
  retryLimit: number;
  /** Seconds before the first retry; doubled on each further one. */
  retryDelaySeconds: number;
  /** Longest a single attempt may run before pg-boss gives up on it. */
  expireInSeconds: number;
}

export interface JobQueueOptions {
  database: DatabaseHandle;
  logger: Logger;
  /** How often a running job beats, and how often this process looks for silent ones. */
  heartbeatSeconds?: number;
  /** A job whose heartbeat is older than this is considered orphaned. */
  stallSeconds?: number;
  pollingIntervalSeconds?: number;
  maintenanceIntervalSeconds?: number;
}

export interface JobContext<T> {
  id: string;
  data: T;
  /** 1 for the first attempt. */
  attempt: number;
  /** True when a failure now will not be retried. */
  lastAttempt: boolean;
  /** Aborted when this process shuts down mid-job; the job is then retried elsewhere or later. */
  signal: AbortSignal;
}

export type JobHandler<T> = (job: JobContext<T>) => Promise<void>;

const schema = 'pgboss';
/** The key in a job's data that holds the queuing trace context; taken off before the data is validated. */
const traceContextKey = 'traceContext';

export class JobQueue {
  private readonly worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly running = new Map<string, AbortController>();
  /** pg-boss's worker ids by queue name, to wake them when a job is known to be waiting. */
  private readonly workers = new Map<string, string[]>();
  private readonly heartbeatMs: number;
  private readonly stallSeconds: number;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly boss: PgBoss,
    private readonly options: JobQueueOptions,
  ) {
    this.heartbeatMs = (options.heartbeatSeconds ?? 5) * 1000;
    this.stallSeconds = options.stallSeconds ?? 30;
  }

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const { pool } = options.database;
    const log = options.logger.child({ component: 'job-queue' });
    const boss = new PgBoss({
      // pg-boss sends multi-statement scripts without parameters; pg runs those with the simple protocol.
      db: { executeSql: (text: string, values?: unknown[]) => pool.query(text, values) },
      schema,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    });
    boss.on('error', (error) => log.warn({ err: error }, 'job queue background task failed'));
    await boss.start();
    const queue = new JobQueue(boss, { ...options, logger: log });
    queue.timer = setInterval(() => void queue.tick(), queue.heartbeatMs);
    queue.timer.unref();
    return queue;
  }

  /** Creates the queue or updates its retry policy (both idempotent, safe from every process). */
  async define(name: string, policy: RetryPolicy): Promise<void> {
    const settings = {
      name,
      retryLimit: policy.retryLimit,
      retryDelay: policy.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: policy.expireInSeconds,
    };
    if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, settings);
    else await this.boss.createQueue(name, settings);
  }

  /**
   * Queues a job. With `within` (a Kysely transaction) the job row is written in that transaction, so
   * the job exists exactly when the caller's own change commits.
   */
  async send(name: string, data: object, within?: Pick<Kysely<Database>, 'executeQuery'>): Promise<string> {
    const db = within && {
      executeSql: (text: string, values: unknown[] = []) => within.executeQuery(CompiledQuery.raw(text, values)),
    };
    return inSpan(`${name} send`, { kind: SpanKind.PRODUCER, attributes: { 'job.queue': name } }, async (span) => {
      const traceContext = traceHeaders();
      const payload = Object.keys(traceContext).length > 0 ? { ...data, [traceContextKey]: traceContext } : data;
      const id = await this.boss.send(name, payload, db ? { db } : {});
      if (!id) throw new Error(`job queue ${name} refused the job`);
      span.setAttribute('job.id', id);
      return id;
    });
  }

  /**
   * Runs `handler` for each job of `name`, `concurrency` at a time in this process (default one); data is
   * validated first.
   */
  async work<S extends z.ZodType<object>>(
    name: string,
    dataSchema: S,
    handler: JobHandler<z.infer<S>>,
    options: { concurrency?: number } = {},
  ): Promise<void> {
    // pg-boss 10 has no local concurrency: each worker fetches and runs one job at a time.
    for (let worker = 0; worker < (options.concurrency ?? 1); worker++) {
      const id = await this.boss.work<object>(
        name,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          for (const job of jobs) await this.runOne(name, job, dataSchema, handler);
        },
      );
      this.workers.set(name, [...(this.workers.get(name) ?? []), id]);
    }
  }

  /**
   * Makes this process's idle workers of `name` fetch now instead of at their next poll: for a caller
   * that knows a job was just queued (the runners, told by a notification). Busy workers fetch when done.
   */
  wake(name: string): void {
    for (const id of this.workers.get(name) ?? []) this.boss.notifyWorker(id);
  }

  /** How many jobs this process is running now. */
  get busy(): number {
    return this.running.size;
  }

  /**
   * Stops taking jobs of `name` and waits up to `graceMs` for the running ones to finish, so a deploy
   * does not throw away work that is nearly done; `stop` then aborts whatever still runs.
   */
  async drain(name: string, graceMs: number): Promise<void> {
    await this.boss.offWork(name);
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private async runOne<S extends z.ZodType<object>>(
    name: string,
    job: PgBoss.JobWithMetadata<object>,
    dataSchema: S,
    handler: JobHandler<z.infer<S>>,
  ): Promise<void> {
    const { [traceContextKey]: traceContext, ...rest } = job.data as Record<string, unknown>;
    const attributes = { 'job.queue': name, 'job.id': job.id, 'job.attempt': job.retryCount + 1 };
    await inSpan(
      `${name} process`,
      { kind: SpanKind.CONSUMER, attributes, parent: contextFromHeaders(headersIn(traceContext)) },
      () => this.runValidated(name, job, dataSchema.parse(rest), handler),
    );
  }

  private async runValidated<T>(
    name: string,
    job: PgBoss.JobWithMetadata<object>,
    data: T,
    handler: JobHandler<T>,
  ): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const { db } = this.options.database;
    await db
      .insertInto('job_heartbeats')
      .values({ job_id: job.id, queue: name, worker: this.worker })
      .onConflict((oc) => oc.column('job_id').doUpdateSet({ worker: this.worker, beat_at: sql`now()` }))
      .execute();
    try {
      await handler({
        id: job.id,
        data,
        attempt: job.retryCount + 1,
        lastAttempt: job.retryCount >= job.retryLimit,
        signal: controller.signal,
      });
    } finally {
      this.running.delete(job.id);
      await db.deleteFrom('job_heartbeats').where('job_id', '=', job.id).where('worker', '=', this.worker).execute();
    }
  }

  /** Beats for this process's running jobs, then fails other workers' jobs that stopped beating. */
  private async tick(): Promise<void> {
    const { db } = this.options.database;
    try {
      const ids = [...this.running.keys()];
      if (ids.length > 0) {
        await db
          .updateTable('job_heartbeats')
          .set({ beat_at: sql`now()` })
          .where('job_id', 'in', ids)
          .execute();
      }
      // DELETE … RETURNING: of several live workers, exactly one claims each orphan.
      const orphans = await db
        .deleteFrom('job_heartbeats')
        .where('beat_at', '<', sql<Date>`now() - make_interval(secs => ${this.stallSeconds})`)
        .returning(['job_id', 'queue', 'worker'])
        .execute();
      for (const orphan of orphans) {
        this.options.logger.warn(orphan, 'worker stopped beating; failing its job so it is retried');
        await this.boss.fail(orphan.queue, orphan.job_id, { message: `worker ${orphan.worker} stopped mid-job` });
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'job heartbeat failed');
    }
  }

  /** The job's pg-boss state, for tests and operators. */
  async state(name: string, id: string): Promise<{ state: string; retryCount: number; output: unknown } | undefined> {
    const job = await this.boss.getJobById(name, id);
    return job ? { state: job.state, retryCount: job.retryCount, output: job.output } : undefined;
  }

  /**
   * Stops fetching and aborts running jobs (their handlers clean up and throw, so pg-boss schedules a
   * retry), then waits up to `timeoutMs` for them to settle.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const controller of this.running.values()) controller.abort(new Error('worker shutting down'));
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
  }
}

/** The W3C headers a job carried, if they are any (data is whatever was queued, by any version). */
function headersIn(traceContext: unknown): Record<string, string> {
  if (typeof traceContext !== 'object' || traceContext === null) return {};
  return Object.fromEntries(
    Object.entries(traceContext).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
