import { describe, expect, it } from 'vitest';
import { assertOpenFilesFor, openFilesLimit, sourceAddressOf } from '../bench/open-files.ts';

describe('what one machine can hold', () => {
  it("reads this process's open-files limit", () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });

  it('refuses a connection count beyond the limit before anything starts, naming the limit and the way out', () => {
    expect(() => assertOpenFilesFor(50_000, 20_000)).toThrow(
      /50,000 connections need about 50,500 open files.*allows 20,000 per process.*at most 19,500/,
    );
    expect(() => assertOpenFilesFor(19_500, 20_000)).not.toThrow();
  });

  it('leaves from the default address while one source has ports enough, else spreads over 127.0.0.2, …', () => {
    expect(sourceAddressOf(0, 10_000)).toBeUndefined();
    const sources = new Set(Array.from({ length: 50_000 }, (_, index) => sourceAddressOf(index, 50_000)));
    expect([...sources].sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });
});
