/**
 * The value encoder's fast paths (ASCII strings and keys written in one pass, small integers,
 * one growing buffer shared by many values) against a plain reference encoder written here from
 * the format table in src/codec/value.ts: every entry point must give the reference's bytes,
 * byte for byte, for arbitrary values and for the edge cases the fast paths branch on.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ObjectId } from '../src/codec/object-id.js';
import { Encoded, ValueWriter, decodeValue, encodeValue } from '../src/codec/value.js';

// ----- the reference: the format, written for clarity, not speed ------------------------------------

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** WTF-8 by code point: well-formed strings come out as UTF-8, lone surrogates as 3 bytes. */
function wtf8(s: string): { bytes: number[]; lone: boolean } {
  const bytes: number[] = [];
  let lone = false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) lone = true;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return { bytes, lone };
}

function f64(x: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return [...b];
}

function reference(v: unknown): number[] {
  switch (typeof v) {
    case 'undefined':
      return [0x01];
    case 'boolean':
      return [v ? 0x03 : 0x02];
    case 'number':
      if (Number.isInteger(v) && v >= 0 && v < 128 && !Object.is(v, -0)) return [0x80 | v];
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return v > 0 ? [0x04, ...varint(v)] : [0x05, ...varint(-v)];
      return [0x06, ...f64(v)];
    case 'string': {
      const { bytes, lone } = wtf8(v);
      return [lone ? 0x08 : 0x07, ...varint(bytes.length), ...bytes];
    }
    case 'bigint': {
      const m = v < 0n ? -v : v;
      const bytes: number[] = [];
      for (let x = m; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
      return [v < 0n ? 0x0a : 0x09, ...varint(bytes.length), ...bytes];
    }
    case 'object': {
      if (v === null) return [0x00];
      if (v instanceof Date) return [0x0b, ...f64(v.getTime())];
      if (v instanceof Uint8Array) return [0x0c, ...varint(v.length), ...v];
      if (v instanceof ObjectId) return [0x0d, ...v.id];
      if (v instanceof Encoded) return [...v.bytes];
      if (Array.isArray(v)) {
        const out = [0x0e, ...varint(v.length)];
        for (let i = 0; i < v.length; i++) out.push(...(i in v ? reference(v[i]) : [0x10]));
        return out;
      }
      const keys = Object.keys(v);
      const out = [0x0f, ...varint(keys.length)];
      for (const k of keys) {
        const { bytes } = wtf8(k);
        out.push(...varint(bytes.length), ...bytes, ...reference((v as Record<string, unknown>)[k]));
      }
      return out;
    }
    default:
      throw new Error(`reference: unsupported ${typeof v}`);
  }
}

// ----- the cases --------------------------------------------------------------------------------

const long = (unit: string, n: number): string => unit.repeat(n);

/** Strings around every length and content boundary the encoder branches on. */
const EDGE_STRINGS: string[] = [
  '', 'a', 'id', '__proto__', 'constructor', '0', '10', '\0', '\x7f', '\x80', 'é', 'ÿ', 'Ā', '\uFFFF', '\uFEFF',
  '\u{1F600}', 'a\u{1F600}b', '\uD800', '\uDC00', 'x\uD800', '\uDC00\uD800', '\uD800\uDC00', 'ab\uDBFFz',
  long('a', 42), long('a', 43), long('a', 127), long('a', 128), long('a', 255), long('a', 256), long('a', 5000),
  long('é', 42), long('é', 43), long('é', 63), long('é', 64), long('é', 127), long('é', 128), long('é', 300),
  long('\u4e2d', 42), long('\u4e2d', 43), long('\u4e2d', 127), long('\u4e2d', 300),
  long('a', 126) + 'é', long('a', 127) + 'é', long('a', 300) + 'é', long('a', 300) + '\uD800',
  long('\u{1F600}', 50), long('a', 100) + '\uDFFF',
];

const EDGE_NUMBERS: number[] = [
  0, -0, 1, 127, 128, 129, 255, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5,
  2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), -(2 ** 53), -1, -127, -128, 0.5, -0.5, 1e300, -1e-300,
  NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.EPSILON,
];

function edgeValues(): unknown[] {
  const withProto: Record<string, unknown> = {};
  Object.defineProperty(withProto, '__proto__', { value: { x: 1 }, enumerable: true, writable: true, configurable: true });
  const nullProto = Object.create(null) as Record<string, unknown>;
  nullProto.a = 1;
  nullProto['é'] = 'é';
  const hidden = { shown: 1 };
  Object.defineProperty(hidden, 'hidden', { value: 2, enumerable: false });
  const arrayWithExtra = Object.assign([1, 2], { extra: 'not stored' });
  // eslint-disable-next-line no-sparse-arrays
  const holes = [1, , 3, , ];
  return [
    ...EDGE_STRINGS, ...EDGE_NUMBERS, null, undefined, true, false, 0n, 1n, -1n, 255n, 256n, -(2n ** 70n),
    new Date(0), new Date(-1), new Date(NaN), new Date(8.64e15), new Uint8Array(0), new Uint8Array([0, 255, 7]),
    new Uint8Array(300).fill(9), new ObjectId(new Uint8Array(12).fill(0xab)), new Encoded(encodeValue({ pre: 'encoded' })),
    {}, [], [[]], [{}], holes, arrayWithExtra, withProto, nullProto, hidden,
    { '': '', a: undefined, b: null },
    Object.fromEntries(EDGE_STRINGS.map((s, i) => [s, i])),
    Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i])),
    { 2: 'two', 1: 'one', b: 'b', a: 'a' },
    Array.from({ length: 200 }, (_, i) => i * 1000),
    { _id: 'doc:0000001', name: 'user 1', age: 42, city: 'Paris', tags: ['a', 'bb'], address: { zip: 75001 } },
    { id: 'user:0000001', name: 'Ada Lovelace', email: 'ada.lovelace1@example.com', age: 19, tags: ['beta', 'eu'] },
  ];
}

function bytesOf(f: (w: ValueWriter) => void, capacity = 16): number[] {
  const w = new ValueWriter(capacity);
  f(w);
  return [...w.buf.subarray(0, w.pos)];
}

/** Every way a value is encoded, each checked against the reference. */
function checkAll(v: unknown): void {
  const ref = reference(v);
  expect([...encodeValue(v)]).toEqual(ref);
  // A small writer (grows while writing) and one with a prefix already in it.
  expect(bytesOf((w) => w.value(v))).toEqual(ref);
  expect(bytesOf((w) => { w.byte(0xee); w.value(v); }, 2)).toEqual([0xee, ...ref]);
  // encodedBytes: the encoding as a binary value (its length varint may need to move).
  expect(bytesOf((w) => w.encodedBytes(v))).toEqual([0x0c, ...varint(ref.length), ...ref]);
  if (typeof v === 'string') {
    expect(bytesOf((w) => w.string(v))).toEqual(ref);
    const key = ref.slice(1); // a key is a string's encoding without the tag
    expect(bytesOf((w) => w.objectKey(v))).toEqual(key);
  }
}

describe('value encoder vs the reference', () => {
  it('edge cases: every entry point, byte for byte', () => {
    for (const v of edgeValues()) checkAll(v);
    // Wrapped in an object and an array too: the fast paths of keys and elements.
    for (const v of edgeValues()) {
      checkAll({ v });
      checkAll([v, v]);
    }
  });

  it('a run of values of alternating sizes in one writer (length guesses that miss)', () => {
    const vals = [long('a', 10), long('a', 200), 1, long('é', 100), {}, long('a', 20000), 'x', long('\uD800', 50)];
    const w = new ValueWriter(16);
    const expected: number[] = [];
    for (const v of vals) {
      w.encodedBytes(v);
      const ref = reference(v);
      expected.push(0x0c, ...varint(ref.length), ...ref);
      w.value(v);
      expected.push(...ref);
    }
    expect([...w.buf.subarray(0, w.pos)]).toEqual(expected);
  });

  it('long arrays whose later elements are much larger or smaller than the first (presize guesses wrong)', () => {
    const small = Array.from({ length: 40 }, (_, i) => i);
    const big = Array.from({ length: 40 }, (_, i) => long('x', 1000 + i));
    for (const v of [[...small, ...big, ...small], [...big, ...small], [...small, undefined, , 'é'], [...big, ...big, ...big]]) {
      checkAll(v);
      checkAll({ docs: v, after: 'tail' });
    }
  });

  it('a failure leaves the writer as it was', () => {
    const w = new ValueWriter(16);
    w.value('before');
    const mark = w.pos;
    expect(() => w.encodedBytes({ a: [1, 2, () => 0] })).toThrow(/at a\[2\]: functions are not supported/);
    expect(() => w.value({ a: long('é', 300), s: Symbol('x') })).toThrow(/at s: symbols are not supported/);
    expect(() => w.value({ [Symbol('k')]: 1 })).toThrow(/symbol key Symbol\(k\) is not supported/);
    expect(w.pos).toBe(mark);
    w.value('after');
    expect([...w.buf.subarray(0, w.pos)]).toEqual([...reference('before'), ...reference('after')]);
  });

  it('property: arbitrary values, byte for byte', () => {
    const units = fc.constantFrom('a', 'Z', '\0', '\x7f', '\x80', 'é', '\uFFFF', '\u{1F600}', '\uD800', '\uDC00');
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: units, maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', minLength: 100, maxLength: 400 }));
    const value = fc.anything({
      key: fc.oneof(str, fc.constantFrom('__proto__', 'constructor', '0', '10')),
      values: [
        fc.boolean(), fc.integer(), fc.double(), fc.maxSafeInteger(), str, fc.constant(null), fc.constant(undefined),
        fc.bigInt(), fc.date({ noInvalidDate: false }), fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(...EDGE_NUMBERS),
      ],
      withNullPrototype: true,
      withSparseArray: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(value, (v) => {
        checkAll(v);
        expect(reference(decodeValue(encodeValue(v)))).toEqual(reference(v));
      }),
      { numRuns: 300 },
    );
  });
});
