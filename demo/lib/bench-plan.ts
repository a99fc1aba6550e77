/**
 * What the Benchmark tab runs: the workloads of `npm run bench` (bench/browser/workloads.ts,
 * imported, not copied), grouped as the driver's table groups them (bench/run-browser.ts), at
 * sizes small enough for a few seconds in a tab, and which figure is compared with which.
 *
 * The driver's table lives in a Node script (it imports Vite and Playwright), so the pairing is
 * restated here as data; the measuring code itself is only in bench/browser/.
 */
import type { Params, WorkloadName } from '../../bench/browser/workloads.js';

/** One call of a bench workload. Its sample is filed under `key`; a suite's parts under `key/part`. */
export interface Run {
  key: string;
  /** Who runs, for the progress line: "Dexie bulkPut". */
  label: string;
  name: WorkloadName;
  params: Params;
}

/** One bar: Larder's figure (`ours`) against a peer's, both result keys. */
export interface Pair {
  op: string;
  ours: string;
  peer: string;
  peerLabel: string;
}

/** A chart: the runs that feed it, then its bars. */
export interface Group {
  id: string;
  title: string;
  runs: Run[];
  pairs: Pair[];
}

/** The whole run, plus the read fixtures the record group keeps open until the end. */
export interface Plan {
  groups: Group[];
  fixtures: { larder: string; dexie: string };
}

/** The record counts offered; the default is the middle one. */
export const BENCH_SIZES = [1_000, 10_000, 50_000] as const;

/** The plan for `n` records; every database name starts with `prefix` so no two runs collide. */
export function benchPlan(n: number, prefix: string): Plan {
  const db = (what: string): string => `${prefix}-${what}`;
  const fmt = (x: number): string => x.toLocaleString('en-US');
  const inflight = Math.min(10_000, n);
  const pointReads = Math.min(1_000, n);
  const singleWrites = Math.min(100, n);
  const kvSeq = Math.min(100, n);
  const kvPeerN = Math.min(10_000, n);
  const graphN = Math.min(20_000, n);
  const fixtures = { larder: db('records'), dexie: db('records-dx') };

  const records: Group = {
    id: 'records',
    title: `Records: bulk insert of ${fmt(n)}, then reads`,
    runs: [
      { key: 'bulk.larder', label: 'Larder setMany', name: 'larderBulkInsert', params: { db: fixtures.larder, n, keep: true } },
      { key: 'bulk.dexie', label: 'Dexie bulkPut', name: 'dexieBulkInsert', params: { db: fixtures.dexie, n, keep: true } },
      { key: 'pr.larder', label: 'Larder get, one at a time', name: 'larderPointReads', params: { db: fixtures.larder, n, m: pointReads } },
      { key: 'pr.dexie', label: 'Dexie get, one at a time', name: 'dexiePointReads', params: { db: fixtures.dexie, n, m: pointReads } },
      { key: 'cr.larder', label: 'Larder concurrent get', name: 'larderConcurrentReads', params: { db: fixtures.larder, n } },
      { key: 'cr.getMany', label: 'Larder getMany', name: 'larderGetMany', params: { db: fixtures.larder, n } },
      { key: 'cr.dexie', label: 'Dexie bulkGet', name: 'dexieBulkGet', params: { db: fixtures.dexie, n } },
    ],
    pairs: [
      { op: `bulk insert of ${fmt(n)} (setMany)`, ours: 'bulk.larder', peer: 'bulk.dexie', peerLabel: 'Dexie bulkPut' },
      { op: `${fmt(pointReads)} random gets, awaited one at a time`, ours: 'pr.larder', peer: 'pr.dexie', peerLabel: 'Dexie get' },
      { op: `${fmt(n)} concurrent gets`, ours: 'cr.larder', peer: 'cr.dexie', peerLabel: 'Dexie bulkGet' },
      { op: `${fmt(n)} keys in one getMany`, ours: 'cr.getMany', peer: 'cr.dexie', peerLabel: 'Dexie bulkGet' },
    ],
  };

  const writes: Group = {
    id: 'writes',
    title: 'Durable writes',
    runs: [
      { key: 'cw.larder', label: 'Larder concurrent set', name: 'larderConcurrentWrites', params: { db: db('cw'), m: inflight } },
      { key: 'cw.keyval', label: 'idb-keyval concurrent set', name: 'keyvalConcurrentWrites', params: { db: db('cw-kv'), m: inflight } },
      { key: 'cw.dexie', label: 'Dexie concurrent put', name: 'dexieConcurrentWrites', params: { db: db('cw-dx'), m: inflight } },
      { key: 'sw.strict', label: 'Larder awaited set (strict)', name: 'larderSingleWrites', params: { db: db('sw-s'), m: singleWrites, durability: 'strict' } },
      { key: 'sw.idb.strict', label: 'IndexedDB awaited put (strict)', name: 'idbSingleWrites', params: { db: db('sw-idb-s'), m: singleWrites, durability: 'strict' } },
      { key: 'sw.relaxed', label: 'Larder awaited set (relaxed)', name: 'larderSingleWrites', params: { db: db('sw-r'), m: singleWrites, durability: 'relaxed' } },
      { key: 'sw.idb.default', label: 'IndexedDB awaited put (default)', name: 'idbSingleWrites', params: { db: db('sw-idb-d'), m: singleWrites, durability: 'default' } },
    ],
    pairs: [
      { op: `${fmt(inflight)} writes in flight`, ours: 'cw.larder', peer: 'cw.keyval', peerLabel: 'idb-keyval set' },
      { op: `${fmt(inflight)} writes in flight`, ours: 'cw.larder', peer: 'cw.dexie', peerLabel: 'Dexie put' },
      { op: `${fmt(singleWrites)} awaited writes, strict`, ours: 'sw.strict', peer: 'sw.idb.strict', peerLabel: 'raw IndexedDB (strict)' },
      { op: `${fmt(singleWrites)} awaited writes, relaxed`, ours: 'sw.relaxed', peer: 'sw.idb.default', peerLabel: 'raw IndexedDB (default)' },
    ],
  };

  const kvOps = [['set', 'SET'], ['get', 'GET'], ['incr', 'INCR'], ['hset', 'HSET'], ['zadd', 'ZADD'], ['zrange', 'ZRANGE']] as const;
  const kv: Group = {
    id: 'kv',
    title: `Key-value: ${fmt(n)} keys concurrently, ${fmt(kvSeq)} awaited one at a time`,
    runs: [
      { key: 'kv.larder', label: 'Larder store.kv', name: 'kvLarder', params: { db: db('kv'), n, m: kvSeq } },
      { key: 'kv.map', label: 'a Map in the page', name: 'kvMap', params: { n, m: kvSeq } },
      { key: 'kv.keyval', label: 'idb-keyval', name: 'kvKeyval', params: { db: db('kv-kv'), n: kvPeerN, m: kvSeq } },
      { key: 'kv.dexie', label: 'Dexie', name: 'kvDexie', params: { db: db('kv-dx'), n: kvPeerN, m: kvSeq } },
    ],
    pairs: [
      ...(['set', 'get'] as const).flatMap((op) => (['c', 'p', 's'] as const).flatMap((mode) => {
        const what = `${op.toUpperCase()}, ${mode === 'c' ? 'concurrent' : mode === 'p' ? 'pipelined' : 'awaited'}`;
        return [
          { op: what, ours: `kv.larder/${op}.${mode}`, peer: `kv.keyval/${op}.${mode}`, peerLabel: mode === 'p' ? `idb-keyval ${op}Many` : 'idb-keyval' },
          { op: what, ours: `kv.larder/${op}.${mode}`, peer: `kv.dexie/${op}.${mode}`, peerLabel: mode === 'p' ? `Dexie ${op === 'set' ? 'bulkPut' : 'bulkGet'}` : 'Dexie' },
        ];
      })),
      ...kvOps.map(([op, cmd]) => ({ op: `${cmd}, concurrent`, ours: `kv.larder/${op}.c`, peer: `kv.map/${op}.c`, peerLabel: 'Map (in-memory ceiling)' })),
    ],
  };

  const gParts = [['build', `build ${fmt(graphN)} nodes + ${fmt(5 * graphN)} edges`], ['neighbors', '1-hop neighbors'], ['bfs', 'BFS to depth 3'], ['path', 'shortest path'], ['cypher', 'Cypher two-hop query']] as const;
  const graph: Group = {
    id: 'graph',
    title: `Graph: ${fmt(graphN)} nodes, ${fmt(5 * graphN)} random edges`,
    runs: [
      { key: 'graph.larder', label: 'Larder store.graph()', name: 'graphLarder', params: { db: db('graph'), n: graphN, e: 5 * graphN } },
      { key: 'graph.gy', label: 'graphology', name: 'graphGraphology', params: { n: graphN, e: 5 * graphN } },
    ],
    pairs: gParts.map(([part, op]) => ({ op, ours: `graph.larder/${part}`, peer: `graph.gy/${part}`, peerLabel: 'graphology' })),
  };

  const dParts = [['insert', `insertMany of ${fmt(n)}`], ['indexed', 'indexed query'], ['unindexed', 'unindexed query'], ['update', 'update 1% by _id'], ['group', '$group by city'], ['bulk500', 'insert 500 in bulk'], ['byId', 'find by _id'], ['serial50', '50 awaited inserts'], ['query3000', 'query for ~3% (indexed)'], ['count', 'count (indexed)']] as const;
  const docPeers = [['docs.dexie', 'Dexie'], ['docs.loki', 'LokiJS (in memory)'], ['docs.mingo', 'mingo over an array']] as const;
  const docs: Group = {
    id: 'docs',
    title: `Documents: ${fmt(n)} documents`,
    runs: [
      { key: 'docs.larder', label: 'Larder collection()', name: 'docsLarder', params: { db: db('docs'), n } },
      { key: 'docs.dexie', label: 'Dexie', name: 'docsDexie', params: { db: db('docs-dx'), n } },
      { key: 'docs.loki', label: 'LokiJS', name: 'docsLoki', params: { n } },
      { key: 'docs.mingo', label: 'mingo', name: 'docsMingo', params: { n } },
    ],
    pairs: dParts.flatMap(([part, op]) => docPeers.map(([peer, peerLabel]) => ({ op, ours: `docs.larder/${part}`, peer: `${peer}/${part}`, peerLabel }))),
  };

  return { groups: [records, writes, kv, graph, docs], fixtures };
}
