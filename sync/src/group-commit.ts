import { setImmediate as afterThisTurn } from 'node:timers/promises';
import * as Y from 'yjs';
import { inSpan, type Logger } from '@pocdojo/shared';
import type { UpdateLog } from './update-log.ts';

interface Waiter {
  resolve(seq: number): void;
  reject(error: Error): void;
}

interface PendingDocument {
  tenantId: string;
  updates: Uint8Array[];
  bytes: number;
  waiters: Waiter[];
}

export interface GroupCommitObserver {
  committed(documents: number, updates: number, bytes: number, seconds: number): void;
  failed(error: unknown): void;
}

/**
 * Group commit: updates that arrive in the same event-loop turn, or while a transaction is in flight,
 * go together into one commit, so under load many updates share one and at low load nothing waits for
 * a timer.
 *
 * When the database is unreachable the batch is kept and retried with backoff; nobody is told an update
 * is durable before it is. Callers hold their acknowledgements on the returned promise.
 */
export class GroupCommit {
  private pending = new Map<string, PendingDocument>();
  private running: Promise<void> | undefined;
  private closed = false;
  private pendingBytes = 0;

  constructor(
    private readonly log: UpdateLog,
    private readonly logger: Logger,
    private readonly observer: GroupCommitObserver,
    private readonly retry = { initialMs: 50, maxMs: 2_000 },
  ) {}

  /** Resolves with the update's sequence number once it is committed. */
  append(name: string, tenantId: string, update: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Error('group commit closed'));
    return new Promise((resolve, reject) => {
      let doc = this.pending.get(name);
      if (!doc) {
        doc = { tenantId, updates: [], bytes: 0, waiters: [] };
        this.pending.set(name, doc);
      }
      doc.updates.push(update);
      doc.bytes += update.byteLength;
      this.pendingBytes += update.byteLength;
      doc.waiters.push({ resolve, reject });
      // The commit starts after the current event-loop turn, so the updates read from every socket in
      // one poll share it (a room's typists often land together) at no added wait for a lone update.
      this.running ??= afterThisTurn().then(() => this.drain());
    });
  }

  /** Bytes waiting for a commit (grows while the database is down). */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  /** Resolves when everything appended so far is committed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops accepting; pending updates still commit (await `flush`). */
  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    let delay = this.retry.initialMs;
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        this.pending = new Map();
        const started = process.hrtime.bigint();
        const appends = [...batch].map(([name, doc]) => ({
          name,
          tenantId: doc.tenantId,
          update: doc.updates.length === 1 ? (doc.updates[0] as Uint8Array) : Y.mergeUpdates(doc.updates),
        }));
        try {
          const bytes = [...batch.values()].reduce((sum, doc) => sum + doc.bytes, 0);
          const updates = [...batch.values()].reduce((sum, doc) => sum + doc.updates.length, 0);
          // Its own trace: one commit serves the updates of many sockets.
          const attributes = { 'commit.documents': batch.size, 'commit.updates': updates, 'commit.bytes': bytes };
          const seqs = await inSpan('group commit', { newTrace: true, attributes }, () => this.log.append(appends));
          this.pendingBytes -= bytes;
          this.observer.committed(batch.size, updates, bytes, Number(process.hrtime.bigint() - started) / 1e9);
          for (const [name, doc] of batch) {
            const seq = seqs.get(name) ?? 0;
            for (const waiter of doc.waiters) waiter.resolve(seq);
          }
          delay = this.retry.initialMs;
        } catch (error) {
          this.observer.failed(error);
          this.logger.warn({ err: error, documents: batch.size, retryInMs: delay }, 'commit failed; will retry');
          this.requeue(batch);
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, this.retry.maxMs);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Puts a failed batch back in front of whatever arrived meanwhile, keeping per-document order. */
  private requeue(batch: Map<string, PendingDocument>): void {
    for (const [name, later] of this.pending) {
      const earlier = batch.get(name);
      if (earlier) {
        earlier.updates.push(...later.updates);
        earlier.bytes += later.bytes;
        earlier.waiters.push(...later.waiters);
      } else {
        batch.set(name, later);
      }
    }
    this.pending = batch;
  }
}
