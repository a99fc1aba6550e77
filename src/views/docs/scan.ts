/**
 * Executes a plan: walks the chosen key ranges, fetches and decodes documents, re-checks the full
 * filter on each (the index only narrows), and counts keys and documents examined for explain().
 * Everything is collected before the caller writes anything, so an update never sees its own
 * writes (no Halloween problem) and the tree is never modified under a running range.
 */
import { KeyValueCursor, RecordBuilder } from '../../core/records.js';
import { ByteArena, decodeFields, decodeValue, Encoded, type FieldSelector } from '../../codec/value.js';
import { KeyType, skipKeyComponents } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { docCacheFor } from './doc-cache.js';
import { latin1 } from './indexes.js';
import type { Plan } from './planner.js';
import type { Predicate } from './query/matcher.js';
import { MATCH, UNDECIDED, type ByteTest } from './query/bytes.js';
import type { Doc } from './util.js';

/**
 * A fetched document with its stored bytes and encoded _id. The document is decoded on first use:
 * a lookup whose filter the plan already guarantees (`MATCH_ALL`) and whose answer goes back as
 * stored bytes never decodes it at all.
 *
 * It is an Encoded of its stored bytes (a stored document is encodeValue's encoding of it), so a
 * find answered with the documents as stored returns the Found list itself: no wrapper object
 * per document.
 */
export class Found extends Encoded {
  /** The stored bytes (a writer replaces them with `doc` when it rewrites the document). */
  declare bytes: Uint8Array;
  /** The 'D' key, or where it lies (see Found.at) until it is first asked for. */
  private k: Uint8Array | undefined;
  private kSrc: Uint8Array | undefined;
  private kStart = 0;
  private kEnd = 0;
  private decoded: Doc | undefined;

  /** A document as stored; `doc` when it is already decoded. */
  constructor(bytes: Uint8Array, key: Uint8Array | undefined, doc?: Doc) {
    super(bytes);
    this.k = key;
    this.decoded = doc;
  }

  /**
   * A document whose 'D' key is `src[start, end)`, a buffer nobody changes: the key's view is
   * made only when asked for (a find's answer never asks, an update's does), so an index scan
   * makes no key object per document it returns.
   */
  static at(bytes: Uint8Array, src: Uint8Array, start: number, end: number): Found {
    const f = new Found(bytes, undefined);
    f.kSrc = src;
    f.kStart = start;
    f.kEnd = end;
    return f;
  }

  /** The 'D' key. */
  get key(): Uint8Array {
    return (this.k ??= this.kSrc!.subarray(this.kStart, this.kEnd));
  }

  /** The document (decoded once). */
  get doc(): Doc {
    return (this.decoded ??= decodeValue(this.bytes) as Doc);
  }

  /** Replaces the document (a writer that has just rewritten it). */
  set doc(d: Doc) {
    this.decoded = d;
  }
}

/** The predicate of a filter the plan's keys already satisfy: documents are not decoded to test it. */
export const MATCH_ALL: Predicate = () => true;

/** Documents found and the work done. */
export interface ScanResult {
  found: Found[];
  keysExamined: number;
  docsExamined: number;
}

/**
 * How a scan tests a stored document against a query's filter: `pred` is the compiled filter;
 * `sel` names the top-level fields it reads (compiled by filterFields), so only those are decoded
 * for the test and a document that fails it is never decoded whole (without `sel`, a filter that
 * may read anything like $expr, the whole document is decoded); `bytes` decides what it can from
 * the encoded bytes first (see compileByteTest), so most documents are not decoded at all. With
 * MATCH_ALL as `pred` nothing is tested.
 */
export interface DocFilter {
  pred: Predicate;
  sel?: FieldSelector;
  bytes?: ByteTest;
}

/** The test of stored documents for `f`: false, true (matches, not decoded) or the decoded document (matches). */
function tester(f: DocFilter): (mem: Uint8Array, start: number, end: number) => Doc | boolean {
  const { pred, sel, bytes } = f;
  if (pred === MATCH_ALL) return () => true;
  const decoded = sel
    ? (mem: Uint8Array, start: number, end: number): Doc | boolean => {
        const part = decodeFields(mem, start, end, sel);
        if (part !== undefined) return pred(part);
        const doc = decodeValue(mem.subarray(start, end)) as Doc;
        return pred(doc) ? doc : false;
      }
    : (mem: Uint8Array, start: number, end: number): Doc | boolean => {
        const doc = decodeValue(mem.subarray(start, end)) as Doc;
        return pred(doc) ? doc : false;
      };
  if (!bytes) return decoded;
  return (mem, start, end) => {
    const r = bytes(mem, start, end);
    return r === UNDECIDED ? decoded(mem, start, end) : r === MATCH;
  };
}

/** With a limit, index entries whose documents are fetched per engine call (at most what is still wanted). */
const FETCH_CHUNK = 256;

/**
 * Runs `plan`, keeping documents that pass `filter`; stops after `stopAfter` matches when given.
 */
export function execute(ctx: ViewContext, docPrefix: Uint8Array, plan: Plan, filter: DocFilter, stopAfter = Infinity): ScanResult {
  const found: Found[] = [];
  let keysExamined = 0;
  let docsExamined = 0;
  if (stopAfter <= 0) return { found, keysExamined, docsExamined };
  const test = tester(filter);
  /** Tests one stored document (bytes owned by the caller); true when the scan should stop. */
  const consider = (key: Uint8Array, bytes: Uint8Array): boolean => {
    docsExamined++;
    const t = test(bytes, 0, bytes.length);
    if (t !== false) found.push(new Found(bytes, key, t === true ? undefined : t));
    return found.length >= stopAfter;
  };
  /** consider() for a document already wrapped (its key made only if asked for). */
  const considerFound = (f: Found): boolean => {
    docsExamined++;
    const t = test(f.bytes, 0, f.bytes.length);
    if (t !== false) {
      if (t !== true) f.doc = t;
      found.push(f);
    }
    return found.length >= stopAfter;
  };
  if (plan.stage === 'OR') {
    const seen = new Set<string>();
    for (const b of plan.branches ?? []) {
      const r = execute(ctx, docPrefix, b, filter, Infinity);
      keysExamined += r.keysExamined;
      docsExamined += r.docsExamined;
      for (const f of r.found) {
        const h = latin1(f.key);
        if (seen.has(h)) continue;
        seen.add(h);
        found.push(f);
        if (found.length >= stopAfter) return { found, keysExamined, docsExamined };
      }
    }
    return { found, keysExamined, docsExamined };
  }
  const cache = docCacheFor(ctx.ks, docPrefix);
  /**
   * Fetches the documents under the 'D' keys `dks` and considers them in order, taking those the
   * cache has from it and reading the others in one engine call (then caching them); true when
   * the scan should stop. Counts a key examined per key reached when `countKeys`.
   */
  const fetch = (dks: Uint8Array[], countKeys: boolean): boolean => {
    const pl = docPrefix.length;
    const at = new Array<number>(dks.length);
    let missing: Uint8Array[] | undefined;
    const lookup = cache.size > 0;
    for (let j = 0; j < dks.length; j++) {
      const dk = dks[j]!;
      const e = lookup ? cache.find(dk, pl, dk.length) : -1;
      at[j] = e;
      if (e < 0) (missing ??= []).push(dk);
    }
    const vals = missing ? ctx.ks.getMany(missing) : undefined;
    if (missing && cache.filling) cache.expect(missing.length);
    let mi = 0;
    for (let j = 0; j < dks.length; j++) {
      if (countKeys) keysExamined++;
      const e = at[j]!;
      if (e >= 0) {
        if (consider(cache.key(e), cache.value(e))) return true;
        continue;
      }
      const v = vals![mi++];
      if (v === undefined) continue;
      if (cache.filling) cache.add(dks[j]!, v);
      if (consider(dks[j]!, v)) return true;
    }
    return false;
  };
  if (plan.stage === 'IDHACK') {
    // One engine call per chunk of _ids (the ones not cached), not per _id; a limit keeps the
    // chunks small.
    const pts = plan.points ?? [];
    for (let i = 0; i < pts.length;) {
      const end = Math.min(pts.length, i + Math.min(FETCH_CHUNK, stopAfter - found.length));
      if (fetch(i === 0 && end === pts.length ? pts : pts.slice(i, end), true)) return { found, keysExamined, docsExamined };
      i = end;
    }
    return { found, keysExamined, docsExamined };
  }
  if (!plan.index) {
    // Matches are copied into shared chunks (an ArrayBuffer per document made a full scan slower
    // than the batch copies of a range iterator).
    const arena = new ByteArena(256 * 1024);
    const r = scanDocRanges(ctx, plan, test, (mem, ko, kl, vo, vl, t) => {
      found.push(new Found(arena.copy(mem.subarray(vo, vo + vl)), arena.copy(mem.subarray(ko, ko + kl)), t === true ? undefined : t));
      return found.length < stopAfter;
    });
    return { found, keysExamined: r.keysExamined, docsExamined: r.docsExamined };
  }
  // An index scan: the entries' _ids (read in place: the key's components are skipped, not
  // decoded) give the documents' keys, fetched a chunk at a time in one engine call each.
  const ix = plan.index;
  const allDirs = ix.fields.map((f) => f.dir);
  const fixed = plan.fixed;
  // The point components every entry of a range shares need no skipping (see Plan.fixed).
  const dirs = fixed && fixed.components > 0 ? allDirs.slice(fixed.components) : allDirs;
  let skipFrom = ix.prefix.length;
  const seen = plan.dedupe ? new Set<string>() : undefined;
  const pl = docPrefix.length;
  /** The document key for the _id bytes mem[idAt, end). */
  const docKeyAt = (mem: Uint8Array, idAt: number, end: number): Uint8Array => {
    const n = end - idAt;
    // Byte loops, not set(): keys are a few dozen bytes, where set() and the subarray it needs
    // cost more than the copy.
    const dk = new Uint8Array(pl + n);
    for (let i = 0; i < pl; i++) dk[i] = docPrefix[i]!;
    for (let i = 0; i < n; i++) dk[pl + i] = mem[idAt + i]!;
    return dk;
  };
  /** The document key of the index entry at mem[ko, ko+kl), or undefined for a repeated _id. */
  const docKeyOf = (mem: Uint8Array, ko: number, kl: number): Uint8Array | undefined => {
    keysExamined++;
    const end = ko + kl;
    const idAt = skipComponents(mem, ko + skipFrom, dirs, end);
    if (seen) {
      const h = latin1(mem.subarray(idAt, end));
      if (seen.has(h)) return undefined;
      seen.add(h);
    }
    return docKeyAt(mem, idAt, end);
  };
  for (let ri = 0; ri < plan.ranges.length; ri++) {
    const r = plan.ranges[ri]!;
    skipFrom = fixed && fixed.components > 0 ? fixed.lengths[ri]! : ix.prefix.length;
    if (stopAfter === Infinity) {
      // Every entry is needed: read the range's keys in place, looking each _id up in the cache
      // right there (no key is built for a cached document), then read the others in one engine
      // call and consider all in index order.
      // The documents not cached are read in one engine call from a record list of their keys
      // (no key object per document: after a bulk write none is cached, and the first query
      // then reads every document this way), and their values come back as one value list, in
      // the order asked.
      const order: number[] = []; // a cache entry, or -1 for the next document of the list
      const misses = new RecordBuilder(256);
      // An empty cache has nothing to find (the first read after a write): no lookups then.
      const lookup = cache.size > 0;
      ctx.ks.forEachRaw(r, (mem, ko, kl) => {
        keysExamined++;
        const end = ko + kl;
        const idAt = skipComponents(mem, ko + skipFrom, dirs, end);
        if (seen) {
          const h = latin1(mem.subarray(idAt, end));
          if (seen.has(h)) return;
          seen.add(h);
        }
        const e = lookup ? cache.find(mem, idAt, end) : -1;
        order.push(e);
        if (e < 0) {
          misses.begin(pl + end - idAt, 0);
          misses.append(docPrefix, 0, pl);
          misses.append(mem, idAt, end);
        }
      });
      const list = misses.list();
      // The list's records are [klen u32][vlen u32 = 0][key]; the values [vlen i32, -1 = absent][value].
      const keys = list.bytes;
      const vals = list.count > 0 ? ctx.ks.getManyOfRecords(list) : undefined;
      // Filling the cache waits until this call is answered (see DocCache.addLater).
      if (cache.filling && vals !== undefined) cache.addLater(keys, vals, list.count);
      const at = vals === undefined ? undefined : new KeyValueCursor(keys, vals);
      for (let j = 0; j < order.length; j++) {
        const o = order[j]!;
        if (o >= 0) {
          consider(cache.key(o), cache.value(o));
          continue;
        }
        if (!at!.next()) continue; // cannot happen while indexes are consistent
        considerFound(Found.at(vals!.subarray(at!.valStart, at!.valEnd), keys, at!.keyStart, at!.keyEnd));
      }
      continue;
    }
    // A limit: read entries only as far as needed, a small chunk of documents at a time (the
    // iterator resumes where it stopped), so a sorted scan with a limit stays short.
    let dks: Uint8Array[] = [];
    for (const [k] of ctx.ks.range(r)) {
      const dk = docKeyOf(k, 0, k.length);
      if (!dk) continue;
      dks.push(dk);
      if (dks.length >= Math.min(FETCH_CHUNK, stopAfter - found.length)) {
        if (fetch(dks, false)) return { found, keysExamined, docsExamined };
        dks = [];
      }
    }
    if (dks.length && fetch(dks, false)) return { found, keysExamined, docsExamined };
  }
  return { found, keysExamined, docsExamined };
}

/**
 * Walks a plan without an index (ranges over 'D' keys), testing each document in place in engine
 * memory and handing the matches to `onMatch` (false stops the walk). No engine call happens in
 * the visitor, so nothing is copied or allocated for a document that does not match.
 */
function scanDocRanges(
  ctx: ViewContext,
  plan: Plan,
  test: (mem: Uint8Array, start: number, end: number) => Doc | boolean,
  onMatch: (mem: Uint8Array, ko: number, kl: number, vo: number, vl: number, t: Doc | true) => boolean,
): { keysExamined: number; docsExamined: number } {
  const countKeys = plan.stage !== 'COLLSCAN';
  let keysExamined = 0;
  let docsExamined = 0;
  let stop = false;
  for (const r of plan.ranges) {
    ctx.ks.forEachRaw(r, (mem, ko, kl, vo, vl) => {
      if (countKeys) keysExamined++;
      docsExamined++;
      const t = test(mem, vo, vo + vl);
      if (t === false) return true;
      stop = !onMatch(mem, ko, kl, vo, vl, t);
      return !stop;
    });
    if (stop) break;
  }
  return { keysExamined, docsExamined };
}

/**
 * Runs `plan` (no limit) like execute, but hands each matching document to `visit` instead of
 * collecting it: the stored bytes mem[start, end), and the document when testing it decoded it
 * whole. A plan without an index passes the bytes in place in engine memory, valid only during
 * the call (`visit` must neither keep them nor call the engine), so a scan that folds documents
 * into a small answer (a $group) copies and keeps nothing per document.
 */
export function visitMatches(
  ctx: ViewContext,
  docPrefix: Uint8Array,
  plan: Plan,
  filter: DocFilter,
  visit: (mem: Uint8Array, start: number, end: number, doc: Doc | undefined) => void,
): void {
  if (plan.index || plan.stage === 'OR' || plan.stage === 'IDHACK') {
    for (const f of execute(ctx, docPrefix, plan, filter, Infinity).found) visit(f.bytes, 0, f.bytes.length, undefined);
    return;
  }
  scanDocRanges(ctx, plan, tester(filter), (mem, _ko, _kl, vo, vl, t) => {
    visit(mem, vo, vo + vl, t === true ? undefined : t);
    return true;
  });
}

/**
 * The offset just past the key components of directions `dirs` starting at mem[p] (an index
 * entry ending at `end`): skipKeyComponents with the scalar types index keys usually hold read
 * inline, since this runs once per index entry scanned. Anything else (arrays, objects, binary)
 * or anything malformed goes to skipKeyComponents, which skips it or throws CORRUPT.
 */
export function skipComponents(mem: Uint8Array, p: number, dirs: ReadonlyArray<1 | -1>, end: number): number {
  for (let i = 0; i < dirs.length; i++) {
    const at = p;
    // A descending component is stored inverted: read its bytes through the mask.
    const mask = dirs[i] === -1 ? 0xff : 0;
    const t = mem[p]! ^ mask;
    if (t === KeyType.Number || t === KeyType.Date) p += 9;
    else if (t === KeyType.String) {
      // Escaped bytes: 00 FF is a 00 inside the string, 00 00 ends it.
      p++;
      for (;;) {
        if (p + 1 >= end) return skipKeyComponents(mem, at, dirs.slice(i), end);
        if ((mem[p]! ^ mask) !== 0) { p++; continue; }
        const d = mem[p + 1]! ^ mask;
        p += 2;
        if (d === 0) break;
        if (d !== 0xff) return skipKeyComponents(mem, at, dirs.slice(i), end);
      }
    } else if (t === KeyType.Null || t === KeyType.MinKey || t === KeyType.MaxKey) p += 1;
    else if (t === KeyType.Boolean) p += 2;
    else if (t === KeyType.ObjectId) p += 13;
    else return skipKeyComponents(mem, at, dirs.slice(i), end);
    if (p > end) return skipKeyComponents(mem, at, dirs.slice(i), end);
  }
  return p;
}
