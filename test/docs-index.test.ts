/**
 * The planner never changes answers: random queries (with sorts, limits and hints; find, count,
 * distinct and an aggregation's leading stages) over random documents give identical results with
 * and without indexes (single, compound, mixed directions, multikey, numeric paths, sparse and
 * partial; built before or after the data, and after writes), and explain() reports the index
 * when one is usable.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { parseSort, sortKey } from '../src/views/docs/sort.js';
import { canon, planDocs, planFilter, planSort, planSortedQuery, sort } from './docs-gen.js';

/**
 * What must agree between two answers of one query: with a sort, the sequence of sort keys
 * (ties may come in any order, and a limit may keep any of them), and without a limit the
 * documents too, as a set; without a sort, the documents as a set.
 */
function same(ds: Array<Record<string, unknown>>, spec: Record<string, 1 | -1> | undefined, limit: number): string[] {
  const docs = (l: typeof ds) => l.map((d) => canon(d)).sort();
  if (!spec) return docs(ds);
  const fields = parseSort(spec)!.fields;
  const keys = ds.map((d) => canon(fields.map((x) => sortKey(d, x.parts, x.dir))));
  return limit ? keys : [...keys, ...docs(ds)];
}

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-index', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

type Spec = { key: Record<string, 1 | -1>; sparse?: boolean; partialFilterExpression?: Record<string, unknown> };
const indexSpec = fc.constantFrom<Spec[]>(
  [{ key: { a: 1 } }],
  [{ key: { b: -1 } }],
  [{ key: { 'n.x': 1 } }, { key: { b: 1, 'n.x': -1 } }],
  [{ key: { arr: 1 } }, { key: { 'objs.x': 1 } }],
  [{ key: { b: 1, a: 1 } }, { key: { 'arr.0': 1 } }],
  [{ key: { a: -1, b: 1 } }, { key: { 'n.y': 1 }, sparse: true }],
  [{ key: { b: 1 }, partialFilterExpression: { b: { $gt: 1 } } }, { key: { 'a.x': 1 } }],
  [{ key: { 'objs.x': -1, 'objs.y': 1 } }, { key: { 'n.x': 1, 'n.y': 1, b: 1 } }],
  // Multikey and numeric paths, compound with mixed directions, sparse compound, partial on another field.
  [{ key: { arr: -1, b: 1 } }, { key: { 'objs.0.x': 1 } }, { key: { 'a.0': 1 } }],
  [{ key: { a: 1, 'n.x': -1 } }, { key: { objs: 1 } }, { key: { n: 1 } }],
  [{ key: { b: 1, 'n.y': -1 }, sparse: true }, { key: { 'a.x': -1 }, sparse: true }, { key: { arr: 1 }, sparse: true }],
  [{ key: { a: 1 }, partialFilterExpression: { b: { $exists: true } } }, { key: { 'n.x': -1 }, partialFilterExpression: { 'n.y': { $type: 'number' } } }],
  [{ key: { 'objs.x': 1 }, partialFilterExpression: { b: 1 } }, { key: { arr: 1, 'n.x': 1 } }, { key: { 'arr.1': -1 } }],
  [{ key: { b: 1 } }, { key: { 'n.x': 1 } }, { key: { a: 1, b: -1 } }, { key: { 'n.y': -1, 'n.x': 1 } }],
);

/** Runs `f`; an error becomes its message, so both collections' answers compare either way. */
async function run<T>(f: () => Promise<T>): Promise<T | string> {
  try {
    return await f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('indexes never change answers', () => {
  it('find with and without indexes agree (filters, sorts, limits, hints)', async () => {
    await fc.assert(
      fc.asyncProperty(
        planDocs,
        indexSpec,
        fc.boolean(),
        fc.array(
          fc.tuple(
            fc.oneof({ weight: 3, arbitrary: fc.tuple(planFilter, fc.option(fc.oneof(sort, planSort))) }, { weight: 1, arbitrary: planSortedQuery }),
            fc.boolean(),
            fc.integer({ min: 0, max: 4 }),
          ).map(([[f, s], tie, lim]) => [f, s as Record<string, 1 | -1> | null, tie, lim] as const),
          { minLength: 1, maxLength: 6 },
        ),
        async (ds, specs, indexFirst, queries) => {
          const plain = store.collection(`p${++seq}`);
          const indexed = store.collection(`i${seq}`);
          const names = specs.map((_s, i) => `ix${i}`);
          // Half the time the index exists before the data, half after (build vs maintenance).
          if (indexFirst) await indexed.createIndexes(specs.map((s, i) => ({ ...s, name: names[i]! })));
          if (ds.length) {
            await plain.insertMany(structuredClone(ds));
            await indexed.insertMany(structuredClone(ds));
          }
          if (!indexFirst) await indexed.createIndexes(specs.map((s, i) => ({ ...s, name: names[i]! })));
          const check = async (after: string) => {
            for (const [f, s, tieBreak, lim] of queries) {
              const spec = s ? (tieBreak ? { ...s, _id: 1 as const } : s) : undefined;
              const limit = spec ? lim : 0;
              const msg = JSON.stringify({ f, spec, limit, specs, indexFirst, after }, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
              const a = await run(() => plain.find(f, { sort: spec, limit }).toArray());
              const b = await run(() => indexed.find(f, { sort: spec, limit }).toArray());
              expect(typeof b === 'string' ? b : same(b, spec, limit), msg).toEqual(typeof a === 'string' ? a : same(a, spec, limit));
              expect(await run(() => indexed.countDocuments(f)), msg).toBe(await run(() => plain.countDocuments(f)));
              // Counting keys of an exact plan: with a skip and a limit too.
              expect(await run(() => indexed.countDocuments(f, { skip: lim % 3, limit: lim })), msg).toBe(await run(() => plain.countDocuments(f, { skip: lim % 3, limit: lim })));
              const dv = async (c: typeof plain) => run(async () => (await c.distinct('b', f)).map((v) => canon(v)).sort());
              expect(await dv(indexed), `${msg} distinct`).toEqual(await dv(plain));
              // An aggregation's leading $match/$sort/$skip/$limit is planned the same way.
              const stages: Array<Record<string, unknown>> = [{ $match: f }];
              if (spec) stages.push({ $sort: spec }, { $skip: lim % 2 });
              if (limit) stages.push({ $limit: limit });
              const ag = await run(() => plain.aggregate(stages).toArray());
              const bg = await run(() => indexed.aggregate(stages).toArray());
              expect(typeof bg === 'string' ? bg : same(bg, spec, limit), `${msg} aggregate`).toEqual(typeof ag === 'string' ? ag : same(ag, spec, limit));
              if (typeof a === 'string' || after) continue;
              // An index hinted: the same answer as the scan, or refused (never fewer documents).
              // A sparse index may miss documents when hinted, as in MongoDB.
              {
                const i = (lim + seq) % specs.length;
                if (specs[i]!.sparse) continue;
                const h = await run(() => indexed.find(f, { sort: spec, limit, hint: names[i] }).toArray());
                if (typeof h === 'string') expect(h, msg).toMatch(/hint/);
                else expect(same(h, spec, limit), `${msg} hint ${names[i]}`).toEqual(same(a, spec, limit));
              }
            }
          };
          await check('');
          // The same after updates and deletes maintain the index (some make fields arrays).
          // Writes that never fail (a failing updateMany's error names whichever document the
          // scan met first, which an index changes).
          const writes: Array<(c: typeof plain) => Promise<unknown>> = [
            (c) => c.updateMany({ b: { $type: 'number' }, $or: [{ n: { $exists: false } }, { n: { $type: 'object' } }] }, { $inc: { b: 1 }, $set: { 'n.x': 'u' } }),
            (c) => c.updateMany({ _id: { $in: [1, 4] } }, { $set: { b: [3, 'a'], n: { y: [1, [2]] }, a: [{ x: 0 }, { x: 'b' }] } }),
            (c) => c.updateMany({ _id: { $gte: 5, $lt: 8 }, arr: { $type: 'array' } }, { $push: { arr: -1 }, $unset: { objs: '' } }),
            (c) => c.deleteMany({ 'n.y': { $in: [0, 'a'] } }),
            // A write whose filter the index answers, changing the indexed fields it scans.
            (c) => c.updateMany(queries[0]![0], { $set: { b: 'w', arr: ['w', 1], a: [{ x: 'w' }, 3] } }),
          ];
          // A write refused for some document (a field inside a scalar) leaves both alike.
          for (const w of writes) expect(await run(() => w(indexed))).toEqual(await run(() => w(plain)));
          await check('writes');
          await plain.drop();
          await indexed.drop();
        },
      ),
      { numRuns: Number(process.env.DOCS_RUNS ?? 60), seed: process.env.DOCS_SEED ? Number(process.env.DOCS_SEED) : undefined },
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
  it('a multikey regex with a range, half a surrogate pair, a hinted partial index, a bigint bound: same answers as a scan', async () => {
    const docs = [
      { _id: 1, arr: ['a', 'b'] }, { _id: 2, arr: ['b', '0'] }, { _id: 3, arr: 'ac' }, { _id: 4, arr: ['abc'] },
      { _id: 5, s: '\u{1F600}x' }, { _id: 6, s: '\uD83D' }, { _id: 7, s: '\uFFFD' },
      { _id: 8, b: 0 }, { _id: 9, b: 2 }, { _id: 10, b: 5 },
    ];
    const plain = store.collection('mk-plain');
    const indexed = store.collection('mk-indexed');
    await plain.insertMany(structuredClone(docs));
    await indexed.insertMany(structuredClone(docs));
    await indexed.createIndex({ arr: 1 });
    await indexed.createIndex({ s: 1 });
    await indexed.createIndex({ b: 1 }, { name: 'b_partial', partialFilterExpression: { b: { $gt: 1 } } });
    const ids = async (c: typeof plain, f: Record<string, unknown>, o: Record<string, unknown> = {}) => (await c.find(f, { sort: { _id: 1 }, ...o }).toArray()).map((d) => d._id);
    const filters: Array<[Record<string, unknown>, number[]]> = [
      // Each condition met by a different element: the regex's interval must not be narrowed by the range.
      [{ arr: { $regex: '^a', $gt: 'ab' } }, [1, 3, 4]],
      [{ $and: [{ arr: /^a/ }, { arr: { $gt: 'ab' } }] }, [1, 3, 4]],
      [{ arr: { $regex: '^b', $lt: '1' } }, [2]],
      // JS regexes see UTF-16 code units: a lone high surrogate is a prefix of the emoji's string.
      [{ s: { $regex: '^\uD83D' } }, [5, 6]],
      [{ s: /^\uD83D/ }, [5, 6]],
    ];
    for (const [f, want] of filters) {
      expect(await ids(plain, f), JSON.stringify(f)).toEqual(want);
      expect(await ids(indexed, f), JSON.stringify(f)).toEqual(want);
    }
    // A partial index holds only b > 1: hinting it for a filter that does not say so is refused
    // (MongoDB: "hint provided does not correspond to an existing index"), not answered short.
    for (const f of [{}, { b: 0 }, { b: { $gt: 0 } }]) {
      await expect(indexed.find(f, { hint: 'b_partial' }).toArray(), JSON.stringify(f)).rejects.toMatchObject({ code: 'BAD_QUERY' });
      await expect(indexed.find(f, { hint: 'b_partial', sort: { b: 1 }, limit: 2 }).toArray()).rejects.toMatchObject({ code: 'BAD_QUERY' });
    }
    expect(await ids(indexed, { b: { $gt: 1 } }, { hint: 'b_partial' })).toEqual([9, 10]);
    // A sort on a multikey field orders by the whole array (smallest element ascending, largest
    // descending), not by the element the bounds met first.
    await plain.insertMany([{ _id: 30, m: [1, 5] }, { _id: 31, m: 3 }, { _id: 32, m: [0, 4] }, { _id: 33, m: [] }]);
    await indexed.insertMany([{ _id: 30, m: [1, 5] }, { _id: 31, m: 3 }, { _id: 32, m: [0, 4] }, { _id: 33, m: [] }]);
    await indexed.createIndex({ m: 1 });
    for (const [dir, want] of [[1, [32, 30, 31]], [-1, [30, 32, 31]]] as const) {
      for (const c of [plain, indexed]) {
        expect(await ids(c, { m: { $gte: 2 } }, { sort: { m: dir } })).toEqual(want);
        expect(await ids(c, { m: { $gte: 2 } }, { sort: { m: dir }, limit: 2 })).toEqual(want.slice(0, 2));
        expect(await ids(c, { m: { $exists: true } }, { sort: { m: dir, _id: 1 }, limit: 2 })).toEqual(dir === 1 ? [33, 32] : [30, 32]);
      }
    }
    // A bigint no double equals has no key: it gives no bounds (planning threw a TypeError).
    await indexed.createIndex({ n: 1 });
    await plain.insertMany([{ _id: 20, n: 2 ** 60 }, { _id: 21, n: 1 }]);
    await indexed.insertMany([{ _id: 20, n: 2 ** 60 }, { _id: 21, n: 1 }]);
    for (const [f, want] of [[{ n: { $gt: 2n ** 60n + 1n } }, []], [{ n: { $lt: 2n ** 60n + 1n } }, [20, 21]], [{ n: { $gte: 1, $lt: 2n ** 60n + 1n } }, [20, 21]]] as const) {
      expect(await ids(plain, f)).toEqual(want);
      expect(await ids(indexed, f)).toEqual(want);
    }
  });
});
