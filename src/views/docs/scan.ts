/**
 * Executes a plan: walks the chosen key ranges, fetches and decodes documents, re-checks the full
 * filter on each (the index only narrows), and counts keys and documents examined for explain().
 * Everything is collected before the caller writes anything, so an update never sees its own
 * writes (no Halloween problem) and the tree is never modified under a running range.
 */
import { ByteArena, decodeFields, decodeValue, type FieldSelector } from '../../codec/value.js';
import { skipKeyComponents } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { latin1 } from './indexes.js';
import type { Plan } from './planner.js';
import type { Predicate } from './query/matcher.js';
import type { Doc } from './util.js';

/**
 * A fetched document with its stored bytes and encoded _id. The document is decoded on first use:
 * a lookup whose filter the plan already guarantees (`MATCH_ALL`) and whose answer goes back as
 * stored bytes never decodes it at all.
 */
export class Found {
  /** The stored bytes (a writer replaces them with `doc` when it rewrites the document). */
  bytes: Uint8Array;
  /** The 'D' key. */
  readonly key: Uint8Array;
  private decoded: Doc | undefined;

  /** A document as stored; `doc` when it is already decoded. */
  constructor(bytes: Uint8Array, key: Uint8Array, doc?: Doc) {
    this.bytes = bytes;
    this.key = key;
    this.decoded = doc;
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
 * How a scan tests a stored document against the filter: `sel` names the top-level fields the
 * filter reads (compiled from it by filterFields), so only those are decoded for the test and a
 * document that fails it is never decoded whole; without `sel` (a filter that may read anything,
 * like $expr) the whole document is decoded. With MATCH_ALL nothing is decoded.
 */
function tester(pred: Predicate, sel: FieldSelector | undefined): (mem: Uint8Array, start: number, end: number) => Doc | boolean {
  if (pred === MATCH_ALL) return () => true;
  if (sel) {
    return (mem, start, end) => {
      const part = decodeFields(mem, start, end, sel);
      if (part !== undefined) return pred(part);
      const doc = decodeValue(mem.subarray(start, end)) as Doc;
      return pred(doc) ? doc : false;
    };
  }
  return (mem, start, end) => {
    const doc = decodeValue(mem.subarray(start, end)) as Doc;
    return pred(doc) ? doc : false;
  };
}

/** With a limit, index entries whose documents are fetched per engine call (at most what is still wanted). */
const FETCH_CHUNK = 256;

/**
 * Runs `plan`, keeping documents that satisfy `pred`; stops after `stopAfter` matches when given.
 * `sel` (see tester) lets the test decode only the fields the filter reads.
 */
export function execute(ctx: ViewContext, docPrefix: Uint8Array, plan: Plan, pred: Predicate, stopAfter = Infinity, sel?: FieldSelector): ScanResult {
  const found: Found[] = [];
  let keysExamined = 0;
  let docsExamined = 0;
  if (stopAfter <= 0) return { found, keysExamined, docsExamined };
  const test = tester(pred, sel);
  /** Tests one stored document (bytes owned by the caller); true when the scan should stop. */
  const consider = (key: Uint8Array, bytes: Uint8Array): boolean => {
    docsExamined++;
    const t = test(bytes, 0, bytes.length);
    if (t !== false) found.push(new Found(bytes, key, t === true ? undefined : t));
    return found.length >= stopAfter;
  };
  if (plan.stage === 'OR') {
    const seen = new Set<string>();
    for (const b of plan.branches ?? []) {
      const r = execute(ctx, docPrefix, b, pred, Infinity, sel);
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
  if (plan.stage === 'IDHACK') {
    // One engine call per chunk of _ids, not per _id; a limit keeps the chunks small.
    const pts = plan.points ?? [];
    for (let i = 0; i < pts.length;) {
      const end = Math.min(pts.length, i + Math.min(FETCH_CHUNK, stopAfter - found.length));
      const vals = ctx.ks.getMany(pts.slice(i, end));
      for (let j = 0; j < vals.length; j++) {
        keysExamined++;
        const v = vals[j];
        if (v !== undefined && consider(pts[i + j]!, v)) return { found, keysExamined, docsExamined };
      }
      i = end;
    }
    return { found, keysExamined, docsExamined };
  }
  if (!plan.index) {
    // Ranges over 'D' keys: tested in place in engine memory (no engine call happens in the
    // visitor), and only a match is copied out, so a scan allocates per match, not per document.
    // Matches are copied into shared chunks (an ArrayBuffer per document made a full scan slower
    // than the batch copies of a range iterator).
    const countKeys = plan.stage !== 'COLLSCAN';
    const arena = new ByteArena(256 * 1024);
    let stop = false;
    for (const r of plan.ranges) {
      ctx.ks.forEachRaw(r, (mem, ko, kl, vo, vl) => {
        if (countKeys) keysExamined++;
        docsExamined++;
        const t = test(mem, vo, vo + vl);
        if (t === false) return true;
        found.push(new Found(arena.copy(mem.subarray(vo, vo + vl)), arena.copy(mem.subarray(ko, ko + kl)), t === true ? undefined : t));
        stop = found.length >= stopAfter;
        return !stop;
      });
      if (stop) break;
    }
    return { found, keysExamined, docsExamined };
  }
  // An index scan: the entries' _ids (read in place: the key's components are skipped, not
  // decoded) give the documents' keys, fetched a chunk at a time in one engine call each.
  const ix = plan.index;
  const dirs = ix.fields.map((f) => f.dir);
  const skipFrom = ix.prefix.length;
  const seen = plan.dedupe ? new Set<string>() : undefined;
  const pl = docPrefix.length;
  /** The document key of the index entry at mem[ko, ko+kl), or undefined for a repeated _id. */
  const docKeyOf = (mem: Uint8Array, ko: number, kl: number): Uint8Array | undefined => {
    keysExamined++;
    const end = ko + kl;
    const idAt = skipKeyComponents(mem, ko + skipFrom, dirs, end);
    const dk = new Uint8Array(pl + end - idAt);
    dk.set(docPrefix);
    dk.set(mem.subarray(idAt, end), pl);
    if (seen) {
      const h = latin1(dk.subarray(pl));
      if (seen.has(h)) return undefined;
      seen.add(h);
    }
    return dk;
  };
  /** Fetches and tests documents; true when the scan should stop. */
  const fetch = (dks: Uint8Array[]): boolean => {
    const vals = ctx.ks.getMany(dks);
    for (let j = 0; j < dks.length; j++) {
      const v = vals[j];
      if (v === undefined) continue; // cannot happen while indexes are consistent
      if (consider(dks[j]!, v)) return true;
    }
    return false;
  };
  for (const r of plan.ranges) {
    if (stopAfter === Infinity) {
      // Every entry is needed: read the range's keys in place, then the documents in chunks.
      const dks: Uint8Array[] = [];
      ctx.ks.forEachRaw(r, (mem, ko, kl) => {
        const dk = docKeyOf(mem, ko, kl);
        if (dk) dks.push(dk);
      });
      fetch(dks);
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
        if (fetch(dks)) return { found, keysExamined, docsExamined };
        dks = [];
      }
    }
    if (dks.length && fetch(dks)) return { found, keysExamined, docsExamined };
  }
  return { found, keysExamined, docsExamined };
}
