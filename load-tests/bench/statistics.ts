/** A growable buffer of float samples (latencies), cheap to fill on the hot path and to transfer. */
export class SampleBuffer {
  private data = new Float64Array(1024);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = value;
  }

  get length(): number {
    return this.size;
  }

  toFloat64Array(): Float64Array {
    return this.data.slice(0, this.size);
  }
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles over all samples of all threads. */
export function distribution(parts: readonly Float64Array[]): Distribution | undefined {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total === 0) return undefined;
  const all = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  all.sort();
  const rank = (p: number) => all[Math.min(total - 1, Math.max(0, Math.ceil(p * total) - 1))] as number;
  return { count: total, p50: rank(0.5), p99: rank(0.99), max: all[total - 1] as number };
}
