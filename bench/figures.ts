/**
 * Small helpers the benchmarks share: timing a workload in passes (timedSync, used in Node and
 * in a browser worker alike) and turning timings into the figures they print.
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

/** One timed operation set: total ms, operations done, and what it found. */
export interface TimedSample {
  ms: number;
  ops: number;
  detail?: string;
}

/** A full GC before a timed section when the runtime offers one (node --expose-gc), so no side pays for the previous one's garbage. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Query workloads run at least this many timed passes on each side, after warm-up; a figure is
 * the median pass.
 */
export const QUERY_REPEATS = 7;
/** Warm-up: at least this many untimed passes, and at least WARMUP_MS of them. */
const WARMUP = 10;
const WARMUP_MS = 200;
/** Timed passes go on until at least MEASURE_MS have passed (a sub-millisecond pass is noisy). */
const MEASURE_MS = 100;
/** Upper bound on passes of either kind. */
const MAX_PASSES = 2000;

/**
 * Runs `fn` (which does `ops` operations) and files the median pass time under `parts[name]`.
 * With `repeats` > 1 it first warms up, then times at least `repeats` passes; both phases also
 * run for a minimum time, so a 0.5 ms query is measured after the JIT has compiled it (as in an
 * app that runs it often), not during compilation. Both sides of a comparison get the same.
 */
export function timedSync(parts: Record<string, TimedSample>, name: string, ops: number, fn: () => string, repeats = QUERY_REPEATS): void {
  const ms: number[] = [];
  let detail = '';
  // One full GC before the set, none between passes: a forced GC leaves the next pass slower (it
  // drops compiled code and inline caches), which is not how an app runs.
  collectGarbage();
  if (repeats > 1) {
    const w0 = performance.now();
    for (let w = 0; w < MAX_PASSES && (w < WARMUP || performance.now() - w0 < WARMUP_MS); w++) fn();
  }
  const m0 = performance.now();
  for (let r = 0; r < MAX_PASSES && (r < repeats || (repeats > 1 && performance.now() - m0 < MEASURE_MS)); r++) {
    const t0 = performance.now();
    detail = fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  parts[name] = { ms: ms[ms.length >> 1], ops, detail };
}
