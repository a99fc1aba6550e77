import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_DEPTH } from '../src/codec/limits.js';
import { ObjectId } from '../src/codec/object-id.js';
import { ValueWriter, decodeValue, encodeValue, keyBytePairOffsets } from '../src/codec/value.js';
import { isLarderError } from '../src/errors.js';

// ----- exact equality -----------------------------------------------------------------------------

/**
 * Deep equality strict enough for a codec: -0 vs 0, NaN, Date time (incl. invalid), exact class of
 * Uint8Array/ObjectId/Date/Array, undefined vs missing key, key order, holes, prototypes, bigint.
 * Returns a description of the first difference, or '' when identical.
 */
function diff(a: unknown, b: unknown, path = '$'): string {
  if (typeof a !== typeof b) return `${path}: typeof ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b) ? '' : `${path}: ${String(a)} vs ${String(b)}`;
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  // Null-prototype objects intentionally decode as ordinary objects.
  if (pa !== pb && !(pa === null && pb === Object.prototype)) return `${path}: prototype differs`;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime()) ? '' : `${path}: date`;
  if (a instanceof ObjectId) return a.equals(b) ? '' : `${path}: ObjectId`;
  if (a instanceof Uint8Array) {
    const y = b as Uint8Array;
    return a.length === y.length && a.every((x, i) => x === y[i]) ? '' : `${path}: bytes`;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return `${path}: length`;
    for (let i = 0; i < a.length; i++) {
      if (i in a !== i in y) return `${path}[${i}]: hole`;
      const d = diff(a[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return '';
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.join('\u0001') !== kb.join('\u0001')) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return '';
}

const roundTrip = (v: unknown) => decodeValue(encodeValue(v));
const expectRoundTrip = (v: unknown) => expect(diff(v, roundTrip(v))).toBe('');

function objectFrom(pairs: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { x: v };
  return v;
}

// ----- round trips --------------------------------------------------------------------------------

describe('encodeValue/decodeValue round trip', () => {
  it('every supported scalar', () => {
    const values = [
      null, undefined, true, false,
      0, -0, 1, 127, 128, -1, -128, 2 ** 31, -(2 ** 31), 2 ** 32 + 5, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 2 ** 64,
      0.1, -1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON,
      '', 'a', 'héllo', '中文', '\u{1F600}', '\0', '\uFEFFbom', '\uD800', '\uDFFF', 'a\uDC00b\uD800', '\uD83D\uDE00\uD83D',
      'x'.repeat(42), 'x'.repeat(43), 'x'.repeat(200), 'é'.repeat(100), 'é'.repeat(30000), '\uD800'.repeat(50),
      0n, 1n, -1n, 255n, 256n, -(2n ** 200n), 2n ** 1000n + 12345n,
      new Date(0), new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(NaN), new Date(),
      new Uint8Array(0), new Uint8Array([0, 1, 255]), new Uint8Array(1000).fill(7),
      new ObjectId(), new ObjectId('000000000000000000000000'),
    ];
    for (const v of values) expectRoundTrip(v);
  });

  it('keeps Uint8Array a plain copy (never a view of the source bytes)', () => {
    const enc = encodeValue(new Uint8Array([1, 2, 3]));
    const dec = decodeValue(enc) as Uint8Array;
    expect(dec.constructor).toBe(Uint8Array);
    enc.fill(0);
    expect([...dec]).toEqual([1, 2, 3]);
  });

  it('arrays: length, undefined and holes', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3, undefined, , ];
    const d = roundTrip(sparse) as unknown[];
    expect(d.length).toBe(5);
    expect(1 in d).toBe(false);
    expect(3 in d).toBe(true);
    expectRoundTrip(sparse);
    expectRoundTrip(new Array(5));
    expectRoundTrip([]);
    expectRoundTrip([undefined]);
  });

  it('objects: key order, undefined values, numeric-like keys, odd keys', () => {
    expectRoundTrip({ b: 1, a: 2, c: { z: undefined, y: [] } });
    expectRoundTrip({ 2: 'x', 1: 'y', b: 1, a: 2 });
    expectRoundTrip({ '': 1, 'a.b': 2, '\uD800': 3, 'é': 4, '\0': 5, ['k'.repeat(300)]: 6 });
    const nullProto = Object.create(null);
    nullProto.x = 1;
    const d = roundTrip(nullProto) as object;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(d).toEqual({ x: 1 });
  });

  it('a __proto__ key round-trips as an own property and never pollutes', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"polluted": true}}}');
    const d = roundTrip(evil) as Record<string, unknown>;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(d.a)).toBe(Object.prototype);
    expect(Object.keys(d)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(d, '__proto__')!.value).toEqual({ polluted: true });
    expect((d as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expectRoundTrip(evil);
  });

  it('nesting up to MAX_DEPTH works', () => {
    expectRoundTrip(nest(MAX_DEPTH, 1));
  });

  it('a getter that encodes re-entrantly does not corrupt the outer encoding', () => {
    const inner = { get x() { return decodeValue(encodeValue({ deep: ['re', 'entrant'] })); } };
    expect(roundTrip({ a: 'before', inner, z: 'after' })).toEqual({ a: 'before', inner: { x: { deep: ['re', 'entrant'] } }, z: 'after' });
  });

  it('is compact', () => {
    expect(encodeValue(5).length).toBe(1);
    expect(encodeValue(300).length).toBe(3);
    expect(encodeValue('abc').length).toBe(5);
    expect(encodeValue({ a: 1 }).length).toBe(5);
    expect(encodeValue(1.5).length).toBe(9);
  });

  it('property: arbitrary values round-trip exactly', () => {
    const units = fc.constantFrom('a', '\0', 'é', '\uFFFF', '\u{1F600}', '\uD800', '\uDC00', '\uFEFF');
    const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: units }));
    const value = fc.anything({
      key: fc.oneof(str, fc.constantFrom('__proto__', 'constructor', '0', '10')),
      values: [
        fc.boolean(), fc.integer(), fc.double(), fc.maxSafeInteger(), str, fc.constant(null), fc.constant(undefined),
        fc.bigInt(), fc.date({ noInvalidDate: false }), fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
        fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53)),
      ],
      withSparseArray: true,
      withNullPrototype: true,
      maxDepth: 4,
    });
    fc.assert(
      fc.property(value, (v) => {
        const enc = encodeValue(v);
        const dec = decodeValue(enc);
        expect(diff(v, dec)).toBe('');
        expect(encodeValue(dec)).toEqual(enc); // canonical: one byte string per value
      }),
      { numRuns: 1500 },
    );
  });
});

// ----- rejections ---------------------------------------------------------------------------------

describe('encodeValue rejects', () => {
  class Point {
    x = 1;
  }
  class HTMLElementLike {
    tagName = 'DIV';
  }
  const cases: [string, unknown, string][] = [
    ['function', { a: { b: [0, 1, 2, () => 1] } }, 'a.b[3]'],
    ['symbol value', { s: Symbol('x') }, 's'],
    ['symbol key', { a: { [Symbol('k')]: 1 } }, 'a'],
    ['Map', { m: new Map() }, 'm'],
    ['Set', [new Set()], '[0]'],
    ['RegExp', { r: /x/ }, 'r'],
    ['Error', { e: new Error('x') }, 'e'],
    ['WeakMap', { w: new WeakMap() }, 'w'],
    ['Promise', { p: Promise.resolve() }, 'p'],
    ['class instance', { pt: new Point() }, 'pt'],
    ['DOM-like object', { el: new HTMLElementLike() }, 'el'],
    ['other typed array', { t: new Int16Array(2) }, 't'],
    ['ArrayBuffer', { t: new ArrayBuffer(2) }, 't'],
    ['boxed string', { t: new String('x') }, 't'],
    ['odd key in path', { 'a b': [{ f: () => 1 }] }, '["a b"][0].f'],
    ['top-level function', () => 1, '(root)'],
  ];
  for (const [name, value, path] of cases) {
    it(`${name} with its path`, () => {
      try {
        encodeValue(value);
        expect.unreachable();
      } catch (e) {
        expect(isLarderError(e) && e.code).toBe('BAD_VALUE');
        expect((e as Error).message).toContain(`at ${path}:`);
        expect((e as { details: { path: string } }).details.path).toBe(path);
      }
    });
  }

  it('cyclic references, naming where the cycle closes', () => {
    const o: Record<string, unknown> = { a: { b: [1] } };
    ((o.a as Record<string, unknown>).b as unknown[]).push(o);
    expect(() => encodeValue(o)).toThrow(/at a\.b\[1\]: cyclic reference/);
    const self: unknown[] = [];
    self.push(self);
    expect(() => encodeValue(self)).toThrow(/at \[0\]: cyclic reference/);
  });

  it('nesting deeper than MAX_DEPTH', () => {
    expect(() => encodeValue(nest(MAX_DEPTH + 1, 1))).toThrow(expect.objectContaining({ code: 'BAD_VALUE', message: expect.stringMatching(/nesting deeper than 200/) }));
  });

  it('a shared (non-cyclic) object is fine', () => {
    const shared = { s: 1 };
    expect(roundTrip({ a: shared, b: [shared, shared] })).toEqual({ a: { s: 1 }, b: [{ s: 1 }, { s: 1 }] });
  });

  it('leaves the encoder usable after a failure', () => {
    expect(() => encodeValue({ big: 'x'.repeat(10000), f: () => 1 })).toThrow();
    expectRoundTrip({ ok: true });
  });
});

// ----- malformed input ----------------------------------------------------------------------------

describe('decodeValue on malformed bytes', () => {
  const expectCorrupt = (b: number[]) => expect(() => decodeValue(new Uint8Array(b))).toThrow(expect.objectContaining({ code: 'CORRUPT' }));

  it('throws CORRUPT for specific malformations', () => {
    expectCorrupt([]); // empty
    expectCorrupt([0x11]); // unknown tag
    expectCorrupt([0x10]); // hole outside an array
    expectCorrupt([0x00, 0x00]); // trailing bytes
    expectCorrupt([0x07, 0x05, 0x61]); // truncated string
    expectCorrupt([0x07, 0x02, 0xc3, 0x28]); // invalid UTF-8
    expectCorrupt([0x07, 0x03, 0xed, 0xa0, 0x80]); // lone surrogate under the UTF-8 tag
    expectCorrupt([0x08, 0x06, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]); // pair spelled as two surrogates
    expectCorrupt([0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // varint too long
    expectCorrupt([0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]); // > 2^53
    expectCorrupt([0x05, 0x00]); // negative zero integer
    expectCorrupt([0x0a, 0x00]); // negative zero bigint
    expectCorrupt([0x09, 0x02, 0x00, 0x01]); // bigint with a leading zero byte
    expectCorrupt([0x0b, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f]); // Date = Infinity
    expectCorrupt([0x0b, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]); // Date = 0.5
    expectCorrupt([0x0e, 0xff, 0xff, 0xff, 0x0f]); // huge array length
    expectCorrupt([0x0f, 0x01, 0x01, 0x61]); // object missing its value
    expectCorrupt([0x0d, 1, 2, 3]); // truncated ObjectId
    expectCorrupt(new Array(MAX_DEPTH + 2).fill(0x0e).flatMap((t, i, a) => (i === a.length - 1 ? [0x00] : [t, 1]))); // too deep
  });

  it('rejects a non-Uint8Array argument', () => {
    expect(() => decodeValue('x' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
  });

  const sample = fc.anything({
    values: [fc.integer(), fc.double(), fc.string({ unit: 'binary' }), fc.bigInt(), fc.date({ noInvalidDate: false }), fc.uint8Array({ maxLength: 4 }), fc.constant(new ObjectId())],
    withSparseArray: true,
    maxDepth: 3,
  });

  it('random flips, truncations and insertions decode or throw CORRUPT, nothing else', () => {
    fc.assert(
      fc.property(sample, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))), (v, flips, cut, insert) => {
        const good = encodeValue(v);
        let b = good.slice();
        for (const [i, x] of flips) b[i % b.length] = x;
        if (insert) {
          const at = insert[0] % (b.length + 1);
          b = new Uint8Array([...b.subarray(0, at), insert[1], ...b.subarray(at)]);
        }
        b = b.subarray(0, cut % (b.length + 1));
        try {
          decodeValue(b);
        } catch (e) {
          if (!isLarderError(e) || e.code !== 'CORRUPT') throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random byte strings decode or throw CORRUPT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeValue(b);
        } catch (e) {
          if (!isLarderError(e) || e.code !== 'CORRUPT') throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation of a valid encoding is CORRUPT', () => {
    const enc = encodeValue({ a: [1, 'héllo', 2n ** 70n, new Date(5), new ObjectId(), new Uint8Array([1, 2])], b: { c: 1.5, d: null } });
    for (let n = 0; n < enc.length; n++) {
      expect(() => decodeValue(enc.subarray(0, n))).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    }
  });
});

describe('keyBytePairOffsets', () => {
  const td = new TextDecoder();
  const pairs = (list: Array<[unknown, unknown]>): Uint8Array => encodeValue([list]);
  const b = (...x: number[]): Uint8Array => new Uint8Array(x);
  const read = (bytes: Uint8Array, at: Uint32Array): Array<[string, number[]]> => {
    const out: Array<[string, number[]]> = [];
    for (let i = 0; i < at.length; i += 4) out.push([td.decode(bytes.subarray(at[i], at[i + 1])), [...bytes.subarray(at[i + 2], at[i + 3])]]);
    return out;
  };

  it('finds every key and value of [[key, bytes], ...] in place', () => {
    const bytes = pairs([['k1', b(1, 2)], ['', b(3)], ['key-' + 'x'.repeat(200), b()]]);
    const at = keyBytePairOffsets(bytes, 256)!;
    expect(read(bytes, at)).toEqual([['k1', [1, 2]], ['', [3]], ['key-' + 'x'.repeat(200), []]]);
    expect(keyBytePairOffsets(pairs([]), 256)).toEqual(new Uint32Array(0));
  });

  it('declines anything else, so the ordinary decode handles (and reports) it', () => {
    const declined = [
      pairs([['caf\u00e9', b(1)]]), // not ASCII
      pairs([['x'.repeat(257), b(1)]]), // longer than the limit
      pairs([['k', 'not bytes']]),
      pairs([['k', b(1)], [1, b(2)]]), // a key that is not a string
      pairs([['k', b(1), b(2)] as unknown as [unknown, unknown]]),
      encodeValue([[['k', b(1)]], 'second argument']),
      encodeValue(['k', b(1)]),
      encodeValue({ k: b(1) }),
      new Uint8Array([...pairs([['k', b(1)]]), 0]), // trailing byte
      pairs([['k', b(1, 2, 3)]]).subarray(0, 8), // truncated
      new Uint8Array(0),
    ];
    for (const bytes of declined) expect(keyBytePairOffsets(bytes, 256)).toBeUndefined();
    // And leaves the decoder as it was: an ordinary decode right after works.
    expect(decodeValue(encodeValue({ a: [1, 'two'] }))).toEqual({ a: [1, 'two'] });
  });
});

describe('ValueWriter objects', () => {
  it('objectHeader and objectKey write what encodeValue writes for the object', () => {
    const obj: Record<string, unknown> = { a: 1, 'caf\u00e9': 'x', 'lone \ud800': [true], '': null, ['k'.repeat(200)]: 2 };
    const w = new ValueWriter(8);
    const keys = Object.keys(obj);
    w.objectHeader(keys.length);
    for (const k of keys) {
      w.objectKey(k);
      w.value(obj[k]);
    }
    expect([...w.slice()]).toEqual([...encodeValue(obj)]);
  });
});
