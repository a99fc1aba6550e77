/**
 * $type: MongoDB's type names and numeric codes, matched against JS values the way the MongoDB
 * Node driver serializes them (an integer in int32 range is "int", other numbers "double", bigint
 * "long").
 */
import { LarderError } from '../../../errors.js';
import { bsonType } from '../util.js';

const CODES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  12: 'dbPointer',
  13: 'javascript',
  14: 'symbol',
  15: 'javascriptWithScope',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

// Every BSON type MongoDB names is valid in $type (by name or code), even the ones no JS value has:
// they simply match nothing.
const NAMES = new Set([...Object.values(CODES), 'number']);

/** Normalizes a $type argument (name or code) to a type name; unknown ones are BAD_QUERY. */
export function typeName(t: unknown): string {
  if (typeof t === 'number') {
    const n = CODES[t];
    if (n) return n;
  } else if (typeof t === 'string' && NAMES.has(t)) {
    return t;
  }
  throw new LarderError('BAD_QUERY', `unknown type name alias: ${String(t)}`, { code: 2 });
}

/** True when `v` is of MongoDB type `name` ("number" covers int, long, double, decimal). */
export function isType(v: unknown, name: string): boolean {
  const t = bsonType(v);
  if (name === 'number') return t === 'int' || t === 'long' || t === 'double';
  return t === name;
}
