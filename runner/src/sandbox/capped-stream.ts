import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { CappedText } from './sandbox.ts';

/**
 * Keeps the first `cap` bytes a stream carries and counts the rest without holding it: a run that prints
 * 100 MB costs the runner one chunk of memory at a time, however long it goes on.
 */
export class CappedStream {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;
  readonly ended: Promise<void>;

  constructor(
    stream: Readable,
    private readonly cap: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.total += chunk.length;
      const room = this.cap - this.kept;
      if (room <= 0) return;
      const keep = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(Buffer.from(keep));
      this.kept += keep.length;
    });
    this.ended = new Promise((resolve) => {
      stream.once('close', () => resolve());
      stream.once('error', () => resolve());
    });
  }

  get bytes(): number {
    return this.total;
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  /** The kept bytes as text; a character cut in half at the cap is dropped rather than mangled. */
  text(from = 0): CappedText {
    const kept = this.buffer().subarray(from);
    return { text: decodeWhole(kept), truncated: this.total > this.kept, bytes: this.total - from };
  }
}

/** UTF-8 text of `bytes`, without a trailing partial character (a cap can fall inside one). */
export function decodeWhole(bytes: Buffer): string {
  // A decoder holds back an incomplete last character until more bytes come; none will.
  return new StringDecoder('utf8').write(bytes);
}
