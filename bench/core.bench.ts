/**
 * Core benchmark (`npm run bench:core`): the wasm Table and Tree side by side with the JS
 * structures a user would otherwise reach for, in one Node process, 1M entries of 16-byte keys and
 * 32-byte values. Keys arrive as bytes (as they will from the views), so the JS peers pay the
 * bytes-to-string conversion a real caller would pay; every structure copies the value it stores
 * (a store must not alias its caller's buffer). Prints ops/s and ratios (ours / peer); a figure is
 * the median of RUNS runs. Not a test: nothing here asserts a timing.
 */
import * as sortedBtree from 'sorted-btree';
import { loadEngine } from '../src/core/engine.js';
import { Table } from '../src/core/table.js';
import { Tree } from '../src/core/tree.js';
import { rng, shuffledOrder } from './browser/records.js';
import { runEngineBench } from './engine.bench.js';
import { runGraphEngineBench } from './graph-engine.bench.js';
import { runDocsEngineBench } from './docs-engine.bench.js';
import { median } from './figures.js';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function makeData(n: number): { keys: Uint8Array[]; values: Uint8Array[]; order: Uint32Array } {
  const r = rng(42);
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = new Uint8Array(16);
    for (let j = 0; j < 16; j++) k[j] = (r() * 256) | 0;
    const v = new Uint8Array(32);
    for (let j = 0; j < 32; j++) v[j] = (r() * 256) | 0;
    keys.push(k);
    values.push(v);
  }
  return { keys, values, order: shuffledOrder(n, r) };
}

/**
 * Bytes to a latin1 string, the way a fair JS peer would key a Map: `String.fromCharCode.apply`
 * gives a flat string (a `+=` loop builds a cons string that is slow to hash) and measured fastest
 * here against a `+=` loop and TextDecoder('latin1').
 */
function str(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

interface Row { name: string; ours: number; peer: number; unit: string; peerName: string; target?: string }
const rows: Row[] = [];

function report(name: string, peerName: string, oursMs: number[], peerMs: number[], ops: number, target?: string): void {
  rows.push({ name, peerName, ours: ops / (median(oursMs) / 1000), peer: ops / (median(peerMs) / 1000), unit: 'ops/s', target });
}

function fmt(x: number): string {
  if (x >= 1e6) return (x / 1e6).toFixed(2) + 'M';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + 'k';
  return x.toFixed(1);
}

// sorted-btree is CommonJS with `exports.default`; under ESM interop the class is one level down.
type BTreeClass = typeof import('sorted-btree').default;
const BTree: BTreeClass = ((sortedBtree as unknown as { default: { default?: BTreeClass } }).default.default ?? sortedBtree.default) as BTreeClass;

async function main(): Promise<void> {
  console.log(`core benchmark: ${N.toLocaleString()} entries, 16-byte keys, 32-byte values, median of ${RUNS} runs, node ${process.version}`);
  const { keys, values, order } = makeData(N);
  const engine = await loadEngine();

  // ---- Table vs Map<string, Uint8Array> ----
  const tPut: number[] = [], tGet: number[] = [], tView: number[] = [], tDel: number[] = [], tPutMany: number[] = [], tGetMany: number[] = [];
  const mPut: number[] = [], mGet: number[] = [], mDel: number[] = [];
  let tableBytesPerEntry = 0, mapBytesPerEntry = 0;
  let sink = 0;
  for (let run = 0; run < RUNS; run++) {
    gc();
    const before = engine.stats().liveBytes;
    const t = Table.create(engine);
    tPut.push(time(() => { for (let i = 0; i < N; i++) t.put(keys[i], values[i]); }));
    tableBytesPerEntry = (engine.stats().liveBytes - before) / N;
    tGet.push(time(() => { for (let i = 0; i < N; i++) sink += t.get(keys[order[i]])!.length; }));
    tView.push(time(() => { for (let i = 0; i < N; i++) sink += t.getView(keys[order[i]])![0]; }));
    tDel.push(time(() => { for (let i = 0; i < N; i++) t.delete(keys[order[i]]); }));
    t.clear();
    const pairs: [Uint8Array, Uint8Array][] = keys.map((k, i) => [k, values[i]]);
    tPutMany.push(time(() => { t.putMany(pairs); }));
    const shuffled = Array.from(order, (i) => keys[i]);
    tGetMany.push(time(() => { sink += t.getMany(shuffled).length; }));
    t.free();

    gc();
    const heap0 = process.memoryUsage();
    const m = new Map<string, Uint8Array>();
    mPut.push(time(() => { for (let i = 0; i < N; i++) m.set(str(keys[i]), values[i].slice()); }));
    gc();
    const heap1 = process.memoryUsage();
    mapBytesPerEntry = (heap1.heapUsed - heap0.heapUsed + heap1.arrayBuffers - heap0.arrayBuffers) / N;
    mGet.push(time(() => { for (let i = 0; i < N; i++) sink += m.get(str(keys[order[i]]))!.length; }));
    mDel.push(time(() => { for (let i = 0; i < N; i++) m.delete(str(keys[order[i]])); }));
  }
  report('Table put', 'Map.set', tPut, mPut, N, '>= 2x');
  report('Table get (copy)', 'Map.get', tGet, mGet, N, '>= 1x');
  report('Table getView (zero-copy)', 'Map.get', tView, mGet, N);
  report('Table delete', 'Map.delete', tDel, mDel, N);
  report('Table putMany (batched)', 'Map.set', tPutMany, mPut, N);
  report('Table getMany (batched)', 'Map.get', tGetMany, mGet, N);

  // ---- Tree vs sorted-btree ----
  const rPut: number[] = [], rGet: number[] = [], rScan: number[] = [], rBulk: number[] = [];
  const bPut: number[] = [], bGet: number[] = [], bScan: number[] = [];
  let treeBytesPerEntry = 0, btreeBytesPerEntry = 0;
  const sortedPairs = keys.map((k, i) => [k, values[i]] as [Uint8Array, Uint8Array]).sort((a, b) => Buffer.compare(a[0], b[0]));
  for (let run = 0; run < RUNS; run++) {
    gc();
    const before = engine.stats().liveBytes;
    const tr = Tree.create(engine);
    rPut.push(time(() => { for (let i = 0; i < N; i++) tr.put(keys[i], values[i]); }));
    treeBytesPerEntry = (engine.stats().liveBytes - before) / N;
    rGet.push(time(() => { for (let i = 0; i < N; i++) sink += tr.get(keys[order[i]])!.length; }));
    let seen = 0;
    rScan.push(time(() => { tr.forEachRaw({}, (_m, _ko, _kl, _vo, vl) => { seen += vl > 0 ? 1 : 0; }); }));
    if (seen !== N) throw new Error(`scan saw ${seen} of ${N}`);
    tr.clear();
    rBulk.push(time(() => tr.bulkLoad(sortedPairs)));
    tr.free();

    gc();
    const heap0 = process.memoryUsage();
    const bt = new BTree<string, Uint8Array>();
    bPut.push(time(() => { for (let i = 0; i < N; i++) bt.set(str(keys[i]), values[i].slice()); }));
    gc();
    const heap1 = process.memoryUsage();
    btreeBytesPerEntry = (heap1.heapUsed - heap0.heapUsed + heap1.arrayBuffers - heap0.arrayBuffers) / N;
    bGet.push(time(() => { for (let i = 0; i < N; i++) sink += bt.get(str(keys[order[i]]))!.length; }));
    let bseen = 0;
    bScan.push(time(() => { bt.forEachPair((_k, v) => { bseen += v.length > 0 ? 1 : 0; }); }));
    if (bseen !== N) throw new Error('btree scan');
  }
  report('Tree put', 'sorted-btree set', rPut, bPut, N, '>= 2x');
  report('Tree get', 'sorted-btree get', rGet, bGet, N, '>= 2x');
  report('Tree forward scan', 'sorted-btree forEachPair', rScan, bScan, N, '>= 20M entries/s');
  report('Tree bulkLoad (sorted)', 'sorted-btree set', rBulk, bPut, N);

  console.log('');
  console.log('| operation | ours | peer | peer ops/s | ratio | target |');
  console.log('| --- | ---: | --- | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${fmt(r.ours)}/s | ${r.peerName} | ${fmt(r.peer)}/s | ${(r.ours / r.peer).toFixed(2)}x | ${r.target ?? ''} |`);
  }
  console.log('');
  console.log('| memory per entry | ours | peer | ratio | target |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  console.log(`| Table vs Map | ${tableBytesPerEntry.toFixed(1)} B | ${mapBytesPerEntry.toFixed(1)} B | ${(tableBytesPerEntry / mapBytesPerEntry).toFixed(2)}x | <= 0.5x |`);
  console.log(`| Tree vs sorted-btree | ${treeBytesPerEntry.toFixed(1)} B | ${btreeBytesPerEntry.toFixed(1)} B | ${(treeBytesPerEntry / btreeBytesPerEntry).toFixed(2)}x | |`);
  console.log(`(wasm linear memory now ${(engine.memoryBytes / 2 ** 20).toFixed(0)} MiB; sink ${sink & 1})`);
}

await main();

// The views' worker-side methods in a loop (kv GET/SET, values get/set) vs a JS Map: see engine.bench.ts.
console.log('');
await runEngineBench();

// The graph view's worker-side traversals and paths vs graphology: see graph-engine.bench.ts.
console.log('');
await runGraphEngineBench();

// The document view's worker-side queries and writes vs LokiJS and mingo: see docs-engine.bench.ts.
console.log('');
await runDocsEngineBench();
