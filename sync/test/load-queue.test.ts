import { describe, expect, it } from 'vitest';
import { LoadQueue } from '../src/load-queue.ts';
import { CorruptDocumentError, type LoadedDocument } from '../src/update-log.ts';

/** A database stand-in whose reads finish only when the test says so. */
function heldReads() {
  const reads: Array<{ names: string[]; finish(failure?: Error): void }> = [];
  const readMany = (names: string[]) =>
    new Promise<Map<string, LoadedDocument | CorruptDocumentError>>((resolve, reject) => {
      reads.push({
        names,
        finish: (failure) =>
          failure
            ? reject(failure)
            : resolve(
                new Map(
                  names.map((name) => [
                    name,
                    name.includes('corrupt')
                      ? new CorruptDocumentError(name, new Error('bad update'))
                      : { updates: [new Uint8Array([0, 0])], seq: name.length },
                  ]),
                ),
              ),
      });
    });
  return { reads, readMany };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LoadQueue', () => {
  it('reads a document at once while reads are free, and the loads that wait for one together', async () => {
    const { reads, readMany } = heldReads();
    const queue = new LoadQueue(readMany, { concurrency: 2, batchSize: 3 });

    const first = queue.load('t/poc/a/code');
    const second = queue.load('t/poc/b/code');
    const waiting = ['c', 'd', 'e', 'f'].map((id) => queue.load(`t/poc/${id}/code`));
    expect(reads.map((read) => read.names)).toEqual([['t/poc/a/code'], ['t/poc/b/code']]);

    reads[0]?.finish();
    await expect(first).resolves.toEqual({ updates: [new Uint8Array([0, 0])], seq: 12 });
    await settle();
    expect(reads[2]?.names).toEqual(['t/poc/c/code', 't/poc/d/code', 't/poc/e/code']);
    reads[1]?.finish();
    await second;
    await settle();
    expect(reads[3]?.names).toEqual(['t/poc/f/code']);
    reads[2]?.finish();
    reads[3]?.finish();
    expect(await Promise.all(waiting)).toHaveLength(4);
  });

  it('reads a document asked for twice once, for both', async () => {
    const { reads, readMany } = heldReads();
    const queue = new LoadQueue(readMany, { concurrency: 1, batchSize: 10 });
    const busy = queue.load('t/poc/busy/code');
    const twice = [queue.load('t/poc/same/code'), queue.load('t/poc/same/code')];

    reads[0]?.finish();
    await busy;
    await settle();
    expect(reads[1]?.names).toEqual(['t/poc/same/code']);
    reads[1]?.finish();
    const [one, other] = await Promise.all(twice);
    expect(one).toBe(other);
  });

  it('fails every load of a failed read, and only its own load for a corrupt document', async () => {
    const { reads, readMany } = heldReads();
    const queue = new LoadQueue(readMany, { concurrency: 1, batchSize: 10 });
    const busy = queue.load('t/poc/busy/code');
    const together = [queue.load('t/poc/corrupt/code'), queue.load('t/poc/fine/code')];

    reads[0]?.finish(new Error('connection lost'));
    await expect(busy).rejects.toThrow('connection lost');
    await settle();
    reads[1]?.finish();
    await expect(together[0]).rejects.toBeInstanceOf(CorruptDocumentError);
    await expect(together[1]).resolves.toMatchObject({ seq: 15 });

    // The queue carries on after failures.
    const later = queue.load('t/poc/later/code');
    await settle();
    reads[2]?.finish();
    await expect(later).resolves.toMatchObject({ seq: 16 });
  });
});
