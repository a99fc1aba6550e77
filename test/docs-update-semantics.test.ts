/**
 * The update language checked against MongoDB itself (not mingo, the differential oracle): error
 * codes, result number types, upsert seeding and `$push` modifier parsing. Each case cites the
 * MongoDB source or jstest it follows; differences kept on purpose are in docs/docs-differences.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-update-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

function coll() {
  return store.collection(`u${++seq}`);
}

describe('array operators on a non-array', () => {
  it('$push, $addToSet, $pull and $pullAll fail with BadValue (code 2); $pop with TypeMismatch (14)', async () => {
    // push_node.cpp, addtoset_node.cpp, array_culling_node.cpp: BadValue; pop_node.cpp: TypeMismatch.
    const cases: [Record<string, unknown>, number][] = [
      [{ $push: { a: 1 } }, 2],
      [{ $addToSet: { a: 1 } }, 2],
      [{ $pull: { a: 5 } }, 2],
      [{ $pullAll: { a: [5] } }, 2],
      [{ $pop: { a: 1 } }, 14],
    ];
    for (const [update, code] of cases) {
      const c = coll();
      await c.insertOne({ _id: 1, a: 5 });
      const e = await c.updateOne({ _id: 1 }, update).catch((x) => x);
      expect(e.code, JSON.stringify(update)).toBe('BAD_VALUE');
      expect(e.details.code, JSON.stringify(update)).toBe(code);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 5 });
    }
  });
});

describe('$push modifiers', () => {
  it('finds $each anywhere in the object, not only first (push_node.cpp looks it up by name)', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: [3, 1] });
    await c.updateOne({ _id: 1 }, { $push: { a: { $slice: -2, $sort: 1, $each: [2] } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [2, 3] });
  });

  it('$position negative counts from the end; beyond the start inserts first', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: [3, 1], b: [3, 1] });
    await c.updateOne({ _id: 1 }, { $push: { a: { $each: [2], $position: -1 }, b: { $each: [2], $position: -5 } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [3, 2, 1], b: [2, 3, 1] });
  });
});

describe('$inc / $mul result types (SafeNum: int < long < double)', () => {
  it('a long with an int stays a long', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: 2n, b: 2n, c: 2n, d: 5 });
    await c.updateOne({ _id: 1 }, { $inc: { a: 1, d: 1n }, $mul: { b: 3 }, $set: {} });
    await c.updateOne({ _id: 1 }, { $inc: { c: 1.5 } });
    const d = await c.findOne({ _id: 1 });
    expect(d).toEqual({ _id: 1, a: 3n, b: 6n, c: 3.5, d: 6n });
  });

  it('a long overflowing int64 fails (BadValue, code 2) and writes nothing', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: 2n ** 63n - 1n });
    const e = await c.updateOne({ _id: 1 }, { $inc: { a: 1 } }).catch((x) => x);
    expect(e.code).toBe('BAD_VALUE');
    expect(e.details.code).toBe(2);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2n ** 63n - 1n });
  });

  it('a missing field: $inc sets the amount, $mul a zero of the amount\'s type', async () => {
    const c = coll();
    await c.insertOne({ _id: 1 });
    await c.updateOne({ _id: 1 }, { $inc: { a: 2.5, b: 2n }, $mul: { c: 2n, d: 3 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2.5, b: 2n, c: 0n, d: 0 });
  });
});

describe('upsert seed from the filter (jstests/core/write/update/upsert_fields.js)', () => {
  async function seeded(filter: Record<string, unknown>): Promise<unknown> {
    const c = coll();
    await c.updateOne(filter, { $set: { z: 1 } }, { upsert: true });
    const d = (await c.findOne({}))!;
    return d.x;
  }

  it('extracts $eq, one-element $in and $all, $and, and a $or of one clause', async () => {
    for (const f of [{ x: 1 }, { x: { $eq: 1 } }, { x: { $in: [1] } }, { x: { $all: [1] } }, { $and: [{ x: 1 }] }, { $or: [{ x: 1 }] }, { $or: [{ x: { $eq: 1 } }] }]) {
      expect(await seeded(f), JSON.stringify(f)).toBe(1);
    }
    expect(await seeded({ $or: [{ 'x.x': 1 }] })).toEqual({ x: 1 });
  });

  it('does not extract other conditions', async () => {
    for (const f of [{ x: { $gt: 1 } }, { x: { $in: [1, 2] } }, { x: { $elemMatch: { $eq: 1 } } }, { x: { $not: { $eq: 1 } } }, { $or: [{ x: 1 }, { x: 2 }] }, { $nor: [{ x: 1 }] }, { x: /abc/ }]) {
      expect(await seeded(f), JSON.stringify(f)).toBeUndefined();
    }
  });

  it('takes _id from a one-element $in; two equalities on a path are an error', async () => {
    const c = coll();
    const r = await c.updateOne({ _id: { $in: [7] } }, { $set: { z: 1 } }, { upsert: true });
    expect(r.upsertedId).toBe(7);
    for (const f of [{ x: { $all: [1, 2] } }, { $and: [{ x: 1 }, { x: 2 }] }, { x: 1, 'x.x': 1 }]) {
      await expect(coll().updateOne(f, { $set: { z: 1 } }, { upsert: true }), JSON.stringify(f)).rejects.toMatchObject({ code: 'BAD_QUERY' });
    }
  });
});

describe('_id in upserts (produce_document_for_upsert.cpp: _id is immutable once the filter set it)', () => {
  it('$setOnInsert/$set of a different _id than the filter\'s fails (ImmutableField, code 66)', async () => {
    for (const update of [{ $setOnInsert: { _id: 7 } }, { $set: { _id: 7 } }, { $set: { '_id.x': 2 } }]) {
      const c = coll();
      const filter = '$set' in update && '_id.x' in (update.$set as object) ? { _id: { x: 1 } } : { _id: 1 };
      const e = await c.updateOne(filter, update, { upsert: true }).catch((x) => x);
      expect(e.code, JSON.stringify(update)).toBe('BAD_VALUE');
      expect(e.details.code, JSON.stringify(update)).toBe(66);
      expect(await c.countDocuments({})).toBe(0);
    }
  });

  it('the same _id, or an _id where the filter gave none, is accepted', async () => {
    const c = coll();
    expect((await c.updateOne({ _id: 1 }, { $setOnInsert: { _id: 1, a: 1 } }, { upsert: true })).upsertedId).toBe(1);
    expect((await c.updateOne({ a: 2 }, { $setOnInsert: { _id: 7 } }, { upsert: true })).upsertedId).toBe(7);
    expect(await c.find({}).toArray()).toEqual([{ _id: 1, a: 1 }, { _id: 7, a: 2 }]);
  });
});

describe('modifiedCount', () => {
  it('counts -0 over 0 (a different double) and not NaN over NaN or an equal value', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, z: 0, n: NaN, o: { b: [1] } });
    expect((await c.updateOne({ _id: 1 }, { $set: { n: NaN, o: { b: [1] } } })).modifiedCount).toBe(0);
    expect((await c.updateOne({ _id: 1 }, { $set: { z: -0 } })).modifiedCount).toBe(1);
    const d = (await c.findOne({ _id: 1 }))!;
    expect(Object.is(d.z, -0)).toBe(true);
    expect(Number.isNaN(d.n)).toBe(true);
  });
});

describe('$rename arguments (rename_node.cpp: BadValue, code 2)', () => {
  it('refuses a target equal to the source, on the same path, or not a string', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: { b: 1 } });
    for (const spec of [{ a: 'a' }, { a: 'a.c' }, { 'a.b': 'a' }, { a: 1 }]) {
      const e = await c.updateOne({ _id: 1 }, { $rename: spec }).catch((x) => x);
      expect(e.code, JSON.stringify(spec)).toBe('BAD_QUERY');
      expect(e.details.code, JSON.stringify(spec)).toBe(2);
    }
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: { b: 1 } });
  });
});

describe('array padding (path_support.h kMaxPaddingAllowed)', () => {
  it('pads with null up to 1,500,000 elements and refuses more (CannotBackfillArray, code 34)', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: [1], o: {} });
    await c.updateOne({ _id: 1 }, { $set: { 'a.3': 9 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, null, null, 9], o: {} });
    for (const path of ['a.1500005', 'a.99999999999.x', 'a.1e400']) {
      const e = await c.updateOne({ _id: 1 }, { $set: { [path]: 1 } }).catch((x) => x);
      expect(e.code, path).toBe('BAD_VALUE');
      expect(e.details.code, path).toBe(path === 'a.1e400' ? 28 : 34);
    }
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, null, null, 9], o: {} });
  });
});

describe('the positional $ and negations (manual "$ (update)" > Negations; SERVER-6982)', () => {
  it('a query reaching the array only through $ne/$nin/$not gives no position (code 2)', async () => {
    for (const filter of [{ a: { $ne: 10 } }, { a: { $nin: [10, 20] } }, { a: { $not: { $gt: 10 } } }, { 'a.x': { $ne: 1 } }]) {
      const c = coll();
      await c.insertOne({ _id: 1, a: [1, 2] });
      const e = await c.updateOne(filter, { $set: { 'a.$': 5 } }).catch((x) => x);
      expect(e.code, JSON.stringify(filter)).toBe('BAD_VALUE');
      expect(e.details?.code, JSON.stringify(filter)).toBe(2);
      expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 2] });
    }
  });

  it('a negation beside a positive condition, or inside $elemMatch, still finds the element', async () => {
    const c = coll();
    await c.insertOne({ _id: 1, a: [1, 2, 3], b: [1, 2, 3] });
    await c.updateOne({ a: { $ne: 10, $gt: 1 }, b: { $elemMatch: { $ne: 1 } } }, { $set: { 'a.$': 9 } });
    await c.updateOne({ b: { $elemMatch: { $ne: 1 } } }, { $set: { 'b.$': 9 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 9, 3], b: [1, 9, 3] });
  });
});
