/**
 * Keyspace: the one byte-keyed map every view writes, over the engine's Table and Tree.
 *
 * A key's first byte is its model tag (DESIGN.md "One keyspace"). The tag decides where the key
 * lives: tags whose keys are only ever looked up by point go to the hash table; tags that need
 * order (indexes, adjacency, sorted members, TTL queue, anything range-scanned) go to the B+tree.
 * Each key lives in exactly one structure, so there is one copy of every byte.
 *
 * Writes go through a WriteBatch (write-batch.ts), which records undo information so a failed
 * call or transaction leaves no trace, and redo ops so the batch becomes one WAL record.
 */
import type { Engine } from '../core/engine.js';
import { Table } from '../core/table.js';
import { Tree, type RangeOptions, type RawVisitor } from '../core/tree.js';


/** The engine-backed map of byte keys to byte values. */
export class Keyspace {
  /** The engine both structures live in. */
  readonly engine: Engine;
  /** Point-lookup keys. */
  readonly table: Table;
  /** Ordered keys. */
  readonly tree: Tree;

  /** pointTag[t] is 1 when keys with tag t live in the hash table. */
  private readonly pointTag = new Uint8Array(256);

  /**
   * tagVersion[t] changes whenever a key with tag t is written or deleted (undo included): a
   * view's read cache of tag t is valid while the version it was filled at is unchanged.
   */
  readonly tagVersion = new Uint32Array(256);

  private constructor(engine: Engine, pointTags: Iterable<number>) {
    this.engine = engine;
    this.table = Table.create(engine);
    this.tree = Tree.create(engine);
    for (const t of pointTags) this.pointTag[t & 0xff] = 1;
  }

  /**
   * Creates an empty keyspace in `engine`. Keys whose tag is in `pointTags` live in the hash
   * table; all others in the B+tree. The empty key lives in the tree.
   */
  static create(engine: Engine, pointTags: Iterable<number> = []): Keyspace {
    return new Keyspace(engine, pointTags);
  }

  /** True when `key` lives in the hash table. */
  private isPoint(key: Uint8Array): boolean {
    return key.length > 0 && this.pointTag[key[0]] === 1;
  }

  /** The value stored at `key` (a copy), or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    return this.isPoint(key) ? this.table.get(key) : this.tree.get(key);
  }

  /**
   * The value at `key` as a view into engine memory (no copy), or undefined. Valid only until
   * the next call into the engine: copy it, or encode it at once, to keep it.
   */
  getView(key: Uint8Array): Uint8Array | undefined {
    return this.isPoint(key) ? this.table.getView(key) : this.tree.getView(key);
  }

  /** True when `key` is present. */
  has(key: Uint8Array): boolean {
    return this.isPoint(key) ? this.table.has(key) : this.tree.has(key);
  }

  /** Stores `value` at `key` without undo; use a WriteBatch for anything a caller can see fail. */
  putRaw(key: Uint8Array, value: Uint8Array): void {
    this.tagVersion[key.length > 0 ? key[0] : 0]++;
    if (this.isPoint(key)) this.table.put(key, value);
    else this.tree.put(key, value);
  }

  /** Stores many entries without undo (one engine call per structure and chunk; later pairs win). */
  putManyRaw(entries: Array<readonly [Uint8Array, Uint8Array]>): void {
    let point: Array<readonly [Uint8Array, Uint8Array]> | undefined;
    let ordered: Array<readonly [Uint8Array, Uint8Array]> | undefined;
    for (const e of entries) {
      this.tagVersion[e[0].length > 0 ? e[0][0] : 0]++;
      if (this.isPoint(e[0])) (point ??= []).push(e);
      else (ordered ??= []).push(e);
    }
    if (point) this.table.putMany(point);
    if (ordered) this.tree.putMany(ordered);
  }

  /** Removes `key` without undo; true when it was present. */
  deleteRaw(key: Uint8Array): boolean {
    this.tagVersion[key.length > 0 ? key[0] : 0]++;
    return this.isPoint(key) ? this.table.delete(key) : this.tree.delete(key);
  }

  /** Values of many keys at once (one engine call per structure and chunk). */
  getMany(keys: Uint8Array[]): (Uint8Array | undefined)[] {
    const out: (Uint8Array | undefined)[] = new Array(keys.length);
    const pointIdx: number[] = [], pointKeys: Uint8Array[] = [], treeIdx: number[] = [], treeKeys: Uint8Array[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (this.isPoint(k)) { pointIdx.push(i); pointKeys.push(k); } else { treeIdx.push(i); treeKeys.push(k); }
    }
    if (pointKeys.length) this.table.getMany(pointKeys).forEach((v, j) => { out[pointIdx[j]] = v; });
    if (treeKeys.length) this.tree.getMany(treeKeys).forEach((v, j) => { out[treeIdx[j]] = v; });
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

  /** Every entry in the keyspace: the hash table's, then the tree's in order. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    yield* this.table.entries();
    yield* this.tree.range({});
  }

  /** Number of entries. */
  get size(): number {
    return this.table.size + this.tree.size;
  }

  /**
   * Loads entries into an empty keyspace (recovery). Recovery hands entries over in page (hash)
   * order; inserting them in the engine is several times faster than sorting them in JavaScript
   * for a bulk load.
   */
  load(entries: Array<[Uint8Array, Uint8Array]>): void {
    this.putManyRaw(entries);
  }

  /** Frees both structures; the keyspace is unusable afterwards. */
  free(): void {
    this.table.free();
    this.tree.free();
  }
}
