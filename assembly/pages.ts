/**
 * Checkpoint pages built in the engine, straight from the structures' own memory.
 *
 * The page format, the page hash and the checksum are those of src/persist/page.ts, which defines
 * them (this is a second writer of that format, tested byte for byte against its PageWriter).
 * Built in JavaScript, every entry of a checkpoint crossed out of linear memory (a scan batch),
 * was copied into its page byte by byte and then checksummed by a JavaScript loop: about 60 ms
 * of a 100k-entry checkpoint in the browser. Here JavaScript copies each finished page out once.
 *
 * A builder partitions entries into `pageCount` pages by the page hash and works in two walks
 * over the same, unchanged structures (a tree or a table, or with handle 0 every table and tree
 * in the engine):
 *  1. `pagesMeasure(b, h)` for each structure: every page's entry count and payload bytes;
 *  2. `pagesReserve(b)` allocates the pages the caller picked (scratch: one u32 flag per page)
 *     at their exact size, `pagesCollect(b, h)` for the same structures in the same order copies
 *     their entries in, and `pagesFinish(b, page)` seals one page (header and CRC-32C).
 * The caller reads the measured figures in place (`pagesInfo`), copies each finished page out,
 * and frees the builder with `pagesFree` (or only its pages with `pagesDrop`, to reserve and
 * collect more).
 */
import { alloc, free, allocZeroed } from "./memory";
import { scratch, scratchCapacity, ioSet, IO_RESULT_PTR, IO_RESULT_LEN } from "./io";
import { register, resolve, unregister, KIND_TABLE, KIND_TREE, KIND_PAGES } from "./handles";
import { BAD_HANDLE, BAD_INPUT, TOO_MANY_HANDLES } from "./errors";
import { T_FIRST, nodeN, nextLeaf, lent, eKlen, eVlen, eKey } from "./btree-layout";
import { tablePositionEnd, tableBlockAt } from "./hashtable";

/** Bytes of a page header (src/persist/page.ts). */
const HEADER: usize = 28;
/** "LPAG" read as a little-endian u32. */
const MAGIC: u32 = 0x4741504c;
const FORMAT_VERSION: u32 = 1;
const MAX_PAGE_COUNT: u32 = 1 << 20;

/**
 * Per page, 16 bytes: [entries u32][payload bytes u32][buffer u32][bytes collected u32]. The
 * first two are what `pagesMeasure` counted; the buffer is 0 unless the page was reserved.
 */
const REC: usize = 16;
const R_ENTRIES: usize = 0;
const R_BYTES: usize = 4;
const R_BUF: usize = 8;
const R_POS: usize = 12;

/** A builder's header; viewed over an `alloc`ed block, never instantiated. */
@unmanaged
class Builder {
  pageCount: u32;
  /** pageCount records of REC bytes. */
  recs: usize;
}

// ---- Page hash and checksum (src/persist/page.ts, src/persist/crc32.ts) ----

/** FNV-1a over the key, then MurmurHash3's fmix32: the page hash, fixed by the format. */
// @ts-ignore: decorator
@inline
function pageHash(p: usize, n: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < <usize>n; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** Eight 256-entry CRC-32C tables end to end (slicing-by-8), filled on first use. */
const CRC_TABLES: usize = memory.data(8 * 256 * 4, 16);
let crcReady = false;

function fillCrcTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    store<u32>(CRC_TABLES + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(CRC_TABLES + (<usize>n << 2));
    for (let k: usize = 1; k < 8; k++) {
      c = load<u32>(CRC_TABLES + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(CRC_TABLES + (k << 10) + (<usize>n << 2), c);
    }
  }
  fillX2n();
  crcReady = true;
}

// @ts-ignore: decorator
@inline
function tab(k: usize, b: u32): u32 {
  return load<u32>(CRC_TABLES + (k << 10) + (<usize>b << 2));
}

/** Slicing-by-8: the raw CRC state `c` advanced over the 8 bytes at `p`. */
// @ts-ignore: decorator
@inline
function step8(c: u32, p: usize): u32 {
  const a = c ^ load<u32>(p);
  const b = load<u32>(p, 4);
  return tab(7, a & 0xff) ^ tab(6, (a >>> 8) & 0xff) ^ tab(5, (a >>> 16) & 0xff) ^ tab(4, a >>> 24) ^
    tab(3, b & 0xff) ^ tab(2, (b >>> 8) & 0xff) ^ tab(1, (b >>> 16) & 0xff) ^ tab(0, b >>> 24);
}

/** CRC-32C of `n` bytes at `p`, continuing from `crc` (0 to start), like crc32c() in crc32.ts. */
export function crc32c(p: usize, n: usize, crc: u32): u32 {
  if (!crcReady) fillCrcTables();
  let c = ~crc;
  while (n >= 8) {
    c = step8(c, p);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = tab(0, (c ^ <u32>load<u8>(p)) & 0xff) ^ (c >>> 8);
    p++;
    n--;
  }
  return ~c;
}

/** a(x) * b(x) modulo the CRC-32C polynomial, reflected (zlib's multmodp). */
function multmodp(a: u32, b: u32): u32 {
  let m: u32 = 1 << 31;
  let p: u32 = 0;
  for (;;) {
    if ((a & m) != 0) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>>= 1;
    b = (b & 1) != 0 ? (b >>> 1) ^ 0x82f63b78 : b >>> 1;
  }
  return p;
}

/** x^(2^k) modulo the polynomial, k = 0..31 (filled with the CRC tables' first use). */
const X2N: usize = memory.data(32 * 4, 16);

function fillX2n(): void {
  let p: u32 = 1 << 30; // x^1
  store<u32>(X2N, p);
  for (let k: usize = 1; k < 32; k++) store<u32>(X2N + (k << 2), (p = multmodp(p, p)));
}

/** The CRC of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine). */
function crcCombine(crcA: u32, crcB: u32, lenB: usize): u32 {
  let x: u32 = 1 << 31; // x^0
  let k: usize = 3; // x^(8 lenB) = product of x^(2^(k)) over the bits of lenB, shifted by 3
  for (let n = lenB; n != 0; n >>>= 1, k++) if ((n & 1) != 0) x = multmodp(load<u32>(X2N + ((k & 31) << 2)), x);
  return multmodp(x, crcA) ^ crcB;
}

/**
 * crc32c(p, n, 0), computed as three interleaved streams (thirds of the input) combined at the
 * end: slicing-by-8 is bound by the latency of one chain of table lookups, and three independent
 * chains keep the CPU busy (a page's checksum was a third of building it).
 */
function crc32c3(p: usize, n: usize): u32 {
  if (n < 3072) return crc32c(p, n, 0);
  if (!crcReady) fillCrcTables();
  const third = (n / 3) & ~<usize>7;
  let a: u32 = ~0, b: u32 = ~0, c: u32 = ~0;
  for (let i: usize = 0; i < third; i += 8) {
    a = step8(a, p + i);
    b = step8(b, p + third + i);
    c = step8(c, p + 2 * third + i);
  }
  const last = crc32c(p + 3 * third, n - 3 * third, ~c);
  return crcCombine(crcCombine(~a, ~b, third), last, n - 2 * third);
}

// ---- Entries ----

// @ts-ignore: decorator
@inline
function varintSize(n: u32): u32 {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

// @ts-ignore: decorator
@inline
function writeVarint(p: usize, n: u32): usize {
  while (n >= 0x80) {
    store<u8>(p++, <u8>((n & 0x7f) | 0x80));
    n >>>= 7;
  }
  store<u8>(p++, <u8>n);
  return p;
}

/** What one walk does with each entry. */
const MEASURE: i32 = 0;
const COLLECT: i32 = 1;

/**
 * Measures or copies one entry. Returns false when a collected page would overflow its
 * reservation (the structures changed between the walks).
 */
// @ts-ignore: decorator
@inline
function visit(b: Builder, mode: i32, k: usize, kl: u32, v: usize, vl: u32): bool {
  const r = b.recs + (<usize>(pageHash(k, kl) & (b.pageCount - 1)) * REC);
  const size = varintSize(kl) + kl + varintSize(vl) + vl;
  if (mode == MEASURE) {
    store<u32>(r, load<u32>(r, R_ENTRIES) + 1, R_ENTRIES);
    store<u32>(r, load<u32>(r, R_BYTES) + size, R_BYTES);
    return true;
  }
  const buf = <usize>load<u32>(r, R_BUF);
  if (buf == 0) return true;
  const pos = load<u32>(r, R_POS);
  if (<u64>pos + <u64>size > <u64>load<u32>(r, R_BYTES)) return false;
  let w = writeVarint(buf + HEADER + <usize>pos, kl);
  memory.copy(w, k, kl);
  w = writeVarint(w + <usize>kl, vl);
  memory.copy(w, v, vl);
  store<u32>(r, pos + size, R_POS);
  return true;
}

/** Walks every entry of the tree or table `h`; the number visited, or a status. */
function walk(b: Builder, h: i32, mode: i32): i32 {
  let n: i32 = 0;
  const t = resolve(h, KIND_TREE);
  if (t != 0) {
    // Key order, along the leaf chain: the order Tree.forEachRaw visits.
    for (let leaf = <usize>load<u32>(t + T_FIRST); leaf != 0; leaf = nextLeaf(leaf)) {
      const m = nodeN(leaf);
      for (let i: u32 = 0; i < m; i++) {
        const e = lent(leaf, i);
        const kl = eKlen(e);
        if (!visit(b, mode, eKey(e), kl, eKey(e) + <usize>kl, eVlen(e))) return BAD_INPUT;
      }
      n += <i32>m;
    }
    return n;
  }
  const tb = resolve(h, KIND_TABLE);
  if (tb == 0) return BAD_HANDLE;
  // Position order: the order Table.forEachRaw visits. An entry block is [pos][klen][vlen][key][value].
  const end = tablePositionEnd(tb);
  for (let pos: u32 = 0; pos < end; pos++) {
    const blk = tableBlockAt(tb, pos);
    if (blk == 0) continue;
    const kl = load<u32>(blk, 4);
    const k = blk + 12;
    if (!visit(b, mode, k, kl, k + <usize>kl, load<u32>(blk, 8))) return BAD_INPUT;
    n++;
  }
  return n;
}

// ---- Exports ----

/** A new builder of `pageCount` pages (a power of two up to 2^20); its handle or a status. */
export function pagesNew(pageCount: i32): i32 {
  if (pageCount < 1 || <u32>pageCount > MAX_PAGE_COUNT || (pageCount & (pageCount - 1)) != 0) return BAD_INPUT;
  const p = alloc(offsetof<Builder>());
  const b = changetype<Builder>(p);
  b.pageCount = <u32>pageCount;
  b.recs = allocZeroed(<usize>pageCount * REC);
  const h = register(p, KIND_PAGES);
  if (h == 0) {
    free(b.recs, <usize>pageCount * REC);
    free(p, offsetof<Builder>());
    return TOO_MANY_HANDLES;
  }
  return h;
}

/** Adds every entry of the tree or table `s` to the measured figures; returns how many. */
export function pagesMeasure(h: i32, s: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  return walk(changetype<Builder>(p), s, MEASURE);
}

/**
 * Scratch holds one u32 per page; a non-zero one reserves that page (if it has entries, and is
 * not reserved yet) at exactly its measured size. Returns the number of pages reserved.
 */
export function pagesReserve(h: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  const b = changetype<Builder>(p);
  if (<u64>b.pageCount * 4 > <u64>scratchCapacity()) return BAD_INPUT;
  const flags = scratch();
  let n: i32 = 0;
  for (let i: u32 = 0; i < b.pageCount; i++) {
    const r = b.recs + <usize>i * REC;
    if (load<u32>(flags + (<usize>i << 2)) == 0 || load<u32>(r, R_ENTRIES) == 0 || load<u32>(r, R_BUF) != 0) continue;
    store<u32>(r, <u32>alloc(HEADER + <usize>load<u32>(r, R_BYTES)), R_BUF);
    n++;
  }
  return n;
}

/**
 * Copies the entries of the reserved pages from the tree or table `s`, measured before and
 * unchanged since. Returns how many entries it walked, or BAD_INPUT when a page overflows.
 */
export function pagesCollect(h: i32, s: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  return walk(changetype<Builder>(p), s, COLLECT);
}

/** Address of the per-page records (see REC): pageCount of them, valid until memory grows. */
export function pagesInfo(h: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  return <i32>changetype<Builder>(p).recs;
}

/**
 * Seals reserved page `page` (header and checksum) and returns its length, the page itself at
 * RESULT_PTR. BAD_INPUT when the page was not reserved or not collected whole.
 */
export function pagesFinish(h: i32, page: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  const b = changetype<Builder>(p);
  if (page < 0 || <u32>page >= b.pageCount) return BAD_INPUT;
  const r = b.recs + <usize>page * REC;
  const buf = <usize>load<u32>(r, R_BUF);
  const bytes = load<u32>(r, R_BYTES);
  if (buf == 0 || load<u32>(r, R_POS) != bytes) return BAD_INPUT;
  store<u32>(buf, MAGIC);
  store<u32>(buf, FORMAT_VERSION, 4); // version, flags 0, reserved 0
  store<u32>(buf, <u32>page, 8);
  store<u32>(buf, b.pageCount, 12);
  store<u32>(buf, load<u32>(r, R_ENTRIES), 16);
  store<u32>(buf, bytes, 20);
  // The payload's CRC, continued over header bytes [0, 24).
  store<u32>(buf, crc32c(buf, 24, crc32c3(buf + HEADER, <usize>bytes)), 24);
  ioSet(IO_RESULT_PTR, <u32>buf);
  ioSet(IO_RESULT_LEN, <u32>(HEADER + <usize>bytes));
  return <i32>(HEADER + <usize>bytes);
}

/** Frees every reserved page's buffer, keeping the measured figures (to reserve other pages next). */
function dropPages(b: Builder): void {
  for (let i: u32 = 0; i < b.pageCount; i++) {
    const r = b.recs + <usize>i * REC;
    const buf = <usize>load<u32>(r, R_BUF);
    if (buf == 0) continue;
    free(buf, HEADER + <usize>load<u32>(r, R_BYTES));
    store<u32>(r, 0, R_BUF);
    store<u32>(r, 0, R_POS);
  }
}

/**
 * Frees the pages reserved so far, keeping the measured figures: a caller encoding many pages
 * does it in groups, so they never all sit in engine memory at once.
 */
export function pagesDrop(h: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  dropPages(changetype<Builder>(p));
  return 0;
}

/** Frees the builder and its pages; the handle goes stale. */
export function pagesFree(h: i32): i32 {
  const p = resolve(h, KIND_PAGES);
  if (p == 0) return BAD_HANDLE;
  const b = changetype<Builder>(p);
  dropPages(b);
  free(b.recs, <usize>b.pageCount * REC);
  free(p, offsetof<Builder>());
  unregister(h);
  return 0;
}
