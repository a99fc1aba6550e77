/**
 * Executes a plan: walks the chosen key ranges, fetches and decodes documents, re-checks the full
 * filter on each (the index only narrows), and counts keys and documents examined for explain().
 * Everything is collected before the caller writes anything, so an update never sees its own
 * writes (no Halloween problem) and the tree is never modified under a running range.
 */
import { decodeValue } from '../../codec/value.js';
import { decodeKey } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { latin1 } from './indexes.js';
import { docKeyFromIdBytes } from './keys.js';
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

/** Runs `plan`, keeping documents that satisfy `pred`; stops after `stopAfter` matches when given. */
export function execute(ctx: ViewContext, docPrefix: Uint8Array, plan: Plan, pred: Predicate, stopAfter = Infinity): ScanResult {
  const found: Found[] = [];
  let keysExamined = 0;
  let docsExamined = 0;
  if (stopAfter <= 0) return { found, keysExamined, docsExamined };
  const consider = (key: Uint8Array, bytes: Uint8Array): boolean => {
    docsExamined++;
    const f = new Found(bytes, key);
    if (pred === MATCH_ALL || pred(f.doc)) found.push(f);
    return found.length >= stopAfter;
  };
  if (plan.stage === 'OR') {
    const seen = new Set<string>();
    for (const b of plan.branches ?? []) {
      const r = execute(ctx, docPrefix, b, pred);
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
    for (const k of plan.points ?? []) {
      keysExamined++;
      const v = ctx.ks.get(k);
      if (v !== undefined && consider(k, v)) break;
    }
    return { found, keysExamined, docsExamined };
  }
  if (!plan.index) {
    outer: for (const r of plan.ranges) {
      for (const [k, v] of ctx.ks.range(r)) {
        if (plan.stage !== 'COLLSCAN') keysExamined++;
        if (consider(k, v)) break outer;
      }
    }
    return { found, keysExamined, docsExamined };
  }
  const ix = plan.index;
  const dirs = ix.fields.map((f) => f.dir);
  const seen = plan.dedupe ? new Set<string>() : undefined;
  outer: for (const r of plan.ranges) {
    for (const [k] of ctx.ks.range(r)) {
      keysExamined++;
      const { offset } = decodeKey(k, { offset: ix.prefix.length, directions: dirs, count: dirs.length });
      const idBytes = k.subarray(offset);
      if (seen) {
        const h = latin1(idBytes);
        if (seen.has(h)) continue;
        seen.add(h);
      }
      const dk = docKeyFromIdBytes(docPrefix, idBytes);
      const v = ctx.ks.get(dk);
      if (v === undefined) continue; // cannot happen while indexes are consistent
      if (consider(dk, v)) break outer;
    }
  }
  return { found, keysExamined, docsExamined };
}
