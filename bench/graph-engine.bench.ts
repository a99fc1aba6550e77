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
import { graphView } from '../src/views/graph/index.js';
import { graphologySuite, larderWorkerSuite, makeGraph } from './graph-suite.js';
import { median, rate, type TimedSample } from './figures.js';

const N = Number(process.env.BENCH_GRAPH_N ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Runs the engine-level graph benchmark and prints its table. */
export async function runGraphEngineBench(): Promise<void> {
  const g = makeGraph(N, N * 5);
  console.log(`graph benchmark, engine level (the worker's code, no page): ${N.toLocaleString()} nodes, ${(N * 5).toLocaleString()} edges, median of ${RUNS} runs, node ${process.version}`);
  const ours: Record<string, TimedSample[]> = {};
  const theirs: Record<string, TimedSample[]> = {};
  // One engine for every run, as the worker keeps one for its life: a fresh instance per run
  // would time V8's wasm tier-up (baseline code first) in each run's first phase.
  const engine = await loadEngine();
  for (let run = 0; run < RUNS; run++) {
    const ks = Keyspace.create(engine, [...(graphView.pointTags ?? [])]);
    for (const [k, v] of Object.entries(larderWorkerSuite(g, ks))) (ours[k] ??= []).push(v);
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
    const detail = (s: TimedSample[]): string => (k === 'build' ? `${o.toFixed(0)} ms` : s[0].detail ?? '');
    console.log(`| ${names[k]} | ${rate(ops, o)} (${o.toFixed(1)} ms) | ${rate(ops, t)} (${t.toFixed(1)} ms) | ${(t / o).toFixed(2)}x | ${k === 'build' ? ours[k][0].detail : detail(ours[k])} | ${theirs[k][0].detail} | ${target} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runGraphEngineBench();
