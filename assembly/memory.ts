/**
 * Unmanaged memory for the engine.
 *
 * Every structure allocates through here rather than calling `heap.alloc` directly, so that the
 * engine can report live bytes exactly (the TLSF allocator underneath does not count them) and
 * so that a leak shows up as a number that does not return to its baseline.
 *
 * Invariant: `liveBytes` is the sum of the sizes passed to `alloc` minus those passed to `free`
 * for blocks still allocated; callers always free with the size they allocated with.
 */

/** Bytes requested by live allocations. */
export let liveBytes: u64 = 0;
/** Number of live allocations. */
export let liveBlocks: u64 = 0;
/** Bytes requested over the engine's lifetime (monotonic). */
export let allocatedBytes: u64 = 0;

/** Allocates `size` bytes (16-byte aligned). Traps if linear memory cannot grow. */
// @ts-ignore: decorator
@inline
export function alloc(size: usize): usize {
  liveBytes += <u64>size;
  liveBlocks++;
  allocatedBytes += <u64>size;
  return heap.alloc(size);
}

/** Frees a block previously returned by `alloc(size)`. */
// @ts-ignore: decorator
@inline
export function free(ptr: usize, size: usize): void {
  liveBytes -= <u64>size;
  liveBlocks--;
  heap.free(ptr);
}

/** Allocates `size` zeroed bytes. */
export function allocZeroed(size: usize): usize {
  const p = alloc(size);
  memory.fill(p, 0, size);
  return p;
}
