/**
 * B+tree of byte-string keys (memcmp order, a proper prefix sorts first) to byte-string values,
 * in unmanaged memory. This file holds the exports (validation, scans, batches); the layout is in
 * btree-layout.ts and the algorithms in btree-ops.ts. The protocol is src/core/exports.ts.
 *
 * Layout. A leaf holds up to LEAF_CAP (64) entries as two parallel arrays: 8 bytes of each key
 * (big-endian, zero-padded, a u64: its *prefix slot*) and a pointer to the entry block
 * `[klen u32][vlen u32][key][value]`, so a binary search mostly compares u64s in the node and
 * touches an entry block only when prefix slots tie. An inner node holds up to INNER_CAP (64)
 * children and n - 1 separators, each its own block `[len u32][bytes]` plus its prefix slot in the
 * node; separators are the *shortest* string between the neighbouring keys at split time, so
 * most fit in the slot alone. Leaves are linked both ways.
 *
 * Prefix slots skip what a node's keys share: a node records `skip`, a length such that all its
 * keys (or separators) start with the same `skip` bytes, and each slot holds the 8 bytes after
 * them. Keys of one model share long prefixes (a tag, a collection or graph name, an id's fixed
 * part); slots of their first 8 bytes would all tie, and every comparison would read an entry
 * block. A search first compares the key with the shared bytes once per node (reading one key of
 * the node): a key that differs there lies before or after the whole node.
 *
 * Invariants (checked by `treeCheck`, which the tests run after random operation sequences):
 *  1. Order: keys strictly ascend within a leaf and along the leaf chain; every leaf is at depth
 *     `height`. Every key/separator of a node starts with the node's first key's first `skip`
 *     bytes, and each prefix slot equals prefixAt(key, skip) of the key/separator beside it.
 *  2. Separator bounds: in an inner node, separators strictly ascend and the keys of child i lie in
 *     [sep[i-1], sep[i]) (unbounded at the ends, narrowed by the ancestors' bounds). Separators
 *     need not equal any stored key; deletes never have to touch them.
 *  3. Fill: n <= CAP everywhere. A non-root leaf has >= LEAF_MIN (CAP/4) entries and a non-root
 *     inner node >= INNER_MIN children, except on the right spine (the last node of each level),
 *     where a leaf has >= 1 entry and an inner node >= 2 children: appends at the right edge
 *     (sequential puts, bulk loads) pack the left node full and start the right one small. The
 *     root, when inner, has >= 2 children; a leaf root is non-empty (an empty tree has no root).
 *  4. Links: first/last name the first/last leaf; prev/next agree with key order; the ends are 0.
 *  5. Count: the header's count equals the number of entries in the leaves.
 *  6. Memory: each block is allocated through memory.ts and freed with the size it was allocated
 *     with, recomputed from its contents (blockSize); clear/free return every byte.
 *
 * Deletion repairs an underfull node by merging it with a sibling when both fit in one node, and
 * otherwise by redistributing evenly (leaf separators are recomputed; inner ones rotate through
 * the parent); an inner root with one child is collapsed.
 */
import {
  T_ROOT, T_COUNT, T_FIRST, T_LAST, T_SIZE, nodeN, nextLeaf, prevLeaf, lent,
  eKlen, eVlen, eKey, eVal, newEntry, prefix, cmpTail,
} from "./btree-layout";
import {
  put, del, findEntry, descend, leafFind, found, appendRight, lastEntry, clearTree, checkTree,
  insertAt, replaceValue,
} from "./btree-ops";
import { alloc, free } from "./memory";
import { register, resolve, unregister, KIND_TREE } from "./handles";
import {
  IO_OUT_LEN, IO_RESULT_PTR, IO_RESULT_LEN, IO_MORE, ioSet, scratch, scratchCapacity, out,
  outCapacity, ensureOut,
} from "./io";
import {
  NOT_FOUND, BAD_HANDLE, KEY_TOO_LARGE, VALUE_TOO_LARGE, BAD_INPUT, NOT_SORTED, TOO_MANY_HANDLES,
  MAX_KEY, MAX_VALUE,
} from "./errors";

// Range flags (src/core/exports.ts RANGE).
const HAS_LOW: i32 = 1;
const LOW_EXCLUSIVE: i32 = 2;
const HAS_HIGH: i32 = 4;
const HIGH_EXCLUSIVE: i32 = 8;
const REVERSE: i32 = 16;
const KEYS_ONLY: i32 = 32;

/** New empty tree; its handle, or TOO_MANY_HANDLES. */
export function treeNew(): i32 {
  const t = alloc(T_SIZE);
  memory.fill(t, 0, T_SIZE);
  const h = register(t, KIND_TREE);
  if (h == 0) {
    free(t, T_SIZE);
    return TOO_MANY_HANDLES;
  }
  return h;
}

/** Frees the tree and everything in it; the handle goes stale. */
export function treeFree(h: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  clearTree(t);
  free(t, T_SIZE);
  unregister(h);
  return 0;
}

/** Checks a single key of klen bytes at scratch[0] (plus vlen more bytes after it). */
// @ts-ignore: decorator
@inline function checkKey(klen: i32, extra: i32): i32 {
  if (<u32>klen > MAX_KEY) return KEY_TOO_LARGE;
  if (<u64><u32>klen + <u64><u32>extra > <u64>scratchCapacity()) return BAD_INPUT;
  return 0;
}

/** key = scratch[0,klen), value = scratch[klen,klen+vlen). 1 inserted, 0 replaced. */
export function treePut(h: i32, klen: i32, vlen: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  if (<u32>vlen > MAX_VALUE) return <u32>klen > MAX_KEY ? KEY_TOO_LARGE : VALUE_TOO_LARGE;
  const c = checkKey(klen, vlen);
  if (c != 0) return c;
  const s = scratch();
  return put(t, s, <u32>klen, s + <usize>klen, <u32>vlen);
}

/** Value length with RESULT_PTR/RESULT_LEN pointing at the value in place, or NOT_FOUND. */
export function treeGet(h: i32, klen: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const c = checkKey(klen, 0);
  if (c != 0) return c;
  const e = findEntry(t, scratch(), <u32>klen);
  if (e == 0) return NOT_FOUND;
  const vl = eVlen(e);
  ioSet(IO_RESULT_PTR, <u32>(e + 8 + <usize>klen));
  ioSet(IO_RESULT_LEN, vl);
  return <i32>vl;
}

/** 1 present, 0 absent. */
export function treeHas(h: i32, klen: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const c = checkKey(klen, 0);
  if (c != 0) return c;
  return findEntry(t, scratch(), <u32>klen) != 0 ? 1 : 0;
}

/** 1 deleted, 0 absent. */
export function treeDel(h: i32, klen: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const c = checkKey(klen, 0);
  if (c != 0) return c;
  return del(t, scratch(), <u32>klen);
}

/** Number of entries. */
export function treeCount(h: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  return <i32>load<u32>(t, T_COUNT);
}

/** Removes every entry, returning all of the tree's memory except its header. */
export function treeClear(h: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  clearTree(t);
  return 0;
}

/** 0 when every invariant at the top of this file holds; otherwise a negative code (-100...). */
export function treeCheck(h: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  return checkTree(t);
}

/** Appends one record for entry e to out at `len`; returns the new length. */
// @ts-ignore: decorator
@inline function emit(e: usize, len: u32, keysOnly: bool): u32 {
  const kl = eKlen(e);
  const vl = keysOnly ? 0 : eVlen(e);
  const rs = 8 + kl + vl;
  let o = out();
  if (<u64>len + <u64>rs > <u64>outCapacity()) o = ensureOut(len + rs, len);
  const d = o + <usize>len;
  store<u32>(d, kl);
  store<u32>(d, vl, 4);
  memory.copy(d + 8, e + 8, <usize>kl + <usize>vl); // key and value are contiguous in the block
  return len + rs;
}

/** Sink for touchLeaf's loads (memory, so the optimizer keeps them). */
const touched: usize = memory.data(4, 4);

/**
 * Loads the first word of each entry block in leaf[from, to) before a scan copies them: the loads
 * are independent, so their cache misses overlap instead of being paid one after another (wasm
 * has no prefetch instruction).
 */
function touchLeaf(leaf: usize, from: u32, to: u32): void {
  let x: u32 = 0;
  for (let i = from; i < to; i++) x += load<u32>(lent(leaf, i));
  // Second pass: the block's last byte, usually on the next cache line (headers now cached).
  for (let i = from; i < to; i++) {
    const e = lent(leaf, i);
    x += <u32>load<u8>(e + 7 + <usize>eKlen(e) + <usize>eVlen(e));
  }
  store<u32>(touched, x);
}

/** Writes the first (REVERSE: last) entry as one record to out; 1, or NOT_FOUND when empty. */
export function treeEnd(h: i32, flags: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  ioSet(IO_OUT_LEN, 0);
  if (load<u32>(t, T_ROOT) == 0) return NOT_FOUND;
  const e = (flags & REVERSE) != 0 ? lastEntry(t) : lent(<usize>load<u32>(t, T_FIRST), 0);
  ioSet(IO_OUT_LEN, emit(e, 0, (flags & KEYS_ONLY) != 0));
  return 1;
}

/**
 * Range scan (see RANGE in src/core/exports.ts). maxEntries <= 0 or maxBytes <= 0 mean no limit of
 * that kind. MORE is 1 exactly when the scan stopped at a limit and a further entry in the range
 * exists.
 */
export function treeRange(h: i32, lowLen: i32, highLen: i32, flags: i32, maxEntries: i32, maxBytes: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  if (lowLen < 0 || highLen < 0 || <u64>lowLen + <u64>highLen > <u64>scratchCapacity()) return BAD_INPUT;
  ioSet(IO_OUT_LEN, 0);
  ioSet(IO_MORE, 0);
  if (load<u32>(t, T_ROOT) == 0) return 0;
  const lowP = scratch();
  const lowL = <u32>lowLen;
  const highP = lowP + <usize>lowLen;
  const highL = <u32>highLen;
  const maxE: u32 = maxEntries <= 0 ? u32.MAX_VALUE : <u32>maxEntries;
  const maxB: u32 = maxBytes <= 0 ? u32.MAX_VALUE : <u32>maxBytes;
  const keysOnly = (flags & KEYS_ONLY) != 0;
  const hasLow = (flags & HAS_LOW) != 0;
  const hasHigh = (flags & HAS_HIGH) != 0;
  const lowIncl = (flags & LOW_EXCLUSIVE) == 0;
  const highIncl = (flags & HIGH_EXCLUSIVE) == 0;
  let cnt: u32 = 0;
  let len: u32 = 0;
  let more: u32 = 0;
  if ((flags & REVERSE) == 0) {
    let leaf: usize;
    let pos: u32 = 0;
    if (hasLow) {
      leaf = descend(t, lowP, lowL);
      pos = leafFind(leaf, lowP, lowL);
      if (found && !lowIncl) pos++;
    } else {
      leaf = <usize>load<u32>(t, T_FIRST);
    }
    touchLeaf(leaf, pos, nodeN(leaf));
    for (;;) {
      if (pos >= nodeN(leaf)) {
        leaf = nextLeaf(leaf);
        if (leaf == 0) break;
        pos = 0;
        touchLeaf(leaf, 0, nodeN(leaf));
        continue;
      }
      const e = lent(leaf, pos);
      if (hasHigh) {
        // The entry is read by emit anyway; a full comparison costs no extra memory access.
        const c = compareKeys(eKey(e), eKlen(e), highP, highL);
        if (c > 0 || (c == 0 && !highIncl)) break;
      }
      if (cnt >= maxE || len >= maxB) { more = 1; break; }
      len = emit(e, len, keysOnly);
      cnt++;
      pos++;
    }
  } else {
    let leaf: usize;
    let idx: i32;
    if (hasHigh) {
      leaf = descend(t, highP, highL);
      const pos = leafFind(leaf, highP, highL);
      idx = found && highIncl ? <i32>pos : <i32>pos - 1;
    } else {
      leaf = <usize>load<u32>(t, T_LAST);
      idx = <i32>nodeN(leaf) - 1;
    }
    if (idx >= 0) touchLeaf(leaf, 0, <u32>idx + 1);
    for (;;) {
      if (idx < 0) {
        leaf = prevLeaf(leaf);
        if (leaf == 0) break;
        idx = <i32>nodeN(leaf) - 1;
        touchLeaf(leaf, 0, nodeN(leaf));
        continue;
      }
      const e = lent(leaf, <u32>idx);
      if (hasLow) {
        const c = compareKeys(eKey(e), eKlen(e), lowP, lowL);
        if (c < 0 || (c == 0 && !lowIncl)) break;
      }
      if (cnt >= maxE || len >= maxB) { more = 1; break; }
      len = emit(e, len, keysOnly);
      cnt++;
      idx--;
    }
  }
  ioSet(IO_OUT_LEN, len);
  ioSet(IO_MORE, more);
  return <i32>cnt;
}

/**
 * Validates a list of n records in scratch[0,len): record lists `[klen][vlen][key][value]` when
 * `values`, key lists `[klen][key]` otherwise. 0 when well formed, else a status code.
 */
function validate(n: i32, len: i32, values: bool): i32 {
  if (n < 0 || len < 0 || <u32>len > scratchCapacity()) return BAD_INPUT;
  if (n > 0 && len == 0) return BAD_INPUT;
  const s = scratch();
  const end = <u32>len;
  const hdr: u32 = values ? 8 : 4;
  let off: u32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    if (end - off < hdr) return BAD_INPUT;
    const kl = load<u32>(s + <usize>off);
    const vl = values ? load<u32>(s + <usize>off, 4) : 0;
    if (kl > MAX_KEY) return KEY_TOO_LARGE;
    if (vl > MAX_VALUE) return VALUE_TOO_LARGE;
    off += hdr;
    if (<u64>kl + <u64>vl > <u64>(end - off)) return BAD_INPUT;
    off += kl + vl;
  }
  return off == end ? 0 : BAD_INPUT;
}

/** Scratch holds a record list; validated whole, then applied. Returns the number of new keys. */
export function treePutMany(h: i32, n: i32, len: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const v = validate(n, len, true);
  if (v != 0) return v;
  let p = scratch();
  let added: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    const vl = load<u32>(p, 4);
    added += put(t, p + 8, kl, p + 8 + <usize>kl, vl);
    p += 8 + <usize>kl + <usize>vl;
  }
  return added;
}

/**
 * treePutMany that also returns what each record replaced, so one call (one copy of the list, one
 * descent per key) does what treeGetManyOfRecords + treePutMany did. Out gets a value list, one
 * `[vlen i32, -1 = absent][value]` per record in list order: the key's value just before that
 * record was put (for a key put twice, the second gets the first's value). Undoing the records
 * newest first therefore restores every key to its value before the call. OUT_LEN covers the
 * records already applied at every moment, so should the engine abort part way (out of memory)
 * the caller can still undo exactly what was written.
 */
export function treeSwapMany(h: i32, n: i32, len: i32): i32 {
  ioSet(IO_OUT_LEN, 0); // first: whatever this call returns, out holds no stale values
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const v = validate(n, len, true);
  if (v != 0) return v;
  let p = scratch();
  let olen: u32 = 0;
  let added: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    const vl = load<u32>(p, 4);
    const kp = p + 8;
    const vp = kp + <usize>kl;
    p = vp + <usize>vl;
    if (load<u32>(t, T_ROOT) == 0) {
      olen = putPrev(olen, 0, -1);
      added += put(t, kp, kl, vp, vl);
      continue;
    }
    const leaf = descend(t, kp, kl);
    const pos = leafFind(leaf, kp, kl);
    if (found) {
      const e = lent(leaf, pos);
      olen = putPrev(olen, eVal(e), <i32>eVlen(e));
      replaceValue(leaf, pos, vp, vl);
    } else {
      olen = putPrev(olen, 0, -1);
      insertAt(t, leaf, pos, kp, kl, vp, vl);
      added++;
    }
  }
  return added;
}

/**
 * Appends `[vl][value at vp]` (vl -1: absent) to the value list in out[0, len) and publishes the
 * new length in OUT_LEN; returns it.
 */
// @ts-ignore: decorator
@inline function putPrev(len: u32, vp: usize, vl: i32): u32 {
  const size: u32 = 4 + (vl < 0 ? 0 : <u32>vl);
  let o = out();
  if (<u64>len + <u64>size > <u64>outCapacity()) o = ensureOut(len + size, len);
  const d = o + <usize>len;
  store<i32>(d, vl);
  if (vl > 0) memory.copy(d + 4, vp, <usize>vl);
  ioSet(IO_OUT_LEN, len + size);
  return len + size;
}

/** Scratch holds a key list; out gets n records `[vlen i32 (-1 = missing)][value]`. Returns hits. */
export function treeGetMany(h: i32, n: i32, len: i32): i32 {
  return getMany(h, n, len, false);
}

/**
 * Scratch holds a record list (a batch about to be put); out gets the current values of its
 * keys, as treeGetMany. A writer reads them for its undo log before putting the same list.
 */
export function treeGetManyOfRecords(h: i32, n: i32, len: i32): i32 {
  return getMany(h, n, len, true);
}

function getMany(h: i32, n: i32, len: i32, records: bool): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const v = validate(n, len, records);
  if (v != 0) return v;
  const hdr: usize = records ? 8 : 4;
  let p = scratch();
  let olen: u32 = 0;
  let hits: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    const e = findEntry(t, p + hdr, kl);
    p += hdr + <usize>kl + (records ? <usize>load<u32>(p, 4) : 0);
    const vl: u32 = e != 0 ? eVlen(e) : 0;
    let o = out();
    if (<u64>olen + 4 + <u64>vl > <u64>outCapacity()) o = ensureOut(olen + 4 + vl, olen);
    if (e != 0) {
      store<i32>(o + <usize>olen, <i32>vl);
      memory.copy(o + <usize>olen + 4, e + 8 + <usize>kl, vl);
      hits++;
    } else {
      store<i32>(o + <usize>olen, -1);
    }
    olen += 4 + vl;
  }
  ioSet(IO_OUT_LEN, olen);
  return hits;
}

/** Scratch holds a key list; returns how many were deleted. */
export function treeDelMany(h: i32, n: i32, len: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const v = validate(n, len, false);
  if (v != 0) return v;
  let p = scratch();
  let deleted: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    deleted += del(t, p + 4, kl);
    p += 4 + <usize>kl;
  }
  return deleted;
}

/**
 * Appends a record list sorted strictly ascending whose keys all exceed the current last key,
 * packing leaves full at the right edge. Checked whole (NOT_SORTED) before anything changes.
 */
export function treeBulkLoad(h: i32, n: i32, len: i32): i32 {
  const t = resolve(h, KIND_TREE);
  if (t == 0) return BAD_HANDLE;
  const v = validate(n, len, true);
  if (v != 0) return v;
  let p = scratch();
  let prevP: usize = 0;
  let prevL: u32 = 0;
  const last = lastEntry(t);
  if (last != 0) { prevP = eKey(last); prevL = eKlen(last); }
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    const vl = load<u32>(p, 4);
    if (prevP != 0 && compareKeys(prevP, prevL, p + 8, kl) >= 0) return NOT_SORTED;
    prevP = p + 8;
    prevL = kl;
    p += 8 + <usize>kl + <usize>vl;
  }
  p = scratch();
  for (let i: i32 = 0; i < n; i++) {
    const kl = load<u32>(p);
    const vl = load<u32>(p, 4);
    appendRight(t, newEntry(p + 8, kl, p + 8 + <usize>kl, vl));
    p += 8 + <usize>kl + <usize>vl;
  }
  return n;
}

function compareKeys(a: usize, la: u32, b: usize, lb: u32): i32 {
  const pa = prefix(a, la);
  const pb = prefix(b, lb);
  if (pa != pb) return pa < pb ? -1 : 1;
  return cmpTail(a, la, b, lb);
}
