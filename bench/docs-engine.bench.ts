/**
 * Document benchmark at engine level (issue 5: "inside the worker >= 1x LokiJS on indexed queries
 * and >= 1x mingo on unindexed ones"): the document view's worker-side methods called directly in
 * one Node process, exactly as the worker runs them for a message (one WriteBatch per message),
 * with no page, message or disk in between; LokiJS (binary
 * indexes on city and age) and mingo (`find` over a plain array) run the same workloads on the same
 * documents in the same process (bench/docs-suite.ts).
 *
 * Run: `npm run bench:docs` (also the last section of `npm run bench:core`). BENCH_DOCS_N
 * documents (default 100,000); each query figure is the median of QUERY_REPEATS passes in each of
 * BENCH_RUNS runs (median of the runs). Every side's answers (documents found or modified, the
 * $group digest) are checked against the plain-JS oracle and must agree. Not a test.
 */
import { pathToFileURL } from 'node:url';
import { loadEngine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { docsView } from '../src/views/docs/index.js';
import type { ViewContext } from '../src/views/view.js';
import { median, rate } from './figures.js';
import {
  cityAgeFilter, GROUP_PIPELINE, groupKey, idsFilter, IDX, incAge, INDEX_KEY, lokiSuite, mingoSuite, runDocsSide, truth, ZIP_FILTER, type DocsSample,
} from './docs-suite.js';

const N = Number(process.env.BENCH_DOCS_N ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLL = 'docs';

type Method = (ctx: ViewContext, ...args: unknown[]) => unknown;
const m = docsView.methods as unknown as Record<string, Method>;

/** One call in a message of its own, as the worker runs it: one WriteBatch. */
function call<T>(ks: Keyspace, method: string, ...args: unknown[]): T {
  const ctx: ViewContext = { ks, batch: new WriteBatch(ks), now: Date.now(), emit: () => {} };
  const r = m[method](ctx, COLL, ...args) as T;
  return r;
}

/** Larder's document view, worker-side: the same workloads as the LokiJS and mingo suites. */
function larderSuite(n: number, ks: Keyspace): Record<string, DocsSample> {
  call(ks, 'createIndex', INDEX_KEY); // untimed, before the insert, as on the page
  return runDocsSide(n, {
    // The page sends the whole array in one insertMany message.
    insert: (docs) => call<{ insertedCount: number }>(ks, 'insertMany', docs).insertedCount,
    // find's answer is what the worker posts back: stored bytes (Encoded) per document.
    indexed: () => call<unknown[]>(ks, 'find', cityAgeFilter(IDX.lo, IDX.hi)).length,
    unindexed: () => call<unknown[]>(ks, 'find', ZIP_FILTER).length,
    update: (ids, by) => call<{ modifiedCount: number }>(ks, 'updateMany', idsFilter(ids), incAge(by)).modifiedCount,
    group: () => groupKey(call<unknown[]>(ks, 'aggregate', GROUP_PIPELINE)),
  });
}

/** Runs the engine-level document benchmark and prints its table. */
export async function runDocsEngineBench(): Promise<void> {
  const want = truth(N);
  const expected: Record<string, string> = {
    insert: `${N} docs`,
    indexed: `${want.indexed} docs`,
    unindexed: `${want.unindexed} docs`,
    update: `${want.update} docs`,
    group: want.group,
  };
  console.log(`docs benchmark, engine level (the worker's code, no page): ${N.toLocaleString()} documents, index ${JSON.stringify(INDEX_KEY)}, median of ${RUNS} runs, node ${process.version}`);
  const sides = ['larder', 'loki', 'mingo'] as const;
  const got: Record<(typeof sides)[number], Record<string, DocsSample[]>> = { larder: {}, loki: {}, mingo: {} };
  // One engine for every run, as the worker keeps one for its life: a fresh instance per run
  // would time V8's wasm tier-up (baseline code first) in each run's first phase.
  const engine = await loadEngine();
  for (let run = 0; run < RUNS; run++) {
    const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
    for (const [k, v] of Object.entries(larderSuite(N, ks))) (got.larder[k] ??= []).push(v);
    ks.free();
    for (const [k, v] of Object.entries(lokiSuite(N))) (got.loki[k] ??= []).push(v);
    for (const [k, v] of Object.entries(mingoSuite(N))) (got.mingo[k] ??= []).push(v);
  }
  const names: Record<string, string> = {
    insert: 'insertMany (with the compound index)',
    indexed: 'indexed query (city + age range)',
    unindexed: 'unindexed query (address.zip range)',
    update: 'update 1% by _id ($inc)',
    group: '$group by city',
  };
  // The targets: indexed queries against LokiJS, unindexed against mingo.
  const targetPeer: Record<string, 'loki' | 'mingo'> = { indexed: 'loki', unindexed: 'mingo' };
  // A side's answer: the detail it returned (identical in every pass and run, or it is reported).
  const answer = (s: DocsSample[], k: string): string => {
    const ds = new Set(s.map((x) => x.detail));
    const d = [...ds].join(' / ');
    const short = d.length > 40 ? `digest ${d.length} chars` : d;
    return ds.size === 1 && d === expected[k] ? short : `MISMATCH ${d.slice(0, 60)} (want ${expected[k].slice(0, 60)})`;
  };
  console.log('');
  console.log('| workload | Larder (worker-side) | LokiJS | mingo | Larder/LokiJS | Larder/mingo | target | Larder found | LokiJS found | mingo found |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |');
  for (const k of Object.keys(names)) {
    const o = median(got.larder[k].map((s) => s.ms));
    const l = median(got.loki[k].map((s) => s.ms));
    const g = median(got.mingo[k].map((s) => s.ms));
    const ops = got.larder[k][0].ops;
    const peer = targetPeer[k];
    const ratio = peer === 'loki' ? l / o : peer === 'mingo' ? g / o : 0;
    const target = peer ? `>= 1x ${peer === 'loki' ? 'LokiJS' : 'mingo'} (${ratio >= 1 ? 'met' : 'missed'})` : '';
    const cell = (ms: number): string => `${rate(ops, ms)} (${ms.toFixed(1)} ms)`;
    console.log(`| ${names[k]} | ${cell(o)} | ${cell(l)} | ${cell(g)} | ${(l / o).toFixed(2)}x | ${(g / o).toFixed(2)}x | ${target} | ${answer(got.larder[k], k)} | ${answer(got.loki[k], k)} | ${answer(got.mingo[k], k)} |`);
  }
  console.log('(ratio = peer time / Larder time: above 1x Larder is faster)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runDocsEngineBench();
