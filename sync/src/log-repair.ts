import type { Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { Logger } from '@pocdojo/shared';
import type { DocumentPersistence } from './document-persistence.ts';
import { replayOrigin } from './origins.ts';
import type { UpdateLog } from './update-log.ts';

/**
 * Heals what Redis pub/sub dropped. Every few seconds (and right after Redis reconnects) this node asks
 * the log for the latest sequence number of each document it holds; where the log is ahead of what the
 * node has applied, it reads the missing updates and applies them. Yjs ignores what it already has, so
 * re-applying is harmless; a repair is counted only when the document actually changed.
 */
export class LogRepair {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      hocuspocus: Hocuspocus;
      persistence: DocumentPersistence;
      log: UpdateLog;
      logger: Logger;
      intervalMs: number;
      repaired(documentName: string): void;
    },
  ) {}

  start(): void {
    const tick = () => {
      void this.runOnce().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.deps.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass over every loaded document; concurrent calls share the pass in progress. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const applied = this.deps.persistence.appliedSeq;
    if (applied.size === 0) return;
    let latest: Map<string, number>;
    try {
      latest = await this.deps.log.lastSeqs([...applied.keys()]);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'repair skipped: log unreachable');
      return;
    }
    for (const [name, last] of latest) {
      const known = applied.get(name);
      const document = this.deps.hocuspocus.documents.get(name);
      if (known === undefined || last <= known || !document) continue;
      try {
        const missing = await this.deps.log.load(name, known);
        const before = Y.encodeStateVector(document);
        Y.transact(
          document,
          () => {
            for (const update of missing.updates) Y.applyUpdate(document, update);
          },
          replayOrigin,
        );
        this.deps.persistence.noteApplied(name, missing.seq);
        if (!equalBytes(before, Y.encodeStateVector(document))) {
          this.deps.repaired(name);
          this.deps.logger.info({ document: name, from: known, to: missing.seq }, 'repaired document from the log');
        }
      } catch (error) {
        this.deps.logger.warn({ err: error, document: name }, 'repair of document failed; next pass retries');
      }
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
