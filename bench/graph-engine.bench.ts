/**
 * Graph benchmark at engine level (issue 6: "traversals and paths within the worker at least as
 * fast as graphology's"): the graph view's worker-side methods called directly in one Node
 * process, exactly as the worker runs them for a message (one WriteBatch per message, its deferred
 * writes applied at the end), with no page, message or disk in between; graphology runs the same
 * queries on the same graph in the same process (bench/graph-suite.ts).
 *
 * Run: `npm run bench:graph` (also the last section of `npm run bench:core`). BENCH_GRAPH_N
 * nodes (default 100,000) and 5x as many edges; each query figure is the median of QUERY_REPEATS
 * passes in each of BENCH_RUNS runs (median of the runs).
 * Every side's answers are summarised in the detail column (neighbours reached, BFS visits, paths
 * found and hops, Cypher rows) and must agree between the sides. Not a test.
 */
import { pathToFileURL } from 'node:url';
import { loadEngine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { graphView } from '../src/views/graph/index.js';
import type { ViewContext } from '../src/views/view.js';
import { CYPHER, CYPHER_AGE, QUERY_REPEATS, graphologySuite, makeGraph, timedSync, type BenchGraph, type GraphSample } from './graph-suite.js';
import { median, rate } from './figures.js';

const N = Number(process.env.BENCH_GRAPH_N ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 10_000;

type Method = (ctx: ViewContext, name: string, ...args: unknown[]) => unknown;
const m = graphView.methods as unknown as Record<string, Method>;

/**
 * Runs `fn` as the worker runs one message: one WriteBatch for all the calls in it, its deferred
 * writes applied at the end. The page sends a workload's concurrent calls (Promise.all) in one
 * message, and each awaited build chunk in its own.
 */
function message<T>(ks: Keyspace, fn: (call: <R>(method: string, ...args: unknown[]) => R) => T): T {
  const ctx: ViewContext = { ks, batch: new WriteBatch(ks), now: Date.now(), emit: () => {} };
  const r = fn(<R>(method: string, ...args: unknown[]) => m[method](ctx, 'bench', ...args) as R);
  ctx.batch.applyDeferred();
  return r;
}

/** One call in a message of its own. */
function call<T>(ks: Keyspace, method: string, ...args: unknown[]): T {
  return message(ks, (c) => c<T>(method, ...args));
}

/** Larder's graph view, worker-side: the same workloads as graphologySuite. */
function larderSuite(g: BenchGraph, ks: Keyspace): Record<string, GraphSample> {
  const parts: Record<string, GraphSample> = {};
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

/** Runs the engine-level graph benchmark and prints its table. */
export async function runGraphEngineBench(): Promise<void> {
  const g = makeGraph(N, N * 5);
  console.log(`graph benchmark, engine level (the worker's code, no page): ${N.toLocaleString()} nodes, ${(N * 5).toLocaleString()} edges, median of ${RUNS} runs, node ${process.version}`);
  const ours: Record<string, GraphSample[]> = {};
  const theirs: Record<string, GraphSample[]> = {};
  // One engine for every run, as the worker keeps one for its life: a fresh instance per run
  // would time V8's wasm tier-up (baseline code first) in each run's first phase.
  const engine = await loadEngine();
  for (let run = 0; run < RUNS; run++) {
    const ks = Keyspace.create(engine, [...(graphView.pointTags ?? [])]);
    for (const [k, v] of Object.entries(larderSuite(g, ks))) (ours[k] ??= []).push(v);
    ks.free();
    for (const [k, v] of Object.entries(graphologySuite(g))) (theirs[k] ??= []).push(v);
  }
  const names: Record<string, string> = {
    build: 'build (nodes + edges)',
    neighbors: '1-hop out-neighbours (with properties)',
    bfs: 'BFS to depth 3 (out)',
    path: 'shortest path (unweighted, out)',
    cypher: 'Cypher two-hop + WHERE',
  };
  console.log('');
  console.log('| workload | Larder (worker-side) | graphology | ratio | Larder found | graphology found | target |');
  console.log('| --- | ---: | ---: | ---: | --- | --- | --- |');
  for (const k of Object.keys(names)) {
    const o = median(ours[k].map((s) => s.ms));
    const t = median(theirs[k].map((s) => s.ms));
    const ops = ours[k][0].ops;
    const target = k === 'bfs' || k === 'path' || k === 'neighbors' ? (t / o >= 1 ? '>= 1x (met)' : '>= 1x (missed)') : '';
    const detail = (s: GraphSample[]): string => (k === 'build' ? `${o.toFixed(0)} ms` : s[0].detail ?? '');
    console.log(`| ${names[k]} | ${rate(ops, o)} (${o.toFixed(1)} ms) | ${rate(ops, t)} (${t.toFixed(1)} ms) | ${(t / o).toFixed(2)}x | ${k === 'build' ? ours[k][0].detail : detail(ours[k])} | ${theirs[k][0].detail} | ${target} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runGraphEngineBench();
