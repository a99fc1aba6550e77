/**
 * Writing at a dotted path inside a document being updated: creating intermediate documents,
 * indexing arrays (padding with null like MongoDB), and refusing to walk through a scalar. Every
 * write is an own data property (setOwn), so `__proto__` or `constructor` in a path is a field
 * name and never reaches a prototype.
 */
import { LarderError } from '../../../errors.js';
import { isIndexPart, isPlainObject, own, setOwn, show, type Doc } from '../util.js';

/** MongoDB's cap on the nulls an update may add to reach an array index (path_support.h). */
const MAX_PADDING = 1_500_000;

/** Pads `arr` with null up to length `idx`; more than MAX_PADDING nulls is CannotBackfillArray (34). */
function padTo(arr: unknown[], idx: number): void {
  if (idx - arr.length > MAX_PADDING) throw new LarderError('BAD_VALUE', `can't backfill more than ${MAX_PADDING} elements`, { code: 34 });
  while (arr.length < idx) arr.push(null);
}

function notViable(parts: readonly string[], i: number, at: unknown): never {
  throw new LarderError('BAD_VALUE', `Cannot create field '${parts[i]}' in element {${parts.slice(0, i).join('.') || '(root)'}: ${show(at)}}`, { code: 28 });
}

/** The container holding the last part of `parts`, created on the way when `create` is set. */
function parentOf(doc: Doc, parts: readonly string[], create: boolean): Doc | unknown[] | undefined {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    let next: unknown;
    if (Array.isArray(cur)) {
      if (!isIndexPart(p)) {
        if (!create) return undefined;
        notViable(parts, i, cur);
      }
      const idx = Number(p);
      next = cur[idx];
      if (next === undefined || (next === null && idx >= cur.length)) {
        if (!create) return undefined;
        padTo(cur, idx);
        next = {};
        cur[idx] = next;
      }
    } else if (isPlainObject(cur)) {
      next = own(cur, p);
      if (next === undefined) {
        if (!create) return undefined;
        next = {};
        setOwn(cur, p, next);
      }
    } else {
      if (!create) return undefined;
      notViable(parts, i, cur);
    }
    if (!isPlainObject(next) && !Array.isArray(next)) {
      if (!create) return undefined;
      notViable(parts, i + 1, next);
    }
    cur = next;
  }
  return cur as Doc | unknown[];
}

/** Sets `value` at `parts`, creating documents on the way; throws BAD_VALUE through a scalar. */
export function setPath(doc: Doc, parts: readonly string[], value: unknown): void {
  const parent = parentOf(doc, parts, true)!;
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    if (!isIndexPart(last)) notViable(parts, parts.length - 1, parent);
    const idx = Number(last);
    padTo(parent, idx);
    parent[idx] = value;
  } else {
    setOwn(parent, last, value);
  }
}

/** Removes the field at `parts` (an array element becomes null, as MongoDB's $unset does). */
export function unsetPath(doc: Doc, parts: readonly string[]): void {
  const parent = parentOf(doc, parts, false);
  if (parent === undefined) return;
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    if (isIndexPart(last) && Number(last) < parent.length) parent[Number(last)] = null;
  } else if (Object.prototype.hasOwnProperty.call(parent, last)) {
    delete parent[last];
  }
}

/** The value at `parts` following only document fields and numeric array indexes. */
export function getPath(doc: unknown, parts: readonly string[]): unknown {
  let cur = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) {
      if (!isIndexPart(p)) return undefined;
      cur = cur[Number(p)];
    } else if (isPlainObject(cur)) {
      cur = own(cur, p);
    } else {
      return undefined;
    }
  }
  return cur;
}

/** True when `a` equals `b` or one is a dotted prefix of the other (conflicting update paths). */
export function pathsConflict(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '.') || b.startsWith(a + '.');
}
