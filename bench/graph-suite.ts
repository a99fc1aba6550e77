/**
 * The graph benchmark's data and its graphology side (issue 6), shared by the page benchmark
 * (bench/browser/kv-graph.ts, Larder through its worker) and the engine-level one
 * (bench/graph-engine.bench.ts, Larder's worker-side code called directly): both measure the same
 * graph and the same queries against the same graphology code.
 *
 * Larder's side here is worker-side (larderWorkerSuite: the view's methods called as the worker
 * calls them); the page benchmark's Larder side goes through openStore instead.
 *
 * Workloads: build (n nodes, e random directed edges), 1,000 1-hop out-neighbour lists (with the
 * nodes' properties), 100 BFS walks to depth 3 (out), 100 unweighted shortest paths (out), and
 * 100 Cypher two-hop patterns with a WHERE on a property (CYPHER below).
 */
import Graph from 'graphology';
import { bidirectional } from 'graphology-shortest-path/unweighted';
import { bfsFromNode } from 'graphology-traversal';
import type { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { graphView } from '../src/views/graph/index.js';
import type { ViewContext } from '../src/views/view.js';
import { rng } from './browser/records.js';
import { QUERY_REPEATS, timedSync, type TimedSample } from './figures.js';

/** The Cypher two-hop query both sides answer. */
export const CYPHER = 'MATCH (a:Person {i: $i})-[:KNOWS]->(b:Person)-[:KNOWS]->(c:Person) WHERE c.age >= $age RETURN b.i, c.i';
/** The WHERE's bound. */
export const CYPHER_AGE = 60;

/** A seeded random graph and the query inputs. */
export interface BenchGraph {
  n: number;
  e: number;
  age: Uint8Array;
  from: Uint32Array;
  to: Uint32Array;
  /** 1,000 nodes for 1-hop neighbours, 100 BFS starts, 100 path pairs, 100 Cypher starts. */
  hop: number[];
  bfs: number[];
  pairs: Array<[number, number]>;
  cypher: number[];
}

/** `n` nodes and `e` uniformly random directed edges (self loops and repeats allowed), seeded. */
export function makeGraph(n: number, e: number): BenchGraph {
  const r = rng(42);
  const age = new Uint8Array(n);
  for (let i = 0; i < n; i++) age[i] = 18 + ((r() * 60) | 0);
  const from = new Uint32Array(e);
  const to = new Uint32Array(e);
  for (let j = 0; j < e; j++) {
    from[j] = (r() * n) | 0;
    to[j] = (r() * n) | 0;
  }
  const q = rng(43);
  const pick = (): number => (q() * n) | 0;
  return {
    n, e, age, from, to,
    hop: Array.from({ length: Math.min(1000, n) }, pick),
    bfs: Array.from({ length: Math.min(100, n) }, pick),
    pairs: Array.from({ length: Math.min(100, n) }, () => [pick(), pick()] as [number, number]),
    cypher: Array.from({ length: Math.min(100, n) }, pick),
  };
}

/**
 * graphology (a directed multigraph, like Larder's): the same build and queries, synchronously.
 * Returns one sample per workload: build, neighbors, bfs, path, cypher.
 */
export function graphologySuite(g: BenchGraph): Record<string, TimedSample> {
  const parts: Record<string, TimedSample> = {};
  const graph = new Graph({ type: 'directed', multi: true, allowSelfLoops: true });
  let tNodes = 0;
  timedSync(parts, 'build', g.n + g.e, () => {
    const t0 = performance.now();
    for (let i = 0; i < g.n; i++) graph.addNode(String(i), { i, age: g.age[i] });
    tNodes = performance.now() - t0;
    for (let j = 0; j < g.e; j++) graph.addEdge(String(g.from[j]), String(g.to[j]), { type: 'KNOWS' });
    return `nodes ${tNodes.toFixed(0)} ms + edges ${(performance.now() - t0 - tNodes).toFixed(0)} ms`;
  }, 1);
  // Distinct out-neighbours with their attributes, as Larder's neighbors() returns nodes.
  timedSync(parts, 'neighbors', g.hop.length, () => {
    let reached = 0;
    for (const i of g.hop) reached += graph.outNeighbors(String(i)).map((k) => graph.getNodeAttributes(k)).length;
    return `${reached} neighbours`;
  });
  timedSync(parts, 'bfs', g.bfs.length, () => {
    let visited = 0;
    for (const i of g.bfs) bfsFromNode(graph, String(i), (_k, _a, depth) => { visited++; return depth >= 3; }, { mode: 'outbound' });
    return `${visited} visits`;
  });
  timedSync(parts, 'path', g.pairs.length, () => {
    let found = 0;
    let hops = 0;
    for (const [a, b] of g.pairs) {
      const r = bidirectional(graph, String(a), String(b));
      if (r) { found++; hops += r.length - 1; }
    }
    return `${found} found, ${hops} hops`;
  });
  // The same two-hop pattern by hand: a -KNOWS-> b -KNOWS-> c with c.age >= age, the two edges
  // distinct (Cypher's relationship uniqueness), one row per edge pair.
  timedSync(parts, 'cypher', g.cypher.length, () => {
    let rows = 0;
    for (const i of g.cypher) {
      const a = String(i);
      graph.forEachOutEdge(a, (e1, _at, _s, b) => {
        graph.forEachOutEdge(b, (e2, _at2, _s2, c) => {
          if (e2 !== e1 && (graph.getNodeAttribute(c, 'age') as number) >= CYPHER_AGE) rows++;
        });
      });
    }
    return `${rows} rows`;
  });
  graph.clear();
  return parts;
}

const BATCH = 10_000;

type Method = (ctx: ViewContext, name: string, ...args: unknown[]) => unknown;
const m = graphView.methods as unknown as Record<string, Method>;

/**
 * Runs `fn` as the worker runs one message: one WriteBatch for all the calls in it. The page sends a workload's concurrent calls (Promise.all) in one
 * message, and each awaited build chunk in its own.
 */
function message<T>(ks: Keyspace, fn: (call: <R>(method: string, ...args: unknown[]) => R) => T): T {
  const ctx: ViewContext = { ks, batch: new WriteBatch(ks), now: Date.now(), emit: () => {} };
  const r = fn(<R>(method: string, ...args: unknown[]) => m[method](ctx, 'bench', ...args) as R);
  return r;
}

/** One call in a message of its own. */
function call<T>(ks: Keyspace, method: string, ...args: unknown[]): T {
  return message(ks, (c) => c<T>(method, ...args));
}

/**
 * Larder's graph view, worker-side: the same workloads as graphologySuite, through the view's
 * methods exactly as the worker calls them. Returns one sample per workload.
 */
export function larderWorkerSuite(g: BenchGraph, ks: Keyspace): Record<string, TimedSample> {
  const parts: Record<string, TimedSample> = {};
  const time = (name: string, ops: number, fn: () => string): void => timedSync(parts, name, ops, fn, name === 'build' ? 1 : QUERY_REPEATS);
  const ids = new Array<number>(g.n);
  time('build', g.n + g.e, () => {
    const t0 = performance.now();
    for (let i = 0; i < g.n; i += BATCH) {
      const chunk = [];
      for (let j = i; j < Math.min(g.n, i + BATCH); j++) chunk.push({ labels: ['Person'], properties: { i: j, age: g.age[j] } });
      const got = call<number[]>(ks, 'addNodes', chunk);
      for (let j = 0; j < got.length; j++) ids[i + j] = got[j];
    }
    const tNodes = performance.now() - t0;
    for (let i = 0; i < g.e; i += BATCH) {
      const chunk = [];
      for (let j = i; j < Math.min(g.e, i + BATCH); j++) chunk.push({ from: ids[g.from[j]], to: ids[g.to[j]], type: 'KNOWS' });
      call(ks, 'addEdges', chunk);
    }
    return `nodes ${tNodes.toFixed(0)} ms + edges ${(performance.now() - t0 - tNodes).toFixed(0)} ms`;
  });
  call(ks, 'createIndex', 'Person', 'i'); // untimed: the Cypher query starts from a property lookup
  time('neighbors', g.hop.length, () => {
    let reached = 0;
    message(ks, (c) => { for (const i of g.hop) reached += c<unknown[]>('neighbors', ids[i], { direction: 'out' }).length; });
    return `${reached} neighbours`;
  });
  time('bfs', g.bfs.length, () => {
    let visited = 0;
    message(ks, (c) => { for (const i of g.bfs) visited += c<{ items: unknown[] }>('traverse', ids[i], { direction: 'out', order: 'bfs', maxDepth: 3 }, 0, Infinity).items.length; });
    return `${visited} visits`;
  });
  time('path', g.pairs.length, () => {
    let found = 0;
    let hops = 0;
    message(ks, (c) => {
      for (const [a, b] of g.pairs) {
        const r = c<{ edges: unknown[] } | null>('shortestPath', ids[a], ids[b], { direction: 'out' });
        if (r) { found++; hops += r.edges.length; }
      }
    });
    return `${found} found, ${hops} hops`;
  });
  time('cypher', g.cypher.length, () => {
    let rows = 0;
    message(ks, (c) => { for (const i of g.cypher) rows += c<{ rows: unknown[] }>('query', CYPHER, { i, age: CYPHER_AGE }).rows.length; });
    return `${rows} rows`;
  });
  return parts;
}
