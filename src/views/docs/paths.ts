/**
 * Reading dotted paths the three ways MongoDB does:
 *
 * - queryValues: the query matcher's view. Arrays on the way are traversed (a condition on
 *   `a.b` looks at `b` in every document element of `a`); a numeric part both indexes an array
 *   and names a field of its document elements; a missing field contributes `undefined`.
 *   Leaf arrays are returned whole: the operator decides whether to look inside (one level).
 * - keyValues: index keys and sort keys. The query candidates with leaf arrays expanded one level,
 *   missing as null, and an empty array as EMPTY_ARRAY_KEY (MinKey: below null, like the BSON
 *   `undefined` MongoDB's multikey indexes use), so an index and a sort agree with the matcher.
 * - exprPath: aggregation expressions (`"$a.b"`): through an array it maps over the elements and
 *   drops missing values; numeric parts are field names, never array indexes.
 */
import { MinKey } from '../../keys/compare.js';
import { isIndexPart, isPlainObject, own } from './util.js';

/** The key of an empty array in indexes and sort keys (below null, as MongoDB's `undefined`). */
export const EMPTY_ARRAY_KEY: unknown = MinKey;

/** Candidate values at `parts` for the query matcher (see the file header). */
export function queryValues(doc: unknown, parts: readonly string[]): unknown[] {
  const out: unknown[] = [];
  walk(doc, parts, 0, out);
  return out;
}

function walk(v: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(v);
    return;
  }
  const p = parts[i]!;
  if (Array.isArray(v)) {
    const before = out.length;
    // An array with no document elements contributes no candidates at all (not even "missing"):
    // { 'a.b': null } does not match { a: [] } or { a: [1] }, while { 'a.b': { $exists: false } } does.
    if (isIndexPart(p)) {
      const idx = Number(p);
      // Past the end is a missing field ({ 'a.5': null } matches { a: [] }).
      if (idx < v.length) walk(v[idx], parts, i + 1, out);
      else out.push(undefined);
      return;
    }
    for (const e of v) if (isPlainObject(e)) walk(e, parts, i, out);
    void before;
    return;
  }
  if (isPlainObject(v)) {
    walk(own(v, p), parts, i + 1, out);
    return;
  }
  out.push(undefined);
}

/** Index/sort key values at `parts` (see the file header); never empty. */
export function keyValues(doc: unknown, parts: readonly string[]): unknown[] {
  return keyValuesOf(queryValues(doc, parts));
}

/** keyValues from the query candidates at the path (for a caller that has them already). */
export function keyValuesOf(cands: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  if (cands.length === 0) return [null];
  for (const c of cands) {
    if (Array.isArray(c)) {
      if (c.length === 0) out.push(EMPTY_ARRAY_KEY);
      else for (const e of c) out.push(e === undefined ? null : e);
    } else {
      out.push(c === undefined ? null : c);
    }
  }
  return out;
}

/** True when some candidate at `parts` is present (not missing). */
export function pathExists(doc: unknown, parts: readonly string[]): boolean {
  return queryValues(doc, parts).some((c) => c !== undefined);
}

/** The value of an aggregation field path (see the file header); undefined when missing. */
export function exprPath(v: unknown, parts: readonly string[], i = 0): unknown {
  for (; i < parts.length; i++) {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const e of v) {
        if (isPlainObject(e) || Array.isArray(e)) {
          const r = exprPath(e, parts, i);
          if (r !== undefined) out.push(r);
        }
      }
      return out;
    }
    if (!isPlainObject(v)) return undefined;
    v = own(v, parts[i]!);
  }
  return v;
}

/** The plain value at a path without any array traversal except numeric indexes (updates, projections). */
export function getExact(v: unknown, parts: readonly string[]): unknown {
  for (const p of parts) {
    if (Array.isArray(v)) {
      if (!isIndexPart(p)) return undefined;
      v = v[Number(p)];
    } else if (isPlainObject(v)) {
      v = own(v, p);
    } else {
      return undefined;
    }
  }
  return v;
}
