/**
 * The query planner: picks how to find the documents of a filter (and in which order).
 *
 * Rules:
 * 1. The filter's top-level conjuncts (fields of the filter and of nested $and) give bounds per
 *    path: equality ($eq or a literal, not an array) and $in (no regexes, no arrays) give points;
 *    $gt/$gte/$lt/$lte give one interval within the value's type class (type bracketing);
 *    a regex gives the string interval of its literal prefix (all strings if it has none, which
 *    still skips every non-string). Other operators give no bounds.
 * 2. A candidate index uses its fields left to right: point fields first (a compound key is the
 *    product of their points, at most MAX_POINTS), then at most one interval field. On a multikey
 *    index only one condition's interval is used: one side of a range, or a regex's (each may be
 *    met by a different element).
 *    A sparse index is skipped when a bound includes null (missing fields are not in it); a
 *    partial index only when every clause of its partialFilterExpression appears in the filter
 *    (a hint naming one for any other filter is refused: scanning it would drop matches).
 * 3. _id is the primary key (the 'D' keys themselves): points there are direct lookups (IDHACK).
 * 4. Score: 3 per point field, 2 for an interval, +1 when the index also yields the requested sort;
 *    ties go to unique indexes, then fewer fields. No usable bound: an index that yields the sort
 *    (non-multikey, non-sparse, non-partial) is scanned whole when the query has a limit;
 *    otherwise a COLLSCAN in _id order.
 * 5. The full filter is always re-checked on every fetched document, so an index only narrows
 *    the search: answers are the same with or without it.
 */
import { LarderError } from '../../errors.js';
import { compareBytes, encodeKey, KeyType, prefixSuccessor } from '../../keys/encode.js';
import { TypeClass, typeClassOf } from '../../keys/compare.js';
import { encodeValue } from '../../codec/value.js';
import { ObjectId } from '../../codec/object-id.js';
import type { RangeOptions } from '../../core/tree.js';
import type { LiveIndex } from './indexes.js';
import { compileRegex, isRegexObject, literalPrefix } from './query/regex.js';
import type { SortSpec } from './sort.js';
import { isPlainObject, setOwn, type Doc } from './util.js';

/** Most point combinations a compound index scan expands to. */
export const MAX_POINTS = 1000;

/** One side of an interval over one key component, as encoded bytes (ascending). */
interface Side {
  /** Encoded component, or a prefix standing for every component starting with it. */
  bytes: Uint8Array;
  inclusive: boolean;
}

/** A set of values for one field: points or one interval. */
type FieldBounds = { kind: 'points'; points: Uint8Array[]; nullPoint: boolean; show: unknown[] } | { kind: 'interval'; lo: Side; hi: Side; show: string };

/** A chosen plan. */
export interface Plan {
  stage: 'COLLSCAN' | 'IXSCAN' | 'IDHACK' | 'OR';
  /** OR: one plan per $or branch (each an index plan); results are merged and deduplicated. */
  branches?: Plan[];
  /** Index used (IXSCAN), or '_id_' for IDHACK and _id ranges. */
  indexName?: string;
  keyPattern?: Record<string, number>;
  /** Byte ranges to scan in order (over 'I' keys for IXSCAN, 'D' keys otherwise). */
  ranges: RangeOptions[];
  /** For IXSCAN: number of key components before the _id. */
  components: number;
  /**
   * For IXSCAN over point fields: every entry of ranges[i] starts with the same bytes, the
   * index prefix and the first `components` key components (the points), `lengths[i]` bytes in
   * all. The scan skips only the components after them to find an entry's _id.
   */
  fixed?: { components: number; lengths: number[] };
  /** True when the scan order is the requested sort (no in-memory sort needed). */
  sorted: boolean;
  /** Whether documents may repeat (multikey or several ranges): dedupe by _id. */
  dedupe: boolean;
  /** Human-readable bounds for explain(). */
  bounds: Record<string, unknown>;
  /** The secondary index scanned; undefined when the ranges are over 'D' keys (COLLSCAN, _id). */
  index?: LiveIndex;
  /** IDHACK: the 'D' keys to look up. */
  points?: Uint8Array[];
  /**
   * Every document the plan reaches satisfies the whole filter, so it need not be tested: for
   * IXSCAN (see exactCondition) the filter is only conditions on the fields the bounds use, each
   * one a key range, on an index that is neither multikey nor partial; for IDHACK (see
   * exactIdCondition) it is only _id equal to a value or in a list.
   */
  exact?: boolean;
}

/** A bound as explain() shows it: JSON, with bigints as `10n` (JSON.stringify throws on them). */
function showBound(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

/** Bytes of an encoded string component without its 00 00 terminator: a prefix for every string starting with `s`. */
function stringPrefix(s: string): Uint8Array {
  const e = encodeKey(s);
  return e.subarray(0, e.length - 2);
}

const classByte: Record<number, number> = {
  [TypeClass.Null]: KeyType.Null,
  [TypeClass.Number]: KeyType.Number,
  [TypeClass.String]: KeyType.String,
  [TypeClass.Object]: KeyType.Object,
  [TypeClass.Array]: KeyType.Array,
  [TypeClass.Binary]: KeyType.Binary,
  [TypeClass.ObjectId]: KeyType.ObjectId,
  [TypeClass.Boolean]: KeyType.Boolean,
  [TypeClass.Date]: KeyType.Date,
};

/** Conditions on each path from the filter's top-level conjuncts. */
function conjuncts(filter: unknown, out: Map<string, unknown[]>): void {
  if (!isPlainObject(filter)) return;
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (k === '$and' && Array.isArray(v)) for (const f of v) conjuncts(f, out);
    else if (!k.startsWith('$')) {
      const list = out.get(k) ?? [];
      list.push(v);
      out.set(k, list);
    }
  }
}

function isOps(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v)[0]!.startsWith('$');
}

function safeEncode(v: unknown): Uint8Array | undefined {
  try {
    return encodeKey(v);
  } catch {
    return undefined;
  }
}

function points(values: unknown[]): FieldBounds | undefined {
  const pts: Uint8Array[] = [];
  let nullPoint = false;
  for (const v of values) {
    if (Array.isArray(v) || isRegexObject(v) || isOps(v)) return undefined;
    if (v === null || v === undefined) nullPoint = true;
    const e = safeEncode(v ?? null);
    if (!e) return undefined;
    pts.push(e);
  }
  pts.sort(compareBytes);
  const uniq = pts.filter((p, i) => i === 0 || compareBytes(p, pts[i - 1]!) !== 0);
  return { kind: 'points', points: uniq, nullPoint, show: values };
}

/** Bounds of one path from its conditions, or undefined when they give none. */
function fieldBounds(conds: unknown[], multikey: boolean): FieldBounds | undefined {
  let lo: Side | undefined;
  let hi: Side | undefined;
  let show = '';
  let rangeSides = 0;
  for (const c of conds) {
    if (!isOps(c)) {
      const p = points([c]);
      if (p) return p;
      continue;
    }
    if (isRegexObject(c)) {
      const r = regexBounds(c.$regex, c.$options);
      if (r && !lo && !hi) {
        ({ lo, hi, show } = r);
        rangeSides++;
      }
      continue;
    }
    for (const op of Object.keys(c)) {
      const v = c[op];
      if (op === '$eq') {
        const p = points([v]);
        if (p) return p;
      } else if (op === '$in' && Array.isArray(v)) {
        const p = points(v);
        if (p) return p;
      } else if ((op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') && !(multikey && rangeSides > 0)) {
        if (v === null || v === undefined) {
          if (op === '$gte' || op === '$lte') return points([null]);
          continue;
        }
        if (typeof v === 'number' && v !== v) continue; // NaN: leave it to the matcher
        // An array compares whole, but a multikey index holds its elements: no bounds from it.
        if (Array.isArray(v)) continue;
        let cls: TypeClass;
        try {
          cls = typeClassOf(v);
        } catch {
          continue;
        }
        const cb = classByte[cls];
        if (cb === undefined) continue;
        // Not every value of a class has a key (a bigint beyond 2^53 that no double equals):
        // no bounds from it then, the matcher still compares it.
        const e = safeEncode(v);
        if (!e) continue;
        if (op === '$gt' || op === '$gte') {
          const side = { bytes: e, inclusive: op === '$gte' };
          if (!lo || compareBytes(e, lo.bytes) > 0) lo = side;
          if (!hi) hi = { bytes: new Uint8Array([cb]), inclusive: true };
        } else {
          const side = { bytes: e, inclusive: op === '$lte' };
          if (!hi || hi.bytes.length === 1 || compareBytes(e, hi.bytes) < 0) hi = side;
          // Numbers start at -Infinity: NaN (encoded below it) never satisfies $lt/$lte.
          if (!lo) lo = cls === TypeClass.Number ? { bytes: encodeKey(-Infinity), inclusive: true } : { bytes: new Uint8Array([cb]), inclusive: true };
        }
        rangeSides++;
        show += `${show ? ', ' : ''}${op} ${showBound(v)}`;
      } else if (op === '$regex') {
        const r = regexBounds(v, c.$options);
        if (r && !lo && !hi) {
          ({ lo, hi, show } = r);
          // On a multikey index the regex may be met by one element and a range by another
          // (['a', 'b'] matches { $regex: '^a', $gt: 'ab' }): the regex's interval is one whole
          // condition, so no range side may narrow it.
          rangeSides++;
        }
      }
    }
  }
  if (lo && hi) return { kind: 'interval', lo, hi, show };
  return undefined;
}

function regexBounds(source: unknown, options: unknown): { lo: Side; hi: Side; show: string } | undefined {
  let spec;
  try {
    spec = compileRegex(source, options ?? '');
  } catch {
    return undefined;
  }
  const p = literalPrefix(spec) ?? '';
  if (/[imx]/.test(spec.options) && p === '') {
    // Still only strings can match.
  }
  const b = p === '' || /[imx]/.test(spec.options) ? new Uint8Array([KeyType.String]) : stringPrefix(p);
  return { lo: { bytes: b, inclusive: true }, hi: { bytes: b, inclusive: true }, show: `/${spec.source}/${spec.options}` };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function invert(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]! & 0xff;
  return out;
}

/** The scan range of keys starting with `prefix` whose next component lies between lo and hi (ascending component bytes). */
function intervalRange(prefix: Uint8Array, lo: Side, hi: Side, dir: 1 | -1): RangeOptions {
  // A descending component is stored inverted: the interval flips.
  const [l, h] = dir === 1 ? [lo, hi] : [{ bytes: invert(hi.bytes), inclusive: hi.inclusive }, { bytes: invert(lo.bytes), inclusive: lo.inclusive }];
  const lk = concat(prefix, l.bytes);
  const hk = concat(prefix, h.bytes);
  const r: RangeOptions = {};
  if (l.inclusive) r.gte = lk;
  else {
    const s = prefixSuccessor(lk);
    if (s) r.gte = s;
    else r.gt = lk;
  }
  if (h.inclusive) {
    const s = prefixSuccessor(hk);
    if (s) r.lt = s;
    else r.gte ??= prefix;
  } else r.lt = hk;
  return r;
}

function prefixRange(p: Uint8Array): RangeOptions {
  const s = prefixSuccessor(p);
  return s ? { gte: p, lt: s } : { gte: p };
}

/** Whether the filter has every clause of a partial index's expression verbatim. */
function impliesPartial(filter: unknown, pfe: Doc): boolean {
  const conds = new Map<string, unknown[]>();
  conjuncts(filter, conds);
  for (const k of Object.keys(pfe)) {
    const want = encodeValue(pfe[k]);
    const have = conds.get(k) ?? [];
    if (!have.some((h) => compareBytes(encodeValue(h), want) === 0)) return false;
  }
  return true;
}

interface Candidate {
  name: string;
  fields: Array<{ path: string; dir: 1 | -1 }>;
  prefix: Uint8Array;
  unique: boolean;
  multikey: boolean;
  sparse: boolean;
  partial?: Doc;
  index?: LiveIndex;
  isId: boolean;
}

/** Picks a plan for `filter` (and `sort`) over a collection with `indexes`. */
export function plan(filter: unknown, sort: SortSpec | undefined, docPrefix: Uint8Array, indexes: LiveIndex[], opts: { hasLimit?: boolean; hint?: unknown } = {}): Plan {
  const conds = new Map<string, unknown[]>();
  conjuncts(filter, conds);
  // Only a filter of plain field conditions can be answered by bounds alone ($and, $or, $expr...
  // add conditions the bounds do not carry).
  const fieldsOnly = isPlainObject(filter) && Object.keys(filter).every((k) => !k.startsWith('$'));
  const cands: Candidate[] = [
    { name: '_id_', fields: [{ path: '_id', dir: 1 }], prefix: docPrefix, unique: true, multikey: false, sparse: false, isId: true },
    ...indexes.map((ix) => ({
      name: ix.def.name,
      fields: ix.fields.map((f) => ({ path: f.path, dir: f.dir })),
      prefix: ix.prefix,
      unique: !!ix.def.unique,
      multikey: !!ix.def.multikey,
      sparse: !!ix.def.sparse,
      partial: ix.def.partialFilterExpression,
      index: ix,
      isId: false,
    })),
  ];
  let pool = cands;
  if (opts.hint !== undefined && opts.hint !== null) {
    const h = opts.hint;
    pool = cands.filter((c) => (typeof h === 'string' ? c.name === h : isPlainObject(h) && JSON.stringify(Object.entries(h)) === JSON.stringify(c.fields.map((f) => [f.path, f.dir]))));
    if (pool.length === 0) throw new LarderError('BAD_QUERY', `hint provided does not correspond to an existing index: ${JSON.stringify(h)}`);
    // A partial index lacks the documents outside its expression: scanning it for a filter that
    // does not imply the expression would silently drop matches. MongoDB's planner refuses such a
    // hint the same way as an unknown index.
    pool = pool.filter((c) => !c.partial || impliesPartial(filter, c.partial));
    if (pool.length === 0) throw new LarderError('BAD_QUERY', `hint provided does not correspond to an existing index: ${JSON.stringify(h)} (a partial index the filter does not imply)`);
  }
  let best: { c: Candidate; score: number; plan: Plan } | undefined;
  for (const c of pool) {
    if (c.partial && !impliesPartial(filter, c.partial)) continue;
    const p = planFor(c, conds, sort, fieldsOnly);
    if (!p) continue;
    const score = p.score + (p.plan.sorted ? 1 : 0);
    const better =
      !best || score > best.score || (score === best.score && ((c.unique && !best.c.unique) || (c.unique === best.c.unique && c.fields.length < best.c.fields.length)));
    if (better) best = { c, score, plan: p.plan };
  }
  if (best && best.score >= 2) return best.plan;
  const or = orPlan(filter, docPrefix, indexes, opts);
  if (or && !sort) return or;
  // Nothing bounded: an index that gives the sort order, when a limit makes stopping early pay.
  if (sort && (opts.hasLimit || opts.hint !== undefined)) {
    for (const c of pool) {
      if (c.multikey || c.sparse || c.partial) continue;
      const dirMatch = sortMatch(c, 0, sort);
      if (dirMatch === 0) continue;
      return c.isId
        ? { stage: 'COLLSCAN', ranges: [{ ...prefixRange(docPrefix), reverse: dirMatch === -1 }], components: 0, sorted: true, dedupe: false, bounds: {} }
        : {
            stage: 'IXSCAN',
            indexName: c.name,
            keyPattern: keyPattern(c),
            ranges: [{ ...prefixRange(c.prefix), reverse: dirMatch === -1, keysOnly: true }],
            components: c.fields.length,
            sorted: true,
            dedupe: false,
            bounds: Object.fromEntries(c.fields.map((f) => [f.path, ['[MinKey, MaxKey]']])),
            index: c.index,
          };
    }
  }
  if (opts.hint !== undefined && pool.length === 1 && !pool[0]!.isId) {
    const c = pool[0]!;
    return { stage: 'IXSCAN', indexName: c.name, keyPattern: keyPattern(c), ranges: [{ ...prefixRange(c.prefix), keysOnly: true }], components: c.fields.length, sorted: false, dedupe: c.multikey, bounds: {}, index: c.index };
  }
  const sorted = !!sort && sort.fields.length === 1 && sort.fields[0]!.path === '_id';
  return { stage: 'COLLSCAN', ranges: [{ ...prefixRange(docPrefix), reverse: sorted && sort!.fields[0]!.dir === -1 }], components: 0, sorted, dedupe: false, bounds: {} };
}

/**
 * A top-level $or whose every branch (with the other top-level conditions) can use an index is
 * answered by the union of the branch scans (MongoDB's OR stage); one unindexable branch means a
 * collection scan anyway.
 */
function orPlan(filter: unknown, docPrefix: Uint8Array, indexes: LiveIndex[], opts: { hint?: unknown }): Plan | undefined {
  if (!isPlainObject(filter) || !Array.isArray(filter.$or) || filter.$or.length === 0 || opts.hint !== undefined) return undefined;
  const rest: Doc = {};
  for (const k of Object.keys(filter)) if (k !== '$or') rest[k] = filter[k];
  const branches: Plan[] = [];
  for (const b of filter.$or) {
    const p = plan({ $and: [rest, b] }, undefined, docPrefix, indexes, {});
    if (p.stage === 'COLLSCAN' || p.stage === 'OR') return undefined;
    branches.push(p);
  }
  return { stage: 'OR', ranges: [], components: 0, sorted: false, dedupe: true, bounds: {}, branches };
}

function keyPattern(c: Candidate): Record<string, number> {
  return Object.fromEntries(c.fields.map((f) => [f.path, f.dir]));
}

/** 1 when the index fields from `from` give `sort` ascending-as-specified, -1 reversed, 0 not at all. */
function sortMatch(c: Candidate, from: number, sort: SortSpec): 0 | 1 | -1 {
  if (c.multikey || c.sparse || c.partial) return 0;
  if (from + sort.fields.length > c.fields.length) return 0;
  let dir: 0 | 1 | -1 = 0;
  for (let i = 0; i < sort.fields.length; i++) {
    const f = c.fields[from + i]!;
    const s = sort.fields[i]!;
    if (f.path !== s.path) return 0;
    const d = f.dir === s.dir ? 1 : -1;
    if (dir === 0) dir = d;
    else if (dir !== d) return 0;
  }
  return dir;
}

/** A value whose key is equal exactly when the matcher's equality holds (no null, array, object, regex, Date or NaN). */
function exactScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && v === v) || v instanceof ObjectId;
}

/**
 * Whether the bounds fieldBounds makes of `cond` (a field's only condition, on a non-multikey
 * index) hold exactly the values that satisfy it: a scalar (literal, $eq or $in of scalars)
 * whose key is equal exactly when the value compares equal, or at most one lower and one upper
 * bound of one type (numbers or strings), which the key order brackets as the matcher does.
 * Two lower bounds (`$gt: 5, $gte: 5`) are not: fieldBounds keeps one of them.
 */
function exactCondition(cond: unknown, kind: 'points' | 'interval'): boolean {
  if (!isOps(cond)) return kind === 'points' && exactScalar(cond);
  const ops = Object.keys(cond);
  if (kind === 'points') {
    if (ops.length !== 1) return false;
    const v = cond[ops[0]!];
    if (ops[0] === '$eq') return exactScalar(v);
    return ops[0] === '$in' && Array.isArray(v) && v.every(exactScalar);
  }
  let lower = 0;
  let upper = 0;
  let type: string | undefined;
  for (const op of ops) {
    const v = cond[op];
    if (op === '$gt' || op === '$gte') lower++;
    else if (op === '$lt' || op === '$lte') upper++;
    else return false;
    if (!((typeof v === 'number' && v === v) || typeof v === 'string')) return false;
    if (type !== undefined && typeof v !== type) return false;
    type = typeof v;
  }
  return lower <= 1 && upper <= 1;
}

/**
 * Whether direct _id lookups made of `cond` hold exactly the documents that satisfy it: a value
 * (an embedded document too, matched whole), $eq or $in. A stored _id's key equals a looked-up key
 * exactly when the values compare equal, so a document found under one of the keys matches.
 */
function exactIdCondition(cond: unknown): boolean {
  if (!isOps(cond)) return true;
  const ops = Object.keys(cond);
  return ops.length === 1 && (ops[0] === '$eq' || ops[0] === '$in');
}

/**
 * A plan's explain() bounds from `shows` (path, how to show its bounds; the first entry of a path
 * wins), computed on first use and then kept on the plan.
 */
function lazyBounds(plan: Plan, shows: Array<[string, () => unknown]>): Record<string, unknown> {
  const bounds: Record<string, unknown> = {};
  for (const [path, show] of shows) if (!Object.prototype.hasOwnProperty.call(bounds, path)) setOwn(bounds, path, show());
  Object.defineProperty(plan, 'bounds', { value: bounds, enumerable: true, writable: true, configurable: true });
  return bounds;
}

function planFor(c: Candidate, conds: Map<string, unknown[]>, sort: SortSpec | undefined, fieldsOnly: boolean): { score: number; plan: Plan } | undefined {
  let prefixes: Uint8Array[] = [c.prefix];
  let score = 0;
  let used = 0;
  let exact = fieldsOnly && !c.multikey && !c.partial;
  let singlePoints = true;
  // explain()'s bounds, built only when asked for: a $in of 3,000 _ids would otherwise spend more
  // time showing its points as JSON than looking them up.
  const shows: Array<[string, () => unknown]> = [];
  let interval: { lo: Side; hi: Side; dir: 1 | -1 } | undefined;
  for (const f of c.fields) {
    const fc = conds.get(f.path);
    const b = fc ? fieldBounds(fc, c.multikey) : undefined;
    if (!b) break;
    if (exact && !(fc!.length === 1 && (c.isId ? b.kind === 'points' && exactIdCondition(fc![0]) : exactCondition(fc![0], b.kind)))) exact = false;
    if (b.kind === 'points') {
      if (c.sparse && b.nullPoint) return undefined;
      // The cap is on products of several fields' points; one field's points are as many as
      // the query lists (a $in of 3,000 ids is 3,000 direct lookups, not a collection scan).
      if (prefixes.length > 1 && prefixes.length * b.points.length > MAX_POINTS) break;
      const next: Uint8Array[] = [];
      for (const p of prefixes) for (const pt of b.points) next.push(concat(p, f.dir === 1 ? pt : invert(pt)));
      // Descending components: keep the ranges in scan order.
      next.sort(compareBytes);
      prefixes = next;
      if (b.points.length > 1) singlePoints = false;
      score += 3;
      used++;
      shows.push([f.path, () => b.show.map((v) => `[${showBound(v ?? null)}, ${showBound(v ?? null)}]`)]);
      continue;
    }
    interval = { lo: b.lo, hi: b.hi, dir: f.dir };
    score += 2;
    used++;
    shows.push([f.path, () => [b.show]]);
    break;
  }
  if (used === 0) return undefined;
  // Every condition of the filter must be one the bounds carry.
  if (conds.size !== used) exact = false;
  for (const f of c.fields.slice(used)) shows.push([f.path, () => ['[MinKey, MaxKey]']]);
  const isPointLookup = c.isId && !interval;
  // Direct _id lookups read `points`, not ranges: 3,000 _ids need no 3,000 ranges.
  const ranges: RangeOptions[] = isPointLookup ? [] : prefixes.map((p) => (interval ? intervalRange(p, interval.lo, interval.hi, interval.dir) : prefixRange(p)));
  let sorted = false;
  let reverse = false;
  if (sort && singlePoints) {
    // Leading point fields are constant, so the sort may start at any of them.
    const last = used - (interval ? 1 : 0);
    for (let from = 0; from <= last && !sorted; from++) {
      const m = sortMatch(c, from, sort);
      if (m !== 0) {
        sorted = true;
        reverse = m === -1;
      }
    }
  }
  const fixedLengths = isPointLookup ? [] : prefixes.map((p) => p.length);
  if (reverse) {
    ranges.reverse();
    fixedLengths.reverse();
  }
  for (const r of ranges) {
    r.reverse = reverse;
    if (!c.isId) r.keysOnly = true;
  }
  return {
    score,
    plan: {
      stage: isPointLookup ? 'IDHACK' : 'IXSCAN',
      indexName: c.name,
      keyPattern: keyPattern(c),
      ranges,
      components: c.fields.length,
      fixed: { components: used - (interval ? 1 : 0), lengths: fixedLengths },
      sorted: sorted || (isPointLookup && prefixes.length <= 1),
      dedupe: c.multikey || prefixes.length > 1,
      get bounds() {
        return lazyBounds(this, shows);
      },
      index: c.index,
      points: isPointLookup ? prefixes : undefined,
      exact: exact && (isPointLookup || !c.isId) ? true : undefined,
    },
  };
}
