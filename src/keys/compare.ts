/**
 * compareValues: MongoDB's BSON comparison order, for sorts and index keys.
 *
 * Order of type classes (MongoDB "Comparison/Sort Order"; Symbol, Timestamp, RegExp and
 * JavaScript code have no JS value here):
 *
 *   MinKey < null = undefined < numbers < strings < objects < arrays < binary (Uint8Array)
 *          < ObjectId < booleans < dates < MaxKey
 *
 * Within a class:
 * - null and undefined (a missing field) compare equal, as MongoDB's sort and indexes treat null
 *   and missing alike. A field whose value is undefined is treated as null.
 * - numbers: by value; ints, doubles and bigints interleave exactly (`2n` equals `2`), -0 equals
 *   0, NaN equals NaN and sorts below every other number (including -Infinity), as in MongoDB.
 * - strings: by Unicode code point (MongoDB's default "simple" binary comparison of UTF-8), not by
 *   UTF-16 unit as JS `<` does; they differ when an astral char meets U+E000..U+FFFF. A lone
 *   surrogate is ordered as its own code point (U+D800..U+DFFF), matching WTF-8 byte order.
 * - objects: pair by pair in insertion order; for each pair first the type class of the values,
 *   then the field name, then the values; an object that runs out of pairs first is smaller.
 *   (The current MongoDB manual and server compare the field type before the field name.)
 * - arrays: element by element, then shorter first. This is BSON's comparison of two array
 *   values; MongoDB's special rules for sorting a document by an array field (min/max element)
 *   and for multikey indexes belong to the query layer, not here.
 * - binary: shorter first, then bytes (as BSON: length, then subtype, which is always 0 here, then
 *   bytes).
 * - ObjectId: bytes; booleans: false < true; dates: by time, an invalid Date below every valid
 *   one (MongoDB cannot store one; this keeps the order total).
 */
import { compareBytes } from '../bytes.js';
import { LarderError } from '../errors.js';
import { MAX_DEPTH } from '../codec/limits.js';
import { ObjectId } from '../codec/object-id.js';

/** The value below every other value (MongoDB's MinKey): use as an open lower range bound. */
export const MinKey: { readonly $minKey: 1 } = Object.freeze({ $minKey: 1 as const });
/** The value above every other value (MongoDB's MaxKey): use as an open upper range bound. */
export const MaxKey: { readonly $maxKey: 1 } = Object.freeze({ $maxKey: 1 as const });

/** Type classes in sort order. The numbers are ranks, not the key encoding's type bytes. */
export const TypeClass = {
  MinKey: 0,
  Null: 1,
  Number: 2,
  String: 3,
  Object: 4,
  Array: 5,
  Binary: 6,
  ObjectId: 7,
  Boolean: 8,
  Date: 9,
  MaxKey: 10,
} as const;
/** One of the TypeClass ranks. */
export type TypeClass = (typeof TypeClass)[keyof typeof TypeClass];

/** Names a value's kind for error messages. */
function kindOf(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const c = (v as { constructor?: { name?: unknown } }).constructor;
    return typeof c?.name === 'string' && c.name ? c.name : 'exotic object';
  }
  return typeof v;
}

/**
 * The type class of `v`, or throws LarderError('BAD_VALUE') for values that have no place in
 * MongoDB's order (functions, symbols, Map, RegExp, class instances, other typed arrays, ...).
 */
export function typeClassOf(v: unknown): TypeClass {
  switch (typeof v) {
    case 'undefined':
      return TypeClass.Null;
    case 'number':
    case 'bigint':
      return TypeClass.Number;
    case 'string':
      return TypeClass.String;
    case 'boolean':
      return TypeClass.Boolean;
    case 'object': {
      if (v === null) return TypeClass.Null;
      if (Array.isArray(v)) return TypeClass.Array;
      if (v === MinKey) return TypeClass.MinKey;
      if (v === MaxKey) return TypeClass.MaxKey;
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return TypeClass.Object;
      if (v instanceof Date) return TypeClass.Date;
      if (v instanceof Uint8Array) return TypeClass.Binary;
      if (v instanceof ObjectId) return TypeClass.ObjectId;
      break;
    }
  }
  throw new LarderError('BAD_VALUE', `cannot compare a value of type ${kindOf(v)}`);
}

/**
 * Compares two strings by Unicode code point (lone surrogates as their own code point).
 * Only the first differing UTF-16 unit needs care: surrogates there must be read as whole code
 * points (a pair is above U+FFFF, a lone surrogate is U+D800..U+DFFF).
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  // Fast path: neither unit is a surrogate, so units order like code points.
  if ((ca < 0xd800 || ca > 0xdfff) && (cb < 0xd800 || cb > 0xdfff)) return ca < cb ? -1 : 1;
  // A low surrogate at i may complete a pair begun by the shared unit at i-1: then compare whole
  // code points from i-1 (pair on one side, lone high surrogate on the other).
  if (i > 0 && ((ca >= 0xdc00 && ca <= 0xdfff) || (cb >= 0xdc00 && cb <= 0xdfff))) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  const pa = a.codePointAt(i)!;
  const pb = b.codePointAt(i)!;
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  // `<` between number and bigint is exact in JS, so mixed comparisons need no conversion.
  if (a < b) return -1;
  if (a > b) return 1;
  if (a == b) return 0; // also -0 == 0 and 2n == 2
  // Not ordered: at least one side is NaN (bigints are never NaN).
  const na = typeof a === 'number' && Number.isNaN(a);
  const nb = typeof b === 'number' && Number.isNaN(b);
  return na === nb ? 0 : na ? -1 : 1;
}

function compareAt(a: unknown, b: unknown, depth: number): number {
  const ta = typeClassOf(a);
  const tb = typeClassOf(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case TypeClass.Null:
    case TypeClass.MinKey:
    case TypeClass.MaxKey:
      return 0;
    case TypeClass.Number:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case TypeClass.String:
      return compareStrings(a as string, b as string);
    case TypeClass.Boolean:
      return a === b ? 0 : a ? 1 : -1;
    case TypeClass.Date: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return compareNumbers(x, y);
    }
    case TypeClass.Binary: {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      if (x.length !== y.length) return x.length < y.length ? -1 : 1; // BSON: length first
      return compareBytes(x, y);
    }
    case TypeClass.ObjectId:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case TypeClass.Array: {
      if (depth >= MAX_DEPTH) throw new LarderError('BAD_VALUE', `cannot compare values nested deeper than ${MAX_DEPTH} levels`);
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareAt(x[i], y[i], depth + 1);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    case TypeClass.Object: {
      if (depth >= MAX_DEPTH) throw new LarderError('BAD_VALUE', `cannot compare values nested deeper than ${MAX_DEPTH} levels`);
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x);
      const ky = Object.keys(y);
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        const vx = x[kx[i]!];
        const vy = y[ky[i]!];
        const tx = typeClassOf(vx);
        const ty = typeClassOf(vy);
        if (tx !== ty) return tx < ty ? -1 : 1;
        const c = compareStrings(kx[i]!, ky[i]!) || compareAt(vx, vy, depth + 1);
        if (c !== 0) return c;
      }
      return kx.length < ky.length ? -1 : kx.length > ky.length ? 1 : 0;
    }
  }
  /* c8 ignore next */
  throw new LarderError('INTERNAL', 'unreachable type class');
}

/**
 * Compares two values in MongoDB's BSON order (see the top of this file); returns -1, 0 or 1.
 * Throws LarderError('BAD_VALUE') for unsupported values or nesting deeper than MAX_DEPTH.
 * Its order is exactly the memcmp order of encodeKey's bytes (property-tested).
 */
export function compareValues(a: unknown, b: unknown): number {
  return compareAt(a, b, 0);
}
