/**
 * The scan's shortcuts change no answer:
 * - decodeFields (the filter's top-level fields only, read in place) gives exactly those fields
 *   of decodeValue's document, at any offset in a larger buffer;
 * - skipKeyComponents lands where decodeKey does (the _id of an index entry);
 * - a plan the planner marks exact (documents not re-tested against the filter) finds the same
 *   documents as a collection scan, over values chosen to break it: mixed types, arrays (multikey),
 *   arrays of sub-documents, null and missing, NaN, -0, ±Infinity, bigints, long and non-ASCII
 *   strings, and filters with doubled or mixed-type bounds.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFields, decodeValue, encodeValue, fieldSelector } from '../src/codec/value.js';
import { decodeKey, encodeCompound, skipKeyComponents, type Direction } from '../src/keys/encode.js';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-scan', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

/** A few common values, so generated bounds often meet stored values exactly. */
const common = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom('a', 'b'));
const tricky = fc.oneof(
  { weight: 4, arbitrary: common },
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -0, NaN, Infinity, -Infinity, 2 ** 53, 10n, -(2n ** 40n)),
  fc.constantFrom('', 'a', 'ab', 'b', 'B', 'é', 'a\u0000b', 'x'.repeat(300)),
  fc.boolean(),
  fc.constant(null),
  fc.constant(new Date(Date.UTC(2020, 0, 1))),
);
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: tricky },
  { weight: 1, arbitrary: fc.array(tricky, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: tricky }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ x: tricky }), { maxLength: 2 }) },
);
const NAMES = ['p', 'q', 'r', '__proto__', 'é', 'missing'];

describe('partial decoding', () => {
  it('decodeFields gives exactly the named fields of decodeValue', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...NAMES, 's', 'tt'), fieldValue), fc.subarray(NAMES), fc.nat(5), (obj, names, pad) => {
        const doc: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) Object.defineProperty(doc, k, { value: v, enumerable: true, writable: true, configurable: true });
        const bytes = encodeValue(doc);
        const buf = new Uint8Array(bytes.length + 2 * pad).fill(0xee);
        buf.set(bytes, pad);
        const got = decodeFields(buf, pad, pad + bytes.length, fieldSelector(names))!;
        const full = decodeValue(bytes) as Record<string, unknown>;
        const want: Record<string, unknown> = {};
        for (const n of names) if (Object.prototype.hasOwnProperty.call(full, n)) Object.defineProperty(want, n, { value: full[n], enumerable: true, writable: true, configurable: true });
        expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
        // The codec round-trips exactly (NaN, -0, bigints): equal bytes are equal values.
        for (const k of Object.keys(want)) expect(encodeValue(got[k])).toEqual(encodeValue(want[k]));
      }),
      { numRuns: 500 },
    );
  });

  it('skipKeyComponents lands where decodeKey does', () => {
    const keyValue = tricky.filter((v) => typeof v !== 'bigint' || BigInt(Number(v)) === v);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(keyValue, fc.array(keyValue, { maxLength: 2 }), fc.record({ x: keyValue })), fc.constantFrom<Direction>(1, -1)), { minLength: 1, maxLength: 4 }), fc.nat(3), (comps, pad) => {
        const dirs = comps.map((c) => c[1]);
        const key = encodeCompound([...comps.map((c) => c[0]), 'id'], [...dirs, 1]);
        const buf = new Uint8Array(key.length + pad);
        buf.set(key, pad);
        expect(skipKeyComponents(buf, pad, dirs, pad + key.length)).toBe(decodeKey(key, { directions: dirs, count: dirs.length }).offset + pad);
      }),
      { numRuns: 500 },
    );
  });
});

const bound = fc.oneof({ weight: 4, arbitrary: common }, fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -0, Infinity, -Infinity, NaN, 10n), fc.constantFrom('', 'a', 'ab', 'b', 'é', 'x'.repeat(300)), fc.boolean(), fc.constant(null));
const lower = fc.constantFrom('$gt', '$gte');
const upper = fc.constantFrom('$lt', '$lte');
/** Conditions shaped like the ones the planner can prove from bounds, and near misses. */
const exactish = fc.oneof(
  bound,
  bound.map((v) => ({ $eq: v })),
  fc.array(bound, { maxLength: 3 }).map((v) => ({ $in: v })),
  fc.tuple(lower, bound).map(([o, v]) => ({ [o]: v })),
  fc.tuple(upper, bound).map(([o, v]) => ({ [o]: v })),
  fc.tuple(lower, bound, upper, bound).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })),
  // Two bounds on one side: the planner keeps one of them, so such a plan is not exact.
  fc.tuple(bound).map(([v]) => ({ $gte: v, $gt: v })),
  fc.tuple(bound).map(([v]) => ({ $lte: v, $lt: v })),
  fc.tuple(bound, bound).map(([v, w]) => ({ $lte: v, $lt: w })),
  // Bounds of two types span the values between them in key order; the matcher brackets types.
  fc.tuple(lower, fc.integer({ min: -2, max: 2 }), upper, fc.constantFrom('a', 'b')).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })),
);

describe('exact index plans', () => {
  it('find the same documents as a collection scan', async () => {
    const indexes = fc.constantFrom<Array<{ key: Record<string, 1 | -1>; sparse?: boolean }>>(
      [{ key: { p: 1 } }],
      [{ key: { p: 1, q: -1 } }],
      [{ key: { q: -1, p: 1 } }, { key: { 'r.x': 1 } }],
      [{ key: { p: 1 }, sparse: true }, { key: { 'r.x': 1, q: 1 } }],
    );
    const body = fc.record({ p: fieldValue, q: tricky, r: fieldValue }, { requiredKeys: [] });
    const filterOf = fc.oneof(
      fc.tuple(fc.constantFrom('p', 'q', 'r.x'), exactish).map(([k, c]) => ({ [k]: c })),
      fc.tuple(exactish, exactish).map(([a, b]) => ({ p: a, q: b })),
      fc.tuple(exactish, exactish).map(([a, b]) => ({ 'r.x': a, q: b })),
      fc.tuple(exactish, fc.integer({ min: -1, max: 1 })).map(([a, b]) => ({ p: a, s: b })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(body, { maxLength: 30 }), indexes, fc.array(filterOf, { minLength: 1, maxLength: 8 }), async (bodies, specs, filters) => {
        const ds = bodies.map((b, i) => ({ _id: i, s: i % 3 - 1, ...b }));
        const plain = store.collection(`plain${++seq}`);
        const indexed = store.collection(`indexed${seq}`);
        await indexed.createIndexes(specs.map((s, i) => ({ ...s, name: `ix${i}` })));
        if (ds.length) {
          await plain.insertMany(structuredClone(ds));
          await indexed.insertMany(structuredClone(ds));
        }
        for (const f of filters) {
          const ids = async (c: typeof plain): Promise<unknown[]> => (await c.find(f).toArray()).map((d) => d._id).sort((a, b) => (a as number) - (b as number));
          let want: unknown[];
          try {
            want = await ids(plain);
          } catch {
            continue; // a filter the matcher refuses is refused on both sides
          }
          expect(await ids(indexed), JSON.stringify(f, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(want);
          expect(await indexed.countDocuments(f)).toBe(want.length);
          expect(await indexed.countDocuments(f, { skip: 1, limit: 2 })).toBe(Math.max(0, Math.min(2, want.length - 1)));
          expect(await plain.countDocuments(f)).toBe(want.length);
        }
        await plain.drop();
        await indexed.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 200) },
    );
  });

  it('an exact plan skips the test and still answers right', async () => {
    const c = store.collection(`explain${++seq}`);
    await c.createIndex({ city: 1, age: 1 });
    await c.insertMany([
      { _id: 1, city: 'Paris', age: 30 },
      { _id: 2, city: 'Paris', age: 41 },
      { _id: 3, city: 'Rome', age: 35 },
      { _id: 4, city: 'Paris', age: '35' },
      { _id: 5, city: 'Paris' },
    ]);
    const f = { city: 'Paris', age: { $gte: 30, $lte: 40 } };
    expect((await c.find(f).toArray()).map((d) => d._id)).toEqual([1]);
    const e = (await c.find(f).explain()) as { queryPlanner: { winningPlan: { inputStage: { stage: string } } } };
    expect(e.queryPlanner.winningPlan.inputStage.stage).toBe('IXSCAN');
    // A multikey document makes the same plan inexact: the filter is tested again.
    await c.insertOne({ _id: 6, city: ['Paris', 'Rome'], age: [20, 50] });
    expect((await c.find(f).toArray()).map((d) => d._id)).toEqual([1, 6]);
    expect((await c.find({ city: 'Paris', age: { $gt: 30, $gte: 30 } }).toArray()).map((d) => d._id)).toEqual([2, 6]);
  });
});
