/**
 * Differential tests of the document view against mingo (the oracle): random documents (nested,
 * arrays, mixed types, missing fields) with random filters, sorts, projections, updates and
 * pipelines must give the same answers. Where MongoDB itself behaves otherwise than mingo, the
 * generators avoid the case and docs/docs-differences.md records it (tested in docs-semantics and
 * docs-projection-semantics).
 */
import fc from 'fast-check';
import { Query, aggregate as mingoAggregate, find as mingoFind, update as mingoUpdate } from 'mingo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { canon, docs, filter, lookupDocs, LOOKUP_FROM, pipeline, positionalQuery, projection, sort, update } from './docs-gen.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-diff', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

const clone = <T>(v: T): T => structuredClone(v);

describe('docs differential vs mingo', () => {
  it('find(filter) matches the same documents', async () => {
    await fc.assert(
      fc.asyncProperty(docs, fc.array(filter, { minLength: 1, maxLength: 8 }), async (ds, filters) => {
        const c = store.collection(`f${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        for (const f of filters) {
          const ours = (await c.find(f).toArray()).map((d) => d._id);
          const theirs = mingoFind(clone(ds), f).all().map((d) => (d as { _id: number })._id);
          expect(ours, JSON.stringify(f)).toEqual(theirs);
        }
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 150) },
    );
  });

  it('sort + skip + limit order documents the same way', async () => {
    await fc.assert(
      fc.asyncProperty(docs, sort, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), async (ds, s, skip, limit) => {
        const c = store.collection(`s${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        const spec = { ...s, _id: 1 as const };
        const ours = (await c.find({}).sort(spec).skip(skip).limit(limit).toArray()).map((d) => d._id);
        let cur = mingoFind(clone(ds), {}).sort(spec).skip(skip);
        if (limit) cur = cur.limit(limit);
        const theirs = cur.all().map((d) => (d as { _id: number })._id);
        expect(ours, JSON.stringify(spec)).toEqual(theirs);
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 150) },
    );
  });

  it('projections give the same documents', async () => {
    await fc.assert(
      fc.asyncProperty(docs, projection, async (ds, p) => {
        const c = store.collection(`p${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        const ours = await c.find({}, { projection: p }).toArray();
        const theirs = mingoFind(clone(ds), {}, p).all();
        expect(ours.map((d) => canon(d, true)), JSON.stringify(p)).toEqual(theirs.map((d) => canon(d, true)));
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 150) },
    );
  });

  it('find with a filter, projection, sort and limit gives the same documents', async () => {
    await fc.assert(
      fc.asyncProperty(docs, filter, projection, sort, fc.integer({ min: 0, max: 6 }), async (ds, f, p, s, limit) => {
        const c = store.collection(`q${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        const spec = { ...s, _id: 1 as const };
        const ours = await c.find(f, { projection: p, sort: spec, limit }).toArray();
        let cur = mingoFind(clone(ds), f, p).sort(spec);
        if (limit) cur = cur.limit(limit);
        const theirs = cur.all();
        expect(ours.map((d) => canon(d, true)), JSON.stringify({ f, p, spec, limit })).toEqual(theirs.map((d) => canon(d, true)));
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 100) },
    );
  });

  it('positional projections (arr.$) give the same element', async () => {
    await fc.assert(
      fc.asyncProperty(docs, positionalQuery, async (ds, q) => {
        const c = store.collection(`x${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        const ours = await c.find(q.filter, { projection: q.projection }).toArray();
        const theirs = mingoFind(clone(ds), q.filter, q.projection).all();
        expect(ours.map((d) => canon(d, true)), JSON.stringify(q)).toEqual(theirs.map((d) => canon(d, true)));
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 100) },
    );
  });

  it('updates change documents the same way', async () => {
    await fc.assert(
      fc.asyncProperty(docs, filter, update, async (ds, f, u) => {
        const c = store.collection(`u${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        let ourErr: unknown;
        try {
          await c.updateMany(f, u);
        } catch (e) {
          ourErr = e;
        }
        const ours = await c.find({}).toArray();
        const mine = clone(ds);
        const q = new Query(f);
        let theirErr: unknown;
        const expected = mine.map((d) => {
          if (!q.test(d)) return d;
          try {
            const x = clone(d);
            mingoUpdate(x, u as never);
            return x;
          } catch (e) {
            theirErr = e;
            return d;
          }
        });
        // mingo applies $inc/$mul to non-numbers; MongoDB refuses (TypeMismatch, code 14) as we do.
        if (ourErr && !theirErr && (ourErr as { details?: { code?: number } }).details?.code === 14) return;
        if (theirErr || ourErr) {
          expect(!!ourErr, `error mismatch ${JSON.stringify(u)}: ours ${String(ourErr)} theirs ${String(theirErr)}`).toBe(!!theirErr);
          return;
        }
        expect(ours.map((d) => canon(d, true)), JSON.stringify(u)).toEqual(expected.map((d) => canon(d, true)));
        await c.drop();
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 200) },
    );
  });

  it('a leading $group reads only the fields it names, and still sees the whole document when it asks', async () => {
    const c = store.collection(`g${++seq}`);
    const ds = Array.from({ length: 60 }, (_, i) => ({ _id: i, city: ['Paris', 'Rome', 'Oslo'][i % 3], age: 20 + (i % 7), n: { x: i % 5, y: [i, i + 1] }, pad: 'x'.repeat(i % 11), 'a.b': i, ...(i % 8 === 7 ? {} : { mix: [1, '1', 1.5, null, { a: 1 }, true, -2][i % 8] }) }));
    await c.insertMany(clone(ds));
    const pipelines: Record<string, unknown>[][] = [
      [{ $group: { _id: '$city', n: { $sum: 1 }, avg: { $avg: '$age' }, xs: { $addToSet: '$n.x' } } }],
      [{ $group: { _id: '$city', oldest: { $max: { $concat: [{ $toString: '$age' }, '-', '$pad'] } } } }],
      [{ $group: { _id: '$city', docs: { $push: '$$ROOT' } } }],
      [{ $group: { _id: null, odd: { $push: { $getField: 'a.b' } } } }],
      [{ $group: { _id: { $mod: ['$age', 2] }, ys: { $push: { $arrayElemAt: ['$n.y', 1] } }, lit: { $first: { $literal: '$pad' } } } }, { $sort: { _id: 1 } }],
      [{ $match: { age: { $gte: 22 } } }, { $group: { _id: '$city', s: { $sum: '$n.x' } } }],
      // Group keys of every type: strings, integers, fractions, null and missing (one group), objects, booleans.
      [{ $group: { _id: '$mix', n: { $sum: 1 }, ages: { $push: '$age' } } }],
      // A filter the scan tests on the whole document, and one answered by sorting and cutting first.
      [{ $match: { $expr: { $gt: ['$age', '$n.x'] } } }, { $group: { _id: '$city', n: { $sum: 1 } } }],
      [{ $match: { age: { $lt: 25 } } }, { $sort: { pad: -1, _id: 1 } }, { $limit: 7 }, { $group: { _id: '$city', ids: { $push: '$_id' } } }],
      [{ $match: { _id: { $in: [3, 4, 5, 40] } } }, { $group: { _id: '$mix', ids: { $addToSet: '$_id' } } }],
    ];
    for (const p of pipelines) {
      const norm = (r: unknown[]): string[] => r.map((d) => canon(d, true)).sort();
      expect(norm(await c.aggregate(p).toArray()), JSON.stringify(p)).toEqual(norm(mingoAggregate(clone(ds), p)));
    }
    await c.drop();
  });

  it('aggregation pipelines give the same results', async () => {
    await fc.assert(
      fc.asyncProperty(docs, lookupDocs, pipeline, async (ds, others, p) => {
        const c = store.collection(`a${++seq}`);
        if (ds.length) await c.insertMany(clone(ds));
        // The $lookup collection: one name, emptied after each run.
        const o = store.collection(LOOKUP_FROM);
        if (others.length) await o.insertMany(clone(others));
        // $group output order is unspecified in MongoDB: compare sorted.
        const groups = p.some((s) => '$group' in s || '$sortByCount' in s);
        const norm = (r: unknown[]): string[] => {
          // mingo's $count emits { total: 0 } for no input; MongoDB emits nothing.
          const out = r.map((d) => canon(d, true)).filter((x) => x !== '{"total":0}');
          return groups ? out.sort() : out;
        };
        let ours: unknown[];
        try {
          ours = await c.aggregate(p).toArray();
        } finally {
          await c.drop();
          await o.drop();
        }
        const theirs = mingoAggregate(clone(ds), p, { collectionResolver: (name: string) => (name === LOOKUP_FROM ? clone(others) : []) } as never);
        expect(norm(ours), JSON.stringify(p)).toEqual(norm(theirs));
      }),
      { numRuns: Number(process.env.DOCS_RUNS ?? 150) },
    );
  });
});
