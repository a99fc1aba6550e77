/**
 * Small helpers the Node benchmarks share for turning timings into the figures they print.
 */

/** The median of `xs` (the upper one of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** `ops` operations in `ms` as a rate: "1.23M/s", "45.6k/s" or "7.8/s". */
export function rate(ops: number, ms: number): string {
  const r = ops / (ms / 1000);
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k/s` : `${r.toFixed(1)}/s`;
}
