/**
 * Find projections ($slice, $elemMatch, the _id rule) and pipeline stages where mingo (the
 * differential oracle) departs from MongoDB, tested against MongoDB's behaviour directly, plus the
 * regression cases of the projection type rules (MongoDB's projection_parser.cpp). Each mingo
 * difference is a row in docs/docs-differences.md; the random generators in docs-gen.ts avoid them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-projection-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

const DOC = { _id: 1, b: 2, arr: [1, 2, 3], objs: [{ x: 1, y: 2 }, { x: 3, y: 4 }], n: { x: [1, 2, 3], y: 1 } };

async function project(projection: Record<string, unknown>, docs: Record<string, unknown>[] = [DOC]): Promise<Record<string, unknown>[]> {
  const c = store.collection(`p${++seq}`);
  await c.insertMany(structuredClone(docs));
  return (await c.find({}, { projection }).toArray()) as Record<string, unknown>[];
}

async function aggregate(pipeline: Record<string, unknown>[], docs: Record<string, unknown>[] = [DOC], other: Record<string, unknown>[] = []): Promise<Record<string, unknown>[]> {
  const c = store.collection(`a${++seq}`);
  await c.insertMany(structuredClone(docs));
  if (other.length) await store.collection(`o${seq}`).insertMany(structuredClone(other));
  const p = pipeline.map((st) => ('$lookup' in st ? { $lookup: { ...(st.$lookup as object), from: `o${seq}` } } : st));
  return (await c.aggregate(p).toArray()) as Record<string, unknown>[];
}

describe('projection type: what _id, $slice and $elemMatch decide (regressions)', () => {
  it('{ a: { $slice }, _id: 1 } is an inclusion: only _id and the sliced array', async () => {
    expect(await project({ arr: { $slice: 1 }, _id: 1 })).toEqual([{ _id: 1, arr: [1] }]);
  });

  it('$slice with $elemMatch and no other field is an exclusion: every field kept', async () => {
    expect(await project({ arr: { $slice: 1 }, objs: { $elemMatch: { x: 3 } } })).toEqual([{ _id: 1, b: 2, arr: [1], objs: [{ x: 3, y: 4 }], n: { x: [1, 2, 3], y: 1 } }]);
  });

  it('$elemMatch is allowed in an exclusion projection, replacing the array in place', async () => {
    const [d] = await project({ b: 0, objs: { $elemMatch: { x: 3 } } });
    expect(d).toEqual({ _id: 1, arr: [1, 2, 3], objs: [{ x: 3, y: 4 }], n: { x: [1, 2, 3], y: 1 } });
    expect(Object.keys(d!)).toEqual(['_id', 'arr', 'objs', 'n']);
    // No element matches: the field is left out.
    expect(await project({ b: 0, objs: { $elemMatch: { x: 9 } } })).toEqual([{ _id: 1, arr: [1, 2, 3], n: { x: [1, 2, 3], y: 1 } }]);
  });

  it('in an inclusion, the $elemMatch field comes after the other included fields', async () => {
    const [d] = await project({ objs: { $elemMatch: { y: { $gt: 2 } } }, b: 1, n: 1 });
    expect(Object.keys(d!)).toEqual(['_id', 'b', 'n', 'objs']);
    expect(d!.objs).toEqual([{ x: 3, y: 4 }]);
  });

  it('an expression on _id makes an inclusion: { _id: "$b" } keeps only _id', async () => {
    expect(await project({ _id: '$b' })).toEqual([{ _id: 2 }]);
    expect(await aggregate([{ $project: { _id: '$b' } }])).toEqual([{ _id: 2 }]);
  });

  it('an expression on _id with an exclusion is refused', async () => {
    await expect(aggregate([{ $project: { _id: { $add: ['$b', 1] }, arr: 0 } }])).rejects.toMatchObject({ code: 'BAD_QUERY' });
    await expect(project({ arr: 0, _id: '$b' })).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });
});

describe('find projections where mingo differs from MongoDB', () => {
  it('$slice alone keeps every other field (an exclusion); mingo keeps only the sliced field', async () => {
    expect(await project({ arr: { $slice: -1 } })).toEqual([{ ...DOC, arr: [3] }]);
    expect(await project({ arr: { $slice: [-5, 2] } })).toEqual([{ ...DOC, arr: [1, 2] }]);
    expect(await project({ b: { $slice: 1 } })).toEqual([DOC]);
  });

  it('$slice with exclusions is allowed; mingo refuses the mix', async () => {
    expect(await project({ b: 0, arr: { $slice: [1, 1] } })).toEqual([{ _id: 1, arr: [2], objs: DOC.objs, n: DOC.n }]);
  });

  it('{ _id: 1, b: 0 } is an exclusion that keeps _id; mingo refuses it', async () => {
    expect(await project({ _id: 1, b: 0 })).toEqual([{ _id: 1, arr: DOC.arr, objs: DOC.objs, n: DOC.n }]);
  });

  it('$slice of a nested path leaves a missing parent missing; mingo creates it', async () => {
    expect(await project({ b: 1, 'n.x': { $slice: 1 } }, [{ _id: 1, b: 2 }, { _id: 2, n: { x: [5, 6], y: 0 } }])).toEqual([
      { _id: 1, b: 2 },
      { _id: 2, n: { x: [5] } },
    ]);
  });

  it('$slice through an array of documents slices each element; mingo gathers one array', async () => {
    expect(await project({ _id: 0, 'objs.x': { $slice: 1 } }, [{ _id: 1, objs: [{ x: [1, 2], y: 1 }, { x: 3 }] }])).toEqual([{ objs: [{ x: [1], y: 1 }, { x: 3 }] }]);
  });

  it('$elemMatch with operators on the elements themselves; mingo refuses it', async () => {
    expect(await project({ arr: { $elemMatch: { $gte: 2 } } })).toEqual([{ _id: 1, arr: [2] }]);
  });

  it('$elemMatch with a field condition never matches scalar elements; mingo matches them', async () => {
    expect(await project({ _id: 0, a: { $elemMatch: { y: { $lte: 'ab' } } } }, [{ _id: 1, a: ['B', -1.5, { y: 'a' }] }])).toEqual([{ a: [{ y: 'a' }] }]);
    expect(await project({ _id: 0, a: { $elemMatch: { y: { $lte: 'ab' } } } }, [{ _id: 1, a: ['B', -1.5] }])).toEqual([{}]);
  });
});

describe('pipeline stages where mingo differs from MongoDB', () => {
  it('$unwind of an empty document keeps it as one element; mingo drops it', async () => {
    expect(await aggregate([{ $unwind: { path: '$a', includeArrayIndex: 'i' } }], [{ _id: 1, a: {} }])).toEqual([{ _id: 1, a: {}, i: null }]);
  });

  it('$addFields of a nested path after $unwind sets each document on its own; mingo shares the sub-document', async () => {
    const docs = [{ _id: 0, n: {}, objs: [{ x: 0 }, { x: -1 }] }];
    expect(await aggregate([{ $unwind: '$objs' }, { $addFields: { 'n.z': '$objs.x' } }], docs)).toEqual([
      { _id: 0, n: { z: 0 }, objs: { x: 0 } },
      { _id: 0, n: { z: -1 }, objs: { x: -1 } },
    ]);
  });

  it('$lookup `as` is a path: "n.j" sets j inside n; mingo makes a field named "n.j"', async () => {
    expect(await aggregate([{ $lookup: { localField: 'b', foreignField: 'k', as: 'n.j' } }], [{ _id: 1, b: 2, n: { y: 1 } }], [{ _id: 7, k: 2 }])).toEqual([{ _id: 1, b: 2, n: { y: 1, j: [{ _id: 7, k: 2 }] } }]);
  });

  it('$lookup with an array localField matching nothing gives []; mingo gives [null]', async () => {
    expect(await aggregate([{ $lookup: { localField: 'b', foreignField: 'k', as: 'j' } }], [{ _id: 1, b: [null, 4] }], [{ _id: 7, k: 2 }])).toEqual([{ _id: 1, b: [null, 4], j: [] }]);
  });

  it('$count inside $facet over no documents gives []; mingo gives [{ n: 0 }]', async () => {
    expect(await aggregate([{ $match: { b: 99 } }, { $facet: { c: [{ $count: 'n' }] } }])).toEqual([{ c: [] }]);
  });

  it('$min/$max of arrays in $group use BSON order (element by element); mingo differs', async () => {
    const docs = [
      { _id: 1, arr: [2.25, new Date(0), 5] },
      { _id: 2, arr: ['b', null] },
      { _id: 3, arr: [new Date(0), -1.5] },
    ];
    expect(await aggregate([{ $group: { _id: null, mn: { $min: '$arr' }, mx: { $max: '$arr' } } }], docs)).toEqual([{ _id: null, mn: [2.25, new Date(0), 5], mx: [new Date(0), -1.5] }]);
  });
});
