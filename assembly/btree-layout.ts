/**
 * Memory layout of the B+tree (see the invariants at the top of btree.ts): tree headers, leaf and
 * inner nodes, entry blocks and separator blocks, and the 8-byte key prefixes kept in the nodes.
 * Everything is unmanaged memory reached with load/store; nothing here allocates managed objects.
 */
import { alloc, free } from "./memory";

/** Most entries in a leaf. */
export const LEAF_CAP: u32 = 64;
/** Fewest entries in a leaf that is neither the root nor the last leaf. */
export const LEAF_MIN: u32 = LEAF_CAP / 4;
/** Most children of an inner node. */
export const INNER_CAP: u32 = 64;
/** Fewest children of an inner node that is neither the root nor on the right spine. */
export const INNER_MIN: u32 = INNER_CAP / 4;
/** Deepest tree the path stack can hold (far beyond what 2^32 entries need). */
export const MAX_DEPTH: u32 = 40;

// ---- Tree header: [root u32][height u32][count u32][first leaf u32][last leaf u32] ----
export const T_ROOT: usize = 0;
/** Number of inner levels above the leaves (0: the root is a leaf). */
export const T_HEIGHT: usize = 4;
export const T_COUNT: usize = 8;
export const T_FIRST: usize = 12;
export const T_LAST: usize = 16;
export const T_SIZE: usize = 32;

// ---- Node header (16 bytes): [n u16][isLeaf u8][_ u8][prev u32][next u32][skip u32] ----
// A leaf's n is its entry count; an inner node's n is its child count (n - 1 separators).
// skip: every key (leaf) or separator (inner) in the node starts with the same `skip` bytes, and
// the node's prefix slots hold the 8 bytes that follow them (see prefixAt).
const N_PREV: usize = 4;
const N_NEXT: usize = 8;
const N_SKIP: usize = 12;
const HDR: usize = 16;

// Leaf: header, prefix[LEAF_CAP] u64, entry[LEAF_CAP] u32.
export const LEAF_PFX: usize = HDR;
export const LEAF_ENT: usize = HDR + (<usize>LEAF_CAP << 3);
export const LEAF_SIZE: usize = LEAF_ENT + (<usize>LEAF_CAP << 2);

// Inner: header, prefix[INNER_CAP] u64, separator[INNER_CAP] u32, child[INNER_CAP] u32.
export const IN_PFX: usize = HDR;
export const IN_SEP: usize = HDR + (<usize>INNER_CAP << 3);
export const IN_CHILD: usize = IN_SEP + (<usize>INNER_CAP << 2);
export const INNER_SIZE: usize = IN_CHILD + (<usize>INNER_CAP << 2);

// @ts-ignore: decorator
@inline export function nodeN(node: usize): u32 { return <u32>load<u16>(node); }
// @ts-ignore: decorator
@inline export function setNodeN(node: usize, n: u32): void { store<u16>(node, <u16>n); }
// @ts-ignore: decorator
@inline export function isLeaf(node: usize): bool { return load<u8>(node, 2) != 0; }
// @ts-ignore: decorator
@inline export function prevLeaf(node: usize): usize { return <usize>load<u32>(node, N_PREV); }
// @ts-ignore: decorator
@inline export function nextLeaf(node: usize): usize { return <usize>load<u32>(node, N_NEXT); }
// @ts-ignore: decorator
@inline export function nodeSkip(node: usize): u32 { return load<u32>(node, N_SKIP); }
// @ts-ignore: decorator
@inline export function setNodeSkip(node: usize, s: u32): void { store<u32>(node, s, N_SKIP); }
// @ts-ignore: decorator
@inline export function setPrevLeaf(node: usize, p: usize): void { store<u32>(node, <u32>p, N_PREV); }
// @ts-ignore: decorator
@inline export function setNextLeaf(node: usize, p: usize): void { store<u32>(node, <u32>p, N_NEXT); }

/** Address of slot i of a leaf's prefix array. */
// @ts-ignore: decorator
@inline export function lpfxAt(leaf: usize, i: u32): usize { return leaf + LEAF_PFX + (<usize>i << 3); }
/** Address of slot i of a leaf's entry array. */
// @ts-ignore: decorator
@inline export function lentAt(leaf: usize, i: u32): usize { return leaf + LEAF_ENT + (<usize>i << 2); }
// @ts-ignore: decorator
@inline export function lent(leaf: usize, i: u32): usize { return <usize>load<u32>(leaf + LEAF_ENT + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function lpfx(leaf: usize, i: u32): u64 { return load<u64>(leaf + LEAF_PFX + (<usize>i << 3)); }

// @ts-ignore: decorator
@inline export function ipfxAt(node: usize, i: u32): usize { return node + IN_PFX + (<usize>i << 3); }
// @ts-ignore: decorator
@inline export function isepAt(node: usize, i: u32): usize { return node + IN_SEP + (<usize>i << 2); }
// @ts-ignore: decorator
@inline export function ichildAt(node: usize, i: u32): usize { return node + IN_CHILD + (<usize>i << 2); }
// @ts-ignore: decorator
@inline export function ichild(node: usize, i: u32): usize { return <usize>load<u32>(node + IN_CHILD + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function isep(node: usize, i: u32): usize { return <usize>load<u32>(node + IN_SEP + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function ipfx(node: usize, i: u32): u64 { return load<u64>(node + IN_PFX + (<usize>i << 3)); }

/** New empty leaf. */
export function newLeaf(): usize {
  const p = alloc(LEAF_SIZE);
  store<u64>(p, 0);
  store<u64>(p, 0, 8);
  store<u8>(p, 1, 2);
  return p;
}

/** New empty inner node. */
export function newInner(): usize {
  const p = alloc(INNER_SIZE);
  store<u64>(p, 0);
  store<u64>(p, 0, 8);
  return p;
}

// @ts-ignore: decorator
@inline export function freeLeaf(p: usize): void { free(p, LEAF_SIZE); }
// @ts-ignore: decorator
@inline export function freeInner(p: usize): void { free(p, INNER_SIZE); }

/**
 * The allocator hands out payloads of 16k - 4 bytes (TLSF, 4-byte block header, min 28); sizing
 * requests the same way costs nothing and lets a value grow or shrink in place within its class.
 */
// @ts-ignore: decorator
@inline export function blockSize(n: usize): usize {
  const s = ((n + 19) & ~<usize>15) - 4;
  return s < 28 ? 28 : s;
}

// ---- Entry block: [klen u32][vlen u32][key][value] ----
// @ts-ignore: decorator
@inline export function eKlen(e: usize): u32 { return load<u32>(e); }
// @ts-ignore: decorator
@inline export function eVlen(e: usize): u32 { return load<u32>(e, 4); }
// @ts-ignore: decorator
@inline export function eKey(e: usize): usize { return e + 8; }
// @ts-ignore: decorator
@inline export function eVal(e: usize): usize { return e + 8 + <usize>load<u32>(e); }
// @ts-ignore: decorator
@inline export function entrySize(kl: u32, vl: u32): usize { return blockSize(8 + <usize>kl + <usize>vl); }

/** Allocates an entry block holding copies of the key and value. */
export function newEntry(kp: usize, kl: u32, vp: usize, vl: u32): usize {
  const e = alloc(entrySize(kl, vl));
  store<u32>(e, kl);
  store<u32>(e, vl, 4);
  memory.copy(e + 8, kp, kl);
  memory.copy(e + 8 + <usize>kl, vp, vl);
  return e;
}

// @ts-ignore: decorator
@inline export function freeEntry(e: usize): void { free(e, entrySize(eKlen(e), eVlen(e))); }

// ---- Separator block: [len u32][key bytes] ----
// @ts-ignore: decorator
@inline export function sLen(s: usize): u32 { return load<u32>(s); }
// @ts-ignore: decorator
@inline export function sKey(s: usize): usize { return s + 4; }
// @ts-ignore: decorator
@inline export function freeSep(s: usize): void { free(s, blockSize(4 + <usize>load<u32>(s))); }

/**
 * The shortest separator s with a < s <= b (a < b): b cut one byte past their common prefix.
 */
export function newSep(ap: usize, al: u32, bp: usize, bl: u32): usize {
  const m = al < bl ? al : bl;
  let i: u32 = 0;
  while (i + 8 <= m && load<u64>(ap + i) == load<u64>(bp + i)) i += 8;
  while (i < m && load<u8>(ap + i) == load<u8>(bp + i)) i++;
  const len = i + 1; // i < bl because a < b
  const s = alloc(blockSize(4 + <usize>len));
  store<u32>(s, len);
  memory.copy(s + 4, bp, len);
  return s;
}

/**
 * The first 8 bytes of a key, zero-padded, big-endian as a u64. If prefix(a) < prefix(b) then
 * a < b; equal prefixes say nothing, and the full keys decide.
 */
// @ts-ignore: decorator
@inline export function prefix(p: usize, len: u32): u64 {
  if (len >= 8) return bswap<u64>(load<u64>(p));
  return shortPrefix(p, len);
}

function shortPrefix(p: usize, len: u32): u64 {
  if (len == 0) return 0;
  let x: u64 = 0;
  for (let i: u32 = 0; i < len; i++) x = (x << 8) | <u64>load<u8>(p + i);
  return x << (<u64>(8 - len) << 3);
}

/**
 * The 8 bytes of a key after its first `skip` (zero-padded, big-endian): a node's prefix slot.
 * Within one node every key shares its first `skip` bytes, so comparing these orders them as
 * prefix() orders keys in general.
 */
// @ts-ignore: decorator
@inline export function prefixAt(p: usize, len: u32, skip: u32): u64 {
  return len <= skip ? 0 : prefix(p + skip, len - skip);
}

/** Length of the common prefix of two keys, at most `max`. */
export function lcp(a: usize, la: u32, b: usize, lb: u32, max: u32): u32 {
  let n = la < lb ? la : lb;
  if (n > max) n = max;
  let i: u32 = 0;
  while (i + 8 <= n && load<u64>(a + i) == load<u64>(b + i)) i += 8;
  while (i < n && load<u8>(a + i) == load<u8>(b + i)) i++;
  return i;
}

/**
 * Compares two keys whose prefixes are equal (so their first min(8, la, lb) bytes are equal).
 */
export function cmpTail(a: usize, la: u32, b: usize, lb: u32): i32 {
  return cmpFrom(a, la, b, lb, 8);
}

/** Compares two keys whose first min(from, la, lb) bytes are known to be equal. */
export function cmpFrom(a: usize, la: u32, b: usize, lb: u32, from: u32): i32 {
  let n = la < lb ? la : lb;
  let i: u32 = n < from ? n : from;
  while (i + 8 <= n) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
    i += 8;
  }
  while (i < n) {
    const x = <i32>load<u8>(a + i);
    const y = <i32>load<u8>(b + i);
    if (x != y) return x - y;
    i++;
  }
  return la == lb ? 0 : (la < lb ? -1 : 1);
}

/** Full comparison of two keys using their prefixes first. */
// @ts-ignore: decorator
@inline export function cmpKeys(pa: u64, a: usize, la: u32, pb: u64, b: usize, lb: u32): i32 {
  if (pa != pb) return pa < pb ? -1 : 1;
  return cmpTail(a, la, b, lb);
}
