/**
 * Aggregation expression operators checked against MongoDB's own semantics (its jstests and
 * manual), in the places where a JS implementation most easily drifts: a missing value is not
 * null in comparisons, null beats a type error in $divide/$mod, and the argument rules of $slice
 * and $arrayElemAt. Each difference fixed here is a row in docs/docs-differences.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-expr-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

const DOC = { _id: 1, n: null, s: 'abc', arr: [0, 1, 2, 3, 4] };

/** Evaluates each expression over DOC with one $project; a field left out is missing. */
async function evalAll(exprs: Record<string, unknown>, docs: Record<string, unknown>[] = [DOC]): Promise<Record<string, unknown>[]> {
  const c = store.collection(`e${++seq}`);
  await c.insertMany(structuredClone(docs));
  return (await c.aggregate([{ $sort: { _id: 1 } }, { $project: exprs }]).toArray()) as Record<string, unknown>[];
}

async function evalOne(expr: unknown): Promise<unknown> {
  return (await evalAll({ v: expr }))[0]!.v;
}

describe('comparisons: missing is its own value, below null (comparison_missing_and_key_values.js)', () => {
  it('$eq/$ne/$gt/$gte/$lt/$lte/$cmp of a missing field against null, both operand orders', async () => {
    const [r] = await evalAll({
      eq: { $eq: ['$m', null] }, eqR: { $eq: [null, '$m'] },
      ne: { $ne: ['$m', null] }, neR: { $ne: [null, '$m'] },
      gt: { $gt: ['$m', null] }, gtR: { $gt: [null, '$m'] },
      gte: { $gte: ['$m', null] }, gteR: { $gte: [null, '$m'] },
      lt: { $lt: ['$m', null] }, ltR: { $lt: [null, '$m'] },
      lte: { $lte: ['$m', null] }, lteR: { $lte: [null, '$m'] },
      cmp: { $cmp: ['$m', null] }, cmpR: { $cmp: ['$n', '$m'] },
    });
    expect(r).toEqual({
      _id: 1,
      eq: false, eqR: false, ne: true, neR: true,
      gt: false, gtR: true, gte: false, gteR: true,
      lt: true, ltR: false, lte: true, lteR: false,
      cmp: -1, cmpR: 1,
    });
  });

  it('two missing values are equal; null equals null; missing is below numbers', async () => {
    const [r] = await evalAll({
      mm: { $eq: ['$m', '$m2'] }, mmCmp: { $cmp: ['$m', '$m2'] }, nn: { $eq: ['$n', null] },
      ltNum: { $lt: ['$m', 0] }, gtNum: { $gt: ['$m', -Infinity] },
    });
    expect(r).toEqual({ _id: 1, mm: true, mmCmp: 0, nn: true, ltNum: true, gtNum: false });
  });

  it('$match { $expr: { $eq: [$a, null] } } matches a null a, not a missing one', async () => {
    const c = store.collection(`m${++seq}`);
    await c.insertMany([{ _id: 1, a: null }, { _id: 2 }, { _id: 3, a: 1 }]);
    expect(await c.aggregate([{ $match: { $expr: { $eq: ['$a', null] } } }]).toArray()).toEqual([{ _id: 1, a: null }]);
    expect(await c.aggregate([{ $match: { $expr: { $ne: ['$a', null] } } }, { $sort: { _id: 1 } }]).toArray()).toEqual([{ _id: 2 }, { _id: 3, a: 1 }]);
  });

  it('$in and $indexOfArray do not find a missing value in [null] (ExpressionIn compares values)', async () => {
    const [r] = await evalAll({
      inNull: { $in: ['$m', [null]] },
      // an array literal turns a missing element into null, so this is [null] as well
      inMissArr: { $in: ['$m', ['$m2']] },
      nullInNull: { $in: ['$n', [null]] },
      idx: { $indexOfArray: [[1, null], '$m'] },
      idxNull: { $indexOfArray: [[1, null], null] },
    });
    expect(r).toEqual({ _id: 1, inNull: false, inMissArr: false, nullInNull: true, idx: -1, idxNull: 1 });
  });
});

describe('$divide and $mod: null wins over a non-number (divide.js; ExpressionMod)', () => {
  it('a string with a null or missing operand gives null, in either position', async () => {
    const [r] = await evalAll({
      d1: { $divide: ['$s', null] }, d2: { $divide: [null, '$s'] }, d3: { $divide: ['$s', '$m'] },
      m1: { $mod: ['$s', null] }, m2: { $mod: ['$m', '$s'] }, d0: { $divide: [null, 0] },
    });
    expect(r).toEqual({ _id: 1, d1: null, d2: null, d3: null, m1: null, m2: null, d0: null });
  });

  it('a non-number without a null is still an error, and so is dividing by zero', async () => {
    await expect(evalOne({ $divide: [1, '$s'] })).rejects.toMatchObject({ code: 'BAD_QUERY' });
    await expect(evalOne({ $mod: ['$s', 2] })).rejects.toMatchObject({ code: 'BAD_QUERY' });
    await expect(evalOne({ $divide: [1, 0] })).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });
});

describe('$slice and $arrayElemAt arguments (the $slice jstest of SERVER-6074; array_elem_at.js)', () => {
  it('a null position or count gives null', async () => {
    const [r] = await evalAll({
      s2: { $slice: ['$arr', null] }, s3: { $slice: ['$arr', -1, null] }, s3m: { $slice: ['$arr', '$m', 2] },
      s0: { $slice: [null, -10] }, ok: { $slice: ['$arr', -3, 2] }, ok2: { $slice: ['$arr', 2.0] },
    });
    expect(r).toEqual({ _id: 1, s2: null, s3: null, s3m: null, s0: null, ok: [2, 3], ok2: [0, 1] });
  });

  it('a non-numeric or non-integral position or count is an error', async () => {
    for (const bad of [['$arr', '2'], ['$arr', 1.5], ['$arr', 2 ** 32], ['$arr', 0, '2'], ['$arr', 0, 1.5], ['$arr', 0, 0]]) {
      await expect(evalOne({ $slice: bad }), JSON.stringify(bad)).rejects.toMatchObject({ code: 'BAD_QUERY' });
    }
  });

  it('$arrayElemAt: integral doubles index, out of range is missing, 1.5 and "2" are errors', async () => {
    const [r] = await evalAll({ a: { $arrayElemAt: ['$arr', 1.0] }, b: { $arrayElemAt: ['$arr', -1] }, c: { $arrayElemAt: ['$arr', 5] }, d: { $arrayElemAt: ['$arr', null] } });
    expect(r).toEqual({ _id: 1, a: 1, b: 4, d: null });
    await expect(evalOne({ $arrayElemAt: ['$arr', 1.5] })).rejects.toMatchObject({ code: 'BAD_QUERY' });
    await expect(evalOne({ $arrayElemAt: ['$arr', '2'] })).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });
});

describe('already MongoDB behaviour (kept as regressions)', () => {
  it('truthiness: 0, null and missing are false; [] and "" are true', async () => {
    const [r] = await evalAll({
      z: { $cond: [0, 'T', 'F'] }, n: { $cond: ['$n', 'T', 'F'] }, m: { $cond: ['$m', 'T', 'F'] },
      a: { $cond: [[], 'T', 'F'] }, s: { $cond: ['', 'T', 'F'] }, and: { $and: [[], ''] }, not: { $not: ['$m'] },
    });
    expect(r).toEqual({ _id: 1, z: 'F', n: 'F', m: 'F', a: 'T', s: 'T', and: true, not: true });
  });

  it('arithmetic and $concat with null or missing give null; $ifNull skips both', async () => {
    const [r] = await evalAll({
      add: { $add: [1, '$m'] }, sub: { $subtract: ['$n', 1] }, mul: { $multiply: [2, '$m'] },
      cat: { $concat: ['a', '$m'] }, ifn: { $ifNull: ['$m', '$n', 'x'] },
    });
    expect(r).toEqual({ _id: 1, add: null, sub: null, mul: null, cat: null, ifn: 'x' });
  });

  it('$group accumulators over null and missing values', async () => {
    const c = store.collection(`g${++seq}`);
    await c.insertMany([{ _id: 1, v: null }, { _id: 2 }, { _id: 3, v: 'x' }, { _id: 4, v: 3 }]);
    const out = await c.aggregate([{ $sort: { _id: 1 } }, {
      $group: {
        _id: null, sum: { $sum: '$v' }, avg: { $avg: '$v' }, min: { $min: '$v' }, max: { $max: '$v' },
        push: { $push: '$v' }, set: { $addToSet: '$v' }, avgNone: { $avg: '$none' }, minNone: { $min: '$none' },
      },
    }]).toArray();
    expect(out).toEqual([{ _id: null, sum: 3, avg: 3, min: 3, max: 'x', push: [null, 'x', 3], set: [null, 'x', 3], avgNone: null, minNone: null }]);
  });
});
