/**
 * Byte tests (src/views/docs/query/bytes.ts) decide filter conditions from a document's encoded
 * bytes. They must never disagree with the compiled filter: a MATCH must be a document the filter
 * matches, a NO_MATCH one it does not. The oracle is the view's own matcher (itself checked
 * against mingo in docs-differential.test.ts), on values mingo does not model (NaN, bigint, -0,
 * lone surrogates) as well.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeValue, locatePath, PATH_MISSING, PATH_THROUGH_ARRAY } from '../src/codec/value.js';
import { compileByteTest, MATCH, NO_MATCH, UNDECIDED } from '../src/views/docs/query/bytes.js';
import { compileFilter } from '../src/views/docs/query/matcher.js';
import { openStore } from '../src/index.js';

const LONG = 'k'.repeat(130); // a key or string whose byte length takes a two-byte varint

// Small integers and a few strings are common on both sides, so equal values (the edge of every
// bound) come up often; the rest are the encodings and values a byte test must get right.
const scalar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -2, max: 3 }) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', '', 'é', '😀', '\ud800', LONG, LONG + 'x') },
  { weight: 2, arbitrary: fc.constantFrom(0.5, -1.5, -0, 127, 128, 300, -129, 2 ** 40, -(2 ** 53), 1e300, Infinity, -Infinity, NaN, Number.MAX_SAFE_INTEGER + 2) },
  { weight: 1, arbitrary: fc.constantFrom(2n, -3n, 2n ** 70n) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 1, arbitrary: fc.constantFrom(new Date(0), new Date(2)) },
);
const leafValue = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) });
const sub = fc.oneof(
  { weight: 4, arbitrary: fc.record({ x: leafValue, y: leafValue, [LONG]: leafValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ x: leafValue }, { requiredKeys: [] }), { maxLength: 2 }) },
  { weight: 1, arbitrary: scalar },
);
/** Documents with nested objects, arrays on the way, long keys and, sometimes, more than 127 fields. */
const doc = fc
  .tuple(fc.record({ a: leafValue, b: leafValue, n: sub, [LONG]: leafValue }, { requiredKeys: [] }), fc.boolean())
  .map(([d, wide]) => {
    const out: Record<string, unknown> = { _id: 1 };
    if (wide) for (let i = 0; i < 130; i++) out[`f${i}`] = i;
    return Object.assign(out, d);
  });
const path = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a', 'b', 'n.x') }, { weight: 3, arbitrary: fc.constantFrom('n', 'n.y', `n.${LONG}`, LONG, 'n.x.z', 'missing', 'n.0.x', 'f129') });
const op = fc.constantFrom('$eq', '$gt', '$gte', '$lt', '$lte');
const cond = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 6, arbitrary: fc.tuple(op, scalar).map(([o, v]) => ({ [o]: v })) },
  { weight: 2, arbitrary: fc.tuple(op, scalar, op, scalar).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })) },
  { weight: 1, arbitrary: fc.constantFrom({ $ne: 1 }, { $in: [1, 'a'] }, { $exists: true }, { x: 1 }) },
);
const filter = fc.tuple(fc.dictionary(path, cond, { maxKeys: 3 }), fc.boolean()).map(([f, or]) => (or ? { ...f, $or: [{ a: 1 }, { b: 'a' }] } : f));

describe('byte tests', () => {
  it('never disagree with the compiled filter', () => {
    let decided = 0;
    let undecided = 0;
    fc.assert(
      fc.property(doc, filter, (d, f) => {
        let pred: (d: Record<string, unknown>) => boolean;
        try {
          pred = compileFilter(f);
        } catch {
          return; // a filter the matcher refuses never reaches a byte test
        }
        const test = compileByteTest(f);
        if (!test) return;
        const bytes = encodeValue(d);
        // The document sits inside a larger buffer, as in engine memory.
        const mem = new Uint8Array(bytes.length + 10);
        mem.set(bytes, 3);
        const r = test(mem, 3, 3 + bytes.length);
        if (r === UNDECIDED) {
          undecided++;
          return;
        }
        decided++;
        expect(r === MATCH, `${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toBe(pred(d));
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: most answers are decided from the bytes.
    expect(decided).toBeGreaterThan(undecided);
  });

  it('compare every pair of tricky values as the matcher does, with every operator', () => {
    const values: unknown[] = [-2, -1, 0, -0, 1, 2, 0.5, 127, 128, 300, -129, 2 ** 40, -(2 ** 53), Number.MAX_SAFE_INTEGER + 2, 1e300, Infinity, -Infinity, NaN, 2n, 2n ** 70n, -3n,
      'a', 'b', '', 'é', '😀', '\ud800', LONG, LONG + 'x', true, false, null, undefined, new Date(0), new Date(2), [2], { x: 2 }];
    let decided = 0;
    for (const v of values) {
      for (const d of [{ _id: 0, a: v }, { _id: 0, n: { m: 1, x: v } }]) {
        const bytes = encodeValue(d);
        const p = 'a' in d ? 'a' : 'n.x';
        for (const w of values) {
          for (const f of [{ [p]: w }, ...['$eq', '$gt', '$gte', '$lt', '$lte'].map((o) => ({ [p]: { [o]: w } }))]) {
            const test = compileByteTest(f);
            if (!test) continue;
            const r = test(bytes, 0, bytes.length);
            if (r === UNDECIDED) continue;
            decided++;
            expect(r === MATCH, `${String(v)} against ${JSON.stringify(f, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`).toBe(compileFilter(f)(d));
          }
        }
      }
    }
    expect(decided).toBeGreaterThan(5_000);
  });

  it('decide what they can and leave the rest to the matcher', () => {
    const at = (d: unknown, f: unknown): number => {
      const b = encodeValue(d);
      return compileByteTest(f)!(b, 0, b.length);
    };
    expect(at({ a: { zip: 5 } }, { 'a.zip': { $gte: 1, $lte: 5 } })).toBe(MATCH);
    expect(at({ a: { zip: 6 } }, { 'a.zip': { $gte: 1, $lte: 5 } })).toBe(NO_MATCH);
    expect(at({ a: { zip: '5' } }, { 'a.zip': { $gte: 1 } })).toBe(NO_MATCH);
    expect(at({ a: 5 }, { 'a.zip': 5 })).toBe(NO_MATCH);
    expect(at({ a: [{ zip: 5 }] }, { 'a.zip': 5 })).toBe(UNDECIDED);
    expect(at({ a: { zip: [5] } }, { 'a.zip': 5 })).toBe(UNDECIDED);
    expect(at({ a: 5n }, { a: 5 })).toBe(UNDECIDED);
    expect(at({ a: NaN }, { a: { $lt: 5 } })).toBe(UNDECIDED);
    expect(at({ a: -0 }, { a: 0 })).toBe(MATCH);
    expect(at({ a: 'Paris', b: 1 }, { a: 'Paris', b: { $ne: 2 } })).toBe(UNDECIDED);
    expect(at({ a: 'Paris', b: 1 }, { a: 'Rome', b: { $ne: 2 } })).toBe(NO_MATCH);
    expect(compileByteTest({ a: { $ne: 1 } })).toBeUndefined();
    expect(compileByteTest({ a: NaN })).toBeUndefined();
    expect(compileByteTest({ a: null })).toBeUndefined();
    expect(compileByteTest({ $expr: { $eq: ['$a', 1] } })).toBeUndefined();
  });

  it('locatePath finds values through objects, stops at arrays, and reports missing ones', () => {
    const b = encodeValue({ _id: 1, s: 'x'.repeat(200), [LONG]: { y: [1, 2], z: 7 }, w: 1.5 });
    const at = (p: string[]): number => locatePath(b, 0, b.length, p.map((k) => encodeValue(k).subarray(1)));
    expect(b[at(['w'])]).toBe(encodeValue(1.5)[0]);
    expect(at([LONG, 'z'])).toBeGreaterThan(0);
    expect(at([LONG, 'y', '0'])).toBe(PATH_THROUGH_ARRAY);
    expect(at([LONG, 'q'])).toBe(PATH_MISSING);
    expect(at(['w', 'q'])).toBe(PATH_MISSING);
    // Bytes cut short before the value are CORRUPT, not a wrong answer.
    const cut = b.subarray(0, b.length - 14);
    expect(() => locatePath(cut, 0, cut.length, [encodeValue('w').subarray(1)])).toThrow(/cannot decode/);
  });

  it('give a collection scan the same answers as the matcher alone', async () => {
    const store = await openStore('byte-tests', { worker: false, persist: false });
    try {
      const c = store.collection('t');
      const docs = Array.from({ length: 400 }, (_, i) => ({
        _id: i,
        city: ['Paris', 'Rome', 'Oslo', 'Zürich'][i % 4],
        age: i % 3 === 0 ? String(i % 60) : i % 7 === 0 ? [i % 60, 99] : i % 60,
        address: i % 11 === 0 ? [{ zip: i }] : i % 13 === 0 ? 'none' : { zip: i * 10 },
      }));
      await c.insertMany(docs);
      const filters: Record<string, unknown>[] = [
        { 'address.zip': { $gte: 500, $lte: 2500 } },
        { city: 'Zürich', age: { $gt: 20 } },
        { city: 'Paris', age: { $gte: 30, $lte: 40 }, 'address.zip': { $lt: 3000 } },
        { age: 99 },
        { city: 'Rome', $or: [{ age: { $lt: 10 } }, { 'address.zip': 120 }] },
      ];
      for (const f of filters) {
        const pred = compileFilter(f);
        const want = docs.filter((d) => pred(d)).map((d) => d._id);
        expect((await c.find(f).toArray()).map((d) => d._id), JSON.stringify(f)).toEqual(want);
        expect(await c.countDocuments(f), JSON.stringify(f)).toBe(want.length);
      }
    } finally {
      await store.destroy();
    }
  });
});
