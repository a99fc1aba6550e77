/**
 * Hash table of byte keys to byte values, in unmanaged memory.
 *
 * Layout
 * ------
 * - Entry block (one heap block per entry): `[pos u32][klen u32][vlen u32][key][value]`,
 *   allocated with `blockSize(12 + klen + vlen)` bytes. Its tail from offset 4 is exactly a scan
 *   record, so a scan copies each entry with one `memory.copy`. `pos` is the entry's position.
 * - Entry array: a dense array of u32 *cells* indexed by *position*, split into pages of
 *   PAGE_SIZE cells so it grows without ever copying the cells (only the small page directory is
 *   copied when it doubles). A position names an entry for the entry's whole life, which is what
 *   makes SCAN cursors (= positions) stable.
 * - Index: open addressing with Robin Hood probing and backward-shift deletion, 8-byte slots
 *   `[hash u32][block u32]` read as one u64. The stored hash skips nearly all key compares and
 *   lets slots move between indexes without rehashing keys; pointing at the block rather than the
 *   position makes a hit cost two cache misses (slot, block) instead of three.
 *
 * Invariants (hold between exports)
 * ---------------------------------
 * E1 Every position p < hwm holds either an entry block pointer (16-byte aligned, so even and
 *    non-zero) or a free marker `(next << 1) | 1`, where `next` is 1 + the next free position
 *    (0 ends the list). `freeHead` is 1 + the first free position, or 0. Cells at p >= hwm are
 *    garbage. Pages [0, pages) are allocated; pages * PAGE_SIZE >= hwm.
 * E2 A block's `pos` names the cell that points back at it. A block is freed exactly when its
 *    position is put on the free list; its allocation size is always `blockSize(12 + klen + vlen)`
 *    for the lengths in its header (replacing a value reuses the block only when that size is
 *    unchanged, otherwise the new block replaces the old one in both its cell and its slot), so
 *    free() always gets the right size.
 * E3 Every live entry is referenced by exactly one index slot, in `idx` or (while resizing) in `old`,
 *    never both; `count = used + oldUsed` = live positions = hwm - (free list length).
 * I1 A slot is 0 (empty) or `block << 32 | hash` with hash = hash32(key of that block).
 * I2 Robin Hood: for an occupied slot at i with home h = hash & mask, every slot in [h, i) (cyclic)
 *    is occupied. Lookups stop at an empty slot or at a slot whose distance from its home is less
 *    than the probe's distance, because an insert would have displaced it.
 * I3 `idx` holds at most 7/8 of its capacity (checked before each insert), so probes terminate.
 * R1 While resizing (`old != 0`), inserts go only to `idx`; `old` is only drained and deleted
 *    from. Every old slot below `mig` is empty, so all old entries live at slots >= mig and the
 *    backward shifts of deletions never move an entry below `mig` (slot 0 is empty once mig > 0,
 *    so a shift cannot wrap around). `old` remains a valid Robin Hood table (I2), so lookups can
 *    consult it normally. Each put/get/has/delete moves at most STEP entries, so no call pays
 *    for a whole rehash; the 7/8 -> 7/16 load jump on growth leaves far more inserts of headroom
 *    than the old table needs steps, and if that ever ran out the insert drains the rest first.
 */
import { alloc, free, allocZeroed } from "./memory";
import { scratch, scratchCapacity, ensureOut, ioSet, IO_OUT_LEN, IO_RESULT_PTR, IO_RESULT_LEN, IO_MORE } from "./io";
import { register, resolve, unregister, KIND_TABLE } from "./handles";
import { BAD_HANDLE, KEY_TOO_LARGE, VALUE_TOO_LARGE, BAD_INPUT, TOO_MANY_HANDLES, NOT_FOUND, MAX_KEY, MAX_VALUE } from "./errors";
import { equalBytes } from "./bytes";
import { hash32 } from "./hash";

/** Cells per entry-array page (16 KiB pages). */
// @ts-ignore: decorator
@inline const PAGE_BITS: u32 = 12;
// @ts-ignore: decorator
@inline const PAGE_SIZE: u32 = 1 << PAGE_BITS;
// @ts-ignore: decorator
@inline const PAGE_MASK: u32 = PAGE_SIZE - 1;
// @ts-ignore: decorator
@inline const PAGE_BYTES: usize = <usize>PAGE_SIZE << 2;
/** Smallest index (slots); a fresh or cleared table has this. */
// @ts-ignore: decorator
@inline const MIN_CAP: u32 = 16;
/** Old-index slots drained per operation while resizing. */
// @ts-ignore: decorator
@inline const STEP: u32 = 16;

/** A table's header; never instantiated with `new`, only viewed over an `alloc`ed block. */
@unmanaged
class Tbl {
  /** Live entries. */
  count: u32;
  /** Index inserts go to. */
  idx: usize;
  /** Its capacity - 1 (capacity is a power of two). */
  mask: u32;
  /** Occupied slots in `idx`. */
  used: u32;
  /** Index being drained into `idx`, or 0. */
  old: usize;
  oldMask: u32;
  oldUsed: u32;
  /** Next old slot to drain; all old slots below it are empty (R1). */
  mig: u32;
  /** Page directory: u32 page pointers, `dirCap` of them. */
  dir: usize;
  dirCap: u32;
  /** Allocated pages. */
  pages: u32;
  /** Positions handed out so far (E1). */
  hwm: u32;
  /** 1 + first free position, 0 when none. */
  freeHead: u32;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The allocation size TLSF really hands out for a request of `n` bytes (payload rounded so that
 * payload + 4-byte header is a multiple of 16, at least 28). Requesting exactly that keeps the
 * accounting honest and lets a replaced value reuse its block whenever it lands in the same size. */
// @ts-ignore: decorator
@inline
function blockSize(n: usize): usize {
  return n <= 28 ? 28 : ((n + 4 + 15) & ~<usize>15) - 4;
}

/** Address of the cell for position `pos`. */
// @ts-ignore: decorator
@inline
function cellAddr(t: Tbl, pos: u32): usize {
  return <usize>load<u32>(t.dir + (<usize>(pos >>> PAGE_BITS) << 2)) + (<usize>(pos & PAGE_MASK) << 2);
}

/** Size of the entry block at `blk`, from its header (E2). */
// @ts-ignore: decorator
@inline
function entrySize(blk: usize): usize {
  return blockSize(12 + <usize>load<u32>(blk, 4) + <usize>load<u32>(blk, 8));
}

/** Largest number of occupied slots allowed in an index of `mask + 1` slots (7/8). */
// @ts-ignore: decorator
@inline
function limitOf(mask: u32): u32 {
  const cap = mask + 1;
  return cap - (cap >>> 3);
}

/**
 * Finds `key` in an index; returns the slot's address, or 0. Stops at an empty slot or at a
 * resident closer to its home than we are to ours (I2).
 */
function find(index: usize, mask: u32, hash: u32, key: usize, klen: u32): usize {
  let i = hash & mask;
  let d: u32 = 0;
  while (true) {
    const a = index + (<usize>i << 3);
    const s = load<u64>(a);
    if (s == 0) return 0;
    const sh = <u32>s;
    if (sh == hash) {
      const blk = <usize>(s >>> 32);
      if (equalBytes(blk + 12, load<u32>(blk, 4), key, klen)) return a;
    } else if (((i - sh) & mask) < d) {
      return 0;
    }
    i = (i + 1) & mask;
    d++;
  }
  return 0;
}

/** Finds `key` in `idx`, then in `old` while resizing. */
// @ts-ignore: decorator
@inline
function lookup(t: Tbl, hash: u32, key: usize, klen: u32): usize {
  let a = find(t.idx, t.mask, hash, key, klen);
  if (a == 0 && t.old != 0) a = find(t.old, t.oldMask, hash, key, klen);
  return a;
}

/** Robin Hood insert of a slot known not to be present; the index has a free slot (I3). */
function rhInsert(index: usize, mask: u32, s: u64): void {
  let i = <u32>s & mask;
  let d: u32 = 0;
  while (true) {
    const a = index + (<usize>i << 3);
    const cur = load<u64>(a);
    if (cur == 0) {
      store<u64>(a, s);
      return;
    }
    const cd = (i - <u32>cur) & mask;
    if (cd < d) {
      // The resident is richer (closer to home): it yields its slot and carries on probing.
      store<u64>(a, s);
      s = cur;
      d = cd;
    }
    i = (i + 1) & mask;
    d++;
  }
}

/** Removes slot `i` by shifting the following cluster back one slot, keeping I2 without tombstones. */
function backShift(index: usize, mask: u32, i: u32): void {
  while (true) {
    const j = (i + 1) & mask;
    const s = load<u64>(index + (<usize>j << 3));
    if (s == 0 || ((j - <u32>s) & mask) == 0) {
      store<u64>(index + (<usize>i << 3), 0);
      return;
    }
    store<u64>(index + (<usize>i << 3), s);
    i = j;
  }
}

/** Ends a resize: the old index is empty. */
function finishResize(t: Tbl): void {
  free(t.old, (<usize>t.oldMask + 1) << 3);
  t.old = 0;
  t.oldMask = 0;
  t.oldUsed = 0;
  t.mig = 0;
}

/**
 * Drains old slots into `idx` (R1): moves at most `budget` entries and walks over at most
 * 4 * budget empty slots (an empty slot costs one load, a move a random write into `idx`).
 */
function drain(t: Tbl, budget: u32): void {
  const old = t.old;
  const om = t.oldMask;
  let i = t.mig;
  let left = t.oldUsed;
  let empties: u32 = budget > (u32.MAX_VALUE >>> 2) ? u32.MAX_VALUE : budget << 2;
  while (left != 0 && budget != 0) {
    const s = load<u64>(old + (<usize>i << 3));
    if (s == 0) {
      i++;
      if (--empties == 0) break;
      continue;
    }
    // Move the slot as is (stored hash, same block), then close the gap it leaves. The shift
    // may pull a successor into slot i, so i is not advanced.
    rhInsert(t.idx, t.mask, s);
    backShift(old, om, i);
    left--;
    budget--;
  }
  t.used += t.oldUsed - left;
  t.oldUsed = left;
  t.mig = i;
  if (left == 0) finishResize(t);
}

/** One bounded resize step; a no-op when not resizing. */
// @ts-ignore: decorator
@inline
function step(t: Tbl): void {
  if (t.old != 0) drain(t, STEP);
}

/** Starts moving everything to a fresh index of `cap` slots. */
function startResize(t: Tbl, cap: u32): void {
  const fresh = allocZeroed(<usize>cap << 3);
  t.old = t.idx;
  t.oldMask = t.mask;
  t.oldUsed = t.used;
  t.mig = 0;
  t.idx = fresh;
  t.mask = cap - 1;
  t.used = 0;
  if (t.oldUsed == 0) finishResize(t);
}

/** Hands out a position for a new entry: a freed one first, else the next fresh one. */
function takePos(t: Tbl): u32 {
  const head = t.freeHead;
  if (head != 0) {
    const pos = head - 1;
    t.freeHead = load<u32>(cellAddr(t, pos)) >>> 1;
    return pos;
  }
  const pos = t.hwm;
  const page = pos >>> PAGE_BITS;
  if (page >= t.pages) {
    if (page >= t.dirCap) {
      const cap: u32 = t.dirCap == 0 ? 16 : t.dirCap << 1;
      const d = alloc(<usize>cap << 2);
      if (t.dir != 0) {
        memory.copy(d, t.dir, <usize>t.dirCap << 2);
        free(t.dir, <usize>t.dirCap << 2);
      }
      t.dir = d;
      t.dirCap = cap;
    }
    store<u32>(t.dir + (<usize>page << 2), <u32>alloc(PAGE_BYTES));
    t.pages = page + 1;
  }
  t.hwm = pos + 1;
  return pos;
}

/** Frees the entry array (pages and directory); entry blocks must already be freed or listed. */
function releasePages(t: Tbl): void {
  const dir = t.dir;
  for (let p: u32 = 0; p < t.pages; p++) free(<usize>load<u32>(dir + (<usize>p << 2)), PAGE_BYTES);
  if (dir != 0) free(dir, <usize>t.dirCap << 2);
  t.dir = 0;
  t.dirCap = 0;
  t.pages = 0;
  t.hwm = 0;
  t.freeHead = 0;
}

/** Frees every entry block, the entry array and both indexes; leaves `idx` = 0. */
function releaseAll(t: Tbl): void {
  const hwm = t.hwm;
  const dir = t.dir;
  for (let p: u32 = 0; p < t.pages; p++) {
    const page = <usize>load<u32>(dir + (<usize>p << 2));
    const base = p << PAGE_BITS;
    const n = hwm - base < PAGE_SIZE ? hwm - base : PAGE_SIZE;
    for (let j: u32 = 0; j < n; j++) {
      const cell = <usize>load<u32>(page + (<usize>j << 2));
      if ((cell & 1) == 0) free(cell, entrySize(cell));
    }
  }
  releasePages(t);
  if (t.old != 0) finishResize(t);
  free(t.idx, (<usize>t.mask + 1) << 3);
  t.idx = 0;
  t.mask = 0;
  t.used = 0;
  t.count = 0;
}

/** Writes a block's header, key and value. */
// @ts-ignore: decorator
@inline
function fill(blk: usize, pos: u32, key: usize, klen: u32, val: usize, vlen: u32): void {
  store<u32>(blk, pos);
  store<u32>(blk, klen, 4);
  store<u32>(blk, vlen, 8);
  memory.copy(blk + 12, key, klen);
  memory.copy(blk + 12 + <usize>klen, val, vlen);
}

/** Inserts or replaces; 1 when inserted, 0 when replaced. Inputs already validated. */
function putEntry(t: Tbl, key: usize, klen: u32, val: usize, vlen: u32): i32 {
  step(t);
  const hash = hash32(key, klen);
  const need = blockSize(12 + <usize>klen + <usize>vlen);
  const a = lookup(t, hash, key, klen);
  if (a != 0) {
    // Replace in place when the allocation size is unchanged; else swap in a new block (E2).
    const blk = <usize>load<u32>(a, 4);
    const have = entrySize(blk);
    if (have == need) {
      store<u32>(blk, vlen, 8);
      memory.copy(blk + 12 + <usize>klen, val, vlen);
    } else {
      const pos = load<u32>(blk);
      const nb = alloc(need);
      fill(nb, pos, key, klen, val, vlen);
      store<u32>(cellAddr(t, pos), <u32>nb);
      store<u32>(a, <u32>nb, 4);
      free(blk, have);
    }
    return 0;
  }
  if (t.used + 1 > limitOf(t.mask)) {
    // Unreachable in practice while resizing (see R1), but finishing first keeps I3 regardless.
    if (t.old != 0) drain(t, u32.MAX_VALUE);
    if (t.used + 1 > limitOf(t.mask)) startResize(t, (t.mask + 1) << 1);
  }
  const blk = alloc(need);
  const pos = takePos(t);
  fill(blk, pos, key, klen, val, vlen);
  store<u32>(cellAddr(t, pos), <u32>blk);
  rhInsert(t.idx, t.mask, (<u64>blk << 32) | <u64>hash);
  t.used++;
  t.count++;
  return 1;
}

/** Deletes `key`; 1 when deleted, 0 when absent. Frees the block and lists the position (E1, E2). */
function removeKey(t: Tbl, key: usize, klen: u32): i32 {
  step(t);
  const hash = hash32(key, klen);
  let a = find(t.idx, t.mask, hash, key, klen);
  let blk: usize;
  if (a != 0) {
    blk = <usize>load<u32>(a, 4);
    backShift(t.idx, t.mask, <u32>((a - t.idx) >>> 3));
    t.used--;
  } else {
    if (t.old == 0) return 0;
    a = find(t.old, t.oldMask, hash, key, klen);
    if (a == 0) return 0;
    blk = <usize>load<u32>(a, 4);
    backShift(t.old, t.oldMask, <u32>((a - t.old) >>> 3));
    t.oldUsed--;
    if (t.oldUsed == 0) finishResize(t);
  }
  const pos = load<u32>(blk);
  free(blk, entrySize(blk));
  store<u32>(cellAddr(t, pos), (t.freeHead << 1) | 1);
  t.freeHead = pos + 1;
  t.count--;
  return 1;
}

/**
 * Gives memory back after deletions.
 * - An emptied table drops its entry array and returns to a minimal index at once: with no
 *   entries there is nothing to migrate, and no entry can be in the middle of a scan.
 * - An index under 1/8 full starts shrinking to the smallest size that is at most 1/4 full (well
 *   clear of the 7/8 growth point, so sizes do not oscillate), but by at most 32x per step: the
 *   new index then still has room for more inserts than draining the old one takes steps (R1).
 */
function afterDelete(t: Tbl): void {
  if (t.count == 0) {
    if (t.pages > 1) releasePages(t);
    if (t.old != 0) finishResize(t);
    if (t.mask + 1 > MIN_CAP) {
      free(t.idx, (<usize>t.mask + 1) << 3);
      t.idx = allocZeroed(<usize>MIN_CAP << 3);
      t.mask = MIN_CAP - 1;
      t.used = 0;
    }
    return;
  }
  const cap = t.mask + 1;
  if (t.old == 0 && cap > MIN_CAP && t.used < (cap >>> 3)) {
    let nc = cap >>> 1;
    for (let k = 1; k < 5 && nc > MIN_CAP && (t.count << 2) <= (nc >>> 1); k++) nc >>>= 1;
    startResize(t, nc);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation: everything is checked before anything changes.

/** Checks a single-key call's lengths against the limits and the scratch region. */
// @ts-ignore: decorator
@inline
function checkKey(klen: i32): i32 {
  if (klen < 0) return BAD_INPUT;
  if (<u32>klen > MAX_KEY) return KEY_TOO_LARGE;
  return 0;
}

/** Validates a record list (`kv`) or key list in scratch: n records within len bytes. */
function checkList(n: i32, len: i32, kv: bool): i32 {
  if (n < 0 || len < 0) return BAD_INPUT;
  if (n == 0) return 0;
  if (len == 0 || <u32>len > scratchCapacity()) return BAD_INPUT;
  let p = scratch();
  const end = p + <usize>len;
  const hdr: usize = kv ? 8 : 4;
  for (let i = 0; i < n; i++) {
    if (end - p < hdr) return BAD_INPUT;
    const kl = load<u32>(p);
    if (kl > MAX_KEY) return KEY_TOO_LARGE;
    let body = <usize>kl;
    if (kv) {
      const vl = load<u32>(p, 4);
      if (vl > MAX_VALUE) return VALUE_TOO_LARGE;
      body += <usize>vl;
    }
    p += hdr;
    if (end - p < body) return BAD_INPUT;
    p += body;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Exports (protocol: src/core/exports.ts)

/** New empty table; returns a handle or TOO_MANY_HANDLES. */
export function tableNew(): i32 {
  const p = allocZeroed(offsetof<Tbl>());
  const t = changetype<Tbl>(p);
  t.idx = allocZeroed(<usize>MIN_CAP << 3);
  t.mask = MIN_CAP - 1;
  const h = register(p, KIND_TABLE);
  if (h == 0) {
    free(t.idx, <usize>MIN_CAP << 3);
    free(p, offsetof<Tbl>());
    return TOO_MANY_HANDLES;
  }
  return h;
}

/** Frees a table and everything in it; 0 or BAD_HANDLE. */
export function tableFree(h: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  releaseAll(changetype<Tbl>(p));
  free(p, offsetof<Tbl>());
  unregister(h);
  return 0;
}

/** key = scratch[0,klen), value = scratch[klen,klen+vlen). 1 inserted, 0 replaced. */
export function tablePut(h: i32, klen: i32, vlen: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkKey(klen);
  if (c != 0) return c;
  if (vlen < 0) return BAD_INPUT;
  if (<u32>vlen > MAX_VALUE) return VALUE_TOO_LARGE;
  if (<u32>klen + <u32>vlen > scratchCapacity()) return BAD_INPUT;
  const s = scratch();
  return putEntry(changetype<Tbl>(p), s, <u32>klen, s + <usize>klen, <u32>vlen);
}

/** Value length (RESULT_PTR/RESULT_LEN point into the entry) or NOT_FOUND. */
export function tableGet(h: i32, klen: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkKey(klen);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  step(t);
  const key = scratch();
  const a = lookup(t, hash32(key, <u32>klen), key, <u32>klen);
  if (a == 0) return NOT_FOUND;
  const blk = <usize>load<u32>(a, 4);
  const vlen = load<u32>(blk, 8);
  ioSet(IO_RESULT_PTR, <u32>(blk + 12 + <usize>load<u32>(blk, 4)));
  ioSet(IO_RESULT_LEN, vlen);
  return <i32>vlen;
}

/** 1 present, 0 absent. */
export function tableHas(h: i32, klen: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkKey(klen);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  step(t);
  const key = scratch();
  return lookup(t, hash32(key, <u32>klen), key, <u32>klen) != 0 ? 1 : 0;
}

/** 1 deleted, 0 absent. */
export function tableDel(h: i32, klen: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkKey(klen);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  const r = removeKey(t, scratch(), <u32>klen);
  if (r != 0) afterDelete(t);
  return r;
}

/** Number of entries. */
export function tableCount(h: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  return <i32>changetype<Tbl>(p).count;
}

/** One past the highest position ever handed out: every scan cursor lies below it. */
export function tableCursorEnd(h: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  return <i32>changetype<Tbl>(p).hwm;
}

/** Removes every entry, returning all entry memory; the table is as if new. */
export function tableClear(h: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const t = changetype<Tbl>(p);
  releaseAll(t);
  t.idx = allocZeroed(<usize>MIN_CAP << 3);
  t.mask = MIN_CAP - 1;
  return 0;
}

/**
 * Writes up to maxEntries records (stopping before exceeding maxBytes, but at least one; maxBytes
 * <= 0 means no byte limit) from position `cursor` on to out. MORE = next cursor, 0 when done.
 * Entries never move (E1), so an entry present throughout an iteration is returned exactly once.
 */
export function tableScan(h: i32, cursor: i32, maxEntries: i32, maxBytes: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  if (cursor < 0 || maxEntries <= 0) return BAD_INPUT;
  const t = changetype<Tbl>(p);
  const hwm = t.hwm;
  // Bound the free cells one call walks over, so a mostly-deleted table cannot make a call long;
  // the call then returns fewer (maybe zero) entries with a non-zero cursor, like Redis SCAN.
  const skipBudget: u32 = (maxEntries > 65536 ? 65536 : <u32>maxEntries) * 16 + 4096;
  let pos = <u32>cursor;
  let w: u64 = 0;
  let n: i32 = 0;
  let skipped: u32 = 0;
  while (pos < hwm) {
    const cell = <usize>load<u32>(cellAddr(t, pos));
    if ((cell & 1) != 0) {
      if (++skipped > skipBudget) break;
      pos++;
      continue;
    }
    if (n >= maxEntries) break;
    const size = 8 + <u64>load<u32>(cell, 4) + <u64>load<u32>(cell, 8);
    if (n > 0 && maxBytes > 0 && w + size > <u64>maxBytes) break;
    const o = ensureOut(<u32>(w + size), <u32>w);
    memory.copy(o + <usize>w, cell + 4, <usize>size);
    w += size;
    n++;
    pos++;
  }
  ioSet(IO_OUT_LEN, <u32>w);
  ioSet(IO_MORE, pos >= hwm ? 0 : pos);
  return n;
}

/**
 * For walks inside the engine (pages.ts), over the table whose header is at `p`: one past the
 * highest position handed out, so every entry's position lies below it.
 */
export function tablePositionEnd(p: usize): u32 {
  return changetype<Tbl>(p).hwm;
}

/** The entry block at position `pos` (< tablePositionEnd) of the table at `p`, or 0 when the position is free. */
export function tableBlockAt(p: usize, pos: u32): usize {
  const cell = <usize>load<u32>(cellAddr(changetype<Tbl>(p), pos));
  return (cell & 1) != 0 ? 0 : cell;
}

/** Scratch holds a record list of n entries in len bytes; validated whole, then applied. */
export function tablePutMany(h: i32, n: i32, len: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkList(n, len, true);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  let q = scratch();
  let added = 0;
  for (let i = 0; i < n; i++) {
    const kl = load<u32>(q);
    const vl = load<u32>(q, 4);
    added += putEntry(t, q + 8, kl, q + 8 + <usize>kl, vl);
    q += 8 + <usize>kl + <usize>vl;
  }
  return added;
}

/** Scratch holds a key list; out gets n records `[vlen i32 (-1 = missing)][value]`. Returns hits. */
export function tableGetMany(h: i32, n: i32, len: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkList(n, len, false);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  let q = scratch();
  let w: u32 = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const kl = load<u32>(q);
    const key = q + 4;
    q = key + <usize>kl;
    step(t);
    const a = lookup(t, hash32(key, kl), key, kl);
    if (a == 0) {
      const o = ensureOut(w + 4, w);
      store<i32>(o + <usize>w, -1);
      w += 4;
      continue;
    }
    const blk = <usize>load<u32>(a, 4);
    const bk = load<u32>(blk, 4);
    const vl = load<u32>(blk, 8);
    const o = ensureOut(w + 4 + vl, w);
    store<u32>(o + <usize>w, vl);
    memory.copy(o + <usize>w + 4, blk + 12 + <usize>bk, vl);
    w += 4 + vl;
    hits++;
  }
  ioSet(IO_OUT_LEN, w);
  return hits;
}

/** Scratch holds a key list; returns how many were deleted. */
export function tableDelMany(h: i32, n: i32, len: i32): i32 {
  const p = resolve(h, KIND_TABLE);
  if (p == 0) return BAD_HANDLE;
  const c = checkList(n, len, false);
  if (c != 0) return c;
  const t = changetype<Tbl>(p);
  let q = scratch();
  let gone = 0;
  for (let i = 0; i < n; i++) {
    const kl = load<u32>(q);
    gone += removeKey(t, q + 4, kl);
    q += 4 + <usize>kl;
  }
  if (gone != 0) afterDelete(t);
  return gone;
}
