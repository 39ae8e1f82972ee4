import * as Y from 'yjs';
import { inSpan, type Database } from '@pocdojo/shared';
import type { Kysely } from 'kysely';
import { controlRunsKept, type DojoRun } from '@pocdojo/shared/contract/runs';
import { RunQueue } from '@pocdojo/shared/runs/run-queue';
import { requestCodeRun, type RunRequestSettings } from '@pocdojo/shared/runs/run-request';
import type { DojoKey, DojoRecords } from './dojo-records.ts';

export interface RunSettings extends RunRequestSettings {
  autoRunDebounceMs: number;
  pollMs: number;
}

export interface RunRequester {
  userId: string;
  name: string;
}

/**
 * A dojo's test runs as the collaboration tier handles them: a request captures the `code` document's
 * files and Yjs state vector at that moment and queues them (shared/src/runs/run-request.ts); the room's
 * `control` document shows the latest runs, read back from the table.
 */
export class DojoRuns {
  private readonly queue: RunQueue;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly records: DojoRecords,
    readonly settings: RunSettings,
  ) {
    // Requests and lists only: admission (the per-tenant limit) is the runners' work.
    this.queue = new RunQueue(db, 1);
  }

  /**
   * Queues a run of `code` as it is now. Refused (DomainError) when the dojo's language has no start
   * point or no live runner runs it, or when the code is larger than a run takes.
   */
  async request(
    key: DojoKey,
    code: Y.Doc,
    by: RunRequester,
    options: { turn: number; auto: boolean },
  ): Promise<string> {
    // A span of the connection's trace (the command came over it): the run row keeps its context, and
    // the runner continues it.
    return inSpan('dojo run request', { attributes: { 'run.auto': options.auto } }, async () =>
      requestCodeRun(this.db, this.queue, this.settings, {
        ...key,
        dojoLanguage: (await this.records.dojoLanguage(key)) ?? '',
        code,
        turn: options.turn,
        requestedBy: by.userId,
        requestedByName: by.name,
        auto: options.auto,
      }),
    );
  }

  /** The latest runs for the `control` document, oldest first, queued ones with their positions. */
  recent(key: DojoKey): Promise<DojoRun[]> {
    return this.queue.recent(key.tenantId, key.dojoId, controlRunsKept);
  }
}

/** True while any of the runs still waits or runs: the room keeps reading their state. */
export const inFlight = (runs: DojoRun[]): boolean =>
  runs.some((run) => run.status === 'queued' || run.status === 'running');
