/**
 * Keyspace: the one byte-keyed map every view writes, over the engine's Table and Tree.
 *
 * A key's first byte is its model tag (DESIGN.md "One keyspace"). The tag decides where the key
 * lives: tags whose keys are only ever looked up by point go to a hash table of their own; tags that need
 * order (indexes, adjacency, sorted members, TTL queue, anything range-scanned) go to the B+tree.
 * Each key lives in exactly one structure, so there is one copy of every byte.
 *
 * Writes go through a WriteBatch (write-batch.ts), which records undo information so a failed
 * call or transaction leaves no trace, and redo ops so the batch becomes one WAL record.
 */
import type { Engine } from '../core/engine.js';
import { Table } from '../core/table.js';
import { Tree, type RangeOptions, type RawVisitor } from '../core/tree.js';
import { RECORD_HEADER, recordEntries, recordRuns, u32At, type RecordList } from '../core/records.js';

/**
 * Most keys of one tag remembered between two takeWritten calls; past it the tag's log only says
 * "too many" (a bulk write), and its watcher starts over as it would without a log.
 */
export const WRITTEN_MAX = 4096;


/** The engine-backed map of byte keys to byte values. */
export class Keyspace {
  /** The engine the structures live in. */
  readonly engine: Engine;
  /** Ordered keys. */
  readonly tree: Tree;

  /**
   * tables[t] holds the keys with point tag t: one hash table per tag, so a tag's table is its
   * whole key set (a view counts its keys in O(1) and walks them with a stable cursor, the way
   * Redis's DBSIZE and SCAN use its main dictionary). Undefined for tags that live in the tree.
   */
  private readonly tables: Array<Table | undefined> = new Array(256).fill(undefined);
  /** The tables, in tag order (for whole-keyspace walks). */
  private readonly tableList: Table[] = [];

  /**
   * tagVersion[t] changes whenever a key with tag t is written or deleted (undo included): a
   * view's read cache of tag t is valid while the version it was filled at is unchanged.
   */
  readonly tagVersion = new Uint32Array(256);

  /**
   * A number that changes whenever any key is written or deleted (the sum of tagVersion): equal
   * stamps mean nothing was written in between.
   */
  writeStamp(): number {
    const v = this.tagVersion;
    let s = 0;
    for (let i = 0; i < 256; i++) s += v[i]!;
    return s;
  }

  /**
   * written[t]: copies of the keys with tag t written or deleted since the watcher last took
   * them; undefined while nobody watches tag t, null once more than WRITTEN_MAX were.
   */
  private readonly written: Array<Uint8Array[] | null | undefined> = new Array(256).fill(undefined);

  /**
   * From now on, remembers which keys with tag `tag` are written or deleted (undo included, up to
   * WRITTEN_MAX between two takeWritten calls), so a read cache of that tag can refresh just those
   * entries after a write instead of starting over.
   */
  watchWrites(tag: number): void {
    if (this.written[tag & 0xff] === undefined) this.written[tag & 0xff] = [];
  }

  /**
   * The keys with tag `tag` written or deleted since the last call (copies, in write order,
   * repeats possible), or undefined when there were more than WRITTEN_MAX or nobody watches the
   * tag; remembering starts over. A cache that takes them after seeing tagVersion change, and
   * refreshes those keys, is as current as one refilled from scratch.
   */
  takeWritten(tag: number): Uint8Array[] | undefined {
    const w = this.written[tag & 0xff];
    if (w === undefined) return undefined;
    this.written[tag & 0xff] = [];
    return w ?? undefined;
  }

  /** Remembers a write of `key` (tag `tag`) for its watcher, if any. */
  private noteWritten(tag: number, key: Uint8Array): void {
    const w = this.written[tag];
    if (!w) return;
    if (w.length >= WRITTEN_MAX) this.written[tag] = null;
    else w.push(key.slice());
  }

  private constructor(engine: Engine, pointTags: Iterable<number>) {
    this.engine = engine;
    this.tree = Tree.create(engine);
    for (const t of [...new Set([...pointTags].map((t) => t & 0xff))].sort((a, b) => a - b)) {
      const table = Table.create(engine);
      this.tables[t] = table;
      this.tableList.push(table);
    }
  }

  /**
   * Creates an empty keyspace in `engine`. Keys whose tag is in `pointTags` live in a hash table
   * of their tag; all others in the B+tree. The empty key lives in the tree.
   */
  static create(engine: Engine, pointTags: Iterable<number> = []): Keyspace {
    return new Keyspace(engine, pointTags);
  }

  /** The hash table `key` lives in, or undefined when it lives in the tree. */
  private tableOf(key: Uint8Array): Table | undefined {
    return key.length > 0 ? this.tables[key[0]] : undefined;
  }

  /** The value stored at `key` (a copy), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    const t = this.tableOf(key);
    return t !== undefined ? t.get(key) : this.tree.get(key);
  }

  /**
   * The value at `key` as a view into engine memory (no copy), or undefined. Valid only until
   * the next call into the engine: copy it, or encode it at once, to keep it.
   */
  getView(key: Uint8Array): Uint8Array | undefined {
    const t = this.tableOf(key);
    return t !== undefined ? t.getView(key) : this.tree.getView(key);
  }

  /** True when `key` is present. */
  has(key: Uint8Array): boolean {
    const t = this.tableOf(key);
    return t !== undefined ? t.has(key) : this.tree.has(key);
  }

  /** Stores `value` at `key` without undo; use a WriteBatch for anything a caller can see fail. */
  putRaw(key: Uint8Array, value: Uint8Array): void {
    const tag = key.length > 0 ? key[0] : 0;
    this.tagVersion[tag]++;
    if (this.written[tag]) this.noteWritten(tag, key);
    const t = this.tableOf(key);
    if (t !== undefined) t.put(key, value);
    else this.tree.put(key, value);
  }

  /** Stores many entries without undo (one engine call per structure and chunk; later pairs win). */
  putManyRaw(entries: Array<readonly [Uint8Array, Uint8Array]>): void {
    // Grouped by the tag's structure; `byTag[t]` only for point tags (a handful).
    let ordered: Array<readonly [Uint8Array, Uint8Array]> | undefined;
    let byTag: Array<Array<readonly [Uint8Array, Uint8Array]>> | undefined;
    for (const e of entries) {
      const tag = e[0].length > 0 ? e[0][0] : 0;
      this.tagVersion[tag]++;
      if (this.written[tag]) this.noteWritten(tag, e[0]);
      if (e[0].length > 0 && this.tables[tag] !== undefined) ((byTag ??= [])[tag] ??= []).push(e);
      else (ordered ??= []).push(e);
    }
    if (byTag) byTag.forEach((g, tag) => this.tables[tag]!.putMany(g));
    if (ordered) this.tree.putMany(ordered);
  }

  /** True when the keys that start with `prefix` (non-empty) live in the tree, where record lists are written whole. */
  treeHoldsPrefix(prefix: Uint8Array): boolean {
    return this.tableOf(prefix) === undefined;
  }

  /** True when no tag flagged in `tags` (keyTagsOf) lives in a hash table. */
  private inTree(tags: Uint8Array): boolean {
    for (let tag = 0; tag < 256; tag++) if (tags[tag] && this.tables[tag] !== undefined) return false;
    return true;
  }

  /** The current values of the keys of `list` (Tree.getManyOfRecords); its keys must live in the tree. */
  getManyOfRecords(list: RecordList): Uint8Array {
    return this.tree.getManyOfRecords(list);
  }

  /**
   * Stores a record list (later records win) when every key of it lives in the tree, pushing the
   * value lists of what it replaced to `prev` (Tree.swapRecords says what they hold, also after a
   * failure part way); false, with nothing written, when some key lives in a hash table.
   */
  swapRecords(list: RecordList, prev: Uint8Array[]): boolean {
    const tags = keyTagsOf(list);
    if (!this.inTree(tags)) return false;
    this.touchTags(tags);
    this.noteWrittenRecords(tags, list);
    this.tree.swapRecords(list, prev);
    return true;
  }

  /** Remembers the keys of a record list whose tags (keyTagsOf) are watched; a long list is "too many" at once. */
  private noteWrittenRecords(tags: Uint8Array, list: RecordList): void {
    let watched = false;
    for (let tag = 0; tag < 256; tag++) {
      const w = this.written[tag];
      if (!tags[tag] || !w) continue;
      // Without reading the list: more records than the log has room for overflow it anyway.
      if (w.length + list.count > WRITTEN_MAX) this.written[tag] = null;
      else watched = true;
    }
    if (!watched) return;
    for (const [k] of recordEntries(list)) if (k.length > 0 && this.written[k[0]!]) this.noteWritten(k[0]!, k);
  }

  /** Changes the version of every tag flagged in `tags` (keyTagsOf). */
  private touchTags(tags: Uint8Array): void {
    // A tag's version only has to change, not count writes: once per tag the list touches.
    const v = this.tagVersion;
    for (let tag = 0; tag < 256; tag++) if (tags[tag]) v[tag]++;
    if (tags[256]) v[0]++;
  }

  /** Removes `key` without undo; true when it was present. */
  deleteRaw(key: Uint8Array): boolean {
    const tag = key.length > 0 ? key[0] : 0;
    this.tagVersion[tag]++;
    if (this.written[tag]) this.noteWritten(tag, key);
    const t = this.tableOf(key);
    return t !== undefined ? t.delete(key) : this.tree.delete(key);
  }

  /** Values of many keys at once (one engine call per structure and chunk). */
  getMany(keys: Uint8Array[]): (Uint8Array | undefined)[] {
    // Most calls read one structure only (documents: the tree): then its answer is the result.
    const first = keys.length > 0 ? this.tableOf(keys[0]) : undefined;
    let mixed = false;
    for (let i = 1; i < keys.length && !mixed; i++) mixed = this.tableOf(keys[i]) !== first;
    if (!mixed) return (first ?? this.tree).getMany(keys);
    const out: (Uint8Array | undefined)[] = new Array(keys.length);
    const at: number[][] = [];
    const structs: Array<Table | Tree> = [];
    for (let i = 0; i < keys.length; i++) {
      const st = this.tableOf(keys[i]) ?? this.tree;
      let j = structs.indexOf(st);
      if (j < 0) { j = structs.push(st) - 1; at.push([]); }
      at[j].push(i);
    }
    structs.forEach((st, j) => st.getMany(at[j].map((i) => keys[i])).forEach((v, k) => { out[at[j][k]] = v; }));
    return out;
  }

  /** Entries of the ordered part in key order (bounds and prefix as in RangeOptions). */
  range(opts: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.tree.range(opts);
  }

  /**
   * Zero-copy walk of the ordered part (see Tree.forEachRaw): `visit` gets offsets into engine
   * memory, valid only during the call, and must not call into the engine. Returns the count.
   */
  forEachRaw(opts: RangeOptions, visit: RawVisitor): number {
    return this.tree.forEachRaw(opts, visit);
  }

  /** Number of keys with point tag `tag` (0 for a tag that lives in the tree). */
  pointCount(tag: number): number {
    return this.tables[tag & 0xff]?.size ?? 0;
  }

  /**
   * One step of a cursor walk over the keys of point tag `tag` (Table.scan: 0 starts and ends;
   * a key present for the whole walk is returned exactly once, whatever is written meanwhile).
   * Copies of up to `count` entries, possibly none while the cursor is not 0.
   */
  scanPoint(tag: number, cursor: number, count: number): { cursor: number; entries: [Uint8Array, Uint8Array][] } {
    const t = this.tables[tag & 0xff];
    return t === undefined ? { cursor: 0, entries: [] } : t.scan(cursor, count);
  }

  /**
   * Cursors of scanPoint(tag) lie below this bound (a random cursor under it, then the next
   * entries, is how a view picks a random key).
   */
  pointCursorEnd(tag: number): number {
    return this.tables[tag & 0xff]?.cursorEnd ?? 0;
  }

  /** The engine structures holding the keyspace, in forEachEntryRaw's order: the tables (in tag order), then the tree. */
  structures(): Array<Table | Tree> {
    return [...this.tableList, this.tree];
  }

  /** Every entry in the keyspace: the hash tables' (in tag order), then the tree's in order. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const t of this.tableList) yield* t.entries();
    yield* this.tree.range({});
  }

  /** Number of entries. */
  get size(): number {
    let n = this.tree.size;
    for (const t of this.tableList) n += t.size;
    return n;
  }

  /**
   * Loads a record list (recovery's, later records win) into an empty keyspace: one engine call
   * per structure and chunk, no JavaScript object per entry. Recovery hands records over in page
   * (hash) order; inserting them in the engine is several times faster than sorting them in
   * JavaScript for a bulk load. A bad list (BAD_VALUE / TOO_LARGE) fails before anything is stored.
   */
  load(list: RecordList): void {
    // Validated whole before any walk or write: nothing is half-loaded from a bad list.
    recordRuns('keyspace.load', list, Infinity);
    const tags = keyTagsOf(list);
    // Usually one structure holds every key (a store of one model): then the list goes whole.
    const holders = new Set<Table | Tree>();
    if (tags[256]) holders.add(this.tree);
    for (let tag = 0; tag < 256; tag++) if (tags[tag]) holders.add(this.tables[tag] ?? this.tree);
    const parts = holders.size > 1 ? this.splitByStructure(list) : new Map([...holders].map((st) => [st, list] as const));
    this.touchTags(tags);
    this.noteWrittenRecords(tags, list);
    for (const [st, part] of parts) {
      if (st instanceof Table) st.putRecords(part);
      // The tree has no plain record-list put; what the swap replaced in an empty tree is nothing.
      else st.swapRecords(part, []);
    }
  }

  /** The records of `list` as one record list per structure their keys live in (in list order). */
  private splitByStructure(list: RecordList): Map<Table | Tree, RecordList> {
    // Runs of consecutive records bound for one structure, each copied with one set(): a store
    // of one big model and a few keys elsewhere (a kv store's request log) splits at memcpy speed.
    const runs: Array<{ st: Table | Tree; start: number; end: number; count: number }> = [];
    const b = list.bytes;
    let p = 0;
    for (let i = 0; i < list.count; i++) {
      const kl = u32At(b, p);
      const vl = u32At(b, p + 4);
      const st = (kl > 0 ? this.tables[b[p + RECORD_HEADER]!] : undefined) ?? this.tree;
      const next = p + RECORD_HEADER + kl + vl;
      const last = runs.length > 0 ? runs[runs.length - 1]! : undefined;
      if (last !== undefined && last.st === st) {
        last.end = next;
        last.count++;
      } else runs.push({ st, start: p, end: next, count: 1 });
      p = next;
    }
    const sizes = new Map<Table | Tree, { bytes: number; count: number }>();
    for (const r of runs) {
      const s = sizes.get(r.st) ?? { bytes: 0, count: 0 };
      s.bytes += r.end - r.start;
      s.count += r.count;
      sizes.set(r.st, s);
    }
    const parts = new Map<Table | Tree, RecordList>();
    for (const [st, s] of sizes) {
      const bytes = new Uint8Array(s.bytes);
      let at = 0;
      for (const r of runs) {
        if (r.st !== st) continue;
        bytes.set(b.subarray(r.start, r.end), at);
        at += r.end - r.start;
      }
      parts.set(st, { bytes, count: s.count });
    }
    return parts;
  }

  /** Frees every structure; the keyspace is unusable afterwards. */
  free(): void {
    for (const t of this.tableList) t.free();
    this.tree.free();
  }
}

/**
 * Which key tags (first bytes) the records of `list` have: flag t for tag t, flag 256 for an
 * empty key. One walk of the record headers: this runs on every bulk write, where a callback per
 * record (forEachRecord) cost a few milliseconds per 100,000 records.
 */
function keyTagsOf(list: RecordList): Uint8Array {
  const tags = new Uint8Array(257);
  const b = list.bytes;
  let p = 0;
  for (let i = 0; i < list.count; i++) {
    const kl = u32At(b, p);
    const vl = u32At(b, p + 4);
    tags[kl > 0 ? b[p + RECORD_HEADER]! : 256] = 1;
    p += RECORD_HEADER + kl + vl;
  }
  return tags;
}
