/**
 * The document API end to end (in-thread store): the driver's result shapes, indexes (unique,
 * sparse, partial, TTL), snapshot cursors, change streams, live queries, exact round trips, and
 * bad input (nothing is written, nothing is evaluated as code, prototypes are never touched).
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarderError, ObjectId, openStore, type Store } from '../src/index.js';
import { codeOf } from './fixtures/code-of.js';

let store: Store;
let seq = 0;
const fresh = () => store.collection(`c${++seq}`);
beforeAll(async () => {
  store = await openStore('docs-api', { worker: false, persist: false, housekeepingMs: 20 });
});
afterAll(async () => {
  await store.close();
});

describe('CRUD with the driver’s shapes', () => {
  it('insert, find, update, replace, delete', async () => {
    const c = fresh();
    const doc: Record<string, unknown> = { name: 'ann', age: 30 };
    const r1 = await c.insertOne(doc);
    expect(r1.acknowledged).toBe(true);
    expect(r1.insertedId).toBeInstanceOf(ObjectId);
    expect((doc._id as ObjectId).equals(r1.insertedId)).toBe(true); // the driver adds _id to the caller's object
    const r2 = await c.insertMany([{ _id: 'b', name: 'bob', age: 25 }, { _id: 3, name: 'cat', age: 35 }]);
    expect(r2).toEqual({ acknowledged: true, insertedCount: 2, insertedIds: { 0: 'b', 1: 3 } });
    expect(await c.findOne({ _id: 'b' })).toEqual({ _id: 'b', name: 'bob', age: 25 });
    expect(await c.findOne({ nope: 1 })).toBeNull();
    expect(await c.updateOne({ name: 'bob' }, { $set: { age: 26 } })).toEqual({ acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect((await c.updateOne({ name: 'bob' }, { $set: { age: 26 } })).modifiedCount).toBe(0);
    const up = await c.updateOne({ name: 'dan' }, { $set: { age: 40 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(up.upsertedCount).toBe(1);
    expect(up.upsertedId).toBeInstanceOf(ObjectId);
    expect(await c.findOne({ name: 'dan' }, { projection: { _id: 0 } })).toEqual({ name: 'dan', age: 40, created: true });
    expect(await c.replaceOne({ _id: 3 }, { name: 'cat', age: 36 })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, name: 'cat', age: 36 });
    expect(await c.updateMany({}, { $inc: { age: 1 } })).toMatchObject({ matchedCount: 4, modifiedCount: 4 });
    expect(await c.countDocuments({ age: { $gt: 30 } })).toBe(3);
    expect(await c.estimatedDocumentCount()).toBe(4);
    expect(await c.distinct('age')).toEqual([27, 31, 37, 41]);
    expect(await c.deleteOne({ name: 'bob' })).toEqual({ acknowledged: true, deletedCount: 1 });
    expect(await c.deleteMany({ age: { $gt: 100 } })).toEqual({ acknowledged: true, deletedCount: 0 });
    expect(await c.deleteMany({})).toEqual({ acknowledged: true, deletedCount: 3 });
  });

  it('a $in of thousands of _ids is direct lookups, answers each once, and matches by value', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 5000 }, (_, i) => ({ _id: `d${i}`, n: i })));
    await c.insertMany([{ _id: 7n, n: -1 }, { _id: 2.5, n: -2 }, { _id: { a: 1 }, n: -3 }]);
    const ids = Array.from({ length: 3000 }, (_, k) => `d${(k * 5000) / 3000 | 0}`);
    const want = [...new Set(ids)];
    const got = await c.find({ _id: { $in: [...ids, ...ids.slice(0, 10), 'missing'] } }).toArray();
    expect(got.map((d) => d._id).sort()).toEqual(want.sort());
    expect(got.every((d) => d.n === Number(String(d._id).slice(1)))).toBe(true);
    const e = (await c.find({ _id: { $in: ids } }).explain()) as { queryPlanner: { winningPlan: { stage: string } }; executionStats: { totalDocsExamined: number } };
    expect(e.queryPlanner.winningPlan.stage).toBe('IDHACK');
    expect(e.executionStats.totalDocsExamined).toBe(want.length);
    // Equal values of other types match (a number and a Long), embedded documents whole.
    expect((await c.find({ _id: { $in: [7, 2.5] } }).toArray()).map((d) => d.n).sort((a, b) => (a as number) - (b as number))).toEqual([-2, -1]);
    expect((await c.findOne({ _id: { $eq: { a: 1 } } }))?.n).toBe(-3);
    expect(await c.findOne({ _id: { a: 1, b: 2 } })).toBeNull();
    // A filter with more than _id is still checked on each document.
    expect(await c.countDocuments({ _id: { $in: ['d1', 'd2'] }, n: 2 })).toBe(1);
    expect((await c.find({ _id: { $in: ['d1', 'd2'] }, n: 2 }).toArray()).map((d) => d._id)).toEqual(['d2']);
    // So is a second operator on _id beside the $in.
    expect((await c.find({ _id: { $in: ['d1', 'd2'], $ne: 'd2' } }).toArray()).map((d) => d._id)).toEqual(['d1']);
    expect(await c.countDocuments({ _id: { $in: ['d1', 'd2'], $ne: 'd2' } })).toBe(1);
  });

  it('findOneAnd* return before/after and honour sort, projection, upsert, includeResultMetadata', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, n: 5 }, { _id: 2, n: 9 }]);
    expect(await c.findOneAndUpdate({}, { $inc: { n: 1 } }, { sort: { n: -1 } })).toEqual({ _id: 2, n: 9 });
    expect(await c.findOneAndUpdate({ _id: 2 }, { $inc: { n: 1 } }, { returnDocument: 'after', projection: { _id: 0 } })).toEqual({ n: 11 });
    expect(await c.findOneAndReplace({ _id: 1 }, { m: 1 }, { returnDocument: 'after' })).toEqual({ _id: 1, m: 1 });
    expect(await c.findOneAndUpdate({ _id: 7 }, { $set: { n: 0 } }, { upsert: true, returnDocument: 'after' })).toEqual({ _id: 7, n: 0 });
    expect(await c.findOneAndUpdate({ _id: 8 }, { $set: { n: 0 } }, { upsert: true })).toBeNull();
    expect(await c.findOneAndDelete({ _id: 7 }, { includeResultMetadata: true })).toEqual({ value: { _id: 7, n: 0 }, ok: 1, lastErrorObject: { n: 1 } });
    expect(await c.findOneAndDelete({ _id: 99 })).toBeNull();
  });

  it('bulkWrite counts every kind of operation', async () => {
    const c = fresh();
    const r = await c.bulkWrite([
      { insertOne: { document: { _id: 1, a: 1 } } },
      { insertOne: { document: { _id: 2, a: 2 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { a: 10 } } } },
      { updateMany: { filter: {}, update: { $inc: { a: 1 } } } },
      { replaceOne: { filter: { _id: 3 }, replacement: { a: 3 }, upsert: true } },
      { deleteOne: { filter: { _id: 2 } } },
    ]);
    expect(r).toMatchObject({ insertedCount: 2, matchedCount: 3, modifiedCount: 3, deletedCount: 1, upsertedCount: 1, insertedIds: { 0: 1, 1: 2 }, upsertedIds: { 4: 3 } });
    expect(await c.find({}).toArray()).toEqual([{ _id: 1, a: 11 }, { _id: 3, a: 3 }]);
  });

  it('insertMany ordered stops at a duplicate; unordered goes on; both report driver-like details', async () => {
    const c = fresh();
    await c.insertOne({ _id: 2 });
    const e1 = await c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]).catch((e) => e);
    expect(e1.code).toBe('DUPLICATE_KEY');
    expect(e1.details.code).toBe(11000);
    expect(e1.details.insertedCount).toBe(1);
    expect(e1.details.writeErrors[0]).toMatchObject({ index: 1, code: 11000, keyValue: { _id: 2 } });
    expect(await c.countDocuments({})).toBe(2);
    const e2 = await c.insertMany([{ _id: 4 }, { _id: 2 }, { _id: 5 }], { ordered: false }).catch((e) => e);
    expect(e2.details.insertedCount).toBe(2);
    expect((await c.find({}).toArray()).map((d) => d._id)).toEqual([1, 2, 3, 4, 5].filter((x) => x !== 3));
  });

  it('upsert seeds from the filter; positional $, $[] and arrayFilters', async () => {
    const c = fresh();
    await c.updateOne({ a: 1, 'b.c': 'x', d: { $gt: 5 } }, { $set: { e: true } }, { upsert: true });
    expect(await c.findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1, b: { c: 'x' }, e: true });
    await c.insertOne({ _id: 'g', grades: [80, 95, 70], items: [{ k: 'a', q: 1 }, { k: 'b', q: 2 }] });
    await c.updateOne({ _id: 'g', grades: 95 }, { $set: { 'grades.$': 96 } });
    await c.updateOne({ _id: 'g', 'items.k': 'b' }, { $inc: { 'items.$.q': 10 } });
    await c.updateOne({ _id: 'g' }, { $inc: { 'grades.$[]': 1 } });
    await c.updateOne({ _id: 'g' }, { $set: { 'items.$[it].flag': true } }, { arrayFilters: [{ 'it.q': { $gt: 5 } }] });
    expect(await c.findOne({ _id: 'g' })).toEqual({ _id: 'g', grades: [81, 97, 71], items: [{ k: 'a', q: 1 }, { k: 'b', q: 12, flag: true }] });
  });

  it('pipeline updates, $currentDate, $rename, $min/$max, $pop, $pull with conditions', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1, b: 2, arr: [1, 5, 9], objs: [{ k: 1 }, { k: 7 }], d: new Date(100) });
    await c.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }, { $unset: 'b' }]);
    await c.updateOne({ _id: 1 }, { $currentDate: { at: true }, $rename: { a: 'alpha' }, $min: { d: new Date(50) }, $max: { top: 3 }, $pop: { arr: -1 }, $pull: { objs: { k: { $gt: 5 } } } });
    const got = (await c.findOne({ _id: 1 })) as any;
    expect(got.at).toBeInstanceOf(Date);
    delete got.at;
    expect(got).toEqual({ _id: 1, arr: [5, 9], objs: [{ k: 1 }], d: new Date(50), sum: 3, alpha: 1, top: 3 });
    expect(await c.countDocuments({ $expr: { $gt: ['$sum', '$alpha'] } })).toBe(1);
  });

  it('projection: nested, _id rules, $slice, $elemMatch, positional, computed', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: { b: 1, c: 2 }, arr: [1, 2, 3, 4], objs: [{ x: 1 }, { x: 5 }], s: 'hi' });
    expect(await c.findOne({}, { projection: { 'a.b': 1 } })).toEqual({ _id: 1, a: { b: 1 } });
    expect(await c.findOne({}, { projection: { a: 0, arr: 0, objs: 0 } })).toEqual({ _id: 1, s: 'hi' });
    expect(await c.findOne({}, { projection: { arr: { $slice: -2 }, _id: 0, s: 1 } })).toEqual({ arr: [3, 4], s: 'hi' });
    expect(await c.findOne({}, { projection: { arr: { $slice: [1, 2] } } })).toMatchObject({ arr: [2, 3], s: 'hi' });
    expect(await c.findOne({}, { projection: { objs: { $elemMatch: { x: { $gt: 2 } } } } })).toEqual({ _id: 1, objs: [{ x: 5 }] });
    expect(await c.findOne({ arr: { $gt: 2 } }, { projection: { 'arr.$': 1 } })).toEqual({ _id: 1, arr: [3] });
    expect(await c.findOne({}, { projection: { _id: 0, up: { $toUpper: '$s' } } })).toEqual({ up: 'HI' });
    expect(await codeOf(c.findOne({}, { projection: { a: 1, s: 0 } }))).toBe('BAD_QUERY');
  });

  it('cursor: next, for await, batchSize, skip, limit, sort, map, close', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, v: i % 7 })));
    const cur = c.find({}).sort({ v: 1, _id: -1 }).skip(5).limit(200).batchSize(30);
    const seen: number[] = [];
    for await (const d of cur) seen.push(d._id as number);
    expect(seen.length).toBe(200);
    const all = (await c.find({}).toArray()).sort((a: any, b: any) => a.v - b.v || b._id - a._id).slice(5, 205).map((d) => d._id);
    expect(seen).toEqual(all);
    const cur2 = c.find({ v: 3 }).batchSize(5).map((d) => d._id);
    expect(await cur2.next()).toBe(3);
    expect(await cur2.hasNext()).toBe(true);
    expect((await cur2.toArray()).length).toBe(35);
    expect(await cur2.next()).toBeNull();
    const cur3 = c.find({}).batchSize(10);
    await cur3.next();
    await cur3.close();
    expect(await cur3.next()).toBeNull();
  });
});

describe('snapshot cursors', () => {
  it('paging while other writes update and move documents neither skips nor repeats', async () => {
    const c = fresh();
    await c.createIndex({ rank: 1 });
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, rank: i })));
    const cur = c.find({ rank: { $gte: 0 } }).sort({ rank: 1 }).batchSize(25);
    const seen: number[] = [];
    let step = 0;
    for await (const d of cur) {
      seen.push(d._id as number);
      if (seen.length % 25 === 0) {
        // Move documents ahead of and behind the cursor, delete some, add new ones.
        step++;
        await c.updateMany({ rank: { $lt: 50 * step } }, { $inc: { rank: 1000 } });
        await c.updateOne({ _id: 299 - step }, { $set: { rank: -step } });
        await c.deleteOne({ _id: 150 + step });
        await c.insertOne({ _id: 1000 + step, rank: 5 });
      }
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe('indexes', () => {
  it('unique: violations raise DUPLICATE_KEY with code 11000 and leave nothing written', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ _id: 1, email: 'a@x' });
    const e = await c.insertOne({ _id: 2, email: 'a@x' }).catch((x) => x);
    expect(e.code).toBe('DUPLICATE_KEY');
    expect(e.details).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x' } });
    expect(await c.countDocuments({})).toBe(1);
    await c.insertOne({ _id: 3, email: 'b@x' });
    expect(await codeOf(c.updateOne({ _id: 3 }, { $set: { email: 'a@x' } }))).toBe('DUPLICATE_KEY');
    expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, email: 'b@x' });
    // Missing counts as null: two documents without the field collide.
    await c.insertOne({ _id: 4 });
    expect(await codeOf(c.insertOne({ _id: 5 }))).toBe('DUPLICATE_KEY');
    // Building a unique index over duplicates fails and creates nothing.
    const d = fresh();
    await d.insertMany([{ k: 1 }, { k: 1 }]);
    expect(await codeOf(d.createIndex({ k: 1 }, { unique: true }))).toBe('DUPLICATE_KEY');
    expect((await d.listIndexes().toArray()).length).toBe(1);
  });

  it('sparse and partial unique indexes skip documents', async () => {
    const c = fresh();
    await c.createIndex({ tag: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ a: 1 }, { a: 2 }, { tag: 'x' }]);
    expect(await codeOf(c.insertOne({ tag: 'x' }))).toBe('DUPLICATE_KEY');
    const d = fresh();
    await d.createIndex({ name: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await d.insertMany([{ name: 'a', active: false }, { name: 'a', active: false }, { name: 'a', active: true }]);
    expect(await codeOf(d.insertOne({ name: 'a', active: true }))).toBe('DUPLICATE_KEY');
    const e = (await d.find({ name: 'a', active: true }).explain()) as any;
    expect(e.queryPlanner.winningPlan.inputStage.indexName).toBe('name_1');
    expect((await d.find({ name: 'a' }).explain() as any).queryPlanner.winningPlan.stage).toBe('COLLSCAN');
  });

  it('multikey and compound indexes answer array queries', async () => {
    const c = fresh();
    await c.createIndex({ tags: 1, n: -1 });
    await c.insertMany([{ _id: 1, tags: ['a', 'b'], n: 1 }, { _id: 2, tags: ['b'], n: 2 }, { _id: 3, tags: [], n: 3 }, { _id: 4, n: 4 }]);
    expect((await c.find({ tags: 'b' }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect((await c.find({ tags: { $gt: 'a', $lt: 'c' } }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect((await c.find({ tags: null }).toArray()).map((d) => d._id)).toEqual([4]);
    expect((await c.find({ tags: [] }).toArray()).map((d) => d._id)).toEqual([3]);
    const list = await c.listIndexes().toArray();
    expect(list).toEqual([{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { tags: 1, n: -1 }, name: 'tags_1_n_-1' }]);
    await c.dropIndex('tags_1_n_-1');
    expect((await c.listIndexes().toArray()).length).toBe(1);
    expect(await codeOf(c.dropIndex('nope'))).toBe('NOT_FOUND');
  });

  it('TTL indexes remove expired documents in housekeeping', async () => {
    const c = fresh();
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
    const now = Date.now();
    await c.insertMany([{ _id: 'old', at: new Date(now - 5000) }, { _id: 'new', at: new Date(now + 60_000) }, { _id: 'str', at: 'not a date' }, { _id: 'arr', at: [new Date(now - 9000), new Date(now + 60_000)] }]);
    for (let i = 0; i < 50 && (await c.countDocuments({})) > 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await c.find({}).toArray()).map((d) => d._id).sort()).toEqual(['new', 'str']);
  });
});

describe('values round-trip exactly', () => {
  it('-0, NaN, Infinity, Date, Uint8Array, ObjectId, bigint, nested', async () => {
    const c = fresh();
    const oid = new ObjectId();
    const doc = { _id: oid, z: -0, nan: NaN, inf: -Infinity, d: new Date(1700000000123), b: new Uint8Array([0, 1, 255]), big: 2n ** 70n, nested: { arr: [1, [2, { x: null }]] }, ref: new ObjectId() };
    await c.insertOne(doc);
    const got = (await c.findOne({ _id: oid })) as any;
    expect(Object.is(got.z, -0)).toBe(true);
    expect(got.nan).toBeNaN();
    expect(got.inf).toBe(-Infinity);
    expect(got.d).toEqual(doc.d);
    expect(got.b).toEqual(doc.b);
    expect(got.big).toBe(2n ** 70n);
    expect(got._id).toBeInstanceOf(ObjectId);
    expect(got._id.equals(oid)).toBe(true);
    expect(got.ref.equals(doc.ref)).toBe(true);
    expect(got.nested).toEqual(doc.nested);
    expect(await c.countDocuments({ nan: NaN })).toBe(1);
    expect(await c.countDocuments({ z: 0 })).toBe(1);
  });

  it('any non-array value may be an _id; arrays may not', async () => {
    const c = fresh();
    for (const id of ['s', 1, 1.5, { a: 1 }, new Date(5), true, null, new Uint8Array([1])]) await c.insertOne({ _id: id });
    expect(await c.countDocuments({})).toBe(8);
    expect(await c.findOne({ _id: { a: 1 } })).toEqual({ _id: { a: 1 } });
    expect(await codeOf(c.insertOne({ _id: [1] }))).toBe('BAD_VALUE');
  });
});

describe('bad input', () => {
  it('unknown operators, $where, functions are BAD_QUERY; nothing is evaluated as code', async () => {
    const c = fresh();
    await c.insertOne({ a: 1 });
    expect(await codeOf(c.find({ a: { $foo: 1 } }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ $foo: [] }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ $where: 'this.a == 1' }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ $where: (() => true) as never }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ a: (() => 1) as never }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ $expr: { $function: { body: 'return 1', args: [], lang: 'js' } } }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.aggregate([{ $group: { _id: null, x: { $accumulator: {} } } }]).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.aggregate([{ $bogus: 1 }]).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.updateOne({}, { $foo: { a: 1 } }))).toBe('BAD_QUERY');
    expect(await codeOf(c.updateOne({}, { a: 2 }))).toBe('BAD_QUERY');
    expect(await codeOf(c.updateOne({}, { $set: { a: 1 }, $inc: { a: 1 } }))).toBe('BAD_QUERY');
    expect(await codeOf(c.updateOne({}, { $set: { _id: 5 } }))).toBe('BAD_VALUE');
    expect(await c.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ a: 1 }]);
  });

  it('field names starting with $, cyclic objects, non-cloneable values, documents over 16 MiB: nothing written', async () => {
    const c = fresh();
    expect(await codeOf(c.insertOne({ $set: 1 }))).toBe('BAD_VALUE');
    expect(await codeOf(c.insertOne({ a: { $x: 1 } }))).toBe('BAD_VALUE');
    expect(await codeOf(c.insertMany([{ ok: 1 }, { $bad: 1 }]))).toBe('BAD_VALUE');
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(await codeOf(c.insertOne(cyc))).toBe('BAD_VALUE');
    expect(await codeOf(c.insertOne({ f: () => 1 }))).toBe('BAD_VALUE');
    expect(await codeOf(c.insertOne({ m: new Map() }))).toBe('BAD_VALUE');
    expect(await codeOf(c.insertOne({ big: 'x'.repeat(17 * 1024 * 1024) }))).toBe('TOO_LARGE');
    expect(await codeOf(c.updateOne({}, { $set: { big: 'x'.repeat(17 * 1024 * 1024) } }, { upsert: true }))).toBe('TOO_LARGE');
    expect(await c.countDocuments({})).toBe(0);
    expect(await store.listCollections().then((l) => l.some((x) => x.name === c.collectionName && x.count))).toBe(false);
  });

  it('__proto__ and constructor keys are plain data and never touch prototypes', async () => {
    const c = fresh();
    const evil = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "a": 1}');
    await c.insertOne(evil);
    const got = (await c.findOne({ a: 1 })) as any;
    expect(Object.prototype.hasOwnProperty.call(got, '__proto__')).toBe(true);
    expect(got.__proto__).toEqual({ polluted: 1 });
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(await c.countDocuments({ '__proto__.polluted': 1 })).toBe(1);
    expect(await c.countDocuments({ 'constructor.prototype.polluted': 2 })).toBe(1);
    expect(await c.countDocuments({ 'toString': { $exists: true } })).toBe(0);
    await c.updateOne({ a: 1 }, { $set: { '__proto__.x': 1, 'constructor.prototype.y': 2 } });
    await c.updateOne({ a: 1 }, { $set: { 'hasOwnProperty.z': 3 } });
    expect(({} as any).polluted).toBeUndefined();
    expect(({} as any).x).toBeUndefined();
    expect(({} as any).y).toBeUndefined();
    const again = (await c.findOne({ a: 1 })) as any;
    expect(again.__proto__).toEqual({ polluted: 1, x: 1 });
    expect(again.hasOwnProperty).toEqual({ z: 3 });
    const agg = await c.aggregate([{ $project: { _id: 0, p: '$__proto__.polluted', k: { $objectToArray: '$$ROOT' } } }]).toArray();
    expect(agg[0]!.p).toBe(1);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('bad collection names, options and index specs', async () => {
    expect(() => store.collection('')).toThrow(LarderError);
    expect(await codeOf(store.collection('a$b').insertOne({}))).toBe('BAD_VALUE');
    const c = fresh();
    expect(await codeOf(c.createIndex({ a: 'text' } as never))).toBe('BAD_QUERY');
    expect(await codeOf(c.find({}).sort({ a: 2 } as never).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ a: { $in: 5 } }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ $and: [] }).toArray())).toBe('BAD_QUERY');
    expect(await codeOf(c.find({ a: { $regex: '(' } }).toArray())).toBe('BAD_QUERY');
  });
});

describe('change streams and live queries', () => {
  it('watch(): next() called several times at once gets one change each, in order; close() ends every waiter', async () => {
    const c = fresh();
    const stream = c.watch();
    const waiting = [stream.next(), stream.next(), stream.next()];
    await c.insertMany([{ _id: 1 }, { _id: 2 }]);
    expect((await Promise.all(waiting.slice(0, 2))).map((d) => d!.documentKey!._id)).toEqual([1, 2]);
    await stream.close();
    expect(await waiting[2]).toBeNull();
  });

  it('watch() reports inserts, updates (with updateDescription), replaces, deletes and drops', async () => {
    const c = fresh();
    const stream = c.watch([], { fullDocument: 'updateLookup', fullDocumentBeforeChange: 'whenAvailable' });
    await c.insertOne({ _id: 1, a: 1, n: { x: 1 } });
    await c.updateOne({ _id: 1 }, { $set: { 'n.x': 2, b: 1 }, $unset: { a: '' } });
    await c.replaceOne({ _id: 1 }, { z: 1 });
    await c.deleteOne({ _id: 1 });
    await c.drop();
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await stream.next());
    expect(got.map((g) => g!.operationType)).toEqual(['insert', 'update', 'replace', 'delete', 'drop']);
    expect(got[0]).toMatchObject({ documentKey: { _id: 1 }, fullDocument: { _id: 1, a: 1, n: { x: 1 } }, ns: { coll: c.collectionName } });
    expect(got[1]!.updateDescription).toEqual({ updatedFields: { 'n.x': 2, b: 1 }, removedFields: ['a'], truncatedArrays: [] });
    expect(got[1]!.fullDocument).toEqual({ _id: 1, n: { x: 2 }, b: 1 });
    expect(got[2]!.fullDocumentBeforeChange).toEqual({ _id: 1, n: { x: 2 }, b: 1 });
    await stream.close();
    expect(await stream.next()).toBeNull();
    const filtered = c.watch([{ $match: { operationType: 'insert', 'fullDocument.k': { $gt: 1 } } }]);
    await c.insertMany([{ k: 1 }, { k: 2 }]);
    expect((await filtered.next())!.fullDocument).toMatchObject({ k: 2 });
    await filtered.close();
  });

  it('find().subscribe() calls back with the new result after committed changes', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, v: 1 });
    const results: unknown[][] = [];
    const stop = c.find({ v: { $gte: 1 } }, { projection: { _id: 1 } }).sort({ _id: 1 }).subscribe((r) => results.push(r));
    const until = async (n: number) => {
      for (let i = 0; i < 100 && results.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await until(1);
    await c.insertOne({ _id: 2, v: 5 });
    await until(2);
    await c.insertOne({ _id: 3, v: 0 }); // does not change the result: no callback
    await c.updateOne({ _id: 1 }, { $set: { v: 0 } });
    await until(3);
    stop();
    await c.insertOne({ _id: 4, v: 9 });
    await new Promise((r) => setTimeout(r, 30));
    expect(results).toEqual([[{ _id: 1 }], [{ _id: 1 }, { _id: 2 }], [{ _id: 2 }]]);
  });
});

describe('persistence', () => {
  it('documents, indexes and multikey flags survive close and reopen', async () => {
    const name = `docs-persist-${Date.now()}`;
    const s = await openStore(name, { worker: false });
    const c = s.collection('p');
    await c.createIndex({ tags: 1 });
    await c.insertMany([{ _id: 1, tags: ['a', 'b'], d: new Date(7) }, { _id: 2, tags: ['c'] }]);
    await s.close();
    const r = await openStore(name, { worker: false });
    const c2 = r.collection('p');
    expect(await c2.findOne({ tags: 'b' })).toEqual({ _id: 1, tags: ['a', 'b'], d: new Date(7) });
    const e = (await c2.find({ tags: 'c' }).explain()) as any;
    expect(e.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', isMultiKey: true });
    expect(await r.listCollections()).toEqual([{ name: 'p', type: 'collection', count: 2 }]);
    await r.destroy?.();
    await r.close().catch(() => {});
  });

  it('a transaction spans collections and rolls back on throw', async () => {
    const c = fresh();
    await expect(
      store.transaction(async (tx) => {
        await tx.collection(c.collectionName).insertOne({ _id: 1 });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await c.countDocuments({})).toBe(0);
    await store.transaction(async (tx) => {
      await tx.collection(c.collectionName).insertOne({ _id: 1 });
      expect(await tx.collection(c.collectionName).countDocuments({})).toBe(1);
    });
    expect(await c.countDocuments({})).toBe(1);
  });
});

describe('large calls', () => {
  it('insertMany of 150,000 documents in one call commits (no argument-spread stack overflow)', async () => {
    const s = await openStore(`big-${Date.now()}`, { worker: false, persist: false });
    const c = s.collection('people');
    await c.createIndex({ city: 1, age: 1 });
    const docs = Array.from({ length: 150_000 }, (_, i) => ({ name: `n${i}`, age: i % 90, city: ['Paris', 'Oslo'][i % 2] }));
    const r = await c.insertMany(docs);
    expect(r.insertedCount).toBe(150_000);
    expect(await c.countDocuments({ city: 'Paris', age: { $gte: 30, $lte: 40 } })).toBe(docs.filter((d) => d.city === 'Paris' && d.age >= 30 && d.age <= 40).length);
    await s.close();
  }, 120_000);
});


describe('driver features without a test elsewhere (shapes as the MongoDB Node driver 6 returns them)', () => {
  it('cursor.project() applies an inclusion or exclusion projection', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, a: 1, b: { x: 1, y: 2 } }, { _id: 2, a: 2, b: { x: 3 } }]);
    expect(await c.find({}).sort({ _id: 1 }).project({ 'b.x': 1, _id: 0 }).toArray()).toEqual([{ b: { x: 1 } }, { b: { x: 3 } }]);
    expect(await c.find({ _id: 1 }).project({ b: 0 }).toArray()).toEqual([{ _id: 1, a: 1 }]);
  });

  it('$push $position inserts $each at an index (negative counts from the end), before $slice', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: [1, 2, 3] });
    await c.updateOne({ _id: 1 }, { $push: { a: { $each: [9, 8], $position: 1 } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 9, 8, 2, 3] });
    await c.updateOne({ _id: 1 }, { $push: { a: { $each: [7], $position: -1 } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [1, 9, 8, 2, 7, 3] });
    await c.updateOne({ _id: 1 }, { $push: { a: { $each: [0], $position: 0, $slice: 3 } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: [0, 1, 9] });
    // $position needs $each (MongoDB refuses it alone too).
    expect(await codeOf(c.updateOne({ _id: 1 }, { $push: { a: { $position: 0 } } }))).toBe('BAD_QUERY');
  });

  it('$group $last takes the last value in the order of a preceding $sort', async () => {
    const c = fresh();
    await c.insertMany([{ k: 'a', v: 3, t: 2 }, { k: 'a', v: 1, t: 1 }, { k: 'b', v: 5, t: 1 }, { k: 'a', v: 9, t: 3 }]);
    const r = await c.aggregate([{ $sort: { t: 1 } }, { $group: { _id: '$k', last: { $last: '$v' }, first: { $first: '$v' } } }, { $sort: { _id: 1 } }]).toArray();
    expect(r).toEqual([{ _id: 'a', last: 9, first: 1 }, { _id: 'b', last: 5, first: 5 }]);
    const r2 = await c.aggregate([{ $sort: { t: -1 } }, { $group: { _id: '$k', last: { $last: '$v' } } }, { $sort: { _id: 1 } }]).toArray();
    expect(r2).toEqual([{ _id: 'a', last: 1 }, { _id: 'b', last: 5 }]);
  });

  it('createIndexes resolves with the index names; drop() removes the documents, the indexes and the listing', async () => {
    const c = fresh();
    expect(await c.createIndexes([{ key: { a: 1 } }, { key: { b: -1, c: 1 }, name: 'bc', sparse: true }])).toEqual(['a_1', 'bc']);
    await c.insertMany([{ a: 1 }, { a: 2 }]);
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'a_1', 'bc']);
    expect((await store.listCollections()).some((x) => x.name === c.collectionName)).toBe(true);
    expect(await c.drop()).toBe(true);
    expect((await store.listCollections()).some((x) => x.name === c.collectionName)).toBe(false);
    expect(await c.countDocuments({})).toBe(0);
    await c.insertOne({ a: 5 }); // re-creates the collection: only the _id index
    expect(await c.listIndexes().toArray()).toEqual([{ v: 2, key: { _id: 1 }, name: '_id_' }]);
    expect(await c.countDocuments({})).toBe(1);
    expect(await c.countDocuments({ a: { $lt: 5 } })).toBe(0);
  });

  it('updateMany with upsert inserts one document seeded from the equality fields of the filter', async () => {
    const c = fresh();
    const r = await c.updateMany({ k: 'x', n: { $gt: 3 }, 'o.p': 2 }, { $set: { v: 1 } }, { upsert: true });
    expect(r).toEqual({ acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: expect.any(ObjectId) });
    expect(await c.find({}).toArray()).toEqual([{ _id: r.upsertedId, k: 'x', o: { p: 2 }, v: 1 }]);
    expect(await c.updateMany({ k: 'x' }, { $set: { v: 2 } }, { upsert: true })).toEqual({ acknowledged: true, matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await c.countDocuments({})).toBe(1);
  });

  it('findOneAndReplace with upsert inserts; returnDocument after gives the new document, before gives null', async () => {
    const c = fresh();
    const after = await c.findOneAndReplace({ k: 'y' }, { r: 1 }, { upsert: true, returnDocument: 'after' });
    expect(after).toEqual({ _id: expect.any(ObjectId), r: 1 });
    expect(await c.findOne({ r: 1 })).toEqual(after);
    expect(await c.findOneAndReplace({ _id: 7 }, { r: 2 }, { upsert: true })).toBeNull();
    expect(await c.findOne({ _id: 7 })).toEqual({ _id: 7, r: 2 });
  });
});

describe('undefined field values (docs/docs-differences.md)', () => {
  it('are kept as undefined on insert and $set, and queries treat them as missing', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, a: undefined }, { _id: 2, a: null }, { _id: 3 }]);
    await c.updateOne({ _id: 3 }, { $set: { x: undefined } });
    const d1 = await c.findOne({ _id: 1 });
    expect(Object.keys(d1!)).toEqual(['_id', 'a']);
    expect(d1!.a).toBeUndefined();
    expect(Object.keys((await c.findOne({ _id: 3 }))!)).toEqual(['_id', 'x']);
    const ids = async (f: Record<string, unknown>) => (await c.find(f, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
    expect(await ids({ a: null })).toEqual([1, 2, 3]);
    expect(await ids({ a: { $exists: true } })).toEqual([2]);
    expect(await c.aggregate([{ $sort: { _id: 1 } }, { $project: { t: { $type: '$a' } } }]).toArray()).toEqual([{ _id: 1, t: 'missing' }, { _id: 2, t: 'null' }, { _id: 3, t: 'missing' }]);
  });
});
