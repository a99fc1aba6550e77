/**
 * What an update needs from its query: the seed of an upserted document (the query's equality
 * conditions, as MongoDB copies them), and the array position the positional `$` refers to.
 */
import { LarderError } from '../../../errors.js';
import { compileFilter } from '../query/matcher.js';
import { isRegexObject } from '../query/regex.js';
import { clone, isPlainObject, setOwn, splitPath, type Doc } from '../util.js';
import { getPath, setPath } from './path.js';

/** The document an upsert starts from: equality fields of the filter (top level and $and). */
export function upsertSeed(filter: unknown): Doc {
  const out: Doc = {};
  const seen: string[] = [];
  const add = (f: unknown): void => {
    if (!isPlainObject(f)) return;
    for (const k of Object.keys(f)) {
      const v = f[k];
      if (k === '$and' && Array.isArray(v)) {
        for (const s of v) add(s);
        continue;
      }
      if (k.startsWith('$')) continue;
      let value: unknown;
      if (isPlainObject(v) && Object.keys(v)[0]?.startsWith('$')) {
        if (!('$eq' in v) || isRegexObject(v)) continue;
        value = v.$eq;
      } else {
        value = v;
      }
      for (const s of seen) {
        if (s === k || s.startsWith(k + '.') || k.startsWith(s + '.')) throw new LarderError('BAD_QUERY', `cannot infer query fields to set, path '${k}' is matched twice`, { code: 54 });
      }
      seen.push(k);
      setPath(out, splitPath(k), clone(value));
    }
  };
  add(filter);
  if ('_id' in out && Array.isArray(out._id)) throw new LarderError('BAD_VALUE', 'The _id field cannot be an array');
  return out;
}

/** Clauses of `filter` (top level and $and) whose path is `prefix` or lies under it. */
function clausesUnder(filter: unknown, prefix: string, out: Doc): void {
  if (!isPlainObject(filter)) return;
  for (const k of Object.keys(filter)) {
    const v = filter[k];
    if (k === '$and' && Array.isArray(v)) for (const s of v) clausesUnder(s, prefix, out);
    else if (k === prefix || k.startsWith(prefix + '.')) setOwn(out, k + (k in out ? '\u0000' : ''), v);
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
