/**
 * GraphCache: decoded nodes, edges and adjacency lists of one graph, kept in the worker between calls so
 * traversals, paths and pattern matches read JavaScript arrays instead of seeking the B+tree and
 * decoding keys at every step (the way graphology keeps its graph in memory).
 *
 * The keyspace stays the truth. The cache is filled on reads and trusted only while
 * Keyspace.tagVersion of the tags it mirrors (N for nodes, E for edges, O and R for adjacency) is unchanged:
 * any write of such a key — a call of any graph, an undo, a transaction rollback, a recovery —
 * bumps the version and the next read starts over. So a read-mostly graph is served from memory
 * and a write never has to know what is cached.
 *
 * The graph's own writes keep the cache warm instead: GraphStore takes a `sync()` snapshot before
 * it writes and reports what it wrote (`nodeWritten`, `edgeAdded`, `edgeRemoved`); when the cache
 * was current before, it is patched and stays current. So a graph built in this worker is served
 * from memory at once, as graphology's would be.
 *
 * Cached nodes and edges are frozen and shared between calls; callers must not change them (they build new
 * records to write).
 */
import type { Keyspace } from '../../keyspace/keyspace.js';
import { TAG } from './keys.js';

/** One direction of one node's adjacency, in key order (type, other end, edge): parallel arrays. */
export interface AdjList {
  edges: number[];
  others: number[];
  types: string[];
}

/** What was current before a write (see GraphCache.sync). */
export interface CacheSync {
  node: boolean;
  edge: boolean;
  adj: boolean;
}

/** Above this many cached records of one kind (nodes, or edges), that cache starts over: a bound on worker memory. */
const MAX_RECORDS = 500_000;
/** Above this many cached adjacency entries (about 24 bytes each), the adjacency starts over. */
const MAX_ADJ_ENTRIES = 2_000_000;

/** A cached record (or null for one known to be absent). */
export type CachedRecord<T> = T | null;

/** Ids below this index a plain array (node and edge ids are dense counters); others a Map. */
const DENSE_IDS = 1 << 22;

/**
 * A map from ids to values: a plain array for the dense ids a graph hands out (an indexed load,
 * where a 100k-entry Map costs a hash probe and a cache miss per lookup), a Map for any others.
 */
class IdMap<V> {
  private arr: Array<V | undefined> = [];
  private readonly big = new Map<number, V>();
  /** Number of entries. */
  size = 0;

  get(id: number): V | undefined {
    return id >= 0 && id < DENSE_IDS && Number.isInteger(id) ? this.arr[id] : this.big.get(id);
  }

  set(id: number, v: V): void {
    if (id >= 0 && id < DENSE_IDS && Number.isInteger(id)) {
      // Grow with undefined rather than holes, so the array stays in V8's fast (packed) mode.
      while (this.arr.length < id) this.arr.push(undefined);
      if (this.arr[id] === undefined) this.size++;
      this.arr[id] = v;
    } else {
      if (!this.big.has(id)) this.size++;
      this.big.set(id, v);
    }
  }

  delete(id: number): void {
    if (id >= 0 && id < DENSE_IDS && Number.isInteger(id)) {
      if (this.arr[id] !== undefined) this.size--;
      if (id < this.arr.length) this.arr[id] = undefined;
    } else if (this.big.delete(id)) this.size--;
  }

  clear(): void {
    this.arr = [];
    this.big.clear();
    this.size = 0;
  }
}

/** Decoded records of one tag (nodes or edges) by id, trusted while that tag's version holds. */
export class RecordCache<T> {
  private version = -1;
  private readonly map = new IdMap<CachedRecord<T>>();

  /** Records of keys with tag `tag` in `ks`. */
  constructor(private readonly ks: Keyspace, private readonly tag: number) {}

  /** The record `id` from the cache, or `read()` (then cached; null for an absent one). */
  get(id: number, read: () => CachedRecord<T>): CachedRecord<T> {
    const v = this.ks.tagVersion[this.tag];
    if (v !== this.version) {
      this.map.clear();
      this.version = v;
    }
    let r = this.map.get(id);
    if (r === undefined) {
      r = read();
      if (this.map.size >= MAX_RECORDS) this.map.clear();
      this.map.set(id, r);
    }
    return r;
  }

  /** True when the cache agrees with the keyspace (taken before a write; see GraphCache.sync). */
  current(): boolean {
    // An empty cache agrees with any keyspace (entries are loaded on demand): adopt the version.
    if (this.map.size === 0) this.version = this.ks.tagVersion[this.tag];
    return this.ks.tagVersion[this.tag] === this.version;
  }

  /** After the record `id` was written (`rec`, frozen) or deleted (undefined), when it was current. */
  written(wasCurrent: boolean, id: number, rec: T | undefined): void {
    if (!wasCurrent) return;
    this.version = this.ks.tagVersion[this.tag];
    if (rec === undefined) this.map.delete(id);
    else this.map.set(id, rec);
  }
}

/** One graph's read cache: node records, edge records and adjacency. */
export class GraphCache<N, E> {
  private readonly ks: Keyspace;
  /** Node records. */
  readonly nodes: RecordCache<N>;
  /** Edge records. */
  readonly edges: RecordCache<E>;
  private adjVersion = -1;
  private readonly outMap = new IdMap<AdjList>();
  private readonly inMap = new IdMap<AdjList>();
  private adjEntries = 0;

  /** A cache over `ks` (see cacheFor). */
  constructor(ks: Keyspace) {
    this.ks = ks;
    this.nodes = new RecordCache<N>(ks, TAG.node);
    this.edges = new RecordCache<E>(ks, TAG.edge);
  }

  /** The adjacency of `id` on side `tag` (TAG.out or TAG.in), from the cache or `read()`. */
  adjacency(tag: number, id: number, read: () => AdjList): AdjList {
    const tv = this.ks.tagVersion;
    // Both sides change together (an edge writes its O and its R entry), one version covers both.
    const v = (tv[TAG.out] + tv[TAG.in]) >>> 0;
    if (v !== this.adjVersion) {
      this.outMap.clear();
      this.inMap.clear();
      this.adjEntries = 0;
      this.adjVersion = v;
    }
    const map = tag === TAG.out ? this.outMap : this.inMap;
    let list = map.get(id);
    if (list === undefined) {
      list = read();
      this.adjEntries += list.edges.length + 1;
      if (this.adjEntries > MAX_ADJ_ENTRIES) {
        this.outMap.clear();
        this.inMap.clear();
        this.adjEntries = list.edges.length + 1;
      }
      map.set(id, list);
    }
    return list;
  }

  private adjCurrent(): number {
    const tv = this.ks.tagVersion;
    return (tv[TAG.out] + tv[TAG.in]) >>> 0;
  }

  /** Whether the cache is current, taken before a write of this graph. */
  sync(): CacheSync {
    // An empty cache agrees with any keyspace (entries are loaded on demand): adopt the version.
    if (this.outMap.size === 0 && this.inMap.size === 0) this.adjVersion = this.adjCurrent();
    return { node: this.nodes.current(), edge: this.edges.current(), adj: this.adjCurrent() === this.adjVersion };
  }

  /**
   * After a write of node `id` (created, changed or deleted; `created` means it has no edges
   * yet): cache its new record `rec` (frozen by the caller) or forget it, and for a new node know
   * its adjacency is empty.
   */
  nodeWritten(sync: CacheSync, id: number, created: boolean, rec?: N): void {
    this.nodes.written(sync.node, id, rec);
    if (sync.adj && created) {
      this.adjVersion = this.adjCurrent();
      this.outMap.set(id, { edges: [], others: [], types: [] });
      this.inMap.set(id, { edges: [], others: [], types: [] });
    }
  }

  /** After edge `edge` from -[type]-> to was written with its two adjacency entries. */
  edgeAdded(sync: CacheSync, edge: number, from: number, to: number, type: string): void {
    if (!sync.adj) return;
    this.adjVersion = this.adjCurrent();
    append(this.outMap.get(from), edge, to, type);
    append(this.inMap.get(to), edge, from, type);
    this.adjEntries += 2;
  }

  /** After edge `edge` between from and to was deleted with its adjacency entries. */
  edgeRemoved(sync: CacheSync, edge: number, from: number, to: number): void {
    if (!sync.adj) return;
    this.adjVersion = this.adjCurrent();
    remove(this.outMap.get(from), edge);
    remove(this.inMap.get(to), edge);
  }
}

/** Inserts an entry at its place in key order (new edges mostly go last: scan from the end). */
function append(list: AdjList | undefined, edge: number, other: number, type: string): void {
  if (!list) return; // not cached: the next read loads it whole
  let i = list.edges.length;
  while (i > 0 && compareEntry(list, i - 1, type, other, edge) > 0) i--;
  if (i === list.edges.length) {
    list.edges.push(edge);
    list.others.push(other);
    list.types.push(type);
  } else {
    list.edges.splice(i, 0, edge);
    list.others.splice(i, 0, other);
    list.types.splice(i, 0, type);
  }
}

function remove(list: AdjList | undefined, edge: number): void {
  if (!list) return;
  const i = list.edges.indexOf(edge);
  if (i < 0) return;
  list.edges.splice(i, 1);
  list.others.splice(i, 1);
  list.types.splice(i, 1);
}

/** Orders strings as their UTF-8 key encoding does: by code point (JS `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Entry i of `list` against (type, other, edge), in adjacency key order. */
function compareEntry(list: AdjList, i: number, type: string, other: number, edge: number): number {
  return compareCodePoints(list.types[i], type) || list.others[i] - other || list.edges[i] - edge;
}

const caches = new WeakMap<Keyspace, Map<string, GraphCache<unknown, unknown>>>();

/** The read cache of graph `name` in `ks` (one per store and graph, kept while the store lives). */
export function cacheFor<N, E>(ks: Keyspace, name: string): GraphCache<N, E> {
  let m = caches.get(ks);
  if (!m) caches.set(ks, (m = new Map()));
  let c = m.get(name);
  if (!c) m.set(name, (c = new GraphCache<unknown, unknown>(ks)));
  return c as GraphCache<N, E>;
}
