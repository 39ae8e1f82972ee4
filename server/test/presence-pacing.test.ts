import type { Connection } from '@hocuspocus/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresencePacing, type PresenceBatch } from '../src/presence-pacing.ts';

const connection = (name: string) => ({ name }) as unknown as Connection;
const cursor = (clientId: number, clock: number, line: number) => ({ clientId, clock, state: { cursor: { line } } });

describe('presence pacing', () => {
  let released: PresenceBatch[];
  let pacing: PresencePacing;
  beforeEach(() => {
    vi.useFakeTimers();
    released = [];
    pacing = new PresencePacing(50, (batch) => released.push(batch));
  });
  afterEach(() => {
    pacing.clear();
    vi.useRealTimers();
  });

  it('releases a move after a quiet spell at once', () => {
    const erin = connection('erin');
    pacing.add(erin, [cursor(1, 1, 3)]);
    expect(released).toEqual([new Map([[erin, [cursor(1, 1, 3)]]])]);
  });

  it('holds the moves of one interval and releases the latest of each client together with the next', () => {
    const [erin, frank] = [connection('erin'), connection('frank')];
    pacing.add(erin, [cursor(1, 1, 1)]);
    vi.advanceTimersByTime(10);
    pacing.add(erin, [cursor(1, 2, 2)]);
    pacing.add(frank, [cursor(2, 1, 9)]);
    pacing.add(erin, [cursor(1, 3, 3)]);
    expect(released).toHaveLength(1);

    vi.advanceTimersByTime(45);
    pacing.add(frank, [cursor(2, 2, 10)]);
    expect(released).toHaveLength(2);
    expect(released[1]).toEqual(
      new Map([
        [erin, [cursor(1, 3, 3)]],
        [frank, [cursor(2, 2, 10)]],
      ]),
    );
  });

  it('releases what arrives in the same event-loop turn as a released change with it', () => {
    const erin = connection('erin');
    pacing.add(erin, [cursor(1, 1, 1)]);
    pacing.add(erin, [cursor(1, 2, 2)]);
    expect(released).toHaveLength(2);
    vi.advanceTimersByTime(1);
    pacing.add(erin, [cursor(1, 3, 3)]);
    expect(released).toHaveLength(2);
  });

  it('keeps a newer state over an older one that arrives late', () => {
    const erin = connection('erin');
    pacing.add(erin, [cursor(1, 1, 1)]);
    vi.advanceTimersByTime(1);
    pacing.add(erin, [cursor(1, 5, 5)]);
    pacing.add(erin, [cursor(1, 4, 4)]);
    vi.advanceTimersByTime(100);
    expect(released[1]).toEqual(new Map([[erin, [cursor(1, 5, 5)]]]));
  });

  it('releases what is held within twice the interval when nothing else arrives', () => {
    const erin = connection('erin');
    pacing.add(erin, [cursor(1, 1, 1)]);
    vi.advanceTimersByTime(1);
    pacing.add(erin, [cursor(1, 2, 2)]);
    vi.advanceTimersByTime(98);
    expect(released).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(released).toEqual([new Map([[erin, [cursor(1, 1, 1)]]]), new Map([[erin, [cursor(1, 2, 2)]]])]);
  });

  it('drops what it holds when cleared', () => {
    const erin = connection('erin');
    pacing.add(erin, [cursor(1, 1, 1)]);
    vi.advanceTimersByTime(1);
    pacing.add(erin, [cursor(1, 2, 2)]);
    pacing.clear();
    vi.advanceTimersByTime(200);
    expect(released).toHaveLength(1);
  });
});
