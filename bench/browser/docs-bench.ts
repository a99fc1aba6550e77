/**
 * The document-view workloads (issue 5): `store.collection()` against Dexie (IndexedDB, the same
 * compound index), LokiJS (in memory, binary indexes on the queried fields) and mingo over a
 * plain array, all used from the page. Like the kv and graph suites, each call runs the whole
 * suite on one side and returns one sample per operation in `parts`, on one fresh data set:
 *
 *   insert     insertMany of N documents `{ _id, name, age, city, tags, address: { zip } }`
 *   indexed    city = CITY and 30 <= age <= 40 (compound index { city: 1, age: 1 })
 *   unindexed  20000 <= address.zip <= 21499 (no index on any side)
 *   update     $inc age of 1% of the documents, chosen by _id
 *   group      $group by city: count and average age
 *   then the RxDB storage metrics on the same collection:
 *   bulk500    insert 500 new documents in one call
 *   byId       find 3,000 (at most N) existing documents by _id
 *   serial50   50 inserts, each awaited before the next
 *   query3000  city = CITY and 18 <= age <= 53 (about 3,000 documents at N = 100,000)
 *   count      count of city = CITY
 *
 * Every side's result count is checked against a plain-JS oracle computed on the same data; a
 * part whose count differs carries `error` (the driver prints it in the row instead of a figure).
 */
import Dexie, { type Table } from 'dexie';
import Loki from 'lokijs';
import { openStore } from '../../src/index.js';
import {
  byIds, CITY, cityAgeFilter, GROUP_PIPELINE, groupBy, groupKey, idsFilter, IDX, incAge, INDEX_KEY, lokiCityAge, lokiCollection, lokiIncAge, lokiZip,
  makeDocs, mingoCount, mingoPipeline, mingoUpdate, Q3000, truth, updateIds, ZIP, ZIP_FILTER, type BenchDoc,
} from '../docs-suite.js';
import { deleteDexie } from './peers.js';
import type { Params, Sample } from './workloads.js';
import { need } from './params.js';

const now = (): number => performance.now();

// ---------------------------------------------------------------- timing and checks

type Parts = Record<string, Sample>;

/**
 * Times `fn` (`ops` operations) into `parts[name]`. `fn` returns what it got (a count or a
 * digest); if that differs from `want`, the part carries the mismatch as its error.
 */
async function timed(parts: Parts, name: string, ops: number, want: number | string | undefined, fn: () => Promise<number | string> | number | string): Promise<void> {
  const t0 = now();
  const got = await fn();
  const ms = now() - t0;
  const detail = typeof got === 'number' ? `${got} docs` : undefined;
  parts[name] = { ms, ops, ...(detail ? { detail } : {}) };
  if (want !== undefined && got !== want) {
    const show = (x: number | string): string => (typeof x === 'string' && x.length > 60 ? x.slice(0, 60) + '…' : String(x));
    parts[name].error = `mismatch: ${show(got)}, expected ${show(want)}`;
  }
}

// ---------------------------------------------------------------- Dexie

class DocsDexie extends Dexie {
  docs!: Table<BenchDoc, string>;
  /** `strict`: every transaction commits with strict durability, as Larder's default does (Dexie's default leaves it to the browser). */
  constructor(name: string, durability?: 'strict') {
    super(name, durability ? { chromeTransactionDurability: durability } : undefined);
    this.version(1).stores({ docs: '_id, [city+age]' });
  }
}

// ---------------------------------------------------------------- the suites

export const docsWorkloads = {
  /** Larder `store.collection('docs')` with the index { city: 1, age: 1 } created before the insert. */
  async docsLarder(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const want = truth(n);
    const docs = makeDocs(0, n);
    const store = await openStore(need(p.db, 'db'));
    const c = store.collection<BenchDoc>('docs');
    const parts: Parts = {};
    try {
      await c.createIndex(INDEX_KEY);
      await timed(parts, 'insert', n, n, async () => (await c.insertMany(docs)).insertedCount);
      await timed(parts, 'indexed', 1, want.indexed, async () => (await c.find(cityAgeFilter(IDX.lo, IDX.hi)).toArray()).length);
      await timed(parts, 'unindexed', 1, want.unindexed, async () => (await c.find(ZIP_FILTER).toArray()).length);
      const up = updateIds(n);
      await timed(parts, 'update', up.length, want.update, async () => (await c.updateMany(idsFilter(up), incAge(1))).modifiedCount);
      await timed(parts, 'group', 1, want.group, async () => groupKey(await c.aggregate(GROUP_PIPELINE).toArray()));
      const b500 = makeDocs(n, 500);
      await timed(parts, 'bulk500', 500, 500, async () => (await c.insertMany(b500)).insertedCount);
      const ids = byIds(n);
      await timed(parts, 'byId', ids.length, want.byId, async () => (await c.find({ _id: { $in: ids } }).toArray()).length);
      const s50 = makeDocs(n + 500, 50);
      await timed(parts, 'serial50', 50, 50, async () => {
        let k = 0;
        for (const d of s50) if ((await c.insertOne(d)).acknowledged) k++;
        return k;
      });
      await timed(parts, 'query3000', 1, want.query3000, async () => (await c.find(cityAgeFilter(Q3000.lo, Q3000.hi)).toArray()).length);
      await timed(parts, 'count', 1, want.count, () => c.countDocuments({ city: CITY }));
      return { ms: 0, ops: 0, parts };
    } finally {
      await store.destroy();
    }
  },

  /** Dexie: a `docs` table keyed by `_id` with the compound index `[city+age]`; where/between + filter. */
  async docsDexie(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const name = need(p.db, 'db');
    const want = truth(n);
    const docs = makeDocs(0, n);
    const db = new DocsDexie(name, p.durability === 'strict' ? 'strict' : undefined);
    const parts: Parts = {};
    const cityAge = (lo: number, hi: number) => db.docs.where('[city+age]').between([CITY, lo], [CITY, hi], true, true);
    try {
      await db.open();
      await timed(parts, 'insert', n, n, async () => (await db.docs.bulkAdd(docs, { allKeys: true })).length);
      await timed(parts, 'indexed', 1, want.indexed, async () => (await cityAge(IDX.lo, IDX.hi).toArray()).length);
      await timed(parts, 'unindexed', 1, want.unindexed, async () => (await db.docs.filter((d) => d.address.zip >= ZIP.lo && d.address.zip <= ZIP.hi).toArray()).length);
      const up = updateIds(n);
      await timed(parts, 'update', up.length, want.update, () => db.docs.where('_id').anyOf(up).modify((d) => { d.age += 1; }));
      await timed(parts, 'group', 1, want.group, async () => groupKey(groupBy(await db.docs.toArray())));
      const b500 = makeDocs(n, 500);
      await timed(parts, 'bulk500', 500, 500, async () => (await db.docs.bulkAdd(b500, { allKeys: true })).length);
      const ids = byIds(n);
      await timed(parts, 'byId', ids.length, want.byId, async () => (await db.docs.bulkGet(ids)).filter((d) => d !== undefined).length);
      const s50 = makeDocs(n + 500, 50);
      await timed(parts, 'serial50', 50, 50, async () => {
        let k = 0;
        for (const d of s50) if (await db.docs.add(d)) k++;
        return k;
      });
      await timed(parts, 'query3000', 1, want.query3000, async () => (await cityAge(Q3000.lo, Q3000.hi).toArray()).length);
      await timed(parts, 'count', 1, want.count, () => db.docs.where('[city+age]').between([CITY, Dexie.minKey], [CITY, Dexie.maxKey], true, true).count());
      return { ms: 0, ops: 0, parts };
    } finally {
      await deleteDexie(name);
    }
  },

  /** LokiJS in memory: unique index on `_id`, binary indexes on `city` and `age` (adaptive, its default). */
  async docsLoki(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const want = truth(n);
    const docs = makeDocs(0, n);
    const db = new Loki('bench-docs.db');
    const c = lokiCollection(db);
    const parts: Parts = {};
    const cityAge = (lo: number, hi: number): BenchDoc[] => lokiCityAge(c, lo, hi);
    try {
      await timed(parts, 'insert', n, n, () => {
        c.insert(docs);
        return c.count();
      });
      await timed(parts, 'indexed', 1, want.indexed, () => cityAge(IDX.lo, IDX.hi).length);
      await timed(parts, 'unindexed', 1, want.unindexed, () => lokiZip(c).length);
      const up = updateIds(n);
      await timed(parts, 'update', up.length, want.update, () => lokiIncAge(c, up, 1));
      await timed(parts, 'group', 1, want.group, () => groupKey(groupBy(c.find())));
      const b500 = makeDocs(n, 500);
      await timed(parts, 'bulk500', 500, 500, () => {
        const before = c.count();
        c.insert(b500);
        return c.count() - before;
      });
      const ids = byIds(n);
      await timed(parts, 'byId', ids.length, want.byId, () => ids.map((id) => c.by('_id', id)).filter((d) => d !== undefined).length);
      const s50 = makeDocs(n + 500, 50);
      await timed(parts, 'serial50', 50, 50, async () => {
        let k = 0;
        for (const d of s50) if (await Promise.resolve(c.insert(d))) k++;
        return k;
      });
      await timed(parts, 'query3000', 1, want.query3000, () => cityAge(Q3000.lo, Q3000.hi).length);
      await timed(parts, 'count', 1, want.count, () => c.count({ city: CITY }));
      return { ms: 0, ops: 0, parts };
    } finally {
      db.removeCollection('docs');
      db.close();
    }
  },

  /** mingo over a plain array: find / updateMany / aggregate with no index at all. */
  async docsMingo(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const want = truth(n);
    const docs = makeDocs(0, n);
    const arr: BenchDoc[] = [];
    const parts: Parts = {};
    const cityAge = (lo: number, hi: number): number => mingoCount(arr, cityAgeFilter(lo, hi));
    await timed(parts, 'insert', n, n, () => {
      for (const d of docs) arr.push(d);
      return arr.length;
    });
    await timed(parts, 'indexed', 1, want.indexed, () => cityAge(IDX.lo, IDX.hi));
    await timed(parts, 'unindexed', 1, want.unindexed, () => mingoCount(arr, ZIP_FILTER));
    const up = updateIds(n);
    await timed(parts, 'update', up.length, want.update, () => mingoUpdate(arr, idsFilter(up), incAge(1)));
    await timed(parts, 'group', 1, want.group, () => groupKey(mingoPipeline(arr, GROUP_PIPELINE)));
    const b500 = makeDocs(n, 500);
    await timed(parts, 'bulk500', 500, 500, () => {
      const before = arr.length;
      for (const d of b500) arr.push(d);
      return arr.length - before;
    });
    const ids = byIds(n);
    await timed(parts, 'byId', ids.length, want.byId, () => mingoCount(arr, idsFilter(ids)));
    const s50 = makeDocs(n + 500, 50);
    await timed(parts, 'serial50', 50, 50, async () => {
      let k = 0;
      for (const d of s50) k += await Promise.resolve(arr.push(d)) ? 1 : 0;
      return k;
    });
    await timed(parts, 'query3000', 1, want.query3000, () => cityAge(Q3000.lo, Q3000.hi));
    await timed(parts, 'count', 1, want.count, () => (mingoPipeline(arr, [{ $match: { city: CITY } }, { $count: 'n' }])[0]?.n as number | undefined) ?? 0);
    return { ms: 0, ops: 0, parts };
  },
} satisfies Record<string, (p: Params) => Promise<Sample>>;
