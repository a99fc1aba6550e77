/**
 * The document benchmark's data, queries and its LokiJS and mingo sides (issue 5), shared by the
 * page benchmark (bench/browser/docs-bench.ts, Larder through its worker) and the engine-level one
 * (bench/docs-engine.bench.ts, Larder's worker-side code called directly): both measure the same
 * documents and the same queries, checked against the same plain-JS oracle (`truth`).
 *
 * Workloads: insertMany of N documents `{ _id, name, age, city, tags, address: { zip } }` (the
 * compound index { city: 1, age: 1 } in place), the indexed query city = CITY and
 * 30 <= age <= 40, the unindexed 20000 <= address.zip <= 21499, $inc age of 1% of the documents
 * by _id, and $group by city (count and average age).
 */
import Loki from 'lokijs';
import { aggregate as mingoAggregate, find as mingoFind, updateMany as mingoUpdateMany } from 'mingo';
import { rng } from './browser/records.js';
import { QUERY_REPEATS, timedSync, type TimedSample } from './figures.js';

// ---------------------------------------------------------------- data

/** One benchmark document. */
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
/** The city the indexed queries select. */
export const CITY = 'Paris';
/** The indexed query's age bounds (inclusive). */
export const IDX = { lo: 30, hi: 40 };
/** The RxDB-style query3000's age bounds (about 3,000 documents at N = 100,000). */
export const Q3000 = { lo: 18, hi: 53 };
/** The unindexed query's zip bounds (inclusive). */
export const ZIP = { lo: 20_000, hi: 21_499 };

/** The _id of document i (zero-padded, so _id order is i order). */
export const idOf = (i: number): string => 'd' + String(i).padStart(7, '0');

/** Documents i0..i0+count-1, deterministic (the same on every side and every run). */
export function makeDocs(i0: number, count: number): BenchDoc[] {
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
export const updateIds = (n: number): string[] => Array.from({ length: Math.max(1, Math.floor(n / 100)) }, (_, k) => idOf(k * 100 + 7 < n ? k * 100 + 7 : k));
/** Existing ids looked up by id: min(3000, n), evenly spread, distinct. */
export const byIds = (n: number): string[] => {
  const m = Math.min(3000, n);
  return Array.from({ length: m }, (_, k) => idOf(Math.floor((k * n) / m)));
};

// ---------------------------------------------------------------- queries (MongoDB syntax: Larder and mingo)

/** The compound index every indexed side has. */
export const INDEX_KEY = { city: 1, age: 1 } as const;
/** city = CITY and lo <= age <= hi. */
export const cityAgeFilter = (lo: number, hi: number): Record<string, unknown> => ({ city: CITY, age: { $gte: lo, $lte: hi } });
/** The unindexed range on a nested field. */
export const ZIP_FILTER = { 'address.zip': { $gte: ZIP.lo, $lte: ZIP.hi } };
/** The documents with these _ids (the update's selection). */
export const idsFilter = (ids: string[]): Record<string, unknown> => ({ _id: { $in: ids } });
/** $inc age by `by` (the benchmark's update is by = 1). */
export const incAge = (by: number): Record<string, unknown> => ({ $inc: { age: by } });
/** $group by city: count and average age. */
export const GROUP_PIPELINE = [{ $group: { _id: '$city', count: { $sum: 1 }, avgAge: { $avg: '$age' } } }];

// ---------------------------------------------------------------- the oracle

/** What every side must return, computed on a plain copy with the same writes applied. */
export interface Truth {
  indexed: number;
  unindexed: number;
  update: number;
  group: string;
  byId: number;
  query3000: number;
  count: number;
}

/** The oracle for N documents: insert, the queries, one 1% update, then bulk500 and serial50. */
export function truth(n: number): Truth {
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
export function groupBy(docs: Iterable<BenchDoc>): Group[] {
  const m = new Map<string, { count: number; sum: number }>();
  for (const d of docs) {
    const g = m.get(d.city);
    if (g) { g.count++; g.sum += d.age; } else m.set(d.city, { count: 1, sum: d.age });
  }
  return [...m].map(([city, g]) => ({ _id: city, count: g.count, avgAge: g.sum / g.count }));
}

/** A comparable digest of a group result: city:count:avg (2 decimals), sorted. */
export function groupKey(gs: unknown[]): string {
  return (gs as Group[]).map((g) => `${g._id}:${g.count}:${Number(g.avgAge).toFixed(2)}`).sort().join(',');
}

// ---------------------------------------------------------------- LokiJS and mingo, as their users write them

/** LokiJS's collection: unique index on `_id`, binary indexes on `city` and `age` (adaptive, its default). */
export function lokiCollection(db: Loki): Collection<BenchDoc> {
  return db.addCollection<BenchDoc>('docs', { unique: ['_id'], indices: ['city', 'age'] });
}

/** city = CITY and lo <= age <= hi in LokiJS (one operator per field: $between is inclusive, like $gte/$lte). */
export function lokiCityAge(c: Collection<BenchDoc>, lo: number, hi: number): BenchDoc[] {
  return c.chain().find({ city: CITY }).find({ age: { $between: [lo, hi] } }).data();
}

/** The unindexed zip range in LokiJS. */
export function lokiZip(c: Collection<BenchDoc>): BenchDoc[] {
  return c.find({ 'address.zip': { $between: [ZIP.lo, ZIP.hi] } } as LokiQuery<BenchDoc & LokiObj>);
}

/** Adds `by` to the age of each document in `ids` (by('_id') then update), returning how many. */
export function lokiIncAge(c: Collection<BenchDoc>, ids: string[], by: number): number {
  let k = 0;
  for (const id of ids) {
    const d = c.by('_id', id);
    if (d) { d.age += by; c.update(d); k++; }
  }
  return k;
}

/** mingo `find` over a plain array: how many documents match. */
export function mingoCount(arr: BenchDoc[], filter: Record<string, unknown>): number {
  return mingoFind(arr, filter).all().length;
}

/** mingo `updateMany` over a plain array: modified count. */
export function mingoUpdate(arr: BenchDoc[], filter: Record<string, unknown>, update: Record<string, unknown>): number {
  return mingoUpdateMany(arr as unknown as Array<Record<string, unknown>>, filter, update).modifiedCount;
}

/** mingo `aggregate` over a plain array. */
export function mingoPipeline(arr: BenchDoc[], pipeline: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return mingoAggregate(arr, pipeline) as Array<Record<string, unknown>>;
}

// ---------------------------------------------------------------- the engine-level suites (synchronous, in one process)

/** One timed workload (the graph suite's sample: total ms, operations, what it found). */
export type DocsSample = TimedSample;

/**
 * The workloads every side runs in the engine-level benchmark, given how to do each: the timed
 * insert once, the queries, update and group as warm-up + median of QUERY_REPEATS passes.
 * Update passes alternate +1 and -1 (so repeating them leaves the data as it was) and an untimed
 * pass at the end leaves the net +1 the oracle expects.
 */
export interface DocsSide {
  insert(docs: BenchDoc[]): number;
  indexed(): number;
  unindexed(): number;
  update(ids: string[], by: number): number;
  group(): string;
  /** Timed update passes, when one pass is long enough not to need a median (mingo's takes seconds). */
  updateRepeats?: number;
}

/** Runs the engine-level workloads on one side and returns one sample per workload. */
export function runDocsSide(n: number, side: DocsSide): Record<string, DocsSample> {
  const parts: Record<string, DocsSample> = {};
  const docs = makeDocs(0, n);
  timedSync(parts, 'insert', n, () => `${side.insert(docs)} docs`, 1);
  timedSync(parts, 'indexed', 1, () => `${side.indexed()} docs`);
  timedSync(parts, 'unindexed', 1, () => `${side.unindexed()} docs`);
  const up = updateIds(n);
  let net = 0;
  timedSync(parts, 'update', up.length, () => {
    const by = net > 0 ? -1 : 1;
    net += by;
    return `${side.update(up, by)} docs`;
  }, side.updateRepeats ?? QUERY_REPEATS);
  if (net !== 1) side.update(up, 1 - net);
  timedSync(parts, 'group', 1, () => side.group());
  return parts;
}

/** LokiJS in memory (the same collection as the page's): the engine-level workloads. */
export function lokiSuite(n: number): Record<string, DocsSample> {
  const db = new Loki('bench-docs.db');
  const c = lokiCollection(db);
  try {
    return runDocsSide(n, {
      insert: (docs) => { c.insert(docs); return c.count(); },
      indexed: () => lokiCityAge(c, IDX.lo, IDX.hi).length,
      unindexed: () => lokiZip(c).length,
      update: (ids, by) => lokiIncAge(c, ids, by),
      group: () => groupKey(groupBy(c.find())),
    });
  } finally {
    db.removeCollection('docs');
    db.close();
  }
}

/** mingo over a plain array (no index at all): the engine-level workloads. */
export function mingoSuite(n: number): Record<string, DocsSample> {
  const arr: BenchDoc[] = [];
  return runDocsSide(n, {
    insert: (docs) => { for (const d of docs) arr.push(d); return arr.length; },
    indexed: () => mingoCount(arr, cityAgeFilter(IDX.lo, IDX.hi)),
    unindexed: () => mingoCount(arr, ZIP_FILTER),
    update: (ids, by) => mingoUpdate(arr, idsFilter(ids), incAge(by)),
    group: () => groupKey(mingoPipeline(arr, GROUP_PIPELINE)),
    updateRepeats: 1,
  });
}
