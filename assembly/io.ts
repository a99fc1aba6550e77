/**
 * The two regions through which JavaScript and the engine exchange bytes, and a small status
 * block for results that do not fit one return value.
 *
 * - scratch: JavaScript writes inputs here (keys, values, batches), then calls an export with
 *   lengths. Grown on request by `ensureScratch`.
 * - out: the engine writes multi-entry results here (batch gets, scans). Grown by the engine.
 * - status block (`IO`): i32 slots JavaScript reads after a call. After any call that may grow
 *   memory, JavaScript must re-create its views of `memory.buffer`.
 */
import { alloc, free } from "./memory";

/** Status block: 16 i32 slots at a fixed address. */
export const IO: usize = memory.data(64, 16);

/** Slot indexes into the status block. */
export const IO_SCRATCH_PTR: u32 = 0;
export const IO_SCRATCH_CAP: u32 = 1;
export const IO_OUT_PTR: u32 = 2;
export const IO_OUT_CAP: u32 = 3;
/** Bytes written to out by the last call. */
export const IO_OUT_LEN: u32 = 4;
/** Pointer to a single value result (zero-copy get); valid until the next mutating call. */
export const IO_RESULT_PTR: u32 = 5;
/** Length of that value. */
export const IO_RESULT_LEN: u32 = 6;
/** Extra flag from the last call (e.g. 1 = a scan stopped early and more entries remain). */
export const IO_MORE: u32 = 7;

// @ts-ignore: decorator
@inline
export function ioSet(slot: u32, v: u32): void {
  store<u32>(IO + (<usize>slot << 2), v);
}

// @ts-ignore: decorator
@inline
export function ioGet(slot: u32): u32 {
  return load<u32>(IO + (<usize>slot << 2));
}

let scratchPtr: usize = 0;
let scratchCap: u32 = 0;
let outPtr: usize = 0;
let outCap: u32 = 0;

/** Current scratch address. */
// @ts-ignore: decorator
@inline
export function scratch(): usize {
  return scratchPtr;
}

/** Current scratch capacity in bytes. */
// @ts-ignore: decorator
@inline
export function scratchCapacity(): u32 {
  return scratchCap;
}

/**
 * Makes the scratch region at least `n` bytes; its contents are not preserved.
 * Returns the (possibly new) scratch address.
 */
export function ensureScratch(n: u32): usize {
  if (n > scratchCap) {
    let cap: u32 = scratchCap == 0 ? 65536 : scratchCap;
    while (cap < n) cap = cap << 1 > cap ? cap << 1 : n;
    if (scratchPtr != 0) free(scratchPtr, scratchCap);
    scratchPtr = alloc(cap);
    scratchCap = cap;
    ioSet(IO_SCRATCH_PTR, <u32>scratchPtr);
    ioSet(IO_SCRATCH_CAP, cap);
  }
  return scratchPtr;
}

/** Current out address. */
// @ts-ignore: decorator
@inline
export function out(): usize {
  return outPtr;
}

/** Current out capacity in bytes. */
// @ts-ignore: decorator
@inline
export function outCapacity(): u32 {
  return outCap;
}

/**
 * Makes the out region at least `n` bytes, keeping its first `keep` bytes.
 * Returns the (possibly new) out address.
 */
export function ensureOut(n: u32, keep: u32): usize {
  if (n > outCap) {
    let cap: u32 = outCap == 0 ? 65536 : outCap;
    while (cap < n) cap = cap << 1 > cap ? cap << 1 : n;
    const p = alloc(cap);
    if (outPtr != 0) {
      if (keep > 0) memory.copy(p, outPtr, keep);
      free(outPtr, outCap);
    }
    outPtr = p;
    outCap = cap;
    ioSet(IO_OUT_PTR, <u32>outPtr);
    ioSet(IO_OUT_CAP, cap);
  }
  return outPtr;
}

/**
 * Shrinks out back to its initial size when a large result made it grow, so one huge scan does
 * not pin memory for the rest of the session.
 */
export function trimOut(): void {
  if (outCap > 1 << 20) {
    free(outPtr, outCap);
    outPtr = 0;
    outCap = 0;
    ensureOut(65536, 0);
  }
}

/** Sets up both regions; called once from the module's start. */
export function initIO(): void {
  ensureScratch(65536);
  ensureOut(65536, 0);
}
