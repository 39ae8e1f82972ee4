import type { Connection } from '@hocuspocus/server';
import type { AwarenessEntry } from '@pocdojo/shared/awareness-update';

/** What one release hands on: per connection, the latest entry of each of its clients. */
export type PresenceBatch = Map<Connection, AwarenessEntry[]>;

/**
 * Paces one document's presence (awareness) changes: at most one release per `intervalMs`, each carrying
 * the latest entry of every client that changed since the previous one.
 *
 * Every release becomes one awareness frame to every socket of the document. In a typing room each
 * keystroke comes with a cursor move; relayed one by one, those frames cost the server as much as the
 * keystrokes themselves. A change that arrives once the interval has passed is released at once, with
 * whatever else arrives in the same event-loop turn, so it leaves in the same broadcast (and the same
 * socket write) as the edit that came with it; one that arrives sooner waits for the next such change,
 * or for a timer at twice the interval when nothing else arrives (the cursor stopped moving).
 */
export class PresencePacing {
  private pending: PresenceBatch = new Map();
  private releasedAt = Number.NEGATIVE_INFINITY;
  private turnOpen = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly release: (batch: PresenceBatch) => void,
  ) {}

  add(connection: Connection, entries: readonly AwarenessEntry[]): void {
    let latest = this.pending.get(connection);
    if (!latest) {
      latest = [];
      this.pending.set(connection, latest);
    }
    for (const entry of entries) {
      const index = latest.findIndex((held) => held.clientId === entry.clientId);
      if (index === -1) latest.push(entry);
      else if ((latest[index] as AwarenessEntry).clock <= entry.clock) latest[index] = entry;
    }
    if (this.turnOpen || performance.now() - this.releasedAt >= this.intervalMs) this.releaseInThisTurn();
    else
      this.timer ??= setTimeout(
        () => this.releaseNow(),
        this.releasedAt + 2 * this.intervalMs - performance.now(),
      ).unref();
  }

  /** Drops what is held (the document is going away). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = new Map();
  }

  /**
   * Releases now, and whatever else arrives before this event-loop turn ends: the several messages a
   * client sends for one change (a field each) are read together, and peers should see them together.
   */
  private releaseInThisTurn(): void {
    this.releaseNow();
    if (this.turnOpen) return;
    this.turnOpen = true;
    setImmediate(() => {
      this.turnOpen = false;
    });
  }

  private releaseNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.releasedAt = performance.now();
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) this.release(batch);
  }
}
