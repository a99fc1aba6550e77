/**
 * Sorted-set ranges: score and lex range specs (Redis's zslParseRange / zslParseLexRange) and the
 * walks over the 'Z' entries, which are ordered by (score, member) exactly as Redis's skiplist
 * is, so a score range is one seek plus a walk. Lex ranges follow Redis's compact-encoding walk,
 * which is what every small sorted set does in Redis, including with mixed scores; when all
 * scores are equal (the case lex ranges are meant for) the walk starts with a seek.
 */
import { prefixSuccessor } from '../../keys/encode.js';
import { cmp, parseStrtod, str } from './bytes.js';
import type { Db } from './db.js';
import { TAG, getOrdered, memberPrefix, zScoreKey, zScorePrefix } from './layout.js';
import { E, rerr } from './reply.js';

/** One element of a sorted set. */
export interface ZEntry {
  member: Uint8Array;
  score: number;
}

/** A score range: [min, max] with exclusive ends. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex range end: -inf / +inf, or a byte string. */
export type LexEnd = { inf: -1 | 1 } | { v: Uint8Array; ex: boolean };

/** A lex range. */
export interface LexRange {
  min: LexEnd;
  max: LexEnd;
}

function parseScoreEnd(b: Uint8Array): { v: number; ex: boolean } {
  const ex = b[0] === 0x28; // '('
  const v = parseStrtod(str(ex ? b.subarray(1) : b));
  if (v === undefined || Number.isNaN(v)) throw rerr('SYNTAX', E.MINMAX_FLOAT);
  return { v, ex };
}

/** zslParseRange, or "min or max is not a float". */
export function parseScoreRange(min: Uint8Array, max: Uint8Array): ScoreRange {
  const a = parseScoreEnd(min), b = parseScoreEnd(max);
  return { min: a.v, minex: a.ex, max: b.v, maxex: b.ex };
}

function parseLexEnd(b: Uint8Array): LexEnd {
  if (b.length === 1 && b[0] === 0x2b) return { inf: 1 };
  if (b.length === 1 && b[0] === 0x2d) return { inf: -1 };
  if (b[0] === 0x28) return { v: b.subarray(1), ex: true };
  if (b[0] === 0x5b) return { v: b.subarray(1), ex: false };
  throw rerr('SYNTAX', E.MINMAX_LEX);
}

/** zslParseLexRange, or "min or max not valid string range item". */
export function parseLexRange(min: Uint8Array, max: Uint8Array): LexRange {
  return { min: parseLexEnd(min), max: parseLexEnd(max) };
}

function cmpLex(v: Uint8Array, end: LexEnd): number {
  return 'inf' in end ? -end.inf : cmp(v, end.v);
}

function gteMin(v: Uint8Array, r: LexRange): boolean {
  const c = cmpLex(v, r.min);
  return 'inf' in r.min ? r.min.inf < 0 : r.min.ex ? c > 0 : c >= 0;
}

function lteMax(v: Uint8Array, r: LexRange): boolean {
  const c = cmpLex(v, r.max);
  return 'inf' in r.max ? r.max.inf > 0 : r.max.ex ? c < 0 : c <= 0;
}

/** True when the lex range can hold nothing whatever the set (min > max and the like). */
function lexEmpty(r: LexRange): boolean {
  const a = r.min, b = r.max;
  if ('inf' in a && 'inf' in b) return a.inf > b.inf;
  if ('inf' in a) return a.inf > 0;
  if ('inf' in b) return b.inf < 0;
  const c = cmp(a.v, b.v);
  return c > 0 || (c === 0 && (a.ex || b.ex));
}

/** The element of a 'Z' entry (scores are stored exactly: -0 never gets in, see t_zset put). */
function entryOf(_db: Db, key: Uint8Array, k: Uint8Array): ZEntry {
  const at = 3 + key.length;
  return { member: k.slice(at + 8), score: getOrdered(k, at) };
}

/** Every element in order (or reversed). */
export function* walk(db: Db, key: Uint8Array, reverse = false): IterableIterator<ZEntry> {
  for (const [k] of db.range({ prefix: memberPrefix(TAG.Z, key), keysOnly: true, reverse })) yield entryOf(db, key, k);
}

/** Elements whose score is within `r`, ascending or (reverse) descending. */
export function* scoreRange(db: Db, key: Uint8Array, r: ScoreRange, reverse = false): IterableIterator<ZEntry> {
  if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return;
  const lo = zScorePrefix(key, r.min), hi = zScorePrefix(key, r.max);
  const gte = r.minex ? prefixSuccessor(lo) : lo;
  const lt = r.maxex ? hi : prefixSuccessor(hi);
  const opts = { prefix: memberPrefix(TAG.Z, key), keysOnly: true, reverse, ...(gte ? { gte } : {}), ...(lt ? { lt } : {}) };
  for (const [k] of db.range(opts)) yield entryOf(db, key, k);
}

/** Elements within the lex range `r`, following Redis's listpack walk (see the file comment). */
export function* lexRange(db: Db, key: Uint8Array, r: LexRange, reverse = false): IterableIterator<ZEntry> {
  if (lexEmpty(r)) return;
  const prefix = memberPrefix(TAG.Z, key);
  let first: ZEntry | undefined, last: ZEntry | undefined;
  for (const [k] of db.range({ prefix, keysOnly: true, limit: 1 })) first = entryOf(db, key, k);
  for (const [k] of db.range({ prefix, keysOnly: true, limit: 1, reverse: true })) last = entryOf(db, key, k);
  if (!first || !last) return;
  if (!gteMin(last.member, r) || !lteMax(first.member, r)) return;
  let source: Iterable<ZEntry>;
  if (first.score === last.score) {
    // All scores equal: members are in byte order, so seek straight to the range.
    const s = first.score;
    const opts: { prefix: Uint8Array; keysOnly: true; reverse: boolean; gte?: Uint8Array; gt?: Uint8Array; lte?: Uint8Array; lt?: Uint8Array } = { prefix, keysOnly: true, reverse };
    if (!('inf' in r.min)) opts[r.min.ex ? 'gt' : 'gte'] = zScoreKey(key, s, r.min.v);
    if (!('inf' in r.max)) opts[r.max.ex ? 'lt' : 'lte'] = zScoreKey(key, s, r.max.v);
    source = (function* () { for (const [k] of db.range(opts)) yield entryOf(db, key, k); })();
  } else source = walk(db, key, reverse);
  let started = false;
  for (const e of source) {
    if (!started) {
      if (!(reverse ? lteMax(e.member, r) : gteMin(e.member, r))) continue;
      started = true;
      if (!(reverse ? gteMin(e.member, r) : lteMax(e.member, r))) return;
    } else if (!(reverse ? gteMin(e.member, r) : lteMax(e.member, r))) return;
    yield e;
  }
}

/** Applies LIMIT offset count (negative offset: nothing; negative count: no limit). */
export function* limit<X>(it: Iterable<X>, offset: number, count: number): IterableIterator<X> {
  if (offset < 0) return;
  let skipped = 0, taken = 0;
  for (const x of it) {
    if (skipped < offset) { skipped++; continue; }
    if (count >= 0 && taken >= count) return;
    taken++;
    yield x;
  }
}

