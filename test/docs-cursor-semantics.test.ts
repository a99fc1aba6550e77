/**
 * The MongoDB Node driver's read API, checked against its documented behaviour: cursor state
 * (options fixed once started, rewind, close), limit/skip/batchSize edge values, sorts, counts,
 * distinct, findOne/findOneAnd* options and result shapes, explain verbosity, and the snapshot
 * guarantee of a cursor paging through a collection while it changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-cursor-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

/** A fresh collection of `n` documents `{ _id: i, v: i % 3, w: n - i }`. */
async function coll(n: number) {
  const c = store.collection(`c${++seq}`);
  if (n) await c.insertMany(Array.from({ length: n }, (_, i) => ({ _id: i, v: i % 3, w: n - i })));
  return c;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const d of it) out.push(d);
  return out;
}

describe('cursor state', () => {
  it('refuses sort/skip/limit/project/batchSize/map/filter once started, as the driver (MongoCursorInUseError)', async () => {
    const c = await coll(5);
    const cur = c.find({});
    await cur.next();
    expect(() => cur.sort({ v: 1 })).toThrow(/iteration has started/);
    expect(() => cur.skip(1)).toThrow(/iteration has started/);
    expect(() => cur.limit(1)).toThrow(/iteration has started/);
    expect(() => cur.project({ v: 1 })).toThrow(/iteration has started/);
    expect(() => cur.batchSize(1)).toThrow(/iteration has started/);
    expect(() => cur.map((d) => d)).toThrow(/iteration has started/);
    expect(() => cur.filter({ v: 1 })).toThrow(/iteration has started/);
    await cur.close();
  });

  it('chains map before starting: transforms compose in order', async () => {
    const c = await coll(3);
    expect(await c.find({}).limit(2).map((d) => d._id as number).map((x) => x * 10).toArray()).toEqual([0, 10]);
  });

  it('next()/hasNext() after close give null/false; toArray or for-await after toArray give nothing', async () => {
    const c = await coll(4);
    const cur = c.find({}).batchSize(1);
    expect(await cur.next()).toEqual({ _id: 0, v: 0, w: 4 });
    await cur.close();
    expect(await cur.next()).toBeNull();
    expect(await cur.hasNext()).toBe(false);
    const cur2 = c.find({});
    expect(await cur2.toArray()).toHaveLength(4);
    expect(await cur2.toArray()).toEqual([]);
    expect(await all(cur2)).toEqual([]);
  });

  it('rewind() resets the same cursor to unstarted (options kept); clone() is a fresh copy', async () => {
    const c = await coll(5);
    const cur = c.find({ v: { $lt: 2 } }).sort({ w: 1 }).batchSize(1);
    expect((await cur.next())?._id).toBe(4);
    expect(cur.rewind()).toBeUndefined();
    expect((await cur.toArray()).map((d) => d._id)).toEqual([4, 3, 1, 0]);
    cur.rewind();
    cur.limit(1); // unstarted again: options may change
    expect((await cur.toArray()).map((d) => d._id)).toEqual([4]);
    const k = c.find({}).batchSize(2);
    await k.next();
    expect(await k.clone().toArray()).toHaveLength(5);
    expect(await k.toArray()).toHaveLength(4);
    const agg = c.aggregate([{ $match: { v: 0 } }]).batchSize(1);
    expect((await agg.next())?._id).toBe(0);
    const aggCopy = agg.clone();
    agg.rewind();
    expect((await agg.toArray()).map((d) => d._id)).toEqual([0, 3]);
    expect((await aggCopy.toArray()).map((d) => d._id)).toEqual([0, 3]);
  });

  it('batchSize 0, 1 and negative all return every document through next()', async () => {
    const c = await coll(7);
    for (const b of [0, 1, -1, 3]) expect(await all(c.find({}).batchSize(b))).toHaveLength(7);
  });
});

describe('limit, skip, sort', () => {
  it('limit(-n) returns n (its absolute value), limit(0) no limit, skip(-1) is an error', async () => {
    const c = await coll(6);
    expect(await c.find({}).limit(-3).toArray()).toHaveLength(3);
    expect(await all(c.find({}).limit(-3).batchSize(1))).toHaveLength(3);
    expect(await c.find({}).limit(0).toArray()).toHaveLength(6);
    await expect(c.find({}).skip(-1).toArray()).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });

  it('sorts by { $natural: 1 | -1 } (the collection order, _id order here)', async () => {
    const c = await coll(5);
    expect((await c.find({}).sort({ $natural: -1 } as never).limit(3).toArray()).map((d) => d._id)).toEqual([4, 3, 2]);
    expect((await c.find({}).sort({ $natural: 1 } as never).skip(1).toArray()).map((d) => d._id)).toEqual([1, 2, 3, 4]);
    expect((await c.findOne({}, { sort: { $natural: -1 } as never }))?._id).toBe(4);
  });

  it('refuses a textScore sort ($text is unsupported)', async () => {
    const c = await coll(2);
    await expect(c.find({}).sort({ s: { $meta: 'textScore' } } as never).toArray()).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });

  it('sorts an array field by its smallest element ascending and its largest descending', async () => {
    const a = store.collection(`arr${++seq}`);
    await a.insertMany([{ _id: 1, x: [1, 9] }, { _id: 2, x: [3, 4] }, { _id: 3, x: 5 }]);
    expect((await a.find({}).sort({ x: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2, 3]);
    expect((await a.find({}).sort({ x: -1 }).toArray()).map((d) => d._id)).toEqual([1, 3, 2]);
  });
});

describe('counts', () => {
  it('countDocuments honours skip and limit; empty filter and estimatedDocumentCount agree after deletes', async () => {
    const c = await coll(10);
    expect(await c.countDocuments({}, { skip: 2, limit: 5 })).toBe(5);
    expect(await c.countDocuments({ v: 0 }, { skip: 2 })).toBe(2);
    expect(await c.countDocuments({}, { skip: 8, limit: 5 })).toBe(2);
    await c.deleteMany({ v: 1 });
    expect([await c.countDocuments(), await c.countDocuments({}), await c.estimatedDocumentCount()]).toEqual([7, 7, 7]);
    expect(await c.find({}).skip(1).limit(2).count()).toBe(2);
    // A bad filter found while building the cursor is reported by count() too.
    await expect(c.find({ f: () => 1 } as never).count()).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });
});

describe('distinct', () => {
  it('flattens one level of arrays, compares documents by value (field order counts), sorts in BSON order', async () => {
    const d = store.collection(`d${++seq}`);
    await d.insertMany([
      { _id: 1, a: [[1, 2], 3, { x: 1, y: 2 }] },
      { _id: 2, a: [{ y: 2, x: 1 }, { x: 1, y: 2 }, 3, [1, 2]] },
      { _id: 3, a: 'z' },
      { _id: 4, a: null },
      { _id: 5, a: [] },
      { _id: 6 },
    ]);
    expect(await d.distinct('a')).toEqual([null, 3, 'z', { x: 1, y: 2 }, { y: 2, x: 1 }, [1, 2]]);
    expect(await d.distinct('a', { _id: { $gte: 3 } })).toEqual([null, 'z']);
  });

  it('follows a dotted path through arrays: elements without the field add nothing (not null)', async () => {
    const d = store.collection(`d${++seq}`);
    await d.insertMany([
      { _id: 1, a: [{ x: 1 }, 3, [{ b: 'nested' }]] },
      { _id: 2, a: { b: [5, [6]] } },
      { _id: 3, a: [{ b: 7 }, { b: [8, [9]] }, { c: 1 }] },
      { _id: 4, a: [{ b: 10 }, { b: 11 }] },
      { _id: 5, a: { b: null } },
    ]);
    expect(await d.distinct('a.b')).toEqual([null, 5, 7, 8, 10, 11, [6], [9]]);
    expect(await d.distinct('a.b', { _id: { $lt: 2 } })).toEqual([]);
    expect(await d.distinct('a.0.b')).toEqual([7, 10]);
    expect(await d.distinct('a.01')).toEqual([]); // an array's keys are "0", "1"...: no "01"
    expect(await d.distinct('a.1')).toEqual([3, { b: 11 }, { b: [8, [9]] }]);
  });
});

describe('findOne and findOneAnd*', () => {
  it('findOne applies sort, skip and projection', async () => {
    const c = await coll(6);
    expect(await c.findOne({}, { sort: { w: 1 }, skip: 1, projection: { w: 1, _id: 0 } })).toEqual({ w: 2 });
    expect(await c.findOne({ v: 9 })).toBeNull();
  });

  it('findOneAndUpdate takes the first match in sort order, returns the projected document before by default', async () => {
    const c = await coll(10);
    expect(await c.findOneAndUpdate({ v: 0 }, { $set: { t: 1 } }, { sort: { w: 1 }, projection: { w: 1 } })).toEqual({ _id: 9, w: 1 });
    expect(await c.findOneAndUpdate({ v: 0 }, { $set: { t: 2 } }, { sort: { w: 1 }, projection: { t: 1 }, returnDocument: 'after' })).toEqual({ _id: 9, t: 2 });
    expect(await c.findOneAndUpdate({ v: 0 }, { $set: { t: 3 } }, { sort: { w: 1 }, includeResultMetadata: true })).toEqual({
      value: { _id: 9, v: 0, w: 1, t: 2 },
      ok: 1,
      lastErrorObject: { n: 1, updatedExisting: true },
    });
    expect(await c.findOneAndReplace({ v: 0 }, { z: 1 }, { sort: { w: -1 }, returnDocument: 'after' })).toEqual({ _id: 0, z: 1 });
    expect(await c.findOneAndDelete({ v: 0 }, { sort: { w: -1 }, projection: { _id: 1 } })).toEqual({ _id: 3 });
  });

  it('findOneAndDelete with no match: null, or { value: null } with includeResultMetadata', async () => {
    const c = await coll(2);
    expect(await c.findOneAndDelete({ v: 99 })).toBeNull();
    expect(await c.findOneAndDelete({ v: 99 }, { includeResultMetadata: true })).toEqual({ value: null, ok: 1, lastErrorObject: { n: 0 } });
  });
});

describe('explain', () => {
  it('includes executionStats by default and for executionStats/allPlansExecution, not for queryPlanner/false', async () => {
    const c = await coll(3);
    expect(Object.keys(await c.find({}).explain())).toContain('executionStats');
    expect(Object.keys(await c.find({}).explain('executionStats'))).toContain('executionStats');
    expect(Object.keys(await c.find({}).explain('allPlansExecution'))).toContain('executionStats');
    const qp = await c.find({ v: 1 }).explain('queryPlanner');
    expect(qp.queryPlanner).toBeDefined();
    expect(qp.executionStats).toBeUndefined();
    expect((await c.find({}).explain(false)).executionStats).toBeUndefined();
    await expect(c.find({}).explain('verbose')).rejects.toMatchObject({ code: 'BAD_QUERY' });
  });
});

describe('snapshot cursors', () => {
  it('paging with sort/skip/limit while documents are updated, moved, deleted and inserted neither skips nor repeats', async () => {
    const c = await coll(20);
    const cur = c.find({ v: { $lt: 2 } }).sort({ w: 1 }).skip(2).limit(10).batchSize(3);
    const expected = (await c.find({ v: { $lt: 2 } }).sort({ w: 1 }).skip(2).limit(10).toArray()).map((d) => d._id);
    const seen: unknown[] = [];
    let step = 0;
    for await (const d of cur) {
      seen.push(d._id);
      step++;
      // Move the rest of the result around: change the sort key, delete, insert matching documents.
      await c.updateMany({}, { $inc: { w: step % 2 ? 100 : -100 } });
      await c.deleteOne({ _id: expected[expected.length - step] as number });
      await c.insertOne({ _id: 100 + step, v: 0, w: -step });
    }
    expect(seen).toEqual(expected);
  });

  it('a deleted document that matched at the start still appears; one inserted later does not', async () => {
    const c = await coll(6);
    const cur = c.find({}).batchSize(2);
    const first = await cur.next();
    await c.deleteMany({ _id: { $gt: 0 } });
    await c.insertOne({ _id: 50, v: 0, w: 0 });
    const rest = await cur.toArray();
    expect([first, ...rest].map((d) => d?._id)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
