/**
 * Sorting documents in MongoDB's order: compound specs on dotted paths, mixed types in BSON
 * comparison order (keys/compare.ts), and for an array field the smallest element when ascending,
 * the largest when descending (an empty array sorts below null). Keys are computed once per
 * document (decorate-sort-undecorate), since extracting them is the expensive part.
 */
import { compareValues } from '../../keys/compare.js';
import { LarderError } from '../../errors.js';
import { keyValues } from './paths.js';
import { isPlainObject, show, splitPath, type Doc } from './util.js';

/** A normalized sort: paths with directions. */
export interface SortSpec {
  fields: Array<{ path: string; parts: string[]; dir: 1 | -1 }>;
}

/** Parses `{ a: 1, 'b.c': -1 }` (also 'asc'/'desc'); throws BAD_QUERY on anything else. */
export function parseSort(spec: unknown): SortSpec | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainObject(spec)) throw new LarderError('BAD_QUERY', `sort must be an object, got ${show(spec)}`);
  const fields: SortSpec['fields'] = [];
  for (const path of Object.keys(spec)) {
    const d = spec[path];
    const dir = d === 1 || d === 'asc' || d === 'ascending' ? 1 : d === -1 || d === 'desc' || d === 'descending' ? -1 : 0;
    if (dir === 0) throw new LarderError('BAD_QUERY', `bad sort direction for '${path}': ${show(d)} (use 1 or -1)`);
    fields.push({ path, parts: splitPath(path), dir });
  }
  return fields.length ? { fields } : undefined;
}

/** The sort key of one document for one field: the min (asc) or max (desc) of its key values. */
export function sortKey(doc: unknown, parts: readonly string[], dir: 1 | -1): unknown {
  const vals = keyValues(doc, parts);
  let best = vals[0];
  for (let i = 1; i < vals.length; i++) {
    const c = compareValues(vals[i], best);
    if (dir === 1 ? c < 0 : c > 0) best = vals[i];
  }
  return best;
}

/** Sorts documents in place by `spec` (stable: equal keys keep their input order). */
export function sortDocs<T>(docs: T[], spec: SortSpec | undefined, docOf: (x: T) => unknown = (x) => x): T[] {
  if (!spec || docs.length < 2) return docs;
  const f = spec.fields;
  const keyed = docs.map((d, i) => ({ d, i, k: f.map((x) => sortKey(docOf(d), x.parts, x.dir)) }));
  keyed.sort((a, b) => {
    for (let j = 0; j < f.length; j++) {
      const c = compareValues(a.k[j], b.k[j]);
      if (c !== 0) return c * f[j]!.dir;
    }
    return a.i - b.i;
  });
  for (let i = 0; i < docs.length; i++) docs[i] = keyed[i]!.d;
  return docs;
}

/** A comparator for two documents (used where decorating does not pay, e.g. $push's $sort). */
export function comparator(spec: SortSpec): (a: Doc, b: Doc) => number {
  return (a, b) => {
    for (const x of spec.fields) {
      const c = compareValues(sortKey(a, x.parts, x.dir), sortKey(b, x.parts, x.dir));
      if (c !== 0) return c * x.dir;
    }
    return 0;
  };
}
