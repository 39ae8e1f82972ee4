import type { CorruptDocumentError, LoadedDocument } from './update-log.ts';

type ReadMany = (names: string[]) => Promise<Map<string, LoadedDocument | CorruptDocumentError>>;

interface Waiter {
  resolve(loaded: LoadedDocument): void;
  reject(error: unknown): void;
}

/**
 * Document loads asked for while others are on their way to the database go together, in one statement.
 *
 * When a node starts, or clients come back to it after a restart, thousands of joins ask for hundreds of
 * documents within a second or two; one round trip each queues them behind one another on the pool (on the
 * embedded database, whose pool is a single connection, strictly one after another) and the last joiner
 * waits for them all. Here a load starts at once when fewer than `concurrency` reads are under way, and
 * otherwise waits for the next free read with every other load that arrived meanwhile, up to `batchSize`
 * documents a read. A quiet node therefore loads exactly as before; a busy one makes few, larger reads.
 *
 * A read that fails fails every load in it (each retries as a fresh load); a corrupt document fails only
 * its own.
 */
export class LoadQueue {
  private readonly waiting = new Map<string, Waiter[]>();
  private reading = 0;

  constructor(
    private readonly readMany: ReadMany,
    private readonly options: { concurrency: number; batchSize: number },
  ) {}

  load(name: string): Promise<LoadedDocument> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(name);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(name, [{ resolve, reject }]);
      this.next();
    });
  }

  private next(): void {
    while (this.reading < this.options.concurrency && this.waiting.size > 0) {
      const batch = new Map<string, Waiter[]>();
      for (const [name, waiters] of this.waiting) {
        if (batch.size === this.options.batchSize) break;
        batch.set(name, waiters);
        this.waiting.delete(name);
      }
      this.reading++;
      void this.read(batch).finally(() => {
        this.reading--;
        this.next();
      });
    }
  }

  private async read(batch: Map<string, Waiter[]>): Promise<void> {
    let loaded: Map<string, LoadedDocument | CorruptDocumentError>;
    try {
      loaded = await this.readMany([...batch.keys()]);
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const [name, waiters] of batch) {
      const document = loaded.get(name);
      for (const waiter of waiters) {
        if (document && !(document instanceof Error)) waiter.resolve(document);
        else waiter.reject(document ?? new Error(`document ${name} was not read`));
      }
    }
  }
}
