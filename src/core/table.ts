/**
 * Table: the engine's hash table (assembly/hashtable.ts) as a JavaScript object with byte keys
 * and byte values.
 *
 * Single-key calls write the key (and value) into scratch with one `Uint8Array.set` each and make
 * one export call; results come back zero-copy through the status block and are copied out only
 * when the caller asks for a copy. Batches are encoded as record lists (see src/core/exports.ts)
 * in chunks of about 1 MiB; every input is validated in JavaScript before the first chunk is sent,
 * so a batch with a bad element changes nothing.
 */
import { LarderError } from '../errors.js';
import type { Engine } from './engine.js';
import type { EngineExports } from './exports.js';
import { IO } from './exports.js';
import { checkEntries, checkKey, checkKeys, checkValue } from './args.js';
import { recordRuns, type RecordList } from './records.js';

/** Target size of one batch chunk in scratch (a single larger entry still goes alone). */
const CHUNK_BYTES = 1 << 20;
/** Byte budget of one scan call's result. */
const SCAN_BYTES = 1 << 20;
/** Entries per scan call when iterating with `entries()`. */
const ITER_BATCH = 1024;
/** Largest cursor value (positions are below 2^31). */
const MAX_CURSOR = 0x7fffffff;

/** A hash table of byte keys to byte values living in an engine's linear memory. */
export class Table {
  private readonly engine: Engine;
  private readonly x: EngineExports;
  private h: number;
  // Own views of linear memory: growth detaches the old buffer (length 0), which is cheaper to
  // test than fetching `memory.buffer` on every call.
  private u8: Uint8Array;
  private io: Uint32Array;
  private dv: DataView;

  private constructor(engine: Engine, handle: number) {
    this.engine = engine;
    this.x = engine.x;
    this.h = handle;
    this.u8 = engine.u8;
    this.io = engine.io;
    this.dv = engine.dv;
  }

  /** Creates an empty table in `engine`. */
  static create(engine: Engine): Table {
    const h = engine.check(engine.x.tableNew(), 'table.create');
    return new Table(engine, h);
  }

  /** Re-creates the views after linear memory grew. */
  private refresh(): void {
    this.u8 = this.engine.u8;
    this.io = this.engine.io;
    this.dv = this.engine.dv;
  }

  /** The engine handle (for other bindings over the same engine, e.g. PageBuilder), or throws CLOSED after `free()`. */
  handle(what: string): number {
    const h = this.h;
    if (h === 0) throw new LarderError('CLOSED', `${what}: the table was freed`);
    return h;
  }

  /** Writes `key` at scratch[0] and returns its length (keys always fit: scratch >= MAX_KEY). */
  private putKey(what: string, key: Uint8Array): number {
    const n = checkKey(what, key);
    let io = this.io;
    if (io.length === 0) {
      this.refresh();
      io = this.io;
    }
    this.u8.set(key, io[IO.SCRATCH_PTR]);
    return n;
  }

  /**
   * Sets `key` to `value` (both copied into the table). Returns true when the key was new,
   * false when an existing value was replaced.
   */
  put(key: Uint8Array, value: Uint8Array): boolean {
    const h = this.handle('table.put');
    const kl = checkKey('table.put', key);
    const vl = checkValue('table.put', value);
    let io = this.io;
    if (io.length === 0) {
      this.refresh();
      io = this.io;
    }
    let p = io[IO.SCRATCH_PTR];
    if (kl + vl > io[IO.SCRATCH_CAP]) {
      p = this.engine.scratch(kl + vl);
      this.refresh();
    }
    const u8 = this.u8;
    u8.set(key, p);
    u8.set(value, p + kl);
    const r = this.x.tablePut(h, kl, vl);
    if (r < 0) this.engine.check(r, 'table.put');
    return r === 1;
  }

  /** The value stored under `key` (a copy), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const h = this.handle('table.get');
    const kl = this.putKey('table.get', key);
    const r = this.x.tableGet(h, kl);
    if (r < 0) {
      if (r === -1) return undefined;
      this.engine.check(r, 'table.get');
    }
    const ptr = this.io[IO.RESULT_PTR];
    return this.u8.slice(ptr, ptr + r);
  }

  /**
   * The value stored under `key` as a view into the engine's memory (no copy), or undefined.
   * The view is valid only until the next call into the engine (any table or tree method).
   */
  getView(key: Uint8Array): Uint8Array | undefined {
    const h = this.handle('table.getView');
    const kl = this.putKey('table.getView', key);
    const r = this.x.tableGet(h, kl);
    if (r < 0) {
      if (r === -1) return undefined;
      this.engine.check(r, 'table.getView');
    }
    const ptr = this.io[IO.RESULT_PTR];
    return this.u8.subarray(ptr, ptr + r);
  }

  /** True when `key` is present. */
  has(key: Uint8Array): boolean {
    const h = this.handle('table.has');
    const kl = this.putKey('table.has', key);
    const r = this.x.tableHas(h, kl);
    if (r < 0) this.engine.check(r, 'table.has');
    return r === 1;
  }

  /** Removes `key`; true when it was present. */
  delete(key: Uint8Array): boolean {
    const h = this.handle('table.delete');
    const kl = this.putKey('table.delete', key);
    const r = this.x.tableDel(h, kl);
    if (r < 0) this.engine.check(r, 'table.delete');
    return r === 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.engine.check(this.x.tableCount(this.handle('table.size')), 'table.size');
  }

  /**
   * Every `scan` cursor lies below this bound. A random cursor under it followed by a scan is a
   * cheap random pick (Redis's RANDOMKEY): entries after free positions are a little likelier.
   */
  get cursorEnd(): number {
    return this.engine.check(this.x.tableCursorEnd(this.handle('table.cursorEnd')), 'table.cursorEnd');
  }

  /** Removes every entry and returns their memory to the engine's allocator. */
  clear(): void {
    this.engine.check(this.x.tableClear(this.handle('table.clear')), 'table.clear');
  }

  /**
   * One step of a Redis-style cursor iteration: up to `count` entries (fewer when they exceed
   * about 1 MiB, and possibly none on a table with many deleted slots) starting at `cursor`
   * (0 starts). Returns copies of the entries and the next cursor, 0 when the iteration is done.
   * The copies are views into one copy of the batch (about 1 MiB at most): slice an entry to keep
   * it alone for long.
   * Entries present for the whole iteration are returned exactly once, even when keys are
   * inserted and deleted between calls; entries added or removed meanwhile may or may not appear.
   */
  scan(cursor: number, count = 100): { cursor: number; entries: [Uint8Array, Uint8Array][] } {
    const h = this.handle('table.scan');
    if (!Number.isInteger(cursor) || cursor < 0 || cursor > MAX_CURSOR) {
      throw new LarderError('BAD_VALUE', `table.scan: cursor must be an integer from 0 to ${MAX_CURSOR}, got ${String(cursor)}`);
    }
    if (!Number.isInteger(count) || count < 1) {
      throw new LarderError('BAD_VALUE', `table.scan: count must be a positive integer, got ${String(count)}`);
    }
    const n = this.engine.check(this.x.tableScan(h, cursor, Math.min(count, MAX_CURSOR), SCAN_BYTES), 'table.scan');
    this.refresh();
    const io = this.io;
    // One copy of the batch, every key and value a view into it: one allocation per batch, not
    // two ArrayBuffers per entry (a checkpoint snapshot reads every entry this way).
    const start = io[IO.OUT_PTR];
    const copy = this.u8.slice(start, start + io[IO.OUT_LEN]);
    let p = 0;
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < n; i++) {
      const kl = (copy[p] | (copy[p + 1] << 8) | (copy[p + 2] << 16) | (copy[p + 3] << 24)) >>> 0;
      const vl = (copy[p + 4] | (copy[p + 5] << 8) | (copy[p + 6] << 16) | (copy[p + 7] << 24)) >>> 0;
      const k = p + 8;
      entries.push([copy.subarray(k, k + kl), copy.subarray(k + kl, k + kl + vl)]);
      p = k + kl + vl;
    }
    const next = io[IO.MORE];
    this.trim();
    return { cursor: next, entries };
  }

  /** Every entry (copies), fetched in batches through `scan`; safe to mutate the table meanwhile. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    let cursor = 0;
    do {
      const r = this.scan(cursor, ITER_BATCH);
      for (const e of r.entries) yield e;
      cursor = r.cursor;
    } while (cursor !== 0);
  }

  /** Same as `entries()`. */
  [Symbol.iterator](): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.entries();
  }

  /**
   * Puts every `[key, value]` pair (later pairs win for repeated keys) and returns how many keys
   * were new. All pairs are validated first: on bad input it throws and nothing is stored.
   */
  putMany(entries: ArrayLike<readonly [Uint8Array, Uint8Array]>): number {
    const h = this.handle('table.putMany');
    const n = checkEntries('table.putMany', entries);
    // A typed array: `new Array(n)` of a large n would be a slow dictionary-mode array.
    const sizes = new Uint32Array(n);
    for (let i = 0; i < n; i++) sizes[i] = 8 + entries[i][0].length + entries[i][1].length;
    let added = 0;
    let i = 0;
    while (i < n) {
      let end = i;
      let bytes = 0;
      while (end < n && (end === i || bytes + sizes[end] <= CHUNK_BYTES)) bytes += sizes[end++];
      const base = this.scratchFor(bytes);
      const u8 = this.u8;
      const dv = this.dv;
      let p = base;
      for (let j = i; j < end; j++) {
        const e = entries[j];
        const k = e[0];
        const v = e[1];
        dv.setUint32(p, k.length, true);
        dv.setUint32(p + 4, v.length, true);
        u8.set(k, p + 8);
        u8.set(v, p + 8 + k.length);
        p += sizes[j];
      }
      added += this.engine.check(this.x.tablePutMany(h, end - i, bytes), 'table.putMany');
      i = end;
    }
    return added;
  }

  /**
   * putMany of a record list (see records.ts): the list goes to the engine in runs of about
   * CHUNK_BYTES, one copy each, with no per-entry work in JavaScript (recovery loads a whole store
   * this way). Later records win; returns how many keys were new. A malformed list, or a key or
   * value over the limits, throws (BAD_VALUE / TOO_LARGE) before anything is stored.
   */
  putRecords(list: RecordList): number {
    const what = 'table.putRecords';
    const h = this.handle(what);
    const runs = recordRuns(what, list, CHUNK_BYTES);
    let added = 0;
    for (let r = 0, first = 0; r < runs.length; first = runs[r]!, r += 2) {
      const end = runs[r]!;
      const base = this.scratchFor(end - first);
      this.u8.set(list.bytes.subarray(first, end), base);
      added += this.engine.check(this.x.tablePutMany(h, runs[r + 1]!, end - first), what);
    }
    return added;
  }

  /** The values for `keys` (copies; undefined where missing), in order. Validates all keys first. */
  getMany(keys: ArrayLike<Uint8Array>): (Uint8Array | undefined)[] {
    const h = this.handle('table.getMany');
    const n = checkKeys('table.getMany', keys);
    const out: (Uint8Array | undefined)[] = [];
    let i = 0;
    while (i < n) {
      const end = this.writeKeys(keys, i);
      this.engine.check(this.x.tableGetMany(h, end - i, this.listBytes), 'table.getMany');
      // The call may have grown memory (a larger out region).
      this.refresh();
      const u8 = this.u8;
      const dv = this.dv;
      let p = this.io[IO.OUT_PTR];
      for (let j = i; j < end; j++) {
        const vl = dv.getInt32(p, true);
        p += 4;
        if (vl < 0) {
          out.push(undefined);
        } else {
          out.push(u8.slice(p, p + vl));
          p += vl;
        }
      }
      i = end;
    }
    this.trim();
    return out;
  }

  /** Deletes every key in `keys`; returns how many were present. Validates all keys first. */
  deleteMany(keys: ArrayLike<Uint8Array>): number {
    const h = this.handle('table.deleteMany');
    const n = checkKeys('table.deleteMany', keys);
    let gone = 0;
    let i = 0;
    while (i < n) {
      const end = this.writeKeys(keys, i);
      gone += this.engine.check(this.x.tableDelMany(h, end - i, this.listBytes), 'table.deleteMany');
      i = end;
    }
    return gone;
  }

  /** Frees the table and all its memory; afterwards every method (and `free` again) throws CLOSED. */
  free(): void {
    const h = this.handle('table.free');
    this.h = 0;
    this.engine.check(this.x.tableFree(h), 'table.free');
  }

  // --- batch plumbing -------------------------------------------------------------------------

  /** Bytes of the key list written by the last `writeKeys`. */
  private listBytes = 0;

  /** Writes a key list of keys[start..] (about CHUNK_BYTES, at least one key); returns the end. */
  private writeKeys(keys: ArrayLike<Uint8Array>, start: number): number {
    const n = keys.length;
    let end = start;
    let bytes = 0;
    while (end < n) {
      const s = 4 + keys[end].length;
      if (end > start && bytes + s > CHUNK_BYTES) break;
      bytes += s;
      end++;
    }
    let p = this.scratchFor(bytes);
    const u8 = this.u8;
    const dv = this.dv;
    for (let j = start; j < end; j++) {
      const k = keys[j];
      dv.setUint32(p, k.length, true);
      u8.set(k, p + 4);
      p += 4 + k.length;
    }
    this.listBytes = bytes;
    return end;
  }

  /** Makes scratch hold `n` bytes; returns its address with the views current. */
  private scratchFor(n: number): number {
    const p = this.engine.scratch(n);
    this.refresh();
    return p;
  }

  /** Lets the out region shrink back after a large result. */
  private trim(): void {
    if (this.io[IO.OUT_CAP] > CHUNK_BYTES) this.x.trimOut();
  }
}
