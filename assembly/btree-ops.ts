/**
 * B+tree algorithms over the layout in btree-layout.ts: search, insert with splits (even, or
 * packed at the right edge), delete with merge/redistribute, right-edge append for bulk loads,
 * teardown and the invariant checker. Inputs here are already validated by btree.ts.
 */
import {
  LEAF_CAP, LEAF_MIN, INNER_CAP, INNER_MIN, MAX_DEPTH,
  T_ROOT, T_HEIGHT, T_COUNT, T_FIRST, T_LAST,
  nodeN, setNodeN, nodeSkip, setNodeSkip, isLeaf, prevLeaf, nextLeaf, setPrevLeaf, setNextLeaf,
  lpfxAt, lentAt, lent, lpfx, ipfxAt, isepAt, ichildAt, ichild, isep, ipfx,
  newLeaf, newInner, freeLeaf, freeInner, entrySize, eKlen, eVlen, eKey, newEntry, freeEntry,
  sLen, sKey, freeSep, newSep, prefix, prefixAt, lcp, cmpTail, cmpFrom,
} from "./btree-layout";
import { alloc, free } from "./memory";

// Path from the root to the current leaf: the inner node at each level and the child index taken.
const pathNode: usize = memory.data(<i32>MAX_DEPTH << 2, 4);
const pathIdx: usize = memory.data(<i32>MAX_DEPTH << 2, 4);
// Scratch arrays for splits: one node's worth plus the element being inserted.
const tmpPfx: usize = memory.data(<i32>(LEAF_CAP > INNER_CAP ? LEAF_CAP : INNER_CAP) * 8 + 16, 8);
const tmpPtr: usize = memory.data(<i32>(LEAF_CAP > INNER_CAP ? LEAF_CAP : INNER_CAP) * 4 + 8, 4);
const tmpChild: usize = memory.data(<i32>INNER_CAP * 4 + 8, 4);

/** Set by the find functions: whether the key was present. */
export let found: bool = false;

// @ts-ignore: decorator
@inline function pathNodeAt(l: u32): usize { return <usize>load<u32>(pathNode + (<usize>l << 2)); }
// @ts-ignore: decorator
@inline function pathIdxAt(l: u32): u32 { return load<u32>(pathIdx + (<usize>l << 2)); }

// ------------------------------------------------------------------------------------------
// Search

/**
 * Where a key stands against the first `skip` bytes every key of a node shares (`c` is one of
 * those keys): -1 below all of them, 1 above all of them, 0 when it starts with them too.
 */
function side(kp: usize, kl: u32, c: usize, skip: u32): i32 {
  const m = kl < skip ? kl : skip;
  const i = lcp(kp, kl, c, skip, m);
  if (i < m) return load<u8>(kp + i) < load<u8>(c + i) ? -1 : 1;
  return kl < skip ? -1 : 0; // a proper prefix of the shared bytes sorts first
}

/** Lower bound of the key in a leaf; sets `found` when the entry at the result equals it. */
export function leafFind(leaf: usize, kp: usize, kl: u32): u32 {
  let lo: u32 = 0;
  let hi: u32 = nodeN(leaf);
  const skip = nodeSkip(leaf);
  found = false;
  if (skip != 0 && hi != 0) {
    const e0 = lent(leaf, 0);
    const sd = side(kp, kl, eKey(e0), skip);
    if (sd < 0) return 0;
    if (sd > 0) return hi;
  }
  const pk = prefixAt(kp, kl, skip);
  const from = skip + 8;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pm = lpfx(leaf, mid);
    if (pm < pk) lo = mid + 1;
    else if (pm > pk) hi = mid;
    else {
      const e = lent(leaf, mid);
      const c = cmpFrom(eKey(e), eKlen(e), kp, kl, from);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else { found = true; return mid; }
    }
  }
  return lo;
}

/** Index of the child whose range holds the key: the number of separators <= key. */
// @ts-ignore: decorator
@inline function innerFind(node: usize, kp: usize, kl: u32): u32 {
  let lo: u32 = 0;
  let hi: u32 = nodeN(node) - 1;
  const skip = nodeSkip(node);
  if (skip != 0 && hi != 0) {
    const s0 = isep(node, 0);
    const sd = side(kp, kl, sKey(s0), skip);
    if (sd < 0) return 0;
    if (sd > 0) return hi;
  }
  const pk = prefixAt(kp, kl, skip);
  const from = skip + 8;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pm = ipfx(node, mid);
    if (pm < pk) lo = mid + 1;
    else if (pm > pk) hi = mid;
    else {
      const s = isep(node, mid);
      const c = cmpFrom(sKey(s), sLen(s), kp, kl, from);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else return mid + 1;
    }
  }
  return lo;
}

// ------------------------------------------------------------------------------------------
// Shared-prefix upkeep: a node's skip is 0 or at most the common prefix of its keys (it may be less:
// deletes never lower it, and it is recomputed only when a node's keys change wholesale). An
// insert that does not share the skip bytes lowers it; splits, merges and redistributions reset
// it to the common prefix of the node's first and last keys (the keys are sorted, so that is the
// common prefix of all of them) and rewrite the prefix slots when it changes.

/**
 * The least skip worth using: below it the node's keys differ early enough for prefix slots from
 * byte 0 to order them, and reading one key per node to check the shared bytes would cost more
 * than it saves (random keys share a byte or two per leaf).
 */
const MIN_SKIP: u32 = 4;

/** The skip to use for keys whose common prefix is `l` bytes. */
// @ts-ignore: decorator
@inline function usable(l: u32): u32 { return l < MIN_SKIP ? 0 : l; }

/** Number of keys in a node: a leaf's entries, an inner node's separators. */
// @ts-ignore: decorator
@inline function keyCount(node: usize): u32 { return isLeaf(node) ? nodeN(node) : nodeN(node) - 1; }
/** Address of key i of a node (an entry's key, or a separator's bytes). */
// @ts-ignore: decorator
@inline function keyPtr(node: usize, i: u32): usize { return isLeaf(node) ? eKey(lent(node, i)) : sKey(isep(node, i)); }
/** Length of key i of a node. */
// @ts-ignore: decorator
@inline function keyLen(node: usize, i: u32): u32 { return isLeaf(node) ? eKlen(lent(node, i)) : sLen(isep(node, i)); }

/** Rewrites every prefix slot of a node for skip `s` and records `s`. */
function setSkip(node: usize, s: u32): void {
  setNodeSkip(node, s);
  const n = keyCount(node);
  // Leaves and inner nodes keep their prefix slots at the same place (LEAF_PFX == IN_PFX).
  for (let i: u32 = 0; i < n; i++) store<u64>(lpfxAt(node, i), prefixAt(keyPtr(node, i), keyLen(node, i), s));
}

/**
 * Resets a node's skip to the common prefix of its keys (sorted, so that of its first and last).
 * `slotSkip` is the skip its prefix slots were written for (u32.MAX_VALUE: not consistent, always
 * rewrite).
 */
function resetSkip(node: usize, slotSkip: u32): void {
  const n = keyCount(node);
  const s = n == 0 ? 0 : usable(lcp(keyPtr(node, 0), keyLen(node, 0), keyPtr(node, n - 1), keyLen(node, n - 1), u32.MAX_VALUE));
  if (s != slotSkip) setSkip(node, s);
  else setNodeSkip(node, s);
}

/**
 * Lowers a node's skip, if needed, so that the key at kp, about to join the node, shares it;
 * returns the skip. `ref` is the index of a key already in the node to compare with, or -1 when
 * the new key is (or will be) its only one.
 */
function admit(node: usize, kp: usize, kl: u32, ref: i32): u32 {
  const s = nodeSkip(node);
  if (s == 0) return 0;
  if (ref < 0) {
    const l = usable(kl < s ? kl : s);
    setNodeSkip(node, l);
    return l;
  }
  const l = usable(lcp(kp, kl, keyPtr(node, <u32>ref), keyLen(node, <u32>ref), s));
  if (l < s) setSkip(node, l);
  return l;
}

/** Descends to the leaf that holds (or would hold) the key, recording the path. */
export function descend(t: usize, kp: usize, kl: u32): usize {
  let node = <usize>load<u32>(t, T_ROOT);
  const h = load<u32>(t, T_HEIGHT);
  for (let l: u32 = 0; l < h; l++) {
    const ci = innerFind(node, kp, kl);
    store<u32>(pathNode + (<usize>l << 2), <u32>node);
    store<u32>(pathIdx + (<usize>l << 2), ci);
    node = ichild(node, ci);
  }
  return node;
}

/** The entry block for the key, or 0. */
export function findEntry(t: usize, kp: usize, kl: u32): usize {
  let node = <usize>load<u32>(t, T_ROOT);
  if (node == 0) return 0;
  const h = load<u32>(t, T_HEIGHT);
  for (let l: u32 = 0; l < h; l++) node = ichild(node, innerFind(node, kp, kl));
  const i = leafFind(node, kp, kl);
  return found ? lent(node, i) : 0;
}

/** Fills the path along the right spine (last child at every level); returns the last leaf. */
function descendRight(t: usize): usize {
  let node = <usize>load<u32>(t, T_ROOT);
  const h = load<u32>(t, T_HEIGHT);
  for (let l: u32 = 0; l < h; l++) {
    const ci = nodeN(node) - 1;
    store<u32>(pathNode + (<usize>l << 2), <u32>node);
    store<u32>(pathIdx + (<usize>l << 2), ci);
    node = ichild(node, ci);
  }
  return node;
}

// ------------------------------------------------------------------------------------------
// Insert

/**
 * Inserts or replaces. Returns 1 when inserted, 0 when an existing value was replaced (in place
 * when the new value fits the entry block's size class).
 */
export function put(t: usize, kp: usize, kl: u32, vp: usize, vl: u32): i32 {
  const root = <usize>load<u32>(t, T_ROOT);
  if (root == 0) {
    const leaf = newLeaf();
    store<u32>(lentAt(leaf, 0), <u32>newEntry(kp, kl, vp, vl));
    setNodeN(leaf, 1);
    resetSkip(leaf, u32.MAX_VALUE);
    store<u32>(t, <u32>leaf, T_ROOT);
    store<u32>(t, <u32>leaf, T_FIRST);
    store<u32>(t, <u32>leaf, T_LAST);
    store<u32>(t, 1, T_COUNT);
    return 1;
  }
  const leaf = descend(t, kp, kl);
  const pos = leafFind(leaf, kp, kl);
  if (found) {
    replaceValue(leaf, pos, vp, vl);
    return 0;
  }
  insertAt(t, leaf, pos, kp, kl, vp, vl);
  return 1;
}

/**
 * Inserts a key that is absent at `pos` of `leaf`, where descend and leafFind (just called, so
 * the path is current) placed it.
 */
export function insertAt(t: usize, leaf: usize, pos: u32, kp: usize, kl: u32, vp: usize, vl: u32): void {
  leafInsert(t, leaf, pos, newEntry(kp, kl, vp, vl));
  store<u32>(t, load<u32>(t, T_COUNT) + 1, T_COUNT);
}

/** Replaces the value of entry `pos` of `leaf` (in place when it fits the block's size class). */
export function replaceValue(leaf: usize, pos: u32, vp: usize, vl: u32): void {
  const e = lent(leaf, pos);
  const kl = eKlen(e);
  const old = eVlen(e);
  if (entrySize(kl, vl) == entrySize(kl, old)) {
    store<u32>(e, vl, 4);
    memory.copy(e + 8 + <usize>kl, vp, vl);
    return;
  }
  const n = alloc(entrySize(kl, vl));
  store<u32>(n, kl);
  store<u32>(n, vl, 4);
  memory.copy(n + 8, e + 8, kl);
  memory.copy(n + 8 + <usize>kl, vp, vl);
  free(e, entrySize(kl, old));
  store<u32>(lentAt(leaf, pos), <u32>n);
}

/** Inserts entry e at pos in the (non-empty) leaf the path leads to, splitting if full. */
function leafInsert(t: usize, leaf: usize, pos: u32, e: usize): void {
  const n = nodeN(leaf);
  const skip = admit(leaf, eKey(e), eKlen(e), 0);
  const pk = prefixAt(eKey(e), eKlen(e), skip);
  if (n < LEAF_CAP) {
    const m = <usize>(n - pos);
    memory.copy(lpfxAt(leaf, pos + 1), lpfxAt(leaf, pos), m << 3);
    memory.copy(lentAt(leaf, pos + 1), lentAt(leaf, pos), m << 2);
    store<u64>(lpfxAt(leaf, pos), pk);
    store<u32>(lentAt(leaf, pos), <u32>e);
    setNodeN(leaf, n + 1);
    return;
  }
  // Gather the n + 1 entries in order, then deal them out to the two halves.
  memory.copy(tmpPfx, lpfxAt(leaf, 0), <usize>pos << 3);
  memory.copy(tmpPtr, lentAt(leaf, 0), <usize>pos << 2);
  store<u64>(tmpPfx + (<usize>pos << 3), pk);
  store<u32>(tmpPtr + (<usize>pos << 2), <u32>e);
  memory.copy(tmpPfx + (<usize>(pos + 1) << 3), lpfxAt(leaf, pos), <usize>(n - pos) << 3);
  memory.copy(tmpPtr + (<usize>(pos + 1) << 2), lentAt(leaf, pos), <usize>(n - pos) << 2);
  const total = n + 1;
  const next = nextLeaf(leaf);
  // Appending past the last key packs the left leaf full (sequential inserts, bulk loads).
  const append = pos == n && next == 0;
  const lc = append ? n : total >>> 1;
  const right = newLeaf();
  memory.copy(lpfxAt(leaf, 0), tmpPfx, <usize>lc << 3);
  memory.copy(lentAt(leaf, 0), tmpPtr, <usize>lc << 2);
  memory.copy(lpfxAt(right, 0), tmpPfx + (<usize>lc << 3), <usize>(total - lc) << 3);
  memory.copy(lentAt(right, 0), tmpPtr + (<usize>lc << 2), <usize>(total - lc) << 2);
  setNodeN(leaf, lc);
  setNodeN(right, total - lc);
  // Each half's keys share at least the old skip, often more: its slots are rewritten if so.
  resetSkip(leaf, skip);
  resetSkip(right, skip);
  setPrevLeaf(right, leaf);
  setNextLeaf(right, next);
  if (next != 0) setPrevLeaf(next, right);
  else store<u32>(t, <u32>right, T_LAST);
  setNextLeaf(leaf, right);
  const a = lent(leaf, lc - 1);
  const b = lent(right, 0);
  const sep = newSep(eKey(a), eKlen(a), eKey(b), eKlen(b));
  insertParent(t, <i32>load<u32>(t, T_HEIGHT) - 1, leaf, sep, right, append);
}

/**
 * Inserts separator `sep` and node `right` just after `left` in the inner node at `level` of the
 * path, splitting upwards as needed; level -1 means `left` was the root.
 */
function insertParent(t: usize, level: i32, left: usize, sep: usize, right: usize, append: bool): void {
  for (;;) {
    if (level < 0) {
      const r = newInner();
      store<u32>(ichildAt(r, 0), <u32>left);
      store<u32>(ichildAt(r, 1), <u32>right);
      store<u32>(isepAt(r, 0), <u32>sep);
      setNodeN(r, 2);
      resetSkip(r, u32.MAX_VALUE);
      store<u32>(t, <u32>r, T_ROOT);
      store<u32>(t, load<u32>(t, T_HEIGHT) + 1, T_HEIGHT);
      return;
    }
    const p = pathNodeAt(<u32>level);
    const ci = pathIdxAt(<u32>level);
    const n = nodeN(p);
    const skip = admit(p, sKey(sep), sLen(sep), n > 1 ? 0 : -1);
    const sp = prefixAt(sKey(sep), sLen(sep), skip);
    if (n < INNER_CAP) {
      const m = <usize>(n - 1 - ci);
      memory.copy(ipfxAt(p, ci + 1), ipfxAt(p, ci), m << 3);
      memory.copy(isepAt(p, ci + 1), isepAt(p, ci), m << 2);
      memory.copy(ichildAt(p, ci + 2), ichildAt(p, ci + 1), m << 2);
      store<u64>(ipfxAt(p, ci), sp);
      store<u32>(isepAt(p, ci), <u32>sep);
      store<u32>(ichildAt(p, ci + 1), <u32>right);
      setNodeN(p, n + 1);
      return;
    }
    // Children C[0..n] and separators S[0..n-1] after the insertion.
    memory.copy(tmpChild, ichildAt(p, 0), <usize>(ci + 1) << 2);
    store<u32>(tmpChild + (<usize>(ci + 1) << 2), <u32>right);
    memory.copy(tmpChild + (<usize>(ci + 2) << 2), ichildAt(p, ci + 1), <usize>(n - 1 - ci) << 2);
    memory.copy(tmpPfx, ipfxAt(p, 0), <usize>ci << 3);
    memory.copy(tmpPtr, isepAt(p, 0), <usize>ci << 2);
    store<u64>(tmpPfx + (<usize>ci << 3), sp);
    store<u32>(tmpPtr + (<usize>ci << 2), <u32>sep);
    memory.copy(tmpPfx + (<usize>(ci + 1) << 3), ipfxAt(p, ci), <usize>(n - 1 - ci) << 3);
    memory.copy(tmpPtr + (<usize>(ci + 1) << 2), isepAt(p, ci), <usize>(n - 1 - ci) << 2);
    const total = n + 1;
    // On the right spine an append leaves the new right node with two children, the left full.
    const lc: u32 = append ? total - 2 : total >>> 1;
    const r = newInner();
    memory.copy(ichildAt(p, 0), tmpChild, <usize>lc << 2);
    memory.copy(ipfxAt(p, 0), tmpPfx, <usize>(lc - 1) << 3);
    memory.copy(isepAt(p, 0), tmpPtr, <usize>(lc - 1) << 2);
    memory.copy(ichildAt(r, 0), tmpChild + (<usize>lc << 2), <usize>(total - lc) << 2);
    memory.copy(ipfxAt(r, 0), tmpPfx + (<usize>lc << 3), <usize>(total - lc - 1) << 3);
    memory.copy(isepAt(r, 0), tmpPtr + (<usize>lc << 2), <usize>(total - lc - 1) << 2);
    setNodeN(p, lc);
    setNodeN(r, total - lc);
    resetSkip(p, skip);
    resetSkip(r, skip);
    sep = <usize>load<u32>(tmpPtr + (<usize>(lc - 1) << 2));
    left = p;
    right = r;
    level--;
  }
}

/** Appends an entry whose key exceeds every key in the tree (bulk load). */
export function appendRight(t: usize, e: usize): void {
  const last = <usize>load<u32>(t, T_LAST);
  if (last == 0) {
    const leaf = newLeaf();
    store<u32>(lentAt(leaf, 0), <u32>e);
    setNodeN(leaf, 1);
    resetSkip(leaf, u32.MAX_VALUE);
    store<u32>(t, <u32>leaf, T_ROOT);
    store<u32>(t, <u32>leaf, T_FIRST);
    store<u32>(t, <u32>leaf, T_LAST);
  } else {
    const n = nodeN(last);
    if (n < LEAF_CAP) {
      const skip = admit(last, eKey(e), eKlen(e), 0);
      store<u64>(lpfxAt(last, n), prefixAt(eKey(e), eKlen(e), skip));
      store<u32>(lentAt(last, n), <u32>e);
      setNodeN(last, n + 1);
    } else {
      leafInsert(t, descendRight(t), n, e);
    }
  }
  store<u32>(t, load<u32>(t, T_COUNT) + 1, T_COUNT);
}

/** The last entry of the tree, or 0. */
export function lastEntry(t: usize): usize {
  const last = <usize>load<u32>(t, T_LAST);
  if (last == 0) return 0;
  return lent(last, nodeN(last) - 1);
}

// ------------------------------------------------------------------------------------------
// Delete

/** Deletes the key; 1 when it was present, 0 otherwise. */
export function del(t: usize, kp: usize, kl: u32): i32 {
  if (load<u32>(t, T_ROOT) == 0) return 0;
  const leaf = descend(t, kp, kl);
  const pos = leafFind(leaf, kp, kl);
  if (!found) return 0;
  freeEntry(lent(leaf, pos));
  const n = nodeN(leaf) - 1;
  const m = <usize>(n - pos);
  memory.copy(lpfxAt(leaf, pos), lpfxAt(leaf, pos + 1), m << 3);
  memory.copy(lentAt(leaf, pos), lentAt(leaf, pos + 1), m << 2);
  setNodeN(leaf, n);
  store<u32>(t, load<u32>(t, T_COUNT) - 1, T_COUNT);
  const h = load<u32>(t, T_HEIGHT);
  if (h == 0) {
    if (n == 0) {
      freeLeaf(leaf);
      store<u32>(t, 0, T_ROOT);
      store<u32>(t, 0, T_FIRST);
      store<u32>(t, 0, T_LAST);
    }
    return 1;
  }
  if (n < LEAF_MIN) fixLeaf(t, leaf, h - 1);
  return 1;
}

/** Removes separator si and child si + 1 from an inner node (freeing the separator if asked). */
function removeAt(p: usize, si: u32, freeIt: bool): void {
  const n = nodeN(p);
  if (freeIt) freeSep(isep(p, si));
  const m = <usize>(n - 2 - si);
  memory.copy(ipfxAt(p, si), ipfxAt(p, si + 1), m << 3);
  memory.copy(isepAt(p, si), isepAt(p, si + 1), m << 2);
  memory.copy(ichildAt(p, si + 1), ichildAt(p, si + 2), m << 2);
  setNodeN(p, n - 1);
}

/** Repairs an underfull leaf (child of the path node at `level`) by merging or redistributing. */
function fixLeaf(t: usize, leaf: usize, level: u32): void {
  const p = pathNodeAt(level);
  const ci = pathIdxAt(level);
  if (nodeN(p) < 2) return; // cannot happen while the invariants hold
  let a: usize, b: usize, si: u32;
  if (ci > 0) { a = ichild(p, ci - 1); b = leaf; si = ci - 1; }
  else { a = leaf; b = ichild(p, 1); si = 0; }
  const an = nodeN(a);
  const bn = nodeN(b);
  if (an + bn <= LEAF_CAP) {
    memory.copy(lentAt(a, an), lentAt(b, 0), <usize>bn << 2);
    setNodeN(a, an + bn);
    resetSkip(a, u32.MAX_VALUE); // b's slots were written for b's skip
    const nx = nextLeaf(b);
    setNextLeaf(a, nx);
    if (nx != 0) setPrevLeaf(nx, a);
    else store<u32>(t, <u32>a, T_LAST);
    freeLeaf(b);
    removeAt(p, si, true);
    fixInner(t, level);
    return;
  }
  const na = (an + bn) >>> 1;
  if (an < na) {
    const k = na - an;
    memory.copy(lpfxAt(a, an), lpfxAt(b, 0), <usize>k << 3);
    memory.copy(lentAt(a, an), lentAt(b, 0), <usize>k << 2);
    memory.copy(lpfxAt(b, 0), lpfxAt(b, k), <usize>(bn - k) << 3);
    memory.copy(lentAt(b, 0), lentAt(b, k), <usize>(bn - k) << 2);
    setNodeN(a, na);
    setNodeN(b, bn - k);
  } else {
    const k = an - na;
    memory.copy(lpfxAt(b, k), lpfxAt(b, 0), <usize>bn << 3);
    memory.copy(lentAt(b, k), lentAt(b, 0), <usize>bn << 2);
    memory.copy(lpfxAt(b, 0), lpfxAt(a, na), <usize>k << 3);
    memory.copy(lentAt(b, 0), lentAt(a, na), <usize>k << 2);
    setNodeN(a, na);
    setNodeN(b, bn + k);
  }
  // Entries moved between two leaves whose slots were written for different skips.
  resetSkip(a, u32.MAX_VALUE);
  resetSkip(b, u32.MAX_VALUE);
  freeSep(isep(p, si));
  const x = lent(a, nodeN(a) - 1);
  const y = lent(b, 0);
  const s = newSep(eKey(x), eKlen(x), eKey(y), eKlen(y));
  store<u32>(isepAt(p, si), <u32>s);
  // Compared with another separator than the one just replaced (si), if p has one.
  const skip = admit(p, sKey(s), sLen(s), nodeN(p) > 2 ? (si == 0 ? 1 : 0) : -1);
  store<u64>(ipfxAt(p, si), prefixAt(sKey(s), sLen(s), skip));
}

/** Repairs the path node at `level` after it lost a child, and so on upwards. */
function fixInner(t: usize, level: u32): void {
  for (;;) {
    const p = pathNodeAt(level);
    const n = nodeN(p);
    if (level == 0) {
      if (n == 1) {
        store<u32>(t, <u32>ichild(p, 0), T_ROOT);
        store<u32>(t, load<u32>(t, T_HEIGHT) - 1, T_HEIGHT);
        freeInner(p);
      }
      return;
    }
    if (n >= INNER_MIN) return;
    const g = pathNodeAt(level - 1);
    const ci = pathIdxAt(level - 1);
    if (nodeN(g) < 2) return; // cannot happen while the invariants hold
    let a: usize, b: usize, si: u32;
    if (ci > 0) { a = ichild(g, ci - 1); b = p; si = ci - 1; }
    else { a = p; b = ichild(g, 1); si = 0; }
    const an = nodeN(a);
    const bn = nodeN(b);
    const S = isep(g, si);
    const SP = ipfx(g, si);
    if (an + bn <= INNER_CAP) {
      // a's children + b's children; the parent's separator comes down between them.
      store<u32>(isepAt(a, an - 1), <u32>S);
      store<u64>(ipfxAt(a, an - 1), SP);
      memory.copy(isepAt(a, an), isepAt(b, 0), <usize>(bn - 1) << 2);
      memory.copy(ipfxAt(a, an), ipfxAt(b, 0), <usize>(bn - 1) << 3);
      memory.copy(ichildAt(a, an), ichildAt(b, 0), <usize>bn << 2);
      setNodeN(a, an + bn);
      resetSkip(a, u32.MAX_VALUE); // separators from b and g, written for their skips
      freeInner(b);
      removeAt(g, si, false);
      level--;
      continue;
    }
    const na = (an + bn) >>> 1;
    if (an < na) {
      const k = na - an; // move b's first k children to a's end, rotating through the parent
      store<u32>(isepAt(a, an - 1), <u32>S);
      store<u64>(ipfxAt(a, an - 1), SP);
      memory.copy(isepAt(a, an), isepAt(b, 0), <usize>(k - 1) << 2);
      memory.copy(ipfxAt(a, an), ipfxAt(b, 0), <usize>(k - 1) << 3);
      memory.copy(ichildAt(a, an), ichildAt(b, 0), <usize>k << 2);
      store<u32>(isepAt(g, si), load<u32>(isepAt(b, k - 1)));
      store<u64>(ipfxAt(g, si), ipfx(b, k - 1));
      memory.copy(isepAt(b, 0), isepAt(b, k), <usize>(bn - 1 - k) << 2);
      memory.copy(ipfxAt(b, 0), ipfxAt(b, k), <usize>(bn - 1 - k) << 3);
      memory.copy(ichildAt(b, 0), ichildAt(b, k), <usize>(bn - k) << 2);
      setNodeN(a, na);
      setNodeN(b, bn - k);
    } else {
      const k = an - na; // move a's last k children to b's front
      memory.copy(isepAt(b, k), isepAt(b, 0), <usize>(bn - 1) << 2);
      memory.copy(ipfxAt(b, k), ipfxAt(b, 0), <usize>(bn - 1) << 3);
      memory.copy(ichildAt(b, k), ichildAt(b, 0), <usize>bn << 2);
      store<u32>(isepAt(b, k - 1), <u32>S);
      store<u64>(ipfxAt(b, k - 1), SP);
      memory.copy(ichildAt(b, 0), ichildAt(a, na), <usize>k << 2);
      memory.copy(isepAt(b, 0), isepAt(a, na), <usize>(k - 1) << 2);
      memory.copy(ipfxAt(b, 0), ipfxAt(a, na), <usize>(k - 1) << 3);
      store<u32>(isepAt(g, si), load<u32>(isepAt(a, na - 1)));
      store<u64>(ipfxAt(g, si), ipfx(a, na - 1));
      setNodeN(a, na);
      setNodeN(b, bn + k);
    }
    // Separators rotated through g: every slot of a, b and g is rewritten for its node's skip.
    resetSkip(a, u32.MAX_VALUE);
    resetSkip(b, u32.MAX_VALUE);
    resetSkip(g, u32.MAX_VALUE);
    return;
  }
}

// ------------------------------------------------------------------------------------------
// Teardown

function freeSubtree(node: usize, level: u32, height: u32): void {
  if (level == height) {
    const n = nodeN(node);
    for (let i: u32 = 0; i < n; i++) freeEntry(lent(node, i));
    freeLeaf(node);
    return;
  }
  const n = nodeN(node);
  for (let i: u32 = 0; i < n; i++) freeSubtree(ichild(node, i), level + 1, height);
  for (let i: u32 = 0; i + 1 < n; i++) freeSep(isep(node, i));
  freeInner(node);
}

/** Frees every node, separator and entry; the tree is left empty. */
export function clearTree(t: usize): void {
  const root = <usize>load<u32>(t, T_ROOT);
  if (root != 0) freeSubtree(root, 0, load<u32>(t, T_HEIGHT));
  store<u32>(t, 0, T_ROOT);
  store<u32>(t, 0, T_HEIGHT);
  store<u32>(t, 0, T_COUNT);
  store<u32>(t, 0, T_FIRST);
  store<u32>(t, 0, T_LAST);
}

// ------------------------------------------------------------------------------------------
// Invariant checker (debug aid, also exported as treeCheck)

let chkErr: i32 = 0;
let chkPrev: usize = 0;
let chkCount: u64 = 0;

function fail(code: i32): void {
  if (chkErr == 0) chkErr = code;
}

/**
 * Checks the subtree at `node` whose keys must lie in [lo, hi) (each bound optional, given as a
 * separator block or 0) and whose node is on the right spine when `spine`.
 */
function checkNode(t: usize, node: usize, level: u32, height: u32, lo: usize, hi: usize, spine: bool): void {
  if (chkErr != 0) return;
  const n = nodeN(node);
  const isRoot = level == 0;
  if (level == height) {
    if (!isLeaf(node)) { fail(-101); return; }
    if (n > LEAF_CAP) { fail(-102); return; }
    if (n == 0 || (!isRoot && !spine && n < LEAF_MIN)) { fail(-103); return; }
    const skip = nodeSkip(node);
    const e0 = lent(node, 0);
    for (let i: u32 = 0; i < n; i++) {
      const e = lent(node, i);
      const kl = eKlen(e);
      if (lcp(eKey(e), kl, eKey(e0), eKlen(e0), skip) != skip) { fail(-121); return; }
      const pk = prefixAt(eKey(e), kl, skip);
      if (pk != lpfx(node, i)) { fail(-104); return; }
      if (i > 0) {
        const f = lent(node, i - 1);
        if (fullCmp(eKey(f), eKlen(f), eKey(e), kl) >= 0) { fail(-105); return; }
      }
      if (lo != 0 && fullCmp(sKey(lo), sLen(lo), eKey(e), kl) > 0) { fail(-106); return; }
      if (hi != 0 && fullCmp(eKey(e), kl, sKey(hi), sLen(hi)) >= 0) { fail(-107); return; }
    }
    if (prevLeaf(node) != chkPrev) { fail(-108); return; }
    if (chkPrev == 0) { if (<usize>load<u32>(t, T_FIRST) != node) { fail(-109); return; } }
    else if (nextLeaf(chkPrev) != node) { fail(-110); return; }
    chkPrev = node;
    chkCount += n;
    return;
  }
  if (isLeaf(node)) { fail(-111); return; }
  if (n > INNER_CAP || n < 2) { fail(-112); return; }
  if (!isRoot && !spine && n < INNER_MIN) { fail(-113); return; }
  const skip = nodeSkip(node);
  const s0 = isep(node, 0);
  for (let i: u32 = 0; i + 1 < n; i++) {
    const s = isep(node, i);
    if (lcp(sKey(s), sLen(s), sKey(s0), sLen(s0), skip) != skip) { fail(-122); return; }
    if (ipfx(node, i) != prefixAt(sKey(s), sLen(s), skip)) { fail(-114); return; }
    if (i > 0) {
      const r = isep(node, i - 1);
      if (fullCmp(sKey(r), sLen(r), sKey(s), sLen(s)) >= 0) { fail(-115); return; }
    }
    if (lo != 0 && fullCmp(sKey(lo), sLen(lo), sKey(s), sLen(s)) >= 0) { fail(-116); return; }
    if (hi != 0 && fullCmp(sKey(s), sLen(s), sKey(hi), sLen(hi)) >= 0) { fail(-117); return; }
  }
  for (let i: u32 = 0; i < n; i++) {
    const clo = i == 0 ? lo : isep(node, i - 1);
    const chi = i + 1 == n ? hi : isep(node, i);
    checkNode(t, ichild(node, i), level + 1, height, clo, chi, spine && i + 1 == n);
  }
}

function fullCmp(a: usize, la: u32, b: usize, lb: u32): i32 {
  const pa = prefix(a, la);
  const pb = prefix(b, lb);
  if (pa != pb) return pa < pb ? -1 : 1;
  return cmpTail(a, la, b, lb);
}

/** 0 when every invariant holds, otherwise a negative code naming the first violation. */
export function checkTree(t: usize): i32 {
  chkErr = 0;
  chkPrev = 0;
  chkCount = 0;
  const root = <usize>load<u32>(t, T_ROOT);
  const h = load<u32>(t, T_HEIGHT);
  if (root == 0) {
    if (h != 0 || load<u32>(t, T_COUNT) != 0 || load<u32>(t, T_FIRST) != 0 || load<u32>(t, T_LAST) != 0) return -100;
    return 0;
  }
  if (h >= MAX_DEPTH) return -118;
  checkNode(t, root, 0, h, 0, 0, true);
  if (chkErr != 0) return chkErr;
  if (chkPrev != <usize>load<u32>(t, T_LAST) || nextLeaf(chkPrev) != 0) return -119;
  if (chkCount != <u64>load<u32>(t, T_COUNT)) return -120;
  return 0;
}
