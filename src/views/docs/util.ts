/**
 * Small value helpers every part of the document view shares: own-property reads (so `__proto__`
 * and `constructor` are plain data, never the prototype), safe writes, equality in MongoDB's sense
 * and deep clones.
 */
import { compareValues, typeClassOf, TypeClass } from '../../keys/compare.js';
import { ObjectId } from '../../codec/object-id.js';
import { LarderError } from '../../errors.js';

/** A plain document: prototype Object.prototype or null. */
export type Doc = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/** True for a plain object (a sub-document), not an array, Date, ObjectId or binary. */
export function isPlainObject(v: unknown): v is Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** The own property `k` of `o`, or undefined: never walks onto the prototype. */
export function own(o: unknown, k: string): unknown {
  return o !== null && typeof o === 'object' && hasOwn.call(o, k) ? (o as Doc)[k] : undefined;
}

/** True when `o` has the own property `k`. */
export function hasField(o: unknown, k: string): boolean {
  return o !== null && typeof o === 'object' && hasOwn.call(o, k);
}

/** Sets an own data property, even one named `__proto__` (which plain assignment would not). */
export function setOwn(o: Doc, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** MongoDB equality: same type class and compareValues 0 (1 equals 1.0, -0 equals 0, NaN equals NaN). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** Deep copy of a document value: plain objects and arrays are copied, leaves shared (immutable in practice). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const o: Doc = {};
    for (const k of Object.keys(v)) setOwn(o, k, clone(v[k]));
    return o as T;
  }
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (v instanceof Uint8Array) return v.slice() as T;
  return v;
}

/** Numeric part of a dotted path ("0", "12"): these index arrays. */
export function isIndexPart(p: string): boolean {
  return /^(0|[1-9]\d*)$/.test(p);
}

/** Splits and checks a dotted path; empty parts are rejected as MongoDB does. */
export function splitPath(path: string, what = 'field path'): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new LarderError('BAD_QUERY', `${what} must be a non-empty string`);
  const parts = path.split('.');
  for (const p of parts) if (p.length === 0) throw new LarderError('BAD_QUERY', `${what} '${path}' has an empty part`);
  return parts;
}

/** True for numbers and bigints (MongoDB's numeric types). */
export function isNumber(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** True for a number the Node driver stores as an int: an integer in int32 range, not -0 (other numbers are doubles). */
export function isInt32(v: number): boolean {
  return Number.isInteger(v) && !Object.is(v, -0) && v >= -2147483648 && v <= 2147483647;
}

/** MongoDB's $type name of a value (int/long/double follow how the Node driver serializes JS values). */
export function bsonType(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'long';
    case 'number':
      return isInt32(v) ? 'int' : 'double';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof Uint8Array) return 'binData';
  if (v instanceof ObjectId) return 'objectId';
  if (isPlainObject(v)) {
    if (isMinKey(v)) return 'minKey';
    if (isMaxKey(v)) return 'maxKey';
    return 'object';
  }
  return 'unknown';
}

function isMinKey(v: unknown): boolean {
  try {
    return typeClassOf(v) === TypeClass.MinKey;
  } catch {
    return false;
  }
}

function isMaxKey(v: unknown): boolean {
  try {
    return typeClassOf(v) === TypeClass.MaxKey;
  } catch {
    return false;
  }
}

/** Human-readable rendering for error messages (short, never throws). */
export function show(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `<${x.length} bytes>` : x));
    if (s === undefined) return String(v);
    return s.length > 120 ? s.slice(0, 117) + '...' : s;
  } catch {
    return String(v);
  }
}
