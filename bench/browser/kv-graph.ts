/**
 * The key-value (issue 4) and graph (issue 6) workloads. Unlike the record workloads, each of
 * these runs a whole suite on one side in one call and returns one sample per operation in
 * `parts` (the driver files them under `<key>.<part>`): a kv suite needs the keys its SET wrote
 * for its GET, and a graph suite needs the graph it built for its traversals.
 *
 * Larder is used through `store.kv` and `store.graph()` from the page (its engine in the
 * SharedWorker); the peers (idb-keyval, Dexie, a plain Map, graphology) run in this page's main
 * thread. "Concurrent" means every call started in one tick and awaited with one Promise.all
 * (Larder's call batching carries them in few messages); "sequential" means each call awaited
 * before the next.
 */
import Dexie, { type Table } from 'dexie';
import { get as kvGet, getMany as kvGetMany, set as kvSet, setMany as kvSetMany } from 'idb-keyval';
import { openStore } from '../../src/index.js';
import { CYPHER, CYPHER_AGE, graphologySuite, makeGraph } from '../graph-suite.js';
import { deleteDexie, deleteIdb, openKeyval } from './peers.js';
import { rng } from './records.js';
import type { Params, Sample } from './workloads.js';
import { KV_PIPELINE, need } from './params.js';

const now = (): number => performance.now();

/** Times `fn` (which does `ops` operations) into `parts[name]`. */
async function timed(parts: Record<string, Sample>, name: string, ops: number, fn: () => Promise<unknown> | unknown): Promise<void> {
  const t0 = now();
  await fn();
  parts[name] = { ms: now() - t0, ops };
}

// ---------------------------------------------------------------- key-value data

/** The value of string key i: about 100 bytes, like the user records. */
const kvValue = (i: number): string => `{"id":${i},"name":"user ${i}","email":"user${i}@example.com","age":${18 + (i % 60)},"tags":["beta","eu"]}`;
const kKey = (i: number): string => 'k:' + i;
const cKey = (i: number): string => 'c:' + i;
/** HSET spreads the fields over 1,000 hashes (100 fields each at n = 100,000). */
const hKey = (i: number): string => 'h:' + (i % 1000);
const hField = (i: number): string => 'f' + i;
/** ZADD: member i of one sorted set, score a permutation of 0..n-1; ZRANGE asks a window of 10 scores. */
const zMember = (i: number): string => 'm' + i;
const zScore = (i: number, n: number): number => (i * 7919) % n;

/** `m` random indices in 0..n-1 (seeded). */
function picks(n: number, m: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: m }, () => (r() * n) | 0);
}

/** Dexie with one out-of-line-keyed table, as a key-value store. */
class KvDexie extends Dexie {
  kv!: Table<string, string>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({ kv: '' });
  }
}

/** A sorted-set ceiling in the page: member -> score, sorted by (score, member) lazily on read. */
class MapZset {
  scores = new Map<string, number>();
  sorted: Array<[string, number]> | null = null;
  add(member: string, score: number): number {
    const had = this.scores.has(member);
    this.scores.set(member, score);
    this.sorted = null;
    return had ? 0 : 1;
  }
  rangeByScore(min: number, max: number): string[] {
    const s = (this.sorted ??= [...this.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid][1] < min) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < s.length && s[i][1] <= max; i++) out.push(s[i][0]);
    return out;
  }
}

/** `idx` cut into pipelines of KV_PIPELINE. */
function pipelines(idx: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += KV_PIPELINE) out.push(idx.slice(i, i + KV_PIPELINE));
  return out;
}

/** Checks a reply count, so a broken side cannot look fast. */
function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

export const kvGraphWorkloads = {
  /**
   * Larder `store.kv`: SET, GET, INCR, HSET, ZADD, ZRANGE, `n` of each concurrently (parts
   * `<op>.c`), then `n` of each in pipelines of KV_PIPELINE (`multi()...execAsPipeline()`, each
   * awaited before the next; parts `<op>.p`), then `m` of each awaited one at a time on the same
   * keys (parts `<op>.s`).
   */
  async kvLarder(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const store = await openStore(need(p.db, 'db'));
    const kv = store.kv;
    const parts: Record<string, Sample> = {};
    try {
      await kv.set('warm', '1');
      const idx = Array.from({ length: n }, (_, i) => i);
      await timed(parts, 'set.c', n, () => Promise.all(idx.map((i) => kv.set(kKey(i), kvValue(i)))));
      await timed(parts, 'get.c', n, async () => {
        const vals = await Promise.all(idx.map((i) => kv.get(kKey(i))));
        expect('GET hits', vals.filter((v) => v !== null).length, n);
      });
      await timed(parts, 'incr.c', n, () => Promise.all(idx.map((i) => kv.incr(cKey(i)))));
      await timed(parts, 'hset.c', n, () => Promise.all(idx.map((i) => kv.hSet(hKey(i), hField(i), kvValue(i)))));
      await timed(parts, 'zadd.c', n, () => Promise.all(idx.map((i) => kv.zAdd('z', { score: zScore(i, n), value: zMember(i) }))));
      await timed(parts, 'zrange.c', n, async () => {
        const rs = await Promise.all(idx.map((i) => kv.zRange('z', i, i + 9, { BY: 'SCORE' })));
        expect('ZRANGE members', rs.reduce((a, r) => a + r.length, 0), idx.reduce((a, i) => a + Math.min(10, n - i), 0));
      });
      const pipes = pipelines(idx);
      const pipe = async (queue: (q: ReturnType<typeof kv.multi>, i: number) => void): Promise<unknown[]> => {
        const replies: unknown[] = [];
        for (const p of pipes) {
          const q = kv.multi();
          for (const i of p) queue(q, i);
          for (const r of await q.execAsPipeline()) replies.push(r);
        }
        return replies;
      };
      await timed(parts, 'set.p', n, () => pipe((q, i) => q.set(kKey(i), kvValue(i + 2))));
      await timed(parts, 'get.p', n, async () => expect('GET hits', (await pipe((q, i) => q.get(kKey(i)))).filter((v) => v !== null).length, n));
      await timed(parts, 'incr.p', n, () => pipe((q, i) => q.incr(cKey(i))));
      await timed(parts, 'hset.p', n, () => pipe((q, i) => q.hSet(hKey(i), hField(i), kvValue(i + 2))));
      await timed(parts, 'zadd.p', n, () => pipe((q, i) => q.zAdd('z', { score: zScore(i, n) + 0.25, value: zMember(i) })));
      await timed(parts, 'zrange.p', n, async () => {
        // The pipelined ZADD moved every score up by 0.25: the same 10-member windows, shifted.
        const rs = (await pipe((q, i) => q.zRange('z', i + 0.25, i + 9.25, { BY: 'SCORE' }))) as string[][];
        expect('ZRANGE members', rs.reduce((a, r) => a + r.length, 0), idx.reduce((a, i) => a + Math.min(10, n - i), 0));
      });
      const ks = picks(n, m, 21);
      await timed(parts, 'set.s', m, async () => { for (const i of ks) await kv.set(kKey(i), kvValue(i + 1)); });
      await timed(parts, 'get.s', m, async () => { for (const i of ks) if ((await kv.get(kKey(i))) === null) throw new Error('GET missed'); });
      await timed(parts, 'incr.s', m, async () => { for (const i of ks) await kv.incr(cKey(i)); });
      await timed(parts, 'hset.s', m, async () => { for (const i of ks) await kv.hSet(hKey(i), hField(i), kvValue(i + 1)); });
      // A new score (+0.5), so every sequential ZADD changes the set and has something to commit.
      await timed(parts, 'zadd.s', m, async () => { for (const i of ks) await kv.zAdd('z', { score: zScore(i, n) + 0.5, value: zMember(i) }); });
      await timed(parts, 'zrange.s', m, async () => { for (const i of ks) await kv.zRange('z', i, i + 9, { BY: 'SCORE' }); });
      return { ms: 0, ops: 0, parts };
    } finally {
      await store.destroy();
    }
  },

  /** A plain Map (and a Map of Maps, and MapZset) in the page doing the same job: the in-memory ceiling. */
  async kvMap(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const parts: Record<string, Sample> = {};
    const strings = new Map<string, string>();
    const hashes = new Map<string, Map<string, string>>();
    const z = new MapZset();
    const set = async (k: string, v: string): Promise<string> => (strings.set(k, v), 'OK');
    const get = async (k: string): Promise<string | null> => strings.get(k) ?? null;
    const incr = async (k: string): Promise<number> => {
      const v = Number(strings.get(k) ?? 0) + 1;
      strings.set(k, String(v));
      return v;
    };
    const hset = async (k: string, f: string, v: string): Promise<number> => {
      let h = hashes.get(k);
      if (!h) hashes.set(k, (h = new Map()));
      const had = h.has(f);
      h.set(f, v);
      return had ? 0 : 1;
    };
    const zadd = async (member: string, score: number): Promise<number> => z.add(member, score);
    const zrange = async (min: number, max: number): Promise<string[]> => z.rangeByScore(min, max);
    // Async like the others, so the ceiling includes a promise per call, as any async API has.
    const idx = Array.from({ length: n }, (_, i) => i);
    await timed(parts, 'set.c', n, () => Promise.all(idx.map((i) => set(kKey(i), kvValue(i)))));
    await timed(parts, 'get.c', n, () => Promise.all(idx.map((i) => get(kKey(i)))));
    await timed(parts, 'incr.c', n, () => Promise.all(idx.map((i) => incr(cKey(i)))));
    await timed(parts, 'hset.c', n, () => Promise.all(idx.map((i) => hset(hKey(i), hField(i), kvValue(i)))));
    await timed(parts, 'zadd.c', n, () => Promise.all(idx.map((i) => zadd(zMember(i), zScore(i, n)))));
    await timed(parts, 'zrange.c', n, () => Promise.all(idx.map((i) => zrange(i, i + 9))));
    const pipes = pipelines(idx);
    const pipe = async (run: (i: number) => Promise<unknown>): Promise<void> => { for (const p of pipes) await Promise.all(p.map(run)); };
    await timed(parts, 'set.p', n, () => pipe((i) => set(kKey(i), kvValue(i + 2))));
    await timed(parts, 'get.p', n, () => pipe((i) => get(kKey(i))));
    await timed(parts, 'incr.p', n, () => pipe((i) => incr(cKey(i))));
    await timed(parts, 'hset.p', n, () => pipe((i) => hset(hKey(i), hField(i), kvValue(i + 2))));
    await timed(parts, 'zadd.p', n, () => pipe((i) => zadd(zMember(i), zScore(i, n) + 0.25)));
    await timed(parts, 'zrange.p', n, () => pipe((i) => zrange(i + 0.25, i + 9.25)));
    const ks = picks(n, m, 21);
    await timed(parts, 'set.s', m, async () => { for (const i of ks) await set(kKey(i), kvValue(i + 1)); });
    await timed(parts, 'get.s', m, async () => { for (const i of ks) await get(kKey(i)); });
    await timed(parts, 'incr.s', m, async () => { for (const i of ks) await incr(cKey(i)); });
    await timed(parts, 'hset.s', m, async () => { for (const i of ks) await hset(hKey(i), hField(i), kvValue(i + 1)); });
    // ZADD invalidates the sorted view; the first ZRANGE after the ZADD loop re-sorts, once.
    await timed(parts, 'zadd.s', m, async () => { for (const i of ks) await zadd(zMember(i), zScore(i, n) + 0.5); });
    await timed(parts, 'zrange.s', m, async () => { for (const i of ks) await zrange(i, i + 9); });
    return { ms: 0, ops: 0, parts };
  },

  /** idb-keyval `set`/`get`: `n` concurrently, `n` as `setMany`/`getMany` of KV_PIPELINE, then `m` awaited one at a time. */
  async kvKeyval(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const name = need(p.db, 'db');
    const db = openKeyval(name);
    const parts: Record<string, Sample> = {};
    try {
      await kvSet('warm', '1', db.store);
      const idx = Array.from({ length: n }, (_, i) => i);
      await timed(parts, 'set.c', n, () => Promise.all(idx.map((i) => kvSet(kKey(i), kvValue(i), db.store))));
      await timed(parts, 'get.c', n, async () => {
        const vals = await Promise.all(idx.map((i) => kvGet(kKey(i), db.store)));
        expect('get hits', vals.filter((v) => v !== undefined).length, n);
      });
      const pipes = pipelines(idx);
      await timed(parts, 'set.p', n, async () => { for (const p of pipes) await kvSetMany(p.map((i) => [kKey(i), kvValue(i + 2)]), db.store); });
      await timed(parts, 'get.p', n, async () => {
        let hits = 0;
        for (const p of pipes) hits += (await kvGetMany(p.map(kKey), db.store)).filter((v) => v !== undefined).length;
        expect('getMany hits', hits, n);
      });
      const ks = picks(n, m, 21);
      await timed(parts, 'set.s', m, async () => { for (const i of ks) await kvSet(kKey(i), kvValue(i + 1), db.store); });
      await timed(parts, 'get.s', m, async () => { for (const i of ks) if ((await kvGet(kKey(i), db.store)) === undefined) throw new Error('get missed'); });
      return { ms: 0, ops: 0, parts };
    } finally {
      await db.close();
      await deleteIdb(name);
    }
  },

  /** Dexie `put`/`get` on an out-of-line-keyed table: `n` concurrently, `n` as `bulkPut`/`bulkGet` of KV_PIPELINE, then `m` awaited one at a time. */
  async kvDexie(p: Params): Promise<Sample> {
    const n = need(p.n, 'n');
    const m = need(p.m, 'm');
    const name = need(p.db, 'db');
    const db = new KvDexie(name);
    const parts: Record<string, Sample> = {};
    try {
      await db.open();
      const idx = Array.from({ length: n }, (_, i) => i);
      await timed(parts, 'set.c', n, () => Promise.all(idx.map((i) => db.kv.put(kvValue(i), kKey(i)))));
      await timed(parts, 'get.c', n, async () => {
        const vals = await Promise.all(idx.map((i) => db.kv.get(kKey(i))));
        expect('get hits', vals.filter((v) => v !== undefined).length, n);
      });
      const pipes = pipelines(idx);
      await timed(parts, 'set.p', n, async () => { for (const p of pipes) await db.kv.bulkPut(p.map((i) => kvValue(i + 2)), p.map(kKey)); });
      await timed(parts, 'get.p', n, async () => {
        let hits = 0;
        for (const p of pipes) hits += (await db.kv.bulkGet(p.map(kKey))).filter((v) => v !== undefined).length;
        expect('bulkGet hits', hits, n);
      });
      const ks = picks(n, m, 21);
      await timed(parts, 'set.s', m, async () => { for (const i of ks) await db.kv.put(kvValue(i + 1), kKey(i)); });
      await timed(parts, 'get.s', m, async () => { for (const i of ks) if ((await db.kv.get(kKey(i))) === undefined) throw new Error('get missed'); });
      return { ms: 0, ops: 0, parts };
    } finally {
      await deleteDexie(name);
    }
  },

  // ---------------------------------------------------------------- graph

  /**
   * Larder `store.graph()`: build (addNodes/addEdges in batches of `batch`, awaited in turn),
   * then 1,000 1-hop `neighbors` (out), 100 BFS `traverse` to depth 3 (out), 100 `shortestPath`
   * (out, unweighted) and 100 Cypher two-hop queries, each set concurrently.
   */
  async graphLarder(p: Params): Promise<Sample> {
    const g = makeGraph(need(p.n, 'n'), need(p.e, 'e'));
    const batch = p.batch ?? 10_000;
    const store = await openStore(need(p.db, 'db'));
    const graph = store.graph('bench');
    const parts: Record<string, Sample> = {};
    try {
      const ids = new Array<number>(g.n);
      const t0 = now();
      for (let i = 0; i < g.n; i += batch) {
        const chunk = [];
        for (let j = i; j < Math.min(g.n, i + batch); j++) chunk.push({ labels: ['Person'], properties: { i: j, age: g.age[j] } });
        const got = await graph.addNodes(chunk);
        for (let j = 0; j < got.length; j++) ids[i + j] = got[j];
      }
      const tNodes = now() - t0;
      for (let i = 0; i < g.e; i += batch) {
        const chunk = [];
        for (let j = i; j < Math.min(g.e, i + batch); j++) chunk.push({ from: ids[g.from[j]], to: ids[g.to[j]], type: 'KNOWS' });
        await graph.addEdges(chunk);
      }
      parts.build = { ms: now() - t0, ops: g.n + g.e, detail: `nodes ${tNodes.toFixed(0)} ms + edges ${(now() - t0 - tNodes).toFixed(0)} ms` };
      await graph.createIndex('Person', 'i'); // untimed: the Cypher query starts from a property lookup

      let reached = 0;
      await timed(parts, 'neighbors', g.hop.length, async () => {
        const rs = await Promise.all(g.hop.map((i) => graph.neighbors(ids[i], { direction: 'out' })));
        reached = rs.reduce((a, r) => a + r.length, 0);
      });
      parts.neighbors.detail = `${reached} neighbours`;

      let visited = 0;
      await timed(parts, 'bfs', g.bfs.length, () => Promise.all(g.bfs.map(async (i) => {
        for await (const _v of graph.traverse(ids[i], { direction: 'out', order: 'bfs', maxDepth: 3 })) visited++;
      })));
      parts.bfs.detail = `${visited} visits`;

      let found = 0;
      let hops = 0;
      await timed(parts, 'path', g.pairs.length, async () => {
        const rs = await Promise.all(g.pairs.map(([a, b]) => graph.shortestPath(ids[a], ids[b], { direction: 'out' })));
        for (const r of rs) if (r) { found++; hops += r.edges.length; }
      });
      parts.path.detail = `${found} found, ${hops} hops`;

      let rows = 0;
      await timed(parts, 'cypher', g.cypher.length, async () => {
        const rs = await Promise.all(g.cypher.map((i) => graph.query(CYPHER, { i, age: CYPHER_AGE })));
        rows = rs.reduce((a, r) => a + r.rows.length, 0);
      });
      parts.cypher.detail = `${rows} rows`;
      return { ms: 0, ops: 0, parts };
    } finally {
      await store.destroy();
    }
  },

  /** graphology (directed multigraph) in the page: the same build and queries, synchronously. */
  async graphGraphology(p: Params): Promise<Sample> {
    return { ms: 0, ops: 0, parts: graphologySuite(makeGraph(need(p.n, 'n'), need(p.e, 'e'))) };
  },

  /**
   * Inside a dedicated Worker (bench/browser/graph-worker.ts): Larder's graph view worker-side and
   * graphology, in that worker, on the same graph. Parts are `larder.<workload>` and
   * `gy.<workload>`.
   */
  async graphInWorker(p: Params): Promise<Sample> {
    const w = new Worker(new URL('./graph-worker.ts', import.meta.url), { type: 'module' });
    try {
      const r = await new Promise<{ larder?: Record<string, Sample>; gy?: Record<string, Sample>; error?: string }>((resolve, reject) => {
        w.onmessage = (ev) => resolve(ev.data);
        w.onerror = (ev) => reject(new Error(ev.message || 'graph worker failed'));
        w.postMessage({ n: need(p.n, 'n'), e: need(p.e, 'e') });
      });
      if (r.error) throw new Error(r.error);
      const parts: Record<string, Sample> = {};
      for (const [k, v] of Object.entries(r.larder ?? {})) parts[`larder.${k}`] = v;
      for (const [k, v] of Object.entries(r.gy ?? {})) parts[`gy.${k}`] = v;
      return { ms: 0, ops: 0, parts };
    } finally {
      w.terminate();
    }
  },
} satisfies Record<string, (p: Params) => Promise<Sample>>;
