/**
 * Byte tests: the conditions of a filter that can be decided from a stored document's encoded
 * bytes, without decoding it. A scan runs one on every document it examines, so an unindexed
 * query like `{ 'address.zip': { $gte: 20000, $lte: 21499 } }` reads one number per document in
 * place instead of decoding the fields it names.
 *
 * A byte test covers the top-level conditions of the form `path: literal` (a number other than
 * NaN, a string or a boolean) and `path: { $eq / $gt / $gte / $lt / $lte: ... }` (numbers other
 * than NaN; $eq also a string or a boolean). It answers MATCH when it decided every condition of
 * the filter true, NO_MATCH as soon as one is false, and UNDECIDED otherwise: when the filter has
 * other conditions, or a path runs through an array (MongoDB then looks at every element), or the
 * value is one it leaves to the matcher (a bigint, NaN). On UNDECIDED the scan tests the decoded
 * document with the compiled filter as before, so a byte test can only save work, never change
 * an answer: for the values it decides, it follows the matcher's rules (a missing value and a
 * value of another type match none of these conditions; numbers compare by value, -0 equal to 0;
 * strings and booleans equal exactly).
 */
import { encodeValue, locatePath, numberAt, PATH_MISSING, PATH_THROUGH_ARRAY } from '../../../codec/value.js';
import { T_ARRAY, T_BIGNEG, T_BIGPOS, T_FALSE, T_TRUE } from '../../../codec/tags.js';
import { isPlainObject, splitPath } from '../util.js';

/** A byte test's answer for a document that matches the whole filter. */
export const MATCH = 1;
/** A byte test's answer for a document that fails one of its conditions. */
export const NO_MATCH = 0;
/** A byte test's answer when the decoded document must be tested. */
export const UNDECIDED = -1;

/** Tests the encoded document bytes[start, end): MATCH, NO_MATCH or UNDECIDED. */
export type ByteTest = (bytes: Uint8Array, start: number, end: number) => typeof MATCH | typeof NO_MATCH | typeof UNDECIDED;

/** One condition on the value at one path. */
interface Condition {
  /** The path's parts as stored object keys. */
  path: Uint8Array[];
  /** Tests the value whose tag is at bytes[off]: MATCH, NO_MATCH or UNDECIDED. */
  test: (bytes: Uint8Array, off: number, end: number) => number;
}

/** The comparison a numeric bound applies (value against operand). */
const NUMBER_OPS: Record<string, (x: number, v: number) => boolean> = {
  $eq: (x, v) => x === v,
  $gt: (x, v) => x > v,
  $gte: (x, v) => x >= v,
  $lt: (x, v) => x < v,
  $lte: (x, v) => x <= v,
};

/**
 * The byte test of a filter compileFilter accepted, or undefined when it has no condition a byte
 * test can decide.
 */
export function compileByteTest(filter: unknown): ByteTest | undefined {
  if (!isPlainObject(filter)) return undefined;
  const conds: Condition[] = [];
  let partial = false;
  for (const key of Object.keys(filter)) {
    const c = key.startsWith('$') ? undefined : condition(key, filter[key]);
    if (c) conds.push(c);
    else partial = true;
  }
  if (conds.length === 0) return undefined;
  const whole = partial ? UNDECIDED : MATCH;
  return (bytes, start, end) => {
    let answer: typeof MATCH | typeof UNDECIDED = whole;
    for (let i = 0; i < conds.length; i++) {
      const c = conds[i]!;
      const off = locatePath(bytes, start, end, c.path);
      if (off === PATH_MISSING) return NO_MATCH;
      if (off === PATH_THROUGH_ARRAY || bytes[off] === T_ARRAY) {
        answer = UNDECIDED;
        continue;
      }
      const r = c.test(bytes, off, end);
      if (r === NO_MATCH) return NO_MATCH;
      if (r === UNDECIDED) answer = UNDECIDED;
    }
    return answer;
  };
}

/** The condition `path: spec`, or undefined when a byte test cannot decide it. */
function condition(path: string, spec: unknown): Condition | undefined {
  const parts = splitPath(path).map((p) => encodeValue(p).subarray(1));
  if (isPlainObject(spec)) {
    const ops = Object.keys(spec);
    if (ops.length === 0 || !ops.every((op) => op in NUMBER_OPS)) return undefined;
    if (ops.length === 1 && ops[0] === '$eq') return literal(parts, spec.$eq);
    const bounds: Array<[(x: number, v: number) => boolean, number]> = [];
    for (const op of ops) {
      const v = spec[op];
      if (typeof v !== 'number' || v !== v) return undefined;
      bounds.push([NUMBER_OPS[op]!, v]);
    }
    return { path: parts, test: numberTest((x) => bounds.every(([cmp, v]) => cmp(x, v))) };
  }
  return literal(parts, spec);
}

/** Equality with a literal: a number other than NaN, a string or a boolean; undefined for others. */
function literal(path: Uint8Array[], v: unknown): Condition | undefined {
  if (typeof v === 'number') return v === v ? { path, test: numberTest((x) => x === v) } : undefined;
  if (typeof v === 'boolean') {
    const want = v ? T_TRUE : T_FALSE;
    return { path, test: (bytes, off) => (bytes[off] === want ? MATCH : NO_MATCH) };
  }
  if (typeof v === 'string') {
    // A string's encoding is canonical (T_STR, or T_WTF8 with lone surrogates; its byte length;
    // its bytes), so equal strings are equal encodings.
    const enc = encodeValue(v);
    return {
      path,
      test: (bytes, off, end) => {
        if (off + enc.length > end) return NO_MATCH;
        for (let i = 0; i < enc.length; i++) if (bytes[off + i] !== enc[i]) return NO_MATCH;
        return MATCH;
      },
    };
  }
  return undefined;
}

/** A test of a numeric value: other types do not match; bigints and NaN are left to the matcher. */
function numberTest(ok: (x: number) => boolean): Condition['test'] {
  return (bytes, off) => {
    const x = numberAt(bytes, off);
    if (x === undefined) {
      const tag = bytes[off];
      return tag === T_BIGPOS || tag === T_BIGNEG ? UNDECIDED : NO_MATCH;
    }
    if (x !== x) return UNDECIDED;
    return ok(x) ? MATCH : NO_MATCH;
  };
}
