/**
 * Updates patched in the stored bytes (update/patch.ts, Writer.replacePatched) store, index,
 * report and emit exactly what the ordinary path does: random documents of top-level scalars of
 * every kind (ints around the encodings' edges, -0, NaN, doubles, huge numbers, bigints, strings,
 * Dates, arrays, missing fields), random `$inc`/`$set` updates (including `$inc` of a
 * non-number, which must fail as before), over several index sets. The ordinary path is the same
 * update with an `$unset` of a field no document has, which changes nothing but is not patched.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeValue, encodeValue } from '../src/codec/value.js';
import { ObjectId } from '../src/codec/object-id.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { isLarderError } from '../src/errors.js';
import { docsView } from '../src/views/docs/index.js';
import { Writer } from '../src/views/docs/writer.js';
import type { ViewContext } from '../src/views/view.js';

type Method = (ctx: ViewContext, ...args: unknown[]) => unknown;
const m = docsView.methods as unknown as Record<string, Method>;

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function dump(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k, v] of ks.range({})) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

/** Events as hex, so that byte views compare by content. */
function show(e: unknown): unknown {
  if (e instanceof Uint8Array) return Buffer.from(e).toString('hex');
  if (e && typeof e === 'object') return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, show(v)]));
  return e;
}

const number = fc.oneof(
  fc.double(),
  fc.integer({ min: -300, max: 300 }),
  fc.constantFrom(0, -0, 1, -1, 126, 127, 128, -127, -128, 16383, 16384, 2 ** 53 - 2, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 60, 1e308, NaN, Infinity, -Infinity, 5e-324, 0.5),
);
const scalar = fc.oneof(
  { weight: 12, arbitrary: number },
  { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', 'ü', '\u{1F600}', 'z'.repeat(200), '\uD800')) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, undefined, 5n, -(2n ** 70n), new Date(-5), new ObjectId('0123456789abcdef01234567')) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([1, 'a'], [], { x: 1 }) },
);
/** A field that is mostly there. */
const MISSING = Symbol('missing');
const present = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: a }, { weight: 1, arbitrary: fc.constant(MISSING) });
const docArb = fc
  .record({ a: present(scalar), b: present(scalar), c: present(scalar), e: present(fc.oneof(scalar, fc.record({ x: scalar }))) })
  .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== MISSING)));
const field = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 1, arbitrary: fc.constant('n') });
const updateArb = fc
  .record({
    $inc: fc.dictionary(field, fc.oneof(number, fc.constantFrom<unknown>(0, 1, -1, 3n)), { maxKeys: 2 }),
    $set: fc.dictionary(field, scalar, { maxKeys: 2 }),
  })
  .filter((u) => Object.keys(u.$inc).length + Object.keys(u.$set).length > 0 && Object.keys(u.$inc).every((k) => !(k in u.$set)))
  .map((u) => Object.fromEntries(Object.entries(u).filter(([, v]) => Object.keys(v).length > 0)));
const indexSets = fc.constantFrom<Array<Record<string, unknown>>>(
  [],
  [{ key: { a: 1 } }],
  [{ key: { c: 1, a: 1 } }, { key: { b: -1 } }],
  [{ key: { a: 1, b: -1, c: 1 } }, { key: { 'e.x': 1, b: 1 } }],
  [{ key: { b: 1 }, sparse: true }, { key: { c: -1 }, unique: true }],
  [{ key: { a: 1 }, partialFilterExpression: { b: { $gt: 0 } } }],
);

/** Runs `call` on a fresh collection of `docs` with `specs`; the result (or error), stored entries and events. */
function run(docs: unknown[], specs: Array<Record<string, unknown>>, call: (ctx: ViewContext) => unknown): { result: unknown; store: string[]; events: unknown[] } {
  const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
  const events: unknown[] = [];
  const ctx = (): ViewContext => ({ ks, batch: new WriteBatch(ks), now: 0, emit: (_t, e) => events.push(show(e)), watched: true });
  if (specs.length) m.createIndexes(ctx(), 'c', specs.map((x, i) => ({ ...x, name: `ix${i}` })));
  m.insertMany(ctx(), 'c', decodeValue(encodeValue(docs)));
  events.length = 0;
  const c: ViewContext = {
    ...ctx(),
    emit: (_t, e) => {
      // An event's bytes cross to the page by structured clone, which copies a view's whole buffer.
      const d = (e as { d?: Uint8Array }).d;
      if (d) expect(d.byteLength).toBe(d.buffer.byteLength);
      events.push(show(e));
    },
  };
  let result: unknown;
  try {
    result = call(c);
  } catch (e) {
    c.batch.rollback();
    result = isLarderError(e) ? `${e.code} ${e.message}` : String(e);
  }
  const store = dump(ks);
  ks.free();
  return { result, store, events };
}

/** The same update, made to take the ordinary path (an $unset of a field no document has changes nothing). */
function ordinary(u: Record<string, unknown>): Record<string, unknown> {
  return { ...u, $unset: { zz: '' } };
}

describe('updates patched in the stored bytes', () => {
  it('updateMany stores, indexes, counts and emits what the ordinary path does', () => {
    const patched = vi.spyOn(Writer.prototype, 'replacePatched');
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 1, maxLength: 12 }), indexSets, updateArb, (raw, specs, u) => {
        const docs = raw.map((d, i) => ({ _id: i, ...d }));
        const filter = { _id: { $in: docs.filter((_, i) => i % 3 !== 1).map((d) => d._id) } };
        const fast = run(docs, specs, (c) => m.updateMany(c, 'c', filter, u));
        const slow = run(docs, specs, (c) => m.updateMany(c, 'c', filter, ordinary(u)));
        expect(fast.result).toEqual(slow.result);
        expect(fast.store).toEqual(slow.store);
        expect(fast.events).toEqual(slow.events);
      }),
      { numRuns: 400 },
    );
    // Most documents took the patch, not the ordinary path.
    expect(patched.mock.calls.length).toBeGreaterThan(200);
  });

  it('findOneAndUpdate returns the documents the ordinary path returns', () => {
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 1, maxLength: 4 }), indexSets, updateArb, fc.constantFrom('before', 'after'), (raw, specs, u, returnDocument) => {
        const docs = raw.map((d, i) => ({ _id: i, ...d }));
        const fast = run(docs, specs, (c) => m.findOneAndUpdate(c, 'c', {}, u, { returnDocument, sort: { _id: -1 } }));
        const slow = run(docs, specs, (c) => m.findOneAndUpdate(c, 'c', {}, ordinary(u), { returnDocument, sort: { _id: -1 } }));
        expect(fast.result).toEqual(slow.result);
        expect(fast.store).toEqual(slow.store);
        expect(fast.events).toEqual(slow.events);
      }),
      { numRuns: 200 },
    );
  });

  it('patches large documents (copied by set(), or given an array of their own) as the ordinary path', () => {
    const patched = vi.spyOn(Writer.prototype, 'replacePatched');
    const docs = Array.from({ length: 12 }, (_, i) => ({ _id: i, a: i * 1000 - 5000, pad: 'x'.repeat(i < 6 ? 300 + i : 9000 + i), b: 'q', c: i }));
    const specs = [{ key: { a: 1, c: -1 } }];
    const u = { $inc: { a: 200.5 }, $set: { b: 'y'.repeat(150) } };
    const fast = run(docs, specs, (c) => m.updateMany(c, 'c', {}, u));
    const slow = run(docs, specs, (c) => m.updateMany(c, 'c', {}, ordinary(u)));
    expect(patched).toHaveBeenCalledTimes(12);
    expect(fast.result).toEqual(slow.result);
    expect(fast.store).toEqual(slow.store);
    expect(fast.events).toEqual(slow.events);
  });

  it('the benchmark update patches every document and keeps the index in step', () => {
    const patched = vi.spyOn(Writer.prototype, 'replacePatched');
    const docs = Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, age: 120 + i, city: i % 2 ? 'Oslo' : 'Rome' }));
    const ids = docs.filter((_, i) => i % 5 === 0).map((d) => d._id);
    const r = run(docs, [{ key: { city: 1, age: 1 } }], (c) => {
      const res = m.updateMany(c, 'c', { _id: { $in: ids } }, { $inc: { age: 10 } });
      return { res, found: (m.find(c, 'c', { city: 'Rome', age: { $gte: 130, $lt: 140 } }) as unknown[]).length };
    });
    expect(patched).toHaveBeenCalledTimes(10);
    // Rome: d0 (120 -> 130) and d12..d18 (130..138, not updated); d10 went to 140.
    expect(r.result).toMatchObject({ res: { matchedCount: 10, modifiedCount: 10 }, found: 5 });
    const slow = run(docs, [{ key: { city: 1, age: 1 } }], (c) => m.updateMany(c, 'c', { _id: { $in: ids } }, ordinary({ $inc: { age: 10 } })));
    expect(r.store).toEqual(slow.store);
  });
});
