/**
 * MongoDB's documented behaviour where mingo (the differential oracle) differs, tested directly.
 * Each case is listed in docs/docs-differences.md; the differential generators avoid them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectId, openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

async function ids(docs: Record<string, unknown>[], filter: Record<string, unknown>, sort?: Record<string, 1 | -1>): Promise<unknown[]> {
  const c = store.collection(`s${++seq}`);
  await c.insertMany(docs.map((d, i) => ({ _id: i, ...d })));
  return (await c.find(filter, { sort }).toArray()).map((d) => d._id);
}

describe('comparison order (BSON), where mingo differs', () => {
  it('sorts mixed types in BSON order: null < numbers < strings < objects < arrays < binary < ObjectId < booleans < dates', async () => {
    const oid = new ObjectId('0123456789abcdef01234567');
    // Arrays sort by their smallest element ascending, so an array value is written [[0]].
    const values: unknown[] = [new Date(0), true, oid, new Uint8Array([1]), [[0]], { a: 1 }, 'a', 1, null];
    const got = await ids(values.map((v) => ({ v })), {}, { v: 1 });
    expect(got).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('compares strings by code point, not UTF-16 unit', async () => {
    // U+FF5E is below U+1F600 as code points, above it as UTF-16 units (0xD83D).
    expect(await ids([{ s: '\u{1F600}' }, { s: '\uFF5E' }], {}, { s: 1 })).toEqual([1, 0]);
    expect(await ids([{ s: '\u{1F600}' }, { s: '\uFF5E' }], { s: { $gt: '\uFF5E' } })).toEqual([0]);
  });

  it('NaN equals NaN, sorts below every number and is neither greater nor less than anything', async () => {
    const docs = [{ n: NaN }, { n: -Infinity }, { n: 0 }];
    expect(await ids(docs, {}, { n: 1 })).toEqual([0, 1, 2]);
    expect(await ids(docs, { n: NaN })).toEqual([0]);
    expect(await ids(docs, { n: { $lt: 1 } })).toEqual([1, 2]);
    expect(await ids(docs, { n: { $gte: NaN } })).toEqual([0]);
    expect(await ids(docs, { n: { $gt: NaN } })).toEqual([]);
  });

  it('binary compares by length first, then bytes', async () => {
    expect(await ids([{ b: new Uint8Array([9]) }, { b: new Uint8Array([1, 1]) }, { b: new Uint8Array([2]) }], {}, { b: 1 })).toEqual([2, 0, 1]);
  });

  it('objects compare field by field: type, name, value', async () => {
    expect(await ids([{ o: { a: 'x' } }, { o: { a: 1 } }, { o: { b: 0 } }, { o: { a: 1, b: 1 } }], {}, { o: 1 })).toEqual([1, 3, 2, 0]);
  });

  it('sorts an array by its smallest element ascending and its largest descending', async () => {
    const docs = [{ a: [3, 0] }, { a: [1] }, { a: [false, 0] }];
    expect(await ids(docs, {}, { a: 1, _id: 1 })).toEqual([0, 2, 1]);
    expect(await ids(docs, {}, { a: -1, _id: 1 })).toEqual([2, 0, 1]);
  });

  it('aggregation $gt/$cmp compare across types in BSON order', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ _id: 1, d: new Date(0), b: false });
    const [r] = await c.aggregate([{ $project: { _id: 0, dateGtNum: { $gt: ['$d', 2] }, boolGtNum: { $gt: ['$b', 1] }, cmp: { $cmp: ['a', 5] } } }]).toArray();
    expect(r).toEqual({ dateGtNum: true, boolGtNum: true, cmp: 1 });
  });
});

describe('query semantics, where mingo differs', () => {
  it('$gte/$lte null match null and missing; $gt/$lt null match nothing', async () => {
    const docs = [{ a: null }, {}, { a: 1 }];
    expect(await ids(docs, { a: { $gte: null } })).toEqual([0, 1]);
    expect(await ids(docs, { a: { $lte: null } })).toEqual([0, 1]);
    expect(await ids(docs, { a: { $gt: null } })).toEqual([]);
  });

  it('$type matches array elements; int vs double follow the driver (integers in int32 range are int)', async () => {
    expect(await ids([{ a: [{ x: 1 }] }, { a: [1] }], { a: { $type: 'object' } })).toEqual([0]);
    expect(await ids([{ a: 0 }, { a: 0.5 }, { a: 2 ** 40 }, { a: 5n }], { a: { $type: 'int' } })).toEqual([0]);
    expect(await ids([{ a: 0 }, { a: 0.5 }, { a: 2 ** 40 }, { a: 5n }], { a: { $type: 'double' } })).toEqual([1, 2]);
    expect(await ids([{ a: 0 }, { a: 0.5 }, { a: 5n }, { a: '1' }], { a: { $type: 'number' } })).toEqual([0, 1, 2]);
    expect(await ids([{ a: 5n }], { a: { $type: 'long' } })).toEqual([0]);
  });

  it('$mod matches numbers only', async () => {
    expect(await ids([{ a: false }, { a: 4 }, { a: '4' }, { a: 5.5 }], { a: { $mod: [2, 0] } })).toEqual([1]);
    expect(await ids([{ a: -5 }], { a: { $mod: [3, -2] } })).toEqual([0]);
  });

  it('an element without the field counts as null in a path through an array', async () => {
    const docs = [{ o: [{}, { x: 1 }] }, { o: [{ x: 1 }] }, {}];
    expect(await ids(docs, { 'o.x': null })).toEqual([0, 2]);
    expect(await ids(docs, { 'o.x': { $ne: null } })).toEqual([1]);
  });

  it('paths through arrays do not descend into nested arrays; $size/$elemMatch/array equality see the values at the path', async () => {
    expect(await ids([{ a: [['x']] }, { a: [{ x: 'a' }] }], { 'a.x': { $lte: 'a' } })).toEqual([1]);
    expect(await ids([{ a: [] }, { a: [{ x: [] }] }], { 'a.x': { $size: 0 } })).toEqual([1]);
    expect(await ids([{ a: [] }, { a: [{ x: [] }] }], { 'a.x': [] })).toEqual([1]);
    expect(await ids([{ o: [{ x: 0.5 }] }, { o: [{ x: [0.5] }] }], { 'o.x': { $elemMatch: { $lte: 1 } } })).toEqual([1]);
    expect(await ids([{ a: ['b'] }, { a: [{ x: 'b' }] }], { a: { $elemMatch: { x: 'b' } } })).toEqual([1]);
  });

  it('$all: [v] is $eq v (also on scalars); $all: [null] matches missing', async () => {
    expect(await ids([{ a: { b: [{ x: -3 }] } }, { a: { b: [{ x: 1 }] } }], { 'a.b.0.x': { $all: [-3] } })).toEqual([0]);
    expect(await ids([{ v: 1 }, {}], { w: { $all: [null] } })).toEqual([0, 1]);
  });

  it('sort keys: an element without the field is null; a missing array path is null', async () => {
    // o.x keys: doc0 -> null (from {}) and 0: min null; doc1 -> null. Tie: _id order.
    expect(await ids([{ o: [{}, { x: 0 }] }, {}], {}, { 'o.x': 1, _id: 1 })).toEqual([0, 1]);
    expect(await ids([{}, { o: [] }], {}, { 'o.x': 1, _id: 1 })).toEqual([0, 1]);
  });
});

describe('updates and aggregation, where mingo differs', () => {
  it('$push modifiers apply to a new array; $slice: 0 empties it', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ _id: 1 });
    await c.updateOne({ _id: 1 }, { $push: { a: { $each: [3, 1, 2], $sort: 1, $slice: 2 } } });
    await c.updateOne({ _id: 1 }, { $push: { b: { $each: [1], $slice: 0 } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 2], b: [] });
  });

  it('$addToSet keeps existing duplicates and does not add duplicates from $each', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ _id: 1, a: [5, 5] });
    await c.updateOne({ _id: 1 }, { $addToSet: { a: { $each: [] }, b: { $each: [1, 1, 2] } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [5, 5], b: [1, 2] });
  });

  it('$inc/$mul on a non-number fails (TypeMismatch, code 14) and writes nothing', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 'x' }]);
    const e = await c.updateMany({}, { $inc: { n: 1 } }).catch((x) => x);
    expect(e.code).toBe('BAD_VALUE');
    expect(e.details.code).toBe(14);
    expect(await c.find({}).toArray()).toEqual([{ _id: 1, n: 1 }, { _id: 2, n: 'x' }]);
  });

  it('$group $push/$addToSet skip missing values; $count of nothing is no document', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertMany([{ a: 1 }, {}]);
    expect(await c.aggregate([{ $group: { _id: null, p: { $push: '$a' }, s: { $addToSet: '$a' } } }]).toArray()).toEqual([{ _id: null, p: [1], s: [1] }]);
    expect(await c.aggregate([{ $match: { a: 99 } }, { $count: 'n' }]).toArray()).toEqual([]);
  });

  it('expression operators refuse wrong types ($add on a boolean, $size/$map on a non-array)', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ b: true, n: 1 });
    for (const e of [{ $add: ['$b', 1] }, { $size: '$n' }, { $map: { input: '$n', in: 1 } }]) {
      const err = await c.aggregate([{ $project: { x: e } }]).toArray().catch((x) => x);
      expect(err.code).toBe('BAD_QUERY');
    }
  });

  it('$lookup joins another collection (using its index) and $facet runs sub-pipelines', async () => {
    const orders = store.collection(`o${++seq}`);
    const items = store.collection(`i${seq}`);
    await items.createIndex({ sku: 1 });
    await items.insertMany([{ sku: 'a', price: 2 }, { sku: 'b', price: 3 }]);
    await orders.insertMany([{ _id: 1, skus: ['a', 'b'] }, { _id: 2, skus: 'a' }, { _id: 3 }]);
    const r = await orders
      .aggregate([
        { $lookup: { from: items.collectionName, localField: 'skus', foreignField: 'sku', as: 'items' } },
        { $project: { total: { $sum: '$items.price' } } },
        { $facet: { all: [{ $sort: { _id: 1 } }], big: [{ $match: { total: { $gt: 2 } } }, { $count: 'n' }] } },
      ])
      .toArray();
    expect(r).toEqual([{ all: [{ _id: 1, total: 5 }, { _id: 2, total: 2 }, { _id: 3, total: 0 }], big: [{ n: 1 }] }]);
    const r2 = await orders.aggregate([{ $match: { _id: 1 } }, { $lookup: { from: items.collectionName, let: { s: '$skus' }, pipeline: [{ $match: { $expr: { $in: ['$sku', '$$s'] } } }, { $project: { _id: 0, sku: 1 } }], as: 'it' } }]).toArray();
    expect(r2[0]!.it).toEqual([{ sku: 'a' }, { sku: 'b' }]);
  });
});

describe('$addFields/$set of a dotted path through a non-document (MongoDB projection_node.cpp applyExpressionsToValue), where mingo differs', () => {
  // Each shape the path's parent can have: missing, null, a scalar, a document, an array of
  // documents and scalars, an array of scalars, an array of arrays (one of them empty).
  const doc = { _id: 1, n: null, s: 5, o: { k: 1 }, arr: [{ a: 1 }, 2], sc: [1, 'x'], aa: [[{ a: 1 }, 3], [], 4] };
  const want = {
    _id: 1,
    n: { q: 1 },
    s: { q: 1 },
    o: { k: 1, q: 1 },
    arr: [{ a: 1, q: 1 }, { q: 1 }],
    sc: [{ q: 1 }, { q: 1 }],
    aa: [[{ a: 1, q: 1 }, { q: 1 }], [], { q: 1 }],
    m: { q: 1 },
  };
  const paths = ['n', 's', 'o', 'arr', 'sc', 'aa', 'm'];

  for (const stage of ['$set', '$addFields']) {
    it(`${stage} with dotted paths replaces missing/null/scalars by a document and descends every array level`, async () => {
      const c = store.collection(`s${++seq}`);
      await c.insertMany([doc, { _id: 2, n: 5 }]);
      const r = await c.aggregate([{ [stage]: Object.fromEntries(paths.map((p) => [`${p}.q`, 1])) }, { $sort: { _id: 1 } }]).toArray();
      expect(r).toEqual([want, { _id: 2, n: { q: 1 }, s: { q: 1 }, o: { q: 1 }, arr: { q: 1 }, sc: { q: 1 }, aa: { q: 1 }, m: { q: 1 } }]);
    });

    it(`${stage} with a nested literal document ({ f: { q: 1 } }) behaves as the dotted path`, async () => {
      const c = store.collection(`s${++seq}`);
      await c.insertOne(doc);
      const r = await c.aggregate([{ [stage]: Object.fromEntries(paths.map((p) => [p, { q: 1 }])) }]).toArray();
      expect(r).toEqual([want]);
      // Deeper: a scalar two levels down becomes a document too.
      const r2 = await c.aggregate([{ [stage]: { 'o.k.z': '$_id', arr: { a: { b: 2 } } } }, { $project: { o: 1, arr: 1 } }]).toArray();
      expect(r2).toEqual([{ _id: 1, o: { k: { z: 1 } }, arr: [{ a: { b: 2 } }, { a: { b: 2 } }] }]);
    });
  }

  it('an update pipeline $set through null or a scalar sets the path instead of failing', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertMany([{ _id: 1, n: null, arr: [{ a: 1 }, 2] }, { _id: 2, n: 5 }]);
    expect((await c.updateMany({}, [{ $set: { 'n.q': 1 } }])).modifiedCount).toBe(2);
    await c.updateOne({ _id: 1 }, [{ $addFields: { 'arr.q': 1 } }]);
    expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, n: { q: 1 }, arr: [{ a: 1, q: 1 }, { q: 1 }] },
      { _id: 2, n: { q: 1 } },
    ]);
  });

  it('a missing value ($$REMOVE) removes the field but still builds the documents on the path', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ _id: 1, o: { k: 1, j: 2 }, s: 5, arr: [{ k: 1 }, 2] });
    const r = await c.aggregate([{ $set: { 'o.k': '$$REMOVE', 's.k': '$$REMOVE', 'arr.k': '$$REMOVE', 'm.k': '$nope' } }]).toArray();
    expect(r).toEqual([{ _id: 1, o: { j: 2 }, s: {}, arr: [{}, {}], m: {} }]);
  });

  it('a field inside another field of the same stage is a path collision (BAD_QUERY), as in MongoDB', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne({ _id: 1, a: { b: 0 } });
    for (const stage of ['$set', '$addFields']) {
      for (const spec of [{ a: 1, 'a.b': 2 }, { 'a.b': 2, a: 1 }, { 'a.b': 1, a: { b: 2 } }, { 'a.b.c': 1, 'a-x': 1, 'a.b': 1 }]) {
        await expect(c.aggregate([{ [stage]: spec }]).toArray(), JSON.stringify(spec)).rejects.toMatchObject({ code: 'BAD_QUERY', message: expect.stringMatching(/Path collision/) });
      }
    }
    // Siblings, in either form, are fine.
    expect(await c.aggregate([{ $set: { 'a.b': 1, a: { c: 2 }, 'a-x': 3 } }]).toArray()).toEqual([{ _id: 1, a: { b: 1, c: 2 }, 'a-x': 3 }]);
  });

  it('$project with computed dotted paths is unchanged: scalars in arrays are dropped, then the field is added', async () => {
    const c = store.collection(`s${++seq}`);
    await c.insertOne(doc);
    const r = await c.aggregate([{ $project: { 'n.q': { $literal: 1 }, 'arr.q': { $literal: 1 }, 'aa.q': { $literal: 1 }, 'm.q': { $literal: 1 } } }]).toArray();
    expect(r).toEqual([{ _id: 1, n: { q: 1 }, arr: [{ q: 1 }], aa: [[{ q: 1 }], []], m: { q: 1 } }]);
  });
});
