/**
 * Tree: a thin typed binding over the engine's B+tree (assembly/btree.ts) — ordered byte keys to
 * byte values. Keys sort in memcmp order (a proper prefix sorts first).
 *
 * Inputs go through the engine's scratch region and results come back through out (see
 * src/core/exports.ts). Every size and type is validated here, before anything is written, so a
 * batch that is split into several engine calls is still all-or-nothing for bad input.
 */
import { compareBytes, concatBytes, prefixSuccessor } from '../bytes.js';
import { LarderError } from '../errors.js';
import type { Engine } from './engine.js';
import { IO, RANGE } from './exports.js';
import { checkEntries, checkKey, checkKeys, checkValue, describe } from './args.js';
import { recordRuns, valueListEntries, type RecordList } from './records.js';

/** A key and its value. */
export type TreeEntry = [Uint8Array, Uint8Array];

/** Bounds and direction of a scan. Bounds combine: the tightest of them applies. */
export interface RangeOptions {
  /** Keys strictly greater than this. */
  gt?: Uint8Array;
  /** Keys greater than or equal to this. */
  gte?: Uint8Array;
  /** Keys strictly less than this. */
  lt?: Uint8Array;
  /** Keys less than or equal to this. */
  lte?: Uint8Array;
  /** Keys starting with these bytes. */
  prefix?: Uint8Array;
  /** Descending order. */
  reverse?: boolean;
  /** At most this many entries. */
  limit?: number;
  /** Return empty values (cheaper when only keys are needed). */
  keysOnly?: boolean;
}

/** Options of `Tree.seek`. */
export interface SeekOptions {
  /** Find the last entry <= key (< key with `exclusive`) instead of the first >= key. */
  reverse?: boolean;
  /** Skip an entry equal to the key. */
  exclusive?: boolean;
}

/** Visitor of `Tree.forEachRaw`: offsets into `mem`, valid only during the call. */
export type RawVisitor = (mem: Uint8Array, keyOff: number, keyLen: number, valOff: number, valLen: number) => boolean | void;

/** Entries per scan batch for iterators and cursors. */
const BATCH_ENTRIES = 512;
/** Bytes per scan batch (the engine stops after about this much). */
const BATCH_BYTES = 256 * 1024;
/** Bytes of records per batched put/get/delete call. */
const CHUNK_BYTES = 1024 * 1024;
const EMPTY = new Uint8Array(0);

/** Resolved scan bounds: the current low/high bound and whether each is exclusive. */
interface Bounds {
  low: Uint8Array | undefined;
  lowEx: boolean;
  high: Uint8Array | undefined;
  highEx: boolean;
  /** The bounds admit no key at all. */
  empty: boolean;
}

export { compareBytes, prefixSuccessor } from '../bytes.js';

function checkBound(what: string, name: string, v: unknown): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new LarderError('BAD_VALUE', `${what}: ${name} must be a Uint8Array, got ${describe(v)}`);
  return v;
}

function checkLimit(what: string, limit: unknown): number {
  if (limit === undefined) return Infinity;
  if (typeof limit !== 'number' || !(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new LarderError('BAD_VALUE', `${what}: limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/** Turns gt/gte/lt/lte/prefix into one low and one high bound (the tightest of each). */
function resolveBounds(what: string, opts: RangeOptions): Bounds {
  if (opts === null || typeof opts !== 'object') throw new LarderError('BAD_VALUE', `${what}: options must be an object`);
  const gt = checkBound(what, 'gt', opts.gt);
  const gte = checkBound(what, 'gte', opts.gte);
  const lt = checkBound(what, 'lt', opts.lt);
  const lte = checkBound(what, 'lte', opts.lte);
  const prefix = checkBound(what, 'prefix', opts.prefix);
  const b: Bounds = { low: undefined, lowEx: false, high: undefined, highEx: false, empty: false };
  const low = (k: Uint8Array | undefined, ex: boolean): void => {
    if (k === undefined) return;
    const c = b.low === undefined ? 1 : compareBytes(k, b.low);
    if (c > 0) { b.low = k; b.lowEx = ex; } else if (c === 0 && ex) b.lowEx = true;
  };
  const high = (k: Uint8Array | undefined, ex: boolean): void => {
    if (k === undefined) return;
    const c = b.high === undefined ? -1 : compareBytes(k, b.high);
    if (c < 0) { b.high = k; b.highEx = ex; } else if (c === 0 && ex) b.highEx = true;
  };
  low(gte, false);
  low(gt, true);
  high(lte, false);
  high(lt, true);
  if (prefix !== undefined && prefix.length > 0) {
    low(prefix, false);
    high(prefixSuccessor(prefix), true);
  }
  if (b.low !== undefined && b.high !== undefined) {
    const c = compareBytes(b.low, b.high);
    b.empty = c > 0 || (c === 0 && (b.lowEx || b.highEx));
  }
  return b;
}

/** A B+tree in an engine: ordered byte keys to byte values. */
export class Tree {
  /** The engine the tree lives in. */
  readonly engine: Engine;
  private h: number;
  // Cached views of linear memory. Growth detaches the old buffer, which makes a view's length 0:
  // a far cheaper staleness test than reading `memory.buffer` (a ~12 ns API call) on every op.
  private u8: Uint8Array;
  private io: Uint32Array;

  private constructor(engine: Engine, handle: number) {
    this.engine = engine;
    this.h = handle;
    this.u8 = engine.u8;
    this.io = engine.io;
  }

  /** Re-creates the cached views after memory grew. */
  private refresh(): void {
    this.u8 = this.engine.u8;
    this.io = this.engine.io;
  }

  /** Scratch address with room for n bytes; `this.u8`/`this.io` are current afterwards. */
  private room(n: number): number {
    if (this.u8.length === 0) this.refresh();
    const io = this.io;
    if (n <= io[IO.SCRATCH_CAP]) return io[IO.SCRATCH_PTR];
    const p = this.engine.scratch(n);
    this.refresh();
    return p;
  }

  /** Creates an empty tree in `engine`. */
  static create(engine: Engine): Tree {
    const h = engine.check(engine.x.treeNew(), 'Tree.create');
    return new Tree(engine, h);
  }

  /** The engine handle (for other bindings over the same engine, e.g. PageBuilder); throws CLOSED after `free()`. */
  handle(what: string): number {
    const h = this.h;
    if (h === 0) throw new LarderError('CLOSED', `${what}: the tree was freed`);
    return h;
  }

  /** Writes one key to scratch[0] and returns its length. */
  private putKey(key: Uint8Array): number {
    const n = key.length;
    const p = this.room(n);
    const u8 = this.u8;
    if (n <= 16) for (let i = 0; i < n; i++) u8[p + i] = key[i];
    else u8.set(key, p);
    return n;
  }

  /** Inserts or replaces; true when the key was new. */
  put(key: Uint8Array, value: Uint8Array): boolean {
    const h = this.handle('Tree.put');
    checkKey('Tree.put', key);
    checkValue('Tree.put', value);
    const kl = key.length;
    const vl = value.length;
    const p = this.room(kl + vl);
    const u8 = this.u8;
    if (kl <= 16) for (let i = 0; i < kl; i++) u8[p + i] = key[i];
    else u8.set(key, p);
    u8.set(value, p + kl);
    const r = this.engine.x.treePut(h, kl, vl);
    if (r < 0) this.engine.check(r, 'Tree.put');
    return r === 1;
  }

  /** A copy of the value stored under `key`, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const h = this.handle('Tree.get');
    checkKey('Tree.get', key);
    const r = this.engine.x.treeGet(h, this.putKey(key));
    if (r < 0) {
      if (r === -1) return undefined;
      this.engine.check(r, 'Tree.get');
    }
    if (this.u8.length === 0) this.refresh();
    const ptr = this.io[IO.RESULT_PTR];
    return this.u8.slice(ptr, ptr + r);
  }

  /**
   * The value under `key` as a view into engine memory, or undefined. Zero-copy: valid only until
   * the next call into the engine (by any binding); copy it to keep it.
   */
  getView(key: Uint8Array): Uint8Array | undefined {
    const h = this.handle('Tree.getView');
    checkKey('Tree.getView', key);
    const r = this.engine.x.treeGet(h, this.putKey(key));
    if (r < 0) {
      if (r === -1) return undefined;
      this.engine.check(r, 'Tree.getView');
    }
    if (this.u8.length === 0) this.refresh();
    const ptr = this.io[IO.RESULT_PTR];
    return this.u8.subarray(ptr, ptr + r);
  }

  /** Whether `key` is present. */
  has(key: Uint8Array): boolean {
    const h = this.handle('Tree.has');
    checkKey('Tree.has', key);
    const r = this.engine.x.treeHas(h, this.putKey(key));
    if (r < 0) this.engine.check(r, 'Tree.has');
    return r === 1;
  }

  /** Removes `key`; true when it was present. */
  delete(key: Uint8Array): boolean {
    const h = this.handle('Tree.delete');
    checkKey('Tree.delete', key);
    const r = this.engine.x.treeDel(h, this.putKey(key));
    if (r < 0) this.engine.check(r, 'Tree.delete');
    return r === 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.engine.check(this.engine.x.treeCount(this.handle('Tree.size')), 'Tree.size');
  }

  /** Removes every entry and returns their memory to the engine. */
  clear(): void {
    this.engine.check(this.engine.x.treeClear(this.handle('Tree.clear')), 'Tree.clear');
  }

  /** Frees the tree; afterwards every method throws CLOSED. Calling it again does nothing. */
  free(): void {
    if (this.h === 0) return;
    const h = this.h;
    this.h = 0;
    this.engine.check(this.engine.x.treeFree(h), 'Tree.free');
  }

  /**
   * Reads `n` records from out (a record list) as entries. The batch is copied out of linear
   * memory once and every key and value is a view into that copy: one allocation per batch
   * instead of two ArrayBuffers per entry (which made a 100k-entry walk several times slower and
   * kept the garbage collector busy). An entry kept for long keeps its batch's copy (at most
   * about BATCH_BYTES) alive; slice it to keep it alone.
   */
  private readRecords(n: number, into: TreeEntry[]): void {
    if (n === 0) return;
    const e = this.engine;
    const io = e.io;
    const start = io[IO.OUT_PTR];
    const u8 = e.u8;
    const copy = u8.slice(start, start + io[IO.OUT_LEN]);
    let off = 0;
    for (let i = 0; i < n; i++) {
      const kl = (copy[off] | (copy[off + 1] << 8) | (copy[off + 2] << 16) | (copy[off + 3] << 24)) >>> 0;
      const vl = (copy[off + 4] | (copy[off + 5] << 8) | (copy[off + 6] << 16) | (copy[off + 7] << 24)) >>> 0;
      const k = off + 8;
      into.push([copy.subarray(k, k + kl), vl === 0 ? EMPTY : copy.subarray(k + kl, k + kl + vl)]);
      off = k + kl + vl;
    }
  }

  /** Gives back an out region a large result made grow. */
  private trim(): void {
    if (this.engine.io[IO.OUT_CAP] > 1 << 20) this.engine.x.trimOut();
  }

  /** The first entry, or undefined when empty. */
  first(): TreeEntry | undefined {
    return this.end('Tree.first', 0);
  }

  /** The last entry, or undefined when empty. */
  last(): TreeEntry | undefined {
    return this.end('Tree.last', RANGE.REVERSE);
  }

  private end(what: string, flags: number): TreeEntry | undefined {
    const r = this.engine.x.treeEnd(this.handle(what), flags);
    if (r < 0) {
      if (r === -1) return undefined;
      this.engine.check(r, what);
    }
    const out: TreeEntry[] = [];
    this.readRecords(1, out);
    this.trim();
    return out[0];
  }

  /**
   * The first entry with key >= `key` (> with `exclusive`); with `reverse`, the last entry with
   * key <= `key` (<). Undefined when there is none.
   */
  seek(key: Uint8Array, opts: SeekOptions = {}): TreeEntry | undefined {
    const h = this.handle('Tree.seek');
    checkKey('Tree.seek', key);
    const kl = this.putKey(key);
    const r = opts.reverse
      ? this.engine.x.treeRange(h, 0, kl, RANGE.HAS_HIGH | RANGE.REVERSE | (opts.exclusive ? RANGE.HIGH_EXCLUSIVE : 0), 1, 0)
      : this.engine.x.treeRange(h, kl, 0, RANGE.HAS_LOW | (opts.exclusive ? RANGE.LOW_EXCLUSIVE : 0), 1, 0);
    this.engine.check(r, 'Tree.seek');
    if (r === 0) return undefined;
    const out: TreeEntry[] = [];
    this.readRecords(1, out);
    this.trim();
    return out[0];
  }

  /** Writes the bounds to scratch and runs one treeRange call; returns the entry count. */
  private scan(what: string, b: Bounds, flags: number, maxEntries: number, maxBytes: number): number {
    const h = this.handle(what);
    const e = this.engine;
    const ll = b.low === undefined ? 0 : b.low.length;
    const hl = b.high === undefined ? 0 : b.high.length;
    const p = e.scratch(ll + hl);
    const u8 = e.u8;
    let f = flags;
    if (b.low !== undefined) { u8.set(b.low, p); f |= RANGE.HAS_LOW | (b.lowEx ? RANGE.LOW_EXCLUSIVE : 0); }
    if (b.high !== undefined) { u8.set(b.high, p + ll); f |= RANGE.HAS_HIGH | (b.highEx ? RANGE.HIGH_EXCLUSIVE : 0); }
    return e.check(e.x.treeRange(h, ll, hl, f, maxEntries, maxBytes), what);
  }

  /**
   * Iterates entries in key order (descending with `reverse`) within the bounds. Entries are
   * fetched in batches; each batch resumes after the last key returned, so the iterator survives
   * changes to the tree between steps: it never repeats a key, and keys inserted ahead of it may
   * or may not appear. Keys and values are copies, made as views into one copy per batch (at most
   * about 256 KiB): slice an entry to keep it alone for long.
   */
  range(opts: RangeOptions = {}): IterableIterator<TreeEntry> {
    this.handle('Tree.range');
    const b = resolveBounds('Tree.range', opts);
    const limit = checkLimit('Tree.range', opts.limit);
    return this.iterate(b, limit, !!opts.reverse, !!opts.keysOnly);
  }

  private *iterate(b: Bounds, limit: number, reverse: boolean, keysOnly: boolean): IterableIterator<TreeEntry> {
    if (b.empty) return;
    const flags = (reverse ? RANGE.REVERSE : 0) | (keysOnly ? RANGE.KEYS_ONLY : 0);
    let left = limit;
    const batch: TreeEntry[] = [];
    while (left > 0) {
      const want = left < BATCH_ENTRIES ? left : BATCH_ENTRIES;
      const n = this.scan('Tree.range', b, flags, want, BATCH_BYTES);
      const more = this.engine.io[IO.MORE] === 1;
      batch.length = 0;
      this.readRecords(n, batch);
      this.trim();
      if (n > 0) {
        const lastKey = batch[n - 1][0];
        if (reverse) { b.high = lastKey; b.highEx = true; } else { b.low = lastKey; b.lowEx = true; }
      }
      for (let i = 0; i < n; i++) {
        if (this.h === 0) this.handle('Tree.range');
        yield batch[i];
      }
      left -= n;
      if (!more) return;
    }
  }

  /** A resumable cursor over the bounds: pull entries with `next(n)`. */
  cursor(opts: RangeOptions = {}): TreeCursor {
    this.handle('Tree.cursor');
    const b = resolveBounds('Tree.cursor', opts);
    const limit = checkLimit('Tree.cursor', opts.limit);
    return new TreeCursor(this, b, limit, !!opts.reverse, !!opts.keysOnly);
  }

  /** @internal One cursor step: up to `want` entries after the bounds; returns whether more remain. */
  _fetch(b: Bounds, want: number, flags: number, into: TreeEntry[]): boolean {
    const n = this.scan('TreeCursor.next', b, flags, want, BATCH_BYTES);
    const more = this.engine.io[IO.MORE] === 1;
    this.readRecords(n, into);
    this.trim();
    return more;
  }

  /**
   * Zero-allocation scan: calls `visit(mem, keyOff, keyLen, valOff, valLen)` for each entry in
   * the bounds with offsets into linear memory (valLen 0 with keysOnly). The bytes are valid only
   * during that call, and `visit` must not call into the engine. Return false to stop. Returns the
   * number of entries visited.
   */
  forEachRaw(opts: RangeOptions, visit: RawVisitor): number {
    const what = 'Tree.forEachRaw';
    const h = this.handle(what);
    const b = resolveBounds(what, opts ?? {});
    const limit = checkLimit(what, opts?.limit);
    if (typeof visit !== 'function') throw new LarderError('BAD_VALUE', `${what}: visit must be a function`);
    if (b.empty || limit === 0) return 0;
    const e = this.engine;
    const x = e.x;
    const reverse = !!opts?.reverse;
    const base = (reverse ? RANGE.REVERSE : 0) | (opts?.keysOnly ? RANGE.KEYS_ONLY : 0);
    // The moving bound lives in scratch, copied there from the last record; the other is fixed.
    const fixed = reverse ? b.low : b.high;
    const fixedEx = reverse ? b.lowEx : b.highEx;
    let moving = reverse ? b.high : b.low;
    let movingLen = moving === undefined ? -1 : moving.length;
    let movingEx = reverse ? b.highEx : b.lowEx;
    const fixedLen = fixed === undefined ? 0 : fixed.length;
    let count = 0;
    let movingFrom = -1; // address of the moving bound in out, once taken from a record
    for (;;) {
      const ml = movingLen < 0 ? 0 : movingLen;
      const p = e.scratch(ml + fixedLen);
      let u8 = e.u8;
      // scratch holds [low][high]: forward [moving][fixed], reverse [fixed][moving].
      const movingAt = reverse ? p + fixedLen : p;
      const fixedAt = reverse ? p : p + ml;
      let f = base;
      if (movingLen >= 0) {
        if (movingFrom >= 0) u8.copyWithin(movingAt, movingFrom, movingFrom + ml);
        else u8.set(moving as Uint8Array, movingAt);
        f |= reverse ? RANGE.HAS_HIGH | (movingEx ? RANGE.HIGH_EXCLUSIVE : 0) : RANGE.HAS_LOW | (movingEx ? RANGE.LOW_EXCLUSIVE : 0);
      }
      if (fixed !== undefined) {
        u8.set(fixed, fixedAt);
        f |= reverse ? RANGE.HAS_LOW | (fixedEx ? RANGE.LOW_EXCLUSIVE : 0) : RANGE.HAS_HIGH | (fixedEx ? RANGE.HIGH_EXCLUSIVE : 0);
      }
      const lowLen = reverse ? fixedLen : ml;
      const highLen = reverse ? ml : fixedLen;
      const left = limit - count;
      const want = left > 0x7fffffff ? 0 : left;
      const n = x.treeRange(h, lowLen, highLen, f, want, BATCH_BYTES);
      if (n < 0) e.check(n, what);
      u8 = e.u8;
      const io = e.io;
      const more = io[IO.MORE] === 1;
      let off = io[IO.OUT_PTR];
      let lastKey = 0;
      let lastLen = 0;
      for (let i = 0; i < n; i++) {
        const kl = (u8[off] | (u8[off + 1] << 8) | (u8[off + 2] << 16) | (u8[off + 3] << 24)) >>> 0;
        const vl = (u8[off + 4] | (u8[off + 5] << 8) | (u8[off + 6] << 16) | (u8[off + 7] << 24)) >>> 0;
        const k = off + 8;
        count++;
        if (visit(u8, k, kl, k + kl, vl) === false) return count;
        lastKey = k;
        lastLen = kl;
        off = k + kl + vl;
      }
      if (!more || n === 0 || count >= limit) break;
      movingFrom = lastKey;
      movingLen = lastLen;
      movingEx = true;
      moving = undefined;
    }
    this.trim();
    return count;
  }

  /**
   * Appends entries sorted strictly ascending whose keys all exceed the current last key, packing
   * leaves full: the fast path for loading a snapshot. Throws BAD_VALUE (nothing changed) when the
   * input is out of order or overlaps the tree.
   */
  bulkLoad(sorted: ArrayLike<readonly [Uint8Array, Uint8Array]>): void {
    const what = 'Tree.bulkLoad';
    const h = this.handle(what);
    checkEntries(what, sorted);
    const n = sorted.length;
    if (n === 0) return;
    for (let i = 1; i < n; i++) {
      if (compareBytes(sorted[i - 1][0], sorted[i][0]) >= 0) {
        throw new LarderError('BAD_VALUE', `${what}: input must be sorted strictly ascending (entry ${i} is not after entry ${i - 1})`);
      }
    }
    const lastRec = this.last();
    if (lastRec !== undefined && compareBytes(lastRec[0], sorted[0][0]) >= 0) {
      throw new LarderError('BAD_VALUE', `${what}: the first key is not after the tree's current last key`);
    }
    this.writeChunks(sorted, true, (count, len) => this.engine.check(this.engine.x.treeBulkLoad(h, count, len), what));
  }

  /** Inserts or replaces many entries; returns how many keys were new. All-or-nothing for bad input. */
  putMany(entries: ArrayLike<readonly [Uint8Array, Uint8Array]>): number {
    const what = 'Tree.putMany';
    const h = this.handle(what);
    checkEntries(what, entries);
    let added = 0;
    this.writeChunks(entries, true, (count, len) => { added += this.engine.check(this.engine.x.treePutMany(h, count, len), what); });
    return added;
  }

  /**
   * The values of many keys (undefined where missing), in the order given. Values are views into
   * one copy per chunk of about CHUNK_BYTES; slice one to keep it alone for long.
   */
  getMany(keys: ArrayLike<Uint8Array>): (Uint8Array | undefined)[] {
    const what = 'Tree.getMany';
    const h = this.handle(what);
    checkKeys(what, keys);
    const result: (Uint8Array | undefined)[] = [];
    this.writeChunks(keys, false, (count, len) => {
      const e = this.engine;
      e.check(e.x.treeGetMany(h, count, len), what);
      // One copy of the chunk's results, each value a view into it (see readRecords).
      const io = e.io;
      const start = io[IO.OUT_PTR];
      valueListEntries(e.u8.slice(start, start + io[IO.OUT_LEN]), count, result);
      this.trim();
    });
    return result;
  }

  /**
   * The current values of the keys of a record list (see records.ts), in one value list
   * `[vlen i32, -1 = absent][value]` per record.
   */
  getManyOfRecords(list: RecordList): Uint8Array {
    const what = 'Tree.getManyOfRecords';
    const h = this.handle(what);
    const runs = recordRuns(what, list, CHUNK_BYTES);
    const e = this.engine;
    const parts: Uint8Array[] = [];
    for (let r = 0, first = 0; r < runs.length; first = runs[r]!, r += 2) {
      this.copyRun(list, first, runs[r]!);
      e.check(e.x.treeGetManyOfRecords(h, runs[r + 1]!, runs[r]! - first), what);
      const start = e.io[IO.OUT_PTR];
      parts.push(e.u8.slice(start, start + e.io[IO.OUT_LEN]));
      this.trim();
    }
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  }

  /**
   * Puts every record of a record list, in order (later records win), and reports what it
   * replaced: pushes to `prev`, as each engine call returns,
   * the value list (`[vlen i32, -1 = absent][value]`, see valueListEntries) of the values its
   * records replaced, in list order; for a key put twice the second record's is the first one's
   * value, so undoing the records newest first restores every key to its value before the call.
   * One engine call per chunk instead of a read and a put: one copy of the list, one descent per
   * key. A bad list fails before anything is written; should the engine fail part way, `prev`
   * still covers every record written (and the error is rethrown). Returns how many keys were new.
   */
  swapRecords(list: RecordList, prev: Uint8Array[]): number {
    const what = 'Tree.swapRecords';
    const h = this.handle(what);
    const runs = recordRuns(what, list, CHUNK_BYTES);
    const e = this.engine;
    let added = 0;
    for (let r = 0, first = 0; r < runs.length; first = runs[r]!, r += 2) {
      this.copyRun(list, first, runs[r]!);
      let got: number;
      try {
        got = e.x.treeSwapMany(h, runs[r + 1]!, runs[r]! - first);
      } finally {
        // Read before anything else calls in: after an abort out still holds what was written.
        const io = e.io;
        const start = io[IO.OUT_PTR];
        if (io[IO.OUT_LEN] > 0) prev.push(e.u8.slice(start, start + io[IO.OUT_LEN]));
      }
      added += e.check(got, what);
      this.trim();
    }
    return added;
  }

  /** Copies bytes [first, end) of a record list to scratch. */
  private copyRun(list: RecordList, first: number, end: number): void {
    const e = this.engine;
    e.scratch(end - first);
    e.put(list.bytes.subarray(first, end), 0);
  }

  /** Removes many keys; returns how many were present. */
  deleteMany(keys: ArrayLike<Uint8Array>): number {
    const what = 'Tree.deleteMany';
    const h = this.handle(what);
    checkKeys(what, keys);
    let deleted = 0;
    this.writeChunks(keys, false, (count, len) => { deleted += this.engine.check(this.engine.x.treeDelMany(h, count, len), what); });
    return deleted;
  }

  /**
   * Writes items to scratch as record lists (`withValues`) or key lists, about CHUNK_BYTES per
   * chunk (at least one item), calling `apply(count, len)` after each chunk.
   */
  private writeChunks(
    items: ArrayLike<readonly [Uint8Array, Uint8Array]> | ArrayLike<Uint8Array>,
    withValues: boolean,
    apply: (count: number, len: number) => void,
  ): void {
    const e = this.engine;
    const n = items.length;
    let i = 0;
    while (i < n) {
      // Size the chunk first so scratch grows once.
      let j = i;
      let len = 0;
      while (j < n) {
        const it = items[j];
        const sz = withValues
          ? 8 + (it as readonly [Uint8Array, Uint8Array])[0].length + (it as readonly [Uint8Array, Uint8Array])[1].length
          : 4 + (it as Uint8Array).length;
        if (j > i && len + sz > CHUNK_BYTES) break;
        len += sz;
        j++;
      }
      const p = e.scratch(len);
      const u8 = e.u8;
      const dv = e.dv;
      let off = p;
      for (let k = i; k < j; k++) {
        if (withValues) {
          const [key, value] = items[k] as readonly [Uint8Array, Uint8Array];
          dv.setUint32(off, key.length, true);
          dv.setUint32(off + 4, value.length, true);
          u8.set(key, off + 8);
          u8.set(value, off + 8 + key.length);
          off += 8 + key.length + value.length;
        } else {
          const key = items[k] as Uint8Array;
          dv.setUint32(off, key.length, true);
          u8.set(key, off + 4);
          off += 4 + key.length;
        }
      }
      apply(j - i, len);
      i = j;
    }
  }
}

/**
 * A resumable scan: `next(n)` returns up to n further entries. It holds no engine state between
 * calls (only the last key returned), so it survives changes to the tree and never repeats a key.
 */
export class TreeCursor {
  private readonly tree: Tree;
  private readonly b: Bounds;
  private left: number;
  private readonly reverse: boolean;
  private readonly flags: number;
  private _done: boolean;
  private _position: Uint8Array | undefined;

  /** @internal Use `Tree.cursor`. */
  constructor(tree: Tree, b: Bounds, limit: number, reverse: boolean, keysOnly: boolean) {
    this.tree = tree;
    this.b = b;
    this.left = limit;
    this.reverse = reverse;
    this.flags = (reverse ? RANGE.REVERSE : 0) | (keysOnly ? RANGE.KEYS_ONLY : 0);
    this._done = b.empty || limit === 0;
    this._position = undefined;
  }

  /** True once the cursor has returned every entry in its bounds (or reached its limit). */
  get done(): boolean {
    return this._done;
  }

  /** The last key returned (restart later with `gt: position`, or `lt` when reverse). */
  get position(): Uint8Array | undefined {
    return this._position;
  }

  /** Up to `n` further entries (fewer only when the cursor is done). */
  next(n: number): TreeEntry[] {
    if (typeof n !== 'number' || !(n >= 0)) throw new LarderError('BAD_VALUE', `TreeCursor.next: n must be a non-negative number, got ${String(n)}`);
    const out: TreeEntry[] = [];
    while (!this._done && out.length < n) {
      let want = Math.min(n - out.length, this.left, BATCH_ENTRIES);
      if (want > 0x7fffffff) want = 0x7fffffff;
      const before = out.length;
      const more = this.tree._fetch(this.b, want, this.flags, out);
      const got = out.length - before;
      this.left -= got;
      if (got > 0) {
        const k = out[out.length - 1][0];
        this._position = k;
        if (this.reverse) { this.b.high = k; this.b.highEx = true; } else { this.b.low = k; this.b.lowEx = true; }
      }
      if (!more || this.left <= 0) this._done = true;
    }
    return out;
  }
}
