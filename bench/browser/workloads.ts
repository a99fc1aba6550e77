/**
 * The page-side workloads. Each is one timed measurement: it prepares its data untimed, times
 * only the operation under test with performance.now(), cleans up, and returns the elapsed
 * milliseconds and the number of operations. The driver (bench/run-browser.ts) repeats them and
 * takes medians.
 *
 * Larder is used exactly as an app would: `openStore` and the Store methods from '/src/index.ts'
 * (its engine runs in the SharedWorker). The peers run in this page's main thread.
 */
import * as Comlink from 'comlink';
import { set as kvSet } from 'idb-keyval';
import { openStore, type Store } from '../../src/index.js';
import { UsersDb, deleteDexie, deleteIdb, openKeyval, openRawIdb, rawPut } from './peers.js';
import type { PingApi } from './ping-worker.js';
import { docsWorkloads } from './docs-bench.js';
import { kvGraphWorkloads } from './kv-graph.js';
import { kuzuWorkloads } from './kuzu.js';
import { keyOf, makeRecord, makeRecords, randomKeys, shuffledKeys } from './records.js';
import { need } from './params.js';

/** What every workload returns. */
export interface Sample {
  /** Milliseconds the timed part took. */
  ms: number;
  /** Operations (records, reads, writes) done in that time. */
  ops: number;
  /** Anything worth printing beside the figure. */
  detail?: string;
  /** A suite's samples by part (kv and graph workloads); the driver files each on its own. */
  parts?: Record<string, Sample>;
  /** A part whose result was wrong (docs: a count differing from the oracle); the row shows it instead of the figure. */
  error?: string;
}

/** Parameters the driver passes; each workload reads what it needs. */
export interface Params {
  /** Database / store name, fresh per run. */
  db?: string;
  /** Records in the data set. */
  n?: number;
  /** Operations to time (concurrent writes in flight, sequential writes, point reads). */
  m?: number;
  /** Larder durability, or the raw IndexedDB transaction's durability hint. */
  durability?: 'strict' | 'relaxed' | 'default';
  /** Keep the database afterwards (it becomes the fixture for the read workloads). */
  keep?: boolean;
  /** Use a SharedWorker instead of a dedicated Worker (ping). */
  shared?: boolean;
  /** Graph edges (graph workloads; `n` is the node count). */
  e?: number;
  /** Items per addNodes/addEdges call (graph build). */
  batch?: number;
  /** Names to delete (cleanup). */
  larder?: string[];
  idb?: string[];
}

const now = (): number => performance.now();

// Open handles on the read fixtures, kept across workloads so opening is not timed each run;
// `closeFixtures` drops them before a cold open.
const larderOpen = new Map<string, Store>();
const dexieOpen = new Map<string, UsersDb>();

async function larderFixture(name: string, n: number): Promise<Store> {
  let s = larderOpen.get(name);
  if (!s) {
    s = await openStore(name);
    larderOpen.set(name, s);
  }
  const info = await s.info();
  if (info.entries !== n) throw new Error(`Larder fixture "${name}" has ${info.entries} entries, expected ${n} (did the bulk insert fail?)`);
  return s;
}

async function dexieFixture(name: string, n: number): Promise<UsersDb> {
  let d = dexieOpen.get(name);
  if (!d) {
    d = new UsersDb(name);
    await d.open();
    dexieOpen.set(name, d);
  }
  const count = await d.users.count();
  if (count !== n) throw new Error(`Dexie fixture "${name}" has ${count} records, expected ${n} (did bulkPut fail?)`);
  return d;
}

/** A Comlink ping worker, made once per page (dedicated and shared separately). */
const pingers: { dedicated?: Comlink.Remote<PingApi>; shared?: Comlink.Remote<PingApi> } = {};
function pinger(shared: boolean): Comlink.Remote<PingApi> {
  if (shared) {
    return (pingers.shared ??= Comlink.wrap<PingApi>(new SharedWorker(new URL('./ping-worker.ts', import.meta.url), { type: 'module', name: 'bench-ping' }).port));
  }
  return (pingers.dedicated ??= Comlink.wrap<PingApi>(new Worker(new URL('./ping-worker.ts', import.meta.url), { type: 'module', name: 'bench-ping' })));
}

/** Every workload, by name. */
export const workloads = {
  ...kvGraphWorkloads,
  ...kuzuWorkloads,
  ...docsWorkloads,

  // ---- concurrent durable writes: `m` writes started in one tick, awaited together ----

  /** Larder: `m` concurrent `store.set` (strict); automatic batching carries them in one message. */
  async larderConcurrentWrites(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const recs = makeRecords(m);
    const store = await openStore(need(p.db, 'db'));
    try {
      const t0 = now();
      await Promise.all(recs.map((r) => store.set(r.id, r)));
      const ms = now() - t0;
      return { ms, ops: m };
    } finally {
      await store.destroy();
    }
  },

  /** idb-keyval: `m` concurrent `set` (each its own IndexedDB transaction). */
  async keyvalConcurrentWrites(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const name = need(p.db, 'db');
    const recs = makeRecords(m);
    const kv = openKeyval(name);
    try {
      await kvSet('warm', 1, kv.store); // open the database outside the timed part
      const t0 = now();
      await Promise.all(recs.map((r) => kvSet(r.id, r, kv.store)));
      return { ms: now() - t0, ops: m };
    } finally {
      await kv.close();
      await deleteIdb(name);
    }
  },

  /** Dexie: `m` concurrent `table.put` (each its own transaction, as Dexie does outside one). */
  async dexieConcurrentWrites(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const name = need(p.db, 'db');
    const recs = makeRecords(m);
    const db = new UsersDb(name);
    try {
      await db.open();
      const t0 = now();
      await Promise.all(recs.map((r) => db.users.put(r)));
      return { ms: now() - t0, ops: m };
    } finally {
      await deleteDexie(name);
    }
  },

  // ---- bulk insert of n records ----

  /** Larder: one `store.setMany` of all n records (one call, one atomic batch, durable). */
  async larderBulkInsert(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const name = need(p.db, 'db');
    const entries = makeRecords(n).map((r) => [r.id, r] as [string, unknown]);
    const store = await openStore(name);
    let ok = false;
    try {
      const t0 = now();
      await store.setMany(entries);
      const ms = now() - t0;
      ok = true;
      // How much of it was the disk: the worker's commit latency of that one batch.
      const info = (await store.info()) as { commitLatencyMs?: { p50?: number } };
      return { ms, ops: n, detail: `commit ${Math.round(info.commitLatencyMs?.p50 ?? NaN)} ms` };
    } finally {
      if (p.keep && ok) larderOpen.set(name, store);
      else await store.destroy();
    }
  },

  /** Dexie: one `bulkPut` of all n records. */
  async dexieBulkInsert(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const name = need(p.db, 'db');
    const recs = makeRecords(n);
    const db = new UsersDb(name);
    let ok = false;
    try {
      await db.open();
      const t0 = now();
      await db.users.bulkPut(recs);
      const ms = now() - t0;
      ok = true;
      return { ms, ops: n };
    } finally {
      if (p.keep && ok) dexieOpen.set(name, db);
      else await deleteDexie(name);
    }
  },

  // ---- a single awaited write, m times in a row ----

  /** Larder: `m` sequential `await store.set` with the given durability. */
  async larderSingleWrites(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const durability = p.durability === 'relaxed' ? 'relaxed' : 'strict';
    const store = await openStore(need(p.db, 'db'), { durability });
    try {
      for (let i = 0; i < 20; i++) await store.set(keyOf(i), makeRecord(i)); // warm the path
      const recs = makeRecords(m);
      const t0 = now();
      for (const r of recs) await store.set(r.id, r);
      return { ms: now() - t0, ops: m };
    } finally {
      await store.destroy();
    }
  },

  /** Raw IndexedDB: `m` sequential put transactions, each awaited until `complete`. */
  async idbSingleWrites(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const name = need(p.db, 'db');
    const durability = (p.durability ?? 'default') as IDBTransactionDurability;
    const db = await openRawIdb(name);
    try {
      for (let i = 0; i < 20; i++) await rawPut(db, keyOf(i), makeRecord(i), durability);
      const recs = makeRecords(m);
      const t0 = now();
      for (const r of recs) await rawPut(db, r.id, r, durability);
      return { ms: now() - t0, ops: m };
    } finally {
      db.close();
      await deleteIdb(name);
    }
  },

  // ---- random point reads awaited one at a time ----

  /** Larder: `m` sequential `await store.get(randomKey)` on the n-record fixture. */
  async larderPointReads(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const store = await larderFixture(need(p.db, 'db'), n);
    for (const k of randomKeys(n, 100, 3)) await store.get(k);
    const keys = randomKeys(n, m);
    let misses = 0;
    const t0 = now();
    for (const k of keys) if ((await store.get(k)) === undefined) misses++;
    const ms = now() - t0;
    if (misses) throw new Error(`${misses} of ${m} reads missed`);
    return { ms, ops: m };
  },

  /** The transport floor: `m` sequential Comlink `ping(key)` round trips to an idle worker. */
  async pingPointReads(p: Params): Promise<Sample> {
    const m = need(p.m, 'm');
    const w = pinger(!!p.shared);
    for (let i = 0; i < 100; i++) await w.ping(keyOf(i));
    const keys = randomKeys(need(p.n, 'n'), m);
    const t0 = now();
    for (const k of keys) await w.ping(k);
    return { ms: now() - t0, ops: m };
  },

  /** Dexie: `m` sequential `await table.get(randomKey)` on the n-record fixture. */
  async dexiePointReads(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const db = await dexieFixture(need(p.db, 'db'), n);
    for (const k of randomKeys(n, 100, 3)) await db.users.get(k);
    const keys = randomKeys(n, m);
    let misses = 0;
    const t0 = now();
    for (const k of keys) if ((await db.users.get(k)) === undefined) misses++;
    const ms = now() - t0;
    if (misses) throw new Error(`${misses} of ${m} reads missed`);
    return { ms, ops: m };
  },

  // ---- all n records read concurrently, in random order ----

  /** Larder: n concurrent `store.get` (automatic batching makes them one message). */
  async larderConcurrentReads(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const store = await larderFixture(need(p.db, 'db'), n);
    const keys = shuffledKeys(n);
    const t0 = now();
    const vals = await Promise.all(keys.map((k) => store.get(k)));
    const ms = now() - t0;
    const misses = vals.filter((v) => v === undefined).length;
    if (misses) throw new Error(`${misses} of ${n} reads missed`);
    return { ms, ops: n };
  },

  /** Larder: one `store.getMany` of all n keys. */
  async larderGetMany(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const store = await larderFixture(need(p.db, 'db'), n);
    const keys = shuffledKeys(n);
    const t0 = now();
    const vals = await store.getMany(keys);
    const ms = now() - t0;
    const misses = vals.filter((v) => v === undefined).length;
    if (misses) throw new Error(`${misses} of ${n} reads missed`);
    return { ms, ops: n };
  },

  /** Dexie: one `bulkGet` of all n keys. */
  async dexieBulkGet(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const db = await dexieFixture(need(p.db, 'db'), n);
    const keys = shuffledKeys(n);
    const t0 = now();
    const vals = await db.users.bulkGet(keys);
    const ms = now() - t0;
    const misses = vals.filter((v) => v === undefined).length;
    if (misses) throw new Error(`${misses} of ${n} reads missed`);
    return { ms, ops: n };
  },

  // ---- cold open: in a freshly loaded page, open the store and read everything ----

  /** Larder: `openStore` (worker start, wasm, recovery from IndexedDB) + `store.entries()`. */
  async larderColdOpen(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const t0 = now();
    const store = await openStore(need(p.db, 'db'));
    const t1 = now();
    const all = await store.entries();
    const ms = now() - t0;
    // The worker's own account of recovery (IndexedDB read + page decode) inside openStore.
    const rec = ((await store.info()) as { recovery?: { durationMs?: number } }).recovery;
    await store.close();
    if (all.length !== n) throw new Error(`read ${all.length} entries, expected ${n}`);
    return { ms, ops: n, detail: `openStore ${(t1 - t0).toFixed(0)} ms (recovery ${Math.round(rec?.durationMs ?? NaN)} ms) + entries() ${(ms - (t1 - t0)).toFixed(0)} ms` };
  },

  /** Dexie: open + `toArray()`. */
  async dexieColdOpen(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const t0 = now();
    const db = new UsersDb(need(p.db, 'db'));
    await db.open();
    const t1 = now();
    const all = await db.users.toArray();
    const ms = now() - t0;
    db.close();
    if (all.length !== n) throw new Error(`read ${all.length} records, expected ${n}`);
    return { ms, ops: n, detail: `open ${(t1 - t0).toFixed(0)} ms + toArray() ${(ms - (t1 - t0)).toFixed(0)} ms` };
  },

  // ---- housekeeping ----

  /** Closes the fixture handles (before a cold open, so the next open really reads the disk). */
  async closeFixtures(): Promise<Sample> {
    for (const s of larderOpen.values()) await s.close();
    larderOpen.clear();
    for (const d of dexieOpen.values()) d.close();
    dexieOpen.clear();
    return { ms: 0, ops: 0 };
  },

  /**
   * Deletes the named Larder stores (through `store.destroy()`) and IndexedDB databases, then
   * sweeps any other database this origin still has, so a benchmark leaves nothing behind.
   */
  async cleanup(p: Params): Promise<Sample> {
    await workloads.closeFixtures();
    const errors: string[] = [];
    for (const name of p.larder ?? []) {
      try {
        await (await openStore(name)).destroy();
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    }
    for (const name of p.idb ?? []) await deleteIdb(name).catch((e) => errors.push(`${name}: ${e}`));
    const left = (await indexedDB.databases()).map((d) => d.name).filter((x): x is string => !!x);
    for (const name of left) await deleteIdb(name).catch((e) => errors.push(`${name}: ${e}`));
    return { ms: 0, ops: 0, detail: [`swept ${left.length} leftover database(s)`, ...errors].join('; ') };
  },

  /** The page's user agent and the average record size, for the environment line. */
  async env(): Promise<Sample> {
    const recs = makeRecords(1000);
    const bytes = recs.reduce((a, r) => a + JSON.stringify(r).length, 0) / recs.length;
    // The user agent string is reduced to "156.0.0.0"; the full version needs client hints.
    const uaData = (navigator as Navigator & { userAgentData?: { getHighEntropyValues(h: string[]): Promise<{ fullVersionList?: Array<{ brand: string; version: string }> }> } }).userAgentData;
    const list = (await uaData?.getHighEntropyValues(['fullVersionList']).catch(() => undefined))?.fullVersionList ?? [];
    const version = list.find((b) => /Chrom/.test(b.brand))?.version ?? '';
    return { ms: 0, ops: 0, detail: JSON.stringify({ ua: navigator.userAgent, version, recordBytes: Math.round(bytes), cores: navigator.hardwareConcurrency }) };
  },
} satisfies Record<string, (p: Params) => Promise<Sample>>;

/** A workload's name. */
export type WorkloadName = keyof typeof workloads;
