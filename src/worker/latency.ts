/** A sliding window of recent latency samples (ms) for p50/p99 in `store.info()`. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private n = 0;

  /** Keeps the last `capacity` samples. */
  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  /** Records one sample. */
  add(ms: number): void {
    this.samples[this.n % this.samples.length] = ms;
    this.n++;
  }

  /** Number of samples held. */
  get size(): number {
    return Math.min(this.n, this.samples.length);
  }

  /** The q-quantile (0..1) of the samples held, or null when there are none. */
  quantile(q: number): number | null {
    const k = this.size;
    if (k === 0) return null;
    const sorted = Array.from(this.samples.subarray(0, k)).sort((a, b) => a - b);
    return Math.round(sorted[Math.min(k - 1, Math.floor(q * k))] * 1000) / 1000;
  }
}
