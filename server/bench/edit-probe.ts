import type { TestProvider } from '../test/support/providers.ts';

/**
 * Measurement helpers shared by the benchmarks: edits carry a unique token; a peer that sees a token
 * records how long it took, and a writer records how long each acknowledgement took.
 */
export class EditProbe {
  readonly deliveries: number[] = [];
  readonly acks: number[] = [];
  private readonly sentAt = new Map<string, number>();

  /** Inserts a token at the end of the client's text and remembers when. */
  type(client: TestProvider, token: string): void {
    this.sentAt.set(token, performance.now());
    client.text.insert(client.text.length, `${token};`);
  }

  /** Shares a token's send time with another probe that watches other clients. */
  deliveriesSentAt(token: string, from: EditProbe): void {
    const at = from.sentAt.get(token);
    if (at !== undefined) this.sentAt.set(token, at);
  }

  /** Records, on this client, how long tokens typed elsewhere took to arrive. */
  watchDeliveries(client: TestProvider): void {
    client.text.observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const op of event.delta) {
        if (typeof op.insert !== 'string') continue;
        for (const token of op.insert.split(';')) {
          const at = this.sentAt.get(token);
          if (at !== undefined) this.deliveries.push(now - at);
        }
      }
    });
  }

  /** Records how long each of this client's edits waited for its acknowledgement. */
  watchAcks(client: TestProvider): void {
    const outstanding: number[] = [];
    let last = 0;
    client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      const now = performance.now();
      if (number > last) for (let i = last; i < number; i++) outstanding.push(now);
      else for (let i = number; i < last; i++) this.acks.push(now - (outstanding.shift() ?? now));
      last = number;
    });
  }
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

export const ms = (n: number) => n.toFixed(2);
