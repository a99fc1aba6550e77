/**
 * DocCache: stored documents (their 'D' key and encoded bytes, as read from the keyspace) of one
 * collection by encoded _id, kept in the worker between calls. An index scan or an _id lookup
 * that reaches a document read before takes it from here instead of building its key and
 * descending the B+tree for it: that descent and the JavaScript around it were most of an indexed
 * query's time.
 *
 * The keyspace stays the truth. Entries are added when documents are read and trusted only while
 * Keyspace.tagVersion[DOC_TAG] is unchanged: any write of a document of any collection (an undo,
 * a rollback and a recovery included) bumps it. The next read then brings the caches up to date
 * from the keyspace's log of the document keys written since (Keyspace.watchWrites): each of
 * those keys that is cached gets its stored bytes as they are now, or is dropped. A write never
 * has to know what is cached, and a few writes do not cost the documents read before them. When
 * the log overflowed (a bulk write of more than WRITTEN_MAX documents), the caches start over
 * empty, and a collection's cache fills again from its second read on (DocCache.filling), so
 * reads that alternate with bulk writes do not pay for filling it. An index scan that fills the
 * cache hands it the documents it read from the keyspace as they came (DocCache.addLater), and
 * they are added after its call, so the read that fills the cache does not wait for it.
 *
 * What is cached is only ever read: the bytes are the engine's copies (Tree.getMany and
 * getManyOfRecords), and every consumer decodes them (decodeValue copies), copies them onto the
 * wire (the worker's encodeResult), or replaces them (a writer assigns new bytes to its Found).
 * Nothing decoded is cached, so no caller ever gets an object another caller also holds.
 *
 * Memory is bounded: past MAX_BYTES (document and key bytes plus ENTRY_OVERHEAD per entry, for
 * every collection of a keyspace together) nothing more is added until the next write clears
 * the cache, so a query larger than the cache does not refill it over and over.
 */
import { KeyValueCursor } from '../../core/records.js';
import type { Keyspace } from '../../keyspace/keyspace.js';
import { latin1 } from './indexes.js';
import { DOC_TAG } from './keys.js';

/** Most bytes the caches of one keyspace hold (see ENTRY_OVERHEAD). */
export const MAX_BYTES = 32 * 1024 * 1024;
/**
 * Bytes an entry costs besides its key and document bytes (and the copy of a long _id): the
 * key's own ArrayBuffer and both Uint8Array objects, the array slots and the hash table's share.
 * Measured (heap + arrayBuffers with the cache full minus emptied, Node 20, 100k documents of ~86 bytes with
 * 19-byte keys): about 480 bytes per cached document in all, so ~375 beyond the bytes.
 */
export const ENTRY_OVERHEAD = 384;

/** The value of a dropped entry (never handed out: lookups pass over it). */
const EMPTY = new Uint8Array(0);

/** The table of an empty cache: one empty slot, so a lookup ends at once. */
const NO_SLOTS = new Int32Array(2);

/** _ids up to this many bytes are compared as the words of their hash (see DocCache.find). */
const SHORT_ID = 16;

/** The little-endian 32-bit word at mem[p, p+4). */
function word(mem: Uint8Array, p: number): number {
  return mem[p]! | (mem[p + 1]! << 8) | (mem[p + 2]! << 16) | (mem[p + 3]! << 24);
}

/**
 * Word k of the n bytes at mem[start, end): 32-bit words read 4 bytes at a time, the last one
 * ending at `end` (it may overlap its predecessor); shorter than 4 bytes, one word of them all.
 * The ceil(n / 4) words of n bytes determine them, so equal n and words are equal bytes.
 */
function wordAt(mem: Uint8Array, start: number, end: number, k: number): number {
  if (end - start < 4) {
    let w = 0;
    for (let i = start; i < end; i++) w = (w << 8) | mem[i]!;
    return w;
  }
  const p = start + 4 * k;
  return word(mem, p + 4 <= end ? p : end - 4);
}

/** A hash of mem[start, end) from its words (a few multiplies, not one per byte). */
function hashBytes(mem: Uint8Array, start: number, end: number): number {
  const n = end - start;
  let h = Math.imul(n, 0x9e3779b1);
  const words = n <= 4 ? 1 : (n + 3) >> 2; // at least one, as in find
  for (let k = 0; k < words; k++) {
    h = Math.imul(h ^ wordAt(mem, start, end, k), 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h ^ (h >>> 16);
}

/**
 * One collection's cached documents: an open-addressing table from _id bytes to entries. The
 * table and the _ids are packed typed arrays (a slot holds the hash and the entry; a short _id
 * is kept as the words its hash was made of, a longer one as bytes side by side), so a lookup
 * reads the caller's bytes once and touches a few cache lines, no JavaScript object.
 */
export class DocCache {
  // Allocated by the first add (most caches made by a read right after a write stay empty).
  /** Two Int32 per slot: the hash, then entry index + 1 (0: empty slot). */
  private slots = NO_SLOTS;
  /** Per entry: its _id's byte length, then up to 4 words (an _id up to SHORT_ID bytes). */
  private idWords = new Int32Array(0);
  /** The bytes of entry e's longer _id are ids[idAt[e], idAt[e + 1]) (empty for a short one). */
  private ids = new Uint8Array(0);
  private idAt = new Int32Array(1);
  /** 'D' keys, as read. */
  private readonly keys: Uint8Array[] = [];
  private readonly vals: Uint8Array[] = [];

  /**
   * Whether documents read now should be added. Not on the first read after a write: a store
   * that alternates writes and reads would pay for filling a cache that the next write empties,
   * so a collection's cache only fills from its second read of the same state on.
   */
  filling = false;

  /** The length of the collection's 'D' prefix: its keys are prefix + encoded _id. */
  readonly prefixLen: number;

  /** A cache of the collection whose 'D' keys start with `prefix`. */
  constructor(private readonly owner: CacheSet, readonly prefix: Uint8Array) {
    this.prefixLen = prefix.length;
  }

  /** Number of entries. */
  get size(): number {
    return this.keys.length;
  }

  /** The entry whose _id bytes equal mem[start, end), or -1. */
  find(mem: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n > SHORT_ID) return this.findLong(mem, start, end);
    // The words are read once: they make the hash and are what a candidate is compared with.
    const w0 = wordAt(mem, start, end, 0);
    const w1 = n > 4 ? wordAt(mem, start, end, 1) : 0;
    const w2 = n > 8 ? wordAt(mem, start, end, 2) : 0;
    const w3 = n > 12 ? wordAt(mem, start, end, 3) : 0;
    // hashBytes, unrolled over the words just read.
    let h = Math.imul(n, 0x9e3779b1);
    h = Math.imul(h ^ w0, 0x85ebca6b);
    h ^= h >>> 13;
    if (n > 4) { h = Math.imul(h ^ w1, 0x85ebca6b); h ^= h >>> 13; }
    if (n > 8) { h = Math.imul(h ^ w2, 0x85ebca6b); h ^= h >>> 13; }
    if (n > 12) { h = Math.imul(h ^ w3, 0x85ebca6b); h ^= h >>> 13; }
    h ^= h >>> 16;
    const slots = this.slots;
    const words = this.idWords;
    const m = (slots.length >> 1) - 1;
    for (let i = h & m; ; i = (i + 1) & m) {
      const e = slots[2 * i + 1]! - 1;
      if (e < 0) return -1;
      if (slots[2 * i] !== h) continue;
      const b = 5 * e;
      if (words[b] === n && words[b + 1] === w0 && words[b + 2] === w1 && words[b + 3] === w2 && words[b + 4] === w3) return e;
    }
  }

  private findLong(mem: Uint8Array, start: number, end: number): number {
    const h = hashBytes(mem, start, end);
    const slots = this.slots;
    const m = (slots.length >> 1) - 1;
    const n = end - start;
    for (let i = h & m; ; i = (i + 1) & m) {
      const e = slots[2 * i + 1]! - 1;
      if (e < 0) return -1;
      if (slots[2 * i] !== h || this.idWords[5 * e] !== n) continue;
      const at = this.idAt[e]!;
      const ids = this.ids;
      let j = 0;
      while (j < n && ids[at + j] === mem[start + j]) j++;
      if (j === n) return e;
    }
  }

  /**
   * Brings the entry of `key` (a 'D' key of this collection) up to date after a write: `value` is
   * its stored bytes now, undefined when it was deleted. Nothing for a key not cached.
   */
  refresh(key: Uint8Array, value: Uint8Array | undefined): void {
    const e = this.find(key, this.prefixLen, key.length);
    if (e < 0) return;
    if (value !== undefined && this.owner.reserve(Math.max(0, value.length - this.vals[e]!.length))) {
      this.vals[e] = value;
      return;
    }
    // Dropped: a length no _id has makes every lookup pass over it; the slot stays so the probe
    // chains through it stay intact. Its bytes stay counted until the caches start over.
    this.idWords[5 * e] = -1;
    this.vals[e] = EMPTY;
  }

  /** The 'D' key of entry `e`. */
  key(e: number): Uint8Array {
    return this.keys[e]!;
  }

  /** The stored document bytes of entry `e`. */
  value(e: number): Uint8Array {
    return this.vals[e]!;
  }

  /**
   * Adds the document stored under `key` (a 'D' key of this collection, not cached yet), unless
   * the keyspace's caches are full. Both arrays are kept as they are: they must not change.
   */
  add(key: Uint8Array, value: Uint8Array): void {
    const pl = this.prefixLen;
    const end = key.length;
    const n = end - pl;
    const long = n > SHORT_ID;
    if (!this.owner.reserve(key.length + value.length + (long ? n : 0) + ENTRY_OVERHEAD)) return;
    const e = this.keys.length;
    this.keys.push(key);
    this.vals.push(value);
    if (5 * e + 5 > this.idWords.length) {
      const w = new Int32Array(Math.max(this.idWords.length * 2, 5 * 256));
      w.set(this.idWords);
      this.idWords = w;
    }
    if (e + 2 > this.idAt.length) {
      const a = new Int32Array(Math.max(this.idAt.length * 2, 257));
      a.set(this.idAt);
      this.idAt = a;
    }
    const b = 5 * e;
    this.idWords[b] = n;
    const at = this.idAt[e]!;
    if (long) {
      if (at + n > this.ids.length) {
        const c = new Uint8Array(Math.max(this.ids.length * 2, at + n));
        c.set(this.ids);
        this.ids = c;
      }
      for (let j = 0; j < n; j++) this.ids[at + j] = key[pl + j]!;
      this.idAt[e + 1] = at + n;
    } else {
      for (let k = 0; k < 4; k++) this.idWords[b + 1 + k] = 4 * k < n ? wordAt(key, pl, end, k) : 0;
      this.idAt[e + 1] = at;
    }
    // At most half full, so probes stay short.
    if ((e + 1) * 2 > this.slots.length >> 1) this.grow();
    else this.place(e, hashBytes(key, pl, end));
  }

  /**
   * Adds the documents a scan just read from the keyspace, after the call that read them has been
   * answered (see CacheSet.addLater): `keys` is the record list of their 'D' keys the scan asked
   * for (`[klen u32][vlen u32 = 0][key]` each), `vals` the value list the keyspace answered
   * (`[vlen i32, -1 = absent][value]` each, in the same order). Neither may change afterwards.
   */
  addLater(keys: Uint8Array, vals: Uint8Array, count: number): void {
    this.owner.addLater(this, keys, vals, count);
  }

  /** Adds the documents of addLater's lists that are not cached yet. */
  addLists(keys: Uint8Array, vals: Uint8Array, count: number): void {
    this.expect(count);
    const pl = this.prefixLen;
    const at = new KeyValueCursor(keys, vals);
    for (let i = 0; i < count; i++) {
      if (!at.next()) continue;
      // Another read of the same state may have added it meanwhile.
      if (this.find(keys, at.keyStart + pl, at.keyEnd) < 0) this.add(keys.subarray(at.keyStart, at.keyEnd), vals.subarray(at.valStart, at.valEnd));
    }
  }

  /** Makes room for `n` more entries at once (one table resize instead of several while adding). */
  expect(n: number): void {
    let want = Math.max(this.slots.length >> 1, 256);
    while ((this.keys.length + n) * 2 > want) want *= 2;
    if (want > this.slots.length >> 1) {
      this.slots = new Int32Array(2 * want);
      this.rehash();
    }
  }

  private place(e: number, h: number): void {
    const slots = this.slots;
    const m = (slots.length >> 1) - 1;
    let i = h & m;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & m;
    slots[2 * i] = h;
    slots[2 * i + 1] = e + 1;
  }

  private grow(): void {
    this.slots = new Int32Array(Math.max(this.slots.length * 2, 2 * 256));
    this.rehash();
  }

  private rehash(): void {
    const pl = this.prefixLen;
    for (let e = 0; e < this.keys.length; e++) {
      const k = this.keys[e]!;
      this.place(e, hashBytes(k, pl, k.length));
    }
  }
}

/** Documents to add to a cache once the call that read them is answered (CacheSet.addLater). */
interface Later {
  cache: DocCache;
  /** Keyspace.tagVersion[DOC_TAG] when they were read: they are added only while it still is. */
  version: number;
  keys: Uint8Array;
  vals: Uint8Array;
  count: number;
}

/** The document caches of one keyspace, emptied together when any document is written. */
class CacheSet {
  private version = -1;
  private bytes = 0;
  /** By the collection's 'D' prefix (as a latin1 string). */
  private readonly colls = new Map<string, DocCache>();
  /** Documents read to be added after their call (see addLater). */
  private later: Later[] = [];
  private laterScheduled = false;

  constructor(private readonly ks: Keyspace) {
    ks.watchWrites(DOC_TAG);
  }

  /**
   * Adds documents a scan read to `cache` after the current call: adding thousands of entries
   * (hashing, table growth) is work the read that fills the cache would otherwise wait for, and
   * only later reads gain from it. They are added in a task of their own once the call is over,
   * or at the next read at the latest, and only if no document has been written since they were
   * read (otherwise they are dropped: they might be stale).
   */
  addLater(cache: DocCache, keys: Uint8Array, vals: Uint8Array, count: number): void {
    this.later.push({ cache, version: this.ks.tagVersion[DOC_TAG]!, keys, vals, count });
    if (this.laterScheduled) return;
    this.laterScheduled = true;
    setTimeout(() => {
      this.laterScheduled = false;
      this.addPending();
    }, 0);
  }

  /** Adds the documents addLater kept that are still current; drops the others. */
  addPending(): void {
    if (this.later.length === 0) return;
    const later = this.later;
    this.later = [];
    const v = this.ks.tagVersion[DOC_TAG]!;
    for (const l of later) {
      // The caches must still be the ones of that state too (a cache emptied since is a new object).
      if (l.version !== v || this.version !== v || !this.holds(l.cache)) continue;
      l.cache.addLists(l.keys, l.vals, l.count);
    }
  }

  private holds(c: DocCache): boolean {
    for (const x of this.colls.values()) if (x === c) return true;
    return false;
  }

  /** The cache of the collection whose 'D' keys start with `prefix`, current. */
  cache(prefix: Uint8Array): DocCache {
    this.addPending();
    const v = this.ks.tagVersion[DOC_TAG]!;
    if (v !== this.version) {
      const written = this.ks.takeWritten(DOC_TAG);
      if (written && this.colls.size > 0) this.refresh(written);
      else if (!written) {
        this.colls.clear();
        this.bytes = 0;
      }
      this.version = v;
    }
    const name = latin1(prefix);
    const c = this.colls.get(name);
    if (c) {
      // Read before in this state: worth keeping what is read from now on (see `filling`).
      c.filling = true;
      return c;
    }
    this.colls.set(name, new DocCache(this, prefix.slice()));
    return this.colls.get(name)!;
  }

  /** Brings every cache up to date with the document keys written since the last read (Keyspace.takeWritten). */
  private refresh(written: Uint8Array[]): void {
    if (written.length === 0) return;
    const now = this.ks.getMany(written);
    for (const c of this.colls.values()) {
      if (c.size === 0) continue;
      const p = c.prefix;
      for (let i = 0; i < written.length; i++) {
        const k = written[i]!;
        // Prefixes end in a terminated name, so no collection's prefix starts another's.
        let j = 0;
        while (j < p.length && k[j] === p[j]) j++;
        if (j === p.length && k.length > j) c.refresh(k, now[i]);
      }
    }
  }

  /** Takes `n` bytes of the budget; false (nothing taken) when they do not fit. */
  reserve(n: number): boolean {
    if (this.bytes + n > MAX_BYTES) return false;
    this.bytes += n;
    return true;
  }

  /** Bytes in use (tests and measurements). */
  get used(): number {
    return this.bytes;
  }
}

const sets = new WeakMap<Keyspace, CacheSet>();

function setOf(ks: Keyspace): CacheSet {
  let s = sets.get(ks);
  if (!s) sets.set(ks, (s = new CacheSet(ks)));
  return s;
}

/**
 * The document cache of the collection whose 'D' keys start with `docPrefix` (keys.ts docPrefix)
 * in `ks`, current for the keyspace's documents as they are now. Use it within one call and
 * before any write: a write empties the caches the next time one is asked for, not the object
 * already in hand.
 */
export function docCacheFor(ks: Keyspace, docPrefix: Uint8Array): DocCache {
  return setOf(ks).cache(docPrefix);
}

/** Bytes the document caches of `ks` hold, by the accounting of MAX_BYTES (for tests and measurements). */
export function docCacheBytes(ks: Keyspace): number {
  const s = sets.get(ks);
  // What the calls so far cached, including what waits to be added after them.
  s?.addPending();
  return s?.used ?? 0;
}
