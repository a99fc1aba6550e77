/**
 * Handles name live structures (tables and trees) across the boundary. A handle is
 * `generation << 16 | slot`, so a handle kept after its structure was deleted is recognised as
 * stale even when the slot has been reused, instead of silently addressing another structure.
 */
import { alloc, free } from "./memory";

export const KIND_TABLE: u32 = 1;
export const KIND_TREE: u32 = 2;
/** A checkpoint page builder (pages.ts). */
export const KIND_PAGES: u32 = 3;

/** Most structures alive at once. */
export const MAX_HANDLES: u32 = 65535;

// Each slot: [ptr u32][kind u16][generation u16]; slot 0 is never used so 0 is never a handle.
let slots: usize = 0;
let slotCap: u32 = 0;
let freeHint: u32 = 1;

function grow(): bool {
  if (slotCap >= MAX_HANDLES + 1) return false;
  let cap: u32 = slotCap == 0 ? 64 : slotCap << 1;
  if (cap > MAX_HANDLES + 1) cap = MAX_HANDLES + 1;
  const p = alloc(<usize>cap << 3);
  memory.fill(p, 0, <usize>cap << 3);
  if (slots != 0) {
    memory.copy(p, slots, <usize>slotCap << 3);
    free(slots, <usize>slotCap << 3);
  }
  slots = p;
  slotCap = cap;
  return true;
}

/** Registers `ptr` as a structure of `kind`; returns its handle, or 0 when there are too many. */
export function register(ptr: usize, kind: u32): i32 {
  for (;;) {
    for (let i = freeHint; i < slotCap; i++) {
      const s = slots + (<usize>i << 3);
      if (load<u32>(s) == 0) {
        const gen = (<u32>load<u16>(s, 6) + 1) & 0x7fff;
        const g = gen == 0 ? 1 : gen;
        store<u32>(s, <u32>ptr);
        store<u16>(s, <u16>kind, 4);
        store<u16>(s, <u16>g, 6);
        freeHint = i + 1;
        return <i32>((g << 16) | i);
      }
    }
    if (!grow()) {
      if (freeHint > 1) { freeHint = 1; continue; }
      return 0;
    }
  }
  return 0; // unreachable; AssemblyScript's flow analysis needs it (TS2355)
}

/** The structure a handle names, or 0 when the handle is stale, unknown or of another kind. */
// @ts-ignore: decorator
@inline
export function resolve(handle: i32, kind: u32): usize {
  const i = <u32>handle & 0xffff;
  if (i == 0 || i >= slotCap) return 0;
  const s = slots + (<usize>i << 3);
  if (<u32>load<u16>(s, 6) != (<u32>handle >>> 16) || <u32>load<u16>(s, 4) != kind) return 0;
  return <usize>load<u32>(s);
}

/** Forgets a handle (its generation stays, so the stale handle keeps failing). */
export function unregister(handle: i32): void {
  const i = <u32>handle & 0xffff;
  const s = slots + (<usize>i << 3);
  store<u32>(s, 0);
  store<u16>(s, 0, 4);
  if (i < freeHint) freeHint = i;
}
