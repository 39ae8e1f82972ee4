import { randomBytes } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { DojoRun, RunFiles, RunResult } from '../contract/runs.ts';
import type { Database, DojoRunsTable } from '../database/schema.ts';
import { withTenant, type TenantTransaction } from '../database/tenant-transaction.ts';
import { contextFromHeaders, traceHeaders } from '../telemetry/spans.ts';

/**
 * Test runs from request to result, as rows of `dojo_runs`: used by the collaboration tier and the API
 * (requests, the room's list, positions) and by the runners (admission, start, result). A run is read
 * and written in a transaction of its tenant, under row-level security; the three questions that look
 * across tenants (admission, a run's tenant, positions) are database functions owned by the tables'
 * owner (migration 2026-12-07T0600), so the services' login never needs to see another tenant's rows.
 *
 * Requests: a dojo has at most one queued run; a new request replaces the one still waiting (the group
 * wants the code as it is now, not as it was a second ago).
 *
 * Fairness: the runners share one `run` job queue, but a queued run enters it (is admitted) only while
 * its tenant has fewer than `perTenant` runs admitted or running, oldest first. A tenant's storm of
 * requests therefore holds at most `perTenant` places of the shared queue, and another tenant's single
 * run is admitted behind at most `perTenant` runs of each tenant. When a run finishes (or fails), its
 * tenant's next queued run is admitted.
 *
 * Position (1 = the next run a runner takes): for an admitted run, 1 + the admitted runs not yet started
 * that were admitted before it; for a run still waiting for admission, 1 + every admitted run not yet
 * started + its tenant's runs that waited longer. An estimate: runs of other tenants admitted later may
 * still go first while its tenant is at its limit.
 *
 * Traces: a request stores the trace context it was made in (`trace_context`), and `traceOf` gives it
 * back to the runner that takes the run, so that request → queued → sandbox run is one trace.
 *
 * Every change of a run's status notifies `dojo_runs` (payload "tenant/dojo") in the same transaction,
 * so the room holding the dojo can refresh its list at once.
 */
export const runNotifyChannel = 'dojo_runs';

export type RunRow = Selectable<DojoRunsTable>;

export interface RunRequestInput {
  tenantId: string;
  dojoId: string;
  language: string;
  turn: number;
  requestedBy: string;
  requestedByName: string;
  auto: boolean;
  files: RunFiles;
  stateVector: Uint8Array;
}

/** Writes the `run` job of an admitted run inside the admission's transaction. */
export type AdmitJob = (trx: Transaction<Database>, runId: string) => Promise<unknown>;

/** Which admission may run at a time: one, across every process, so two never overfill a tenant. */
const admissionLock = 0x72756e73; // "runs"

export function newRunId(): string {
  return `r_${randomBytes(12).toString('base64url')}`;
}

const notify = (trx: Kysely<Database>, tenantId: string, dojoId: string) =>
  sql`SELECT pg_notify(${runNotifyChannel}, ${`${tenantId}/${dojoId}`})`.execute(trx);

/** The columns of a run as the room sees it (`DojoRun`). */
export const dojoRunColumns = [
  'id',
  'status',
  'turn',
  'requested_by',
  'requested_by_name',
  'auto',
  'requested_at',
  'finished_at',
  'light',
  'passed',
  'failed',
  'message',
] as const;

export function toDojoRun(row: Pick<RunRow, (typeof dojoRunColumns)[number]>, position: number | null): DojoRun {
  return {
    id: row.id,
    status: row.status,
    position,
    turn: row.turn,
    requestedBy: row.requested_by,
    requestedByName: row.requested_by_name,
    auto: row.auto,
    requestedAt: row.requested_at.getTime(),
    finishedAt: row.finished_at?.getTime() ?? null,
    light: row.light,
    passed: row.passed,
    failed: row.failed,
    message: row.message === null ? null : row.message.slice(0, 500),
  };
}

/** The active trace context as a run row keeps it; null when not tracing. */
function requestTraceContext(): string | null {
  const headers = traceHeaders();
  return Object.keys(headers).length > 0 ? JSON.stringify(headers) : null;
}

/** The trace of the request that asked for the run, to continue; undefined when it was not traced. */
export function traceOf(row: Pick<RunRow, 'trace_context'>): Context | undefined {
  return row.trace_context ? contextFromHeaders(row.trace_context) : undefined;
}

export class RunQueue {
  constructor(
    private readonly db: Kysely<Database>,
    /** Runs a tenant may have admitted or running at once. */
    private readonly perTenant: number,
  ) {}

  /** Queues a run of the dojo's code; the dojo's run still queued, if any, is replaced. */
  async request(input: RunRequestInput): Promise<{ id: string; replaced: string[] }> {
    const id = newRunId();
    return withTenant(this.db, input.tenantId, async (trx) => {
      // Two requests of the same dojo at once: one replaces the other instead of one failing on the index.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`dojo_runs/${input.tenantId}/${input.dojoId}`}))`.execute(trx);
      const replaced = await trx
        .updateTable('dojo_runs')
        .set({ status: 'replaced', finished_at: sql<Date>`clock_timestamp()` })
        .where('tenant_id', '=', input.tenantId)
        .where('dojo_id', '=', input.dojoId)
        .where('status', '=', 'queued')
        .returning('id')
        .execute();
      await trx
        .insertInto('dojo_runs')
        .values({
          id,
          tenant_id: input.tenantId,
          dojo_id: input.dojoId,
          language: input.language,
          turn: input.turn,
          requested_by: input.requestedBy,
          requested_by_name: input.requestedByName,
          auto: input.auto,
          status: 'queued',
          files: JSON.stringify(input.files),
          state_vector: input.stateVector,
          trace_context: requestTraceContext(),
        })
        .execute();
      await notify(trx, input.tenantId, input.dojoId);
      return { id, replaced: replaced.map((row) => row.id) };
    });
  }

  /**
   * Hands queued runs to the job queue while their tenants are under the limit, oldest first; returns
   * the runs admitted. Safe to call from every runner at any time.
   */
  async admit(admitJob: AdmitJob): Promise<string[]> {
    // The login's own role, not the app role: the job rows go into the job queue's tables.
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${admissionLock})`.execute(trx);
      const admitted = await sql<{ run_id: string; run_tenant_id: string; run_dojo_id: string }>`
        SELECT run_id, run_tenant_id, run_dojo_id FROM pocdojo_admit_runs(${this.perTenant})`.execute(trx);
      for (const run of admitted.rows) {
        await admitJob(trx, run.run_id);
        await notify(trx, run.run_tenant_id, run.run_dojo_id);
      }
      return admitted.rows.map((run) => run.run_id);
    });
  }

  /**
   * A runner takes the run: undefined when it no longer waits (replaced while queued). A run already
   * `running` is taken again: its job came back because the runner that had it died.
   */
  async start(runId: string, runnerId: string): Promise<RunRow | undefined> {
    return this.inTenantOfRun(runId, async (trx) => {
      const row = await trx
        .updateTable('dojo_runs')
        .set({ status: 'running', started_at: sql<Date>`clock_timestamp()`, runner_id: runnerId })
        .where('id', '=', runId)
        .where('status', 'in', ['queued', 'running'])
        .returningAll()
        .executeTakeFirst();
      if (row) await notify(trx, row.tenant_id, row.dojo_id);
      return row;
    });
  }

  async finish(runId: string, result: RunResult): Promise<void> {
    await this.settle(runId, {
      status: 'done',
      light: result.light,
      passed: result.passed,
      failed: result.failed,
      failing: JSON.stringify(result.failing),
      output: result.output,
      output_truncated: result.outputTruncated,
      message: result.message,
      duration_ms: result.durationMs,
      limit_hit: result.limitHit ?? null,
    });
  }

  /** No result: `message` says why, in words a person reads. */
  async fail(runId: string, message: string): Promise<void> {
    await this.settle(runId, { status: 'failed', message });
  }

  /**
   * A run aborted before its result (its runner is shutting down): back to queued, still admitted, so
   * the job's retry runs it; replaced instead when the dojo asked for a newer run meanwhile.
   */
  async handBack(runId: string): Promise<void> {
    await this.inTenantOfRun(runId, async (trx) => {
      const row = await trx
        .updateTable('dojo_runs')
        .set({
          status: sql<'queued' | 'replaced'>`CASE WHEN EXISTS (
            SELECT 1 FROM dojo_runs other WHERE other.tenant_id = dojo_runs.tenant_id
            AND other.dojo_id = dojo_runs.dojo_id AND other.status = 'queued') THEN 'replaced' ELSE 'queued' END`,
          started_at: null,
          runner_id: null,
        })
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .returning(['tenant_id', 'dojo_id'])
        .executeTakeFirst();
      if (row) await notify(trx, row.tenant_id, row.dojo_id);
    });
  }

  private async settle(runId: string, values: Updateable<DojoRunsTable>): Promise<void> {
    await this.inTenantOfRun(runId, async (trx) => {
      const row = await trx
        .updateTable('dojo_runs')
        .set({ ...values, finished_at: sql<Date>`clock_timestamp()` })
        .where('id', '=', runId)
        .where('status', 'in', ['queued', 'running'])
        .returning(['tenant_id', 'dojo_id'])
        .executeTakeFirst();
      if (row) await notify(trx, row.tenant_id, row.dojo_id);
    });
  }

  async find(tenantId: string, runId: string): Promise<RunRow | undefined> {
    return withTenant(this.db, tenantId, (trx) =>
      trx
        .selectFrom('dojo_runs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', runId)
        .executeTakeFirst(),
    );
  }

  /**
   * The positions of the dojo's queued runs (see the header for the definition). `within`: a transaction
   * already in `tenantId`'s context, to read on instead of a connection of its own.
   */
  async positions(tenantId: string, dojoId: string, within?: TenantTransaction): Promise<Map<string, number>> {
    const read = (trx: TenantTransaction) =>
      sql<{ run_id: string; run_position: number }>`
        SELECT run_id, run_position FROM pocdojo_run_positions(${dojoId})`.execute(trx);
    const rows = within ? await read(within) : await withTenant(this.db, tenantId, read);
    return new Map(rows.rows.map((row) => [row.run_id, row.run_position]));
  }

  /** The dojo's latest `limit` runs as the room shows them, oldest first, queued ones with positions. */
  async recent(tenantId: string, dojoId: string, limit: number): Promise<DojoRun[]> {
    return withTenant(this.db, tenantId, async (trx) => {
      const rows = await trx
        .selectFrom('dojo_runs')
        .select(dojoRunColumns)
        .where('tenant_id', '=', tenantId)
        .where('dojo_id', '=', dojoId)
        .orderBy('requested_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      const positions = rows.some((row) => row.status === 'queued')
        ? await this.positions(tenantId, dojoId, trx)
        : new Map<string, number>();
      return rows.reverse().map((row) => toDojoRun(row, positions.get(row.id) ?? null));
    });
  }

  /** Runs `work` in a transaction of the run's tenant; undefined when there is no such run. */
  private async inTenantOfRun<T>(runId: string, work: (trx: TenantTransaction) => Promise<T>): Promise<T | undefined> {
    const { rows } = await sql<{ tenant_id: string | null }>`
      SELECT pocdojo_run_tenant(${runId}) AS tenant_id`.execute(this.db);
    const tenantId = rows[0]?.tenant_id;
    return tenantId ? withTenant(this.db, tenantId, work) : undefined;
  }
}
