/**
 * What an update needs from its query: the seed of an upserted document (the query's equality
 * conditions, as MongoDB copies them), and the array position the positional `$` refers to.
 */
import { LarderError } from '../../../errors.js';
import { compileFilter } from '../query/matcher.js';
import { isRegexObject } from '../query/regex.js';
import { clone, isPlainObject, setOwn, splitPath, type Doc } from '../util.js';
import { getPath, pathsConflict, setPath } from './path.js';

/**
 * The equality values a filter's condition on one path stands for, as MongoDB's optimizer sees
 * them: `$eq`, a one-element `$in`, and each element of `$all` (an AND of equalities, so two of
 * them conflict). Regexes and `$elemMatch` are not equalities.
 */
function equalities(v: unknown): unknown[] {
  if (!(isPlainObject(v) && Object.keys(v)[0]?.startsWith('$'))) return [v];
  if (isRegexObject(v)) return [];
  const out: unknown[] = [];
  if ('$eq' in v) out.push(v.$eq);
  const inList = v.$in;
  if (Array.isArray(inList) && inList.length === 1 && !isRegexObject(inList[0]) && !(inList[0] instanceof RegExp)) out.push(inList[0]);
  const all = v.$all;
  if (Array.isArray(all)) {
    for (const e of all) if (!isRegexObject(e) && !(isPlainObject(e) && '$elemMatch' in e)) out.push(e);
  }
  return out;
}

/**
 * The document an upsert starts from: equality fields of the filter (top level, `$and`, and a
 * `$or` of one clause, which the optimizer turns into that clause). MongoDB's rules are
 * jstests/core/write/update/upsert_fields.js.
 */
export function upsertSeed(filter: unknown): Doc {
  const out: Doc = {};
  const seen: string[] = [];
  const add = (f: unknown): void => {
    if (!isPlainObject(f)) return;
    for (const k of Object.keys(f)) {
      const v = f[k];
      if ((k === '$and' || (k === '$or' && Array.isArray(v) && v.length === 1)) && Array.isArray(v)) {
        for (const s of v) add(s);
        continue;
      }
      if (k.startsWith('$')) continue;
      for (const value of equalities(v)) {
        if (seen.some((s) => pathsConflict(s, k))) throw new LarderError('BAD_QUERY', `cannot infer query fields to set, path '${k}' is matched twice`, { code: 54 });
        seen.push(k);
        setPath(out, splitPath(k), clone(value));
      }
    }
  };
  add(filter);
  if ('_id' in out && Array.isArray(out._id)) throw new LarderError('BAD_VALUE', 'The _id field cannot be an array');
  return out;
}

/**
 * Negations never record a position: MongoDB matches them against the whole array, so a query that
 * reaches the array only through `$ne`, `$nin` or `$not` leaves the positional `$` without a match
 * (manual, "$ (update)" > Negations; SERVER-6982). Inside `$elemMatch` they are ordinary conditions.
 */
const NEGATIONS = new Set(['$ne', '$nin', '$not']);

/** A clause's condition without its negations, or undefined when nothing is left. */
function withoutNegations(v: unknown): unknown {
  if (!isPlainObject(v) || isRegexObject(v) || !Object.keys(v)[0]?.startsWith('$')) return v;
  const kept: Doc = {};
  for (const op of Object.keys(v)) if (!NEGATIONS.has(op)) setOwn(kept, op, v[op]);
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Clauses of `filter` (top level and $and) whose path is `prefix` or lies under it. */
function clausesUnder(filter: unknown, prefix: string, out: Doc): void {
  if (!isPlainObject(filter)) return;
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (k === '$and' && Array.isArray(v)) for (const s of v) clausesUnder(s, prefix, out);
    else if (k === prefix || k.startsWith(prefix + '.')) {
      const cond = withoutNegations(v);
      if (cond !== undefined) setOwn(out, k + (k in out ? '\u0000' : ''), cond);
    }
  }
}

/**
 * The index of the first element of the array at `prefix` that satisfies the filter's conditions
 * on that array, or undefined. Each element is tested alone inside a minimal document.
 */
export function positionalIndex(doc: Doc, filter: unknown, prefix: string[]): number | undefined {
  const arr = getPath(doc, prefix);
  if (!Array.isArray(arr)) return undefined;
  const sub: Doc = {};
  clausesUnder(filter, prefix.join('.'), sub);
  const keys = Object.keys(sub);
  if (keys.length === 0) return undefined;
  const test = compileFilter({ $and: keys.map((k) => ({ [k.replace(/\u0000+$/, '')]: sub[k] })) });
  for (let i = 0; i < arr.length; i++) {
    const pseudo: Doc = {};
    setPath(pseudo, prefix, [arr[i]]);
    if (test(pseudo)) return i;
  }
  return undefined;
}
