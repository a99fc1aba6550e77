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
import { aggregate as mingoAggregate, find as mingoFind, updateMany as mingoUpdateMany } from 'mingo';
import { openStore } from '../../src/index.js';
import { deleteDexie } from './peers.js';
import { rng } from './records.js';
import type { Params, Sample } from './workloads.js';

const now = (): number => performance.now();

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`missing parameter ${what}`);
  return v;
}

// ---------------------------------------------------------------- data

export interface BenchDoc {
  _id: string;
  name: string;
  age: number;
  city: string;
  tags: string[];
  address: { zip: number };
}

const CITIES = ['Amsterdam', 'Berlin', 'Bogota', 'Cairo', 'Delhi', 'Dublin', 'Helsinki', 'Istanbul', 'Lagos', 'Lima', 'Lisbon', 'London', 'Madrid', 'Nairobi', 'Oslo', 'Paris', 'Rome', 'Seoul', 'Tokyo', 'Vienna'];
const TAGS = ['new', 'vip', 'beta', 'eu', 'us', 'mobile', 'desktop', 'churned'];
const CITY = 'Paris';
const IDX = { lo: 30, hi: 40 };
const Q3000 = { lo: 18, hi: 53 };
const ZIP = { lo: 20_000, hi: 21_499 };

const idOf = (i: number): string => 'd' + String(i).padStart(7, '0');

/** Documents i0..i0+count-1, deterministic (the same on every side and every run). */
function makeDocs(i0: number, count: number): BenchDoc[] {
  const r = rng(1000 + i0);
  const out = new Array<BenchDoc>(count);
  for (let k = 0; k < count; k++) {
    const i = i0 + k;
    const nt = 1 + ((r() * 3) | 0);
    const tags: string[] = [];
    for (let t = 0; t < nt; t++) tags.push(TAGS[(r() * TAGS.length) | 0]);
    out[k] = { _id: idOf(i), name: `user ${i}`, age: 18 + ((r() * 60) | 0), city: CITIES[(r() * CITIES.length) | 0], tags, address: { zip: 10_000 + ((r() * 90_000) | 0) } };
  }
  return out;
}

/** The 1% updated: every 100th document (at least one). */
const updateIds = (n: number): string[] => Array.from({ length: Math.max(1, Math.floor(n / 100)) }, (_, k) => idOf(k * 100 + 7 < n ? k * 100 + 7 : k));
/** Existing ids looked up by id: min(3000, n), evenly spread, distinct. */
const byIds = (n: number): string[] => {
  const m = Math.min(3000, n);
  return Array.from({ length: m }, (_, k) => idOf(Math.floor((k * n) / m)));
};

/** What every side must return, computed on a plain copy with the same writes applied. */
interface Truth {
  indexed: number;
  unindexed: number;
  update: number;
  group: string;
  byId: number;
  query3000: number;
  count: number;
}

function truth(n: number): Truth {
  const docs = makeDocs(0, n);
  const inRange = (d: BenchDoc, lo: number, hi: number): boolean => d.city === CITY && d.age >= lo && d.age <= hi;
  const indexed = docs.filter((d) => inRange(d, IDX.lo, IDX.hi)).length;
  const unindexed = docs.filter((d) => d.address.zip >= ZIP.lo && d.address.zip <= ZIP.hi).length;
  const up = new Set(updateIds(n));
  for (const d of docs) if (up.has(d._id)) d.age++;
  const group = groupKey(groupBy(docs));
  docs.push(...makeDocs(n, 500), ...makeDocs(n + 500, 50)); // bulk500, then serial50 (their own seeds)
  return {
    indexed, unindexed, update: up.size, group, byId: byIds(n).length,
    query3000: docs.filter((d) => inRange(d, Q3000.lo, Q3000.hi)).length,
    count: docs.filter((d) => d.city === CITY).length,
  };
}

interface Group { _id: string; count: number; avgAge: number }

/** The $group result by hand (what Dexie and LokiJS callers write). */
function groupBy(docs: Iterable<BenchDoc>): Group[] {
  const m = new Map<string, { count: number; sum: number }>();
  for (const d of docs) {
    const g = m.get(d.city);
    if (g) { g.count++; g.sum += d.age; } else m.set(d.city, { count: 1, sum: d.age });
  }
  return [...m].map(([city, g]) => ({ _id: city, count: g.count, avgAge: g.sum / g.count }));
}

/** A comparable digest of a group result: city:count:avg (2 decimals), sorted. */
function groupKey(gs: unknown[]): string {
  return (gs as Group[]).map((g) => `${g._id}:${g.count}:${Number(g.avgAge).toFixed(2)}`).sort().join(',');
}

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
  constructor(name: string) {
    super(name);
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
      await c.createIndex({ city: 1, age: 1 });
      await timed(parts, 'insert', n, n, async () => (await c.insertMany(docs)).insertedCount);
      await timed(parts, 'indexed', 1, want.indexed, async () => (await c.find({ city: CITY, age: { $gte: IDX.lo, $lte: IDX.hi } }).toArray()).length);
      await timed(parts, 'unindexed', 1, want.unindexed, async () => (await c.find({ 'address.zip': { $gte: ZIP.lo, $lte: ZIP.hi } }).toArray()).length);
      const up = updateIds(n);
      await timed(parts, 'update', up.length, want.update, async () => (await c.updateMany({ _id: { $in: up } }, { $inc: { age: 1 } })).modifiedCount);
      await timed(parts, 'group', 1, want.group, async () => groupKey((await c.aggregate([{ $group: { _id: '$city', count: { $sum: 1 }, avgAge: { $avg: '$age' } } }]).toArray())));
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
      await timed(parts, 'query3000', 1, want.query3000, async () => (await c.find({ city: CITY, age: { $gte: Q3000.lo, $lte: Q3000.hi } }).toArray()).length);
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
    const db = new DocsDexie(name);
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
    const c = db.addCollection<BenchDoc>('docs', { unique: ['_id'], indices: ['city', 'age'] });
    const parts: Parts = {};
    // Loki's find takes one operator per field: $between is inclusive, like $gte/$lte.
    const cityAge = (lo: number, hi: number): BenchDoc[] => c.chain().find({ city: CITY }).find({ age: { $between: [lo, hi] } }).data();
    try {
      await timed(parts, 'insert', n, n, () => {
        c.insert(docs);
        return c.count();
      });
      await timed(parts, 'indexed', 1, want.indexed, () => cityAge(IDX.lo, IDX.hi).length);
      await timed(parts, 'unindexed', 1, want.unindexed, () => c.find({ 'address.zip': { $between: [ZIP.lo, ZIP.hi] } } as LokiQuery<BenchDoc & LokiObj>).length);
      const up = updateIds(n);
      await timed(parts, 'update', up.length, want.update, () => {
        let k = 0;
        for (const id of up) {
          const d = c.by('_id', id);
          if (d) { d.age += 1; c.update(d); k++; }
        }
        return k;
      });
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
    const cityAge = (lo: number, hi: number): number => mingoFind(arr, { city: CITY, age: { $gte: lo, $lte: hi } }).all().length;
    await timed(parts, 'insert', n, n, () => {
      for (const d of docs) arr.push(d);
      return arr.length;
    });
    await timed(parts, 'indexed', 1, want.indexed, () => cityAge(IDX.lo, IDX.hi));
    await timed(parts, 'unindexed', 1, want.unindexed, () => mingoFind(arr, { 'address.zip': { $gte: ZIP.lo, $lte: ZIP.hi } }).all().length);
    const up = updateIds(n);
    await timed(parts, 'update', up.length, want.update, () => mingoUpdateMany(arr as unknown as Array<Record<string, unknown>>, { _id: { $in: up } }, { $inc: { age: 1 } }).modifiedCount);
    await timed(parts, 'group', 1, want.group, () => groupKey(mingoAggregate(arr, [{ $group: { _id: '$city', count: { $sum: 1 }, avgAge: { $avg: '$age' } } }])));
    const b500 = makeDocs(n, 500);
    await timed(parts, 'bulk500', 500, 500, () => {
      const before = arr.length;
      for (const d of b500) arr.push(d);
      return arr.length - before;
    });
    const ids = byIds(n);
    await timed(parts, 'byId', ids.length, want.byId, () => mingoFind(arr, { _id: { $in: ids } }).all().length);
    const s50 = makeDocs(n + 500, 50);
    await timed(parts, 'serial50', 50, 50, async () => {
      let k = 0;
      for (const d of s50) k += await Promise.resolve(arr.push(d)) ? 1 : 0;
      return k;
    });
    await timed(parts, 'query3000', 1, want.query3000, () => cityAge(Q3000.lo, Q3000.hi));
    await timed(parts, 'count', 1, want.count, () => (mingoAggregate(arr, [{ $match: { city: CITY } }, { $count: 'n' }])[0]?.n as number | undefined) ?? 0);
    return { ms: 0, ops: 0, parts };
  },
} satisfies Record<string, (p: Params) => Promise<Sample>>;
