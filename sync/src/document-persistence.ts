import type { Document, Extension, afterUnloadDocumentPayload, onLoadDocumentPayload } from '@hocuspocus/server';
import * as Y from 'yjs';
import { inSpan, parseDocumentName, type Logger } from '@pocdojo/shared';
import type { Compactor } from './compaction.ts';
import type { DurableAcks } from './durable-ack.ts';
import type { GroupCommit } from './group-commit.ts';
import { LoadQueue } from './load-queue.ts';
import type { PersistenceMetrics } from './persistence-metrics.ts';
import { connectionOf, isReplayOrigin } from './origins.ts';
import type { UpdateLog } from './update-log.ts';

/**
 * A document that could not be loaded. Hocuspocus sends `reason` to the client; the WebSocket tier turns
 * it into a retryable close, so the client keeps its local edits and tries again.
 */
export class DocumentUnavailable extends Error {
  readonly reason = 'unavailable: document could not be loaded, retry later';

  constructor(documentName: string, cause: unknown) {
    super(`document ${documentName} could not be loaded`, { cause });
    this.name = 'DocumentUnavailable';
  }
}

/**
 * Reads of documents under way at once, and documents per read: a few reads leave the pool room for
 * commits, and a read of 64 documents is still one modest result even with snapshots in it.
 */
const documentLoads = { concurrency: 4, batchSize: 64 };

export interface CompactionPolicy {
  /** Compact once this many log rows follow the snapshot. */
  afterUpdates: number;
}

/**
 * Hocuspocus extension that makes documents durable in the update log:
 * - load = snapshot + later updates, read together with the other documents asked for at the same time
 *   (see LoadQueue); a failed load throws, so Hocuspocus closes the connections and never serves (or
 *   later stores) an empty document in place of the real one;
 * - every update received from a client, or written locally by the server, is appended exactly once by
 *   this node; updates replayed from Redis or from the log are not appended again;
 * - the client's acknowledgement waits for the commit (see DurableAcks).
 *
 * Updates are taken from the document's own 'update' event rather than Hocuspocus's onChange hook:
 * hooks run a microtask later, after Hocuspocus has already sent the acknowledgement, while the event
 * fires synchronously inside the transaction, so the hold is in place before the acknowledgement leaves.
 */
export class DocumentPersistence implements Extension {
  extensionName = 'document-persistence';
  // Loads before other extensions read the document (dojo rules, Redis sync).
  priority = 1000;

  /** Highest log seq known to be reflected in each loaded document (read by the repair loop). */
  readonly appliedSeq = new Map<string, number>();
  private readonly sinceCompaction = new Map<string, number>();
  private readonly loads: LoadQueue;

  constructor(
    private readonly deps: {
      log: UpdateLog;
      commits: GroupCommit;
      compactor: Compactor;
      acks: DurableAcks;
      metrics: PersistenceMetrics;
      logger: Logger;
      compaction: CompactionPolicy;
    },
  ) {
    this.loads = new LoadQueue((names) => deps.log.loadMany(names), documentLoads);
  }

  async onLoadDocument(payload: onLoadDocumentPayload): Promise<void> {
    await inSpan('document load', { attributes: { 'document.name': payload.documentName } }, () => this.load(payload));
  }

  private async load({ document, documentName }: onLoadDocumentPayload): Promise<void> {
    const end = this.deps.metrics.loadSeconds.startTimer();
    try {
      const loaded = await this.loads.load(documentName);
      Y.transact(document, () => {
        for (const update of loaded.updates) Y.applyUpdate(document, update);
      });
      const tenantId = parseDocumentName(documentName)?.tenantId ?? '';
      document.on('update', (update: Uint8Array, origin: unknown) => this.persist(document, tenantId, update, origin));
      this.appliedSeq.set(documentName, loaded.seq);
      this.sinceCompaction.set(documentName, loaded.updates.length);
      end();
    } catch (error) {
      this.deps.metrics.loadFailures.inc();
      this.deps.logger.error({ err: error, document: documentName }, 'document load failed; not serving it');
      throw new DocumentUnavailable(documentName, error);
    }
  }

  private persist(document: Document, tenantId: string, update: Uint8Array, origin: unknown): void {
    if (isReplayOrigin(origin)) return;
    const documentName = document.name;
    const commit = this.deps.commits.append(documentName, tenantId, update);
    const connection = connectionOf(origin);
    if (connection) this.deps.acks.hold(connection.webSocket, connection.messageAddress, commit);
    commit.then(
      (seq) => this.noteCommitted(document, seq),
      (error: unknown) => this.deps.logger.error({ err: error, document: documentName }, 'update not committed'),
    );
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.appliedSeq.delete(documentName);
    this.sinceCompaction.delete(documentName);
  }

  /** Records a seq this node applied from elsewhere (Redis, repair). */
  noteApplied(documentName: string, seq: number): void {
    const known = this.appliedSeq.get(documentName);
    if (known !== undefined && seq > known) this.appliedSeq.set(documentName, seq);
  }

  private noteCommitted(document: Document, seq: number): void {
    const documentName = document.name;
    // Our own commit advances what we know only when no other node's update slipped in between;
    // otherwise the repair loop reads the gap from the log.
    const known = this.appliedSeq.get(documentName);
    if (known !== undefined && seq === known + 1) this.appliedSeq.set(documentName, seq);
    const count = (this.sinceCompaction.get(documentName) ?? 0) + 1;
    this.sinceCompaction.set(documentName, count);
    if (count >= this.deps.compaction.afterUpdates) {
      this.sinceCompaction.set(documentName, 0);
      void this.compact(document);
    }
  }

  private async compact(document: Document): Promise<void> {
    const documentName = document.name;
    // Taken in one step: the document reflects every row up to the seq read with it.
    const seq = this.appliedSeq.get(documentName);
    const known =
      !document.isDestroyed && seq !== undefined ? { update: Y.encodeStateAsUpdate(document), seq } : undefined;
    try {
      const result = await inSpan(
        'document snapshot',
        { newTrace: true, attributes: { 'document.name': documentName } },
        async (span) => {
          const outcome = await this.deps.compactor.compact(documentName, known);
          span.setAttribute('document.snapshot.result', outcome);
          return outcome;
        },
      );
      this.deps.metrics.compactions.inc({ result });
    } catch (error) {
      this.deps.metrics.compactions.inc({ result: 'failed' });
      this.deps.logger.warn({ err: error, document: documentName }, 'compaction failed; the log stays as it is');
    }
  }
}
