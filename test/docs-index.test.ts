/**
 * The planner never changes answers: random queries (with sorts and limits) over random documents
 * give identical results with and without indexes (single, compound, descending, multikey,
 * unique-free, sparse and partial), and explain() reports the index when one is usable.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { canon, docs, planFilter, sort } from './docs-gen.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-index', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

const indexSpec = fc.constantFrom<Array<{ key: Record<string, 1 | -1>; sparse?: boolean; partialFilterExpression?: Record<string, unknown> }>>(
  [{ key: { a: 1 } }],
  [{ key: { b: -1 } }],
  [{ key: { 'n.x': 1 } }, { key: { b: 1, 'n.x': -1 } }],
  [{ key: { arr: 1 } }, { key: { 'objs.x': 1 } }],
  [{ key: { b: 1, a: 1 } }, { key: { 'arr.0': 1 } }],
  [{ key: { a: -1, b: 1 } }, { key: { 'n.y': 1 }, sparse: true }],
  [{ key: { b: 1 }, partialFilterExpression: { b: { $gt: 1 } } }, { key: { 'a.x': 1 } }],
  [{ key: { 'objs.x': -1, 'objs.y': 1 } }, { key: { 'n.x': 1, 'n.y': 1, b: 1 } }],
);

describe('indexes never change answers', () => {
  it('find with and without indexes agree (filters, sorts, limits)', async () => {
    await fc.assert(
      fc.asyncProperty(docs, indexSpec, fc.array(fc.tuple(planFilter, fc.option(sort), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 6 }), async (ds, specs, queries) => {
        const plain = store.collection(`p${++seq}`);
        const indexed = store.collection(`i${seq}`);
        if (ds.length) {
          await plain.insertMany(structuredClone(ds));
          await indexed.insertMany(structuredClone(ds));
        }
        // Half the time the index exists before the data, half after (build vs maintenance).
        await indexed.createIndexes(specs.map((s, i) => ({ ...s, name: `ix${i}` })));
        // Without a sort the order (and so which documents a limit keeps) is unspecified, as in
        // MongoDB: compare those as sets, in _id order.
        const byId = (x: Record<string, unknown>, y: Record<string, unknown>) => (x._id as number) - (y._id as number);
        for (const [f, s, lim] of queries) {
          const spec = s ? { ...s, _id: 1 as const } : undefined;
          const limit = spec ? lim : 0;
          const a = await plain.find(f, { sort: spec, limit }).toArray();
          const b = await indexed.find(f, { sort: spec, limit }).toArray();
          if (!spec) {
            a.sort(byId);
            b.sort(byId);
          }
          expect(b.map((d) => canon(d)), JSON.stringify({ f, spec, limit, specs })).toEqual(a.map((d) => canon(d)));
          expect(await indexed.countDocuments(f)).toBe(await plain.countDocuments(f));
        }
        // The same after updates and deletes maintain the index.
        await indexed.updateMany({ b: { $type: 'number' } }, { $inc: { b: 1 }, $set: { 'n.x': 'u' } });
        await plain.updateMany({ b: { $type: 'number' } }, { $inc: { b: 1 }, $set: { 'n.x': 'u' } });
        await indexed.deleteMany({ 'n.y': { $in: [0, 'a'] } });
        await plain.deleteMany({ 'n.y': { $in: [0, 'a'] } });
        for (const [f, s] of queries) {
          const byId = (x: Record<string, unknown>, y: Record<string, unknown>) => (x._id as number) - (y._id as number);
          const spec = s ? { ...s, _id: 1 as const } : undefined;
          const a = await plain.find(f, { sort: spec }).toArray();
          const b = await indexed.find(f, { sort: spec }).toArray();
          if (!spec) {
            a.sort(byId);
            b.sort(byId);
          }
          expect(b.map((d) => canon(d)), JSON.stringify({ f, spec, specs, after: 'writes' })).toEqual(a.map((d) => canon(d)));
        }
        await plain.drop();
        await indexed.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 120) },
    );
  });

  it('explain reports IXSCAN for indexed equality, ranges, $in and prefix regex; COLLSCAN otherwise', async () => {
    const c = store.collection('explain');
    await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, age: i % 50, name: `n${i}`, city: ['x', 'y', 'z'][i % 3] })));
    await c.createIndex({ age: 1 });
    await c.createIndex({ name: 1 });
    await c.createIndex({ city: 1, age: -1 });
    const stage = async (f: Record<string, unknown>, o: Record<string, unknown> = {}) => {
      const e = (await c.find(f, o).explain()) as any;
      let s = e.queryPlanner.winningPlan;
      while (s.inputStage && s.stage !== 'FETCH') s = s.inputStage;
      return { stage: s.stage === 'FETCH' ? s.inputStage.stage : s.stage, index: s.inputStage?.indexName ?? s.indexName, keys: e.executionStats.totalKeysExamined, docs: e.executionStats.totalDocsExamined, n: e.executionStats.nReturned };
    };
    expect(await stage({ age: 7 })).toMatchObject({ stage: 'IXSCAN', index: 'age_1', keys: 4, docs: 4, n: 4 });
    expect(await stage({ age: { $gte: 48 } })).toMatchObject({ stage: 'IXSCAN', index: 'age_1', docs: 8, n: 8 });
    expect(await stage({ age: { $in: [1, 2] } })).toMatchObject({ stage: 'IXSCAN', docs: 8, n: 8 });
    expect(await stage({ name: { $regex: '^n19' } })).toMatchObject({ stage: 'IXSCAN', index: 'name_1', n: 11, docs: 11 });
    expect(await stage({ city: 'x', age: { $lt: 3 } })).toMatchObject({ stage: 'IXSCAN', index: 'city_1_age_-1' });
    expect(await stage({ _id: 5 })).toMatchObject({ stage: 'IDHACK', docs: 1, n: 1 });
    expect(await stage({ other: 1 })).toMatchObject({ stage: 'COLLSCAN', docs: 200, n: 0 });
    // $or with an index for every branch: the union of index scans.
    const or = (await c.find({ $or: [{ age: 3 }, { name: 'n10' }, { _id: 7 }] }).explain()) as any;
    expect(or.queryPlanner.winningPlan.inputStage.stage).toBe('OR');
    expect(or.executionStats).toMatchObject({ nReturned: 6, totalDocsExamined: 6 });
    expect(((await c.find({ $or: [{ age: 3 }, { other: 1 }] }).explain()) as any).queryPlanner.winningPlan.stage).toBe('COLLSCAN');
    // The index gives the order, so a limit stops early.
    expect(await stage({}, { sort: { age: 1 }, limit: 3 })).toMatchObject({ stage: 'IXSCAN', docs: 3, n: 3 });
    const e = (await c.find({ city: 'y' }).sort({ age: -1 }).explain()) as any;
    expect(JSON.stringify(e.queryPlanner.winningPlan)).not.toContain('SORT');
  });

  it('an alternative outside any group, or an array operand, gives no index bounds (same answers as a scan)', async () => {
    const docs = [
      ...Array.from({ length: 30 }, (_, i) => ({ _id: i, s: `k${i}` })),
      { _id: 30, s: 'a' }, { _id: 31, s: 'b' }, { _id: 32, s: 'ba' },
      { _id: 40, a: [] }, { _id: 41, a: [1, 2] }, { _id: 42, a: 5 }, { _id: 43, a: [[1]] }, { _id: 44, a: { x: 1 } }, { _id: 45, a: [0] },
    ];
    const plain = store.collection('alt-plain');
    const indexed = store.collection('alt-indexed');
    await plain.insertMany(structuredClone(docs));
    await indexed.insertMany(structuredClone(docs));
    await indexed.createIndex({ s: -1 });
    await indexed.createIndex({ a: 1 });
    const ids = async (c: typeof plain, f: Record<string, unknown>) => (await c.find(f, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
    const filters: Array<[Record<string, unknown>, number]> = [
      [{ s: { $regex: '^k1|^k2' } }, 22],
      [{ s: { $regex: '^k1|x' } }, 11],
      [{ s: /^k1|k2$/ }, 12],
      [{ s: { $regex: '^a|b' } }, 3],
      [{ s: { $regex: '^k1(0|1)' } }, 2], // the alternative is inside a group: bounds from 'k1' are right
      [{ a: { $gte: [] } }, 4],
      [{ a: { $lt: [2] } }, 4],
      [{ a: { $lte: [[1]] } }, 4],
    ];
    for (const [f, n] of filters) {
      const want = await ids(plain, f);
      expect(want.length, JSON.stringify(f)).toBe(n);
      expect(await ids(indexed, f), JSON.stringify(f)).toEqual(want);
      expect(await indexed.countDocuments(f)).toBe(n);
    }
    // With the alternative inside a group the prefix still narrows the scan.
    const e = (await indexed.find({ s: { $regex: '^k1(0|1)' } }).explain()) as any;
    expect(e.executionStats.totalKeysExamined).toBeLessThanOrEqual(11); // k1 and k10..k19, of 33
  });
});
