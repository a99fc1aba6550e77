/**
 * Engine-level benchmark (the last section of `npm run bench:core`, or alone:
 * `node --expose-gc --import tsx bench/engine.bench.ts`): the views'
 * worker-side methods called in a loop in one Node process, the way the worker runs them, with no
 * page, message or disk in between — the ceiling the store's per-call machinery adds to.
 *
 * - kv: `kvView.methods.cmd(ctx, ['SET', key, value])` and `['GET', key]` over 100k keys (issue 4:
 *   >= 1M ops/s each), INCR and HSET; strings as the page's typed methods send them.
 * - values: `valuesView.methods.set/get` of pre-encoded records (what the page sends).
 * Every 1,000 calls start a new WriteBatch, as messages do (a batch holds its undo log until it
 * commits). The peer is a JS `Map` doing the same job (string key -> a copy of the value bytes).
 * Prints ops/s and the ratio; a figure is the median of RUNS runs. Not a test.
 */
import { pathToFileURL } from 'node:url';
import { encodeValue } from '../src/codec/value.js';
import { loadEngine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { kvView } from '../src/views/kv/index.js';
import { valuesView } from '../src/views/values.js';
import type { ViewContext } from '../src/views/view.js';
import { median } from './figures.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PER_BATCH = 1000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function fmt(x: number): string {
  if (x >= 1e6) return (x / 1e6).toFixed(2) + 'M';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + 'k';
  return x.toFixed(1);
}

/** A context like the worker's: one WriteBatch per PER_BATCH calls. */
function contexts(ks: Keyspace): () => ViewContext {
  let n = 0;
  let ctx: ViewContext | undefined;
  return () => {
    if (ctx === undefined || ++n % PER_BATCH === 0) ctx = { ks, batch: new WriteBatch(ks), now: Date.now(), emit: () => {} };
    return ctx;
  };
}

/** Milliseconds `fn` takes. */
function time(fn: () => void): number {
  gc();
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const rows: Array<{ name: string; ours: number; peer: number; peerName: string; target?: string }> = [];

/** Runs the engine-level benchmark and prints its table. */
export async function runEngineBench(): Promise<void> {
  console.log(`engine-level benchmark: ${N.toLocaleString()} keys, median of ${RUNS} runs, node ${process.version}`);
  const keys = Array.from({ length: N }, (_, i) => 'key:' + String(i).padStart(8, '0'));
  const values = Array.from({ length: N }, (_, i) => 'value-' + i.toString(36).padStart(24, 'x'));
  const enc = new TextEncoder();
  const records = Array.from({ length: N }, (_, i) => encodeValue({ id: keys[i], name: 'Ada Lovelace', email: `ada${i}@example.com`, age: 18 + (i % 60), tags: ['admin', 'beta'] }));
  const cmd = kvView.methods.cmd;
  const vset = valuesView.methods.set;
  const vget = valuesView.methods.get;

  const t: Record<string, number[]> = {};
  const add = (k: string, ms: number): void => void (t[k] ??= []).push(ms);
  let sink = 0;
  // One engine for every run, as the worker keeps one for its life: a fresh instance per run
  // would time V8's wasm tier-up (baseline code first) in each run's first phase.
  const engine = await loadEngine();
  for (let run = 0; run < RUNS; run++) {
    const ks = Keyspace.create(engine, [...(kvView.pointTags ?? []), ...(valuesView.pointTags ?? [])]);
    let ctx = contexts(ks);
    add('kv SET (new keys)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['SET', keys[i], values[i]]) }));
    add('kv SET (existing keys)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['SET', keys[i], values[i]]) }));
    add('kv GET', time(() => { for (let i = 0; i < N; i++) sink += (cmd(ctx(), ['GET', keys[i]]) as string).length; }));
    add('kv INCR', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['INCR', 'counter']) }));
    add('kv HSET (one hash)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['HSET', 'hash', keys[i], values[i]]) }));
    ctx = contexts(ks);
    add('values set', time(() => { for (let i = 0; i < N; i++) vset(ctx(), keys[i], records[i]) }));
    add('values get', time(() => { for (let i = 0; i < N; i++) sink += (vget(ctx(), keys[i]) as { bytes: Uint8Array }).bytes.length; }));
    ks.free();

    // The peer: a Map of string keys to a copy of the value's bytes (a store must not alias its
    // caller's buffer), with the replies a Redis GET/SET makes.
    const m = new Map<string, Uint8Array>();
    add('Map set (new)', time(() => { for (let i = 0; i < N; i++) { m.set(keys[i], enc.encode(values[i])); sink += 'OK'.length; } }));
    add('Map set (existing)', time(() => { for (let i = 0; i < N; i++) { m.set(keys[i], enc.encode(values[i])); sink += 'OK'.length; } }));
    const dec = new TextDecoder();
    add('Map get', time(() => { for (let i = 0; i < N; i++) sink += dec.decode(m.get(keys[i])).length; }));
    let c = 0;
    add('Map incr', time(() => { for (let i = 0; i < N; i++) { c = Number(dec.decode(m.get('counter') ?? enc.encode('0'))) + 1; m.set('counter', enc.encode(String(c))); } }));
    const h = new Map<string, Uint8Array>();
    add('Map hset', time(() => { for (let i = 0; i < N; i++) h.set(keys[i], enc.encode(values[i])); }));
    const mv = new Map<string, Uint8Array>();
    add('Map values set', time(() => { for (let i = 0; i < N; i++) mv.set(keys[i], records[i].slice()); }));
    add('Map values get', time(() => { for (let i = 0; i < N; i++) sink += mv.get(keys[i])!.length; }));
  }
  const row = (name: string, peerName: string, ours: string, peer: string, target?: string): void => {
    rows.push({ name, peerName, ours: N / (median(t[ours]) / 1000), peer: N / (median(t[peer]) / 1000), target });
  };
  row('kv SET, new key', 'Map.set + encode', 'kv SET (new keys)', 'Map set (new)', '>= 1M ops/s');
  row('kv SET, existing key', 'Map.set + encode', 'kv SET (existing keys)', 'Map set (existing)', '>= 1M ops/s');
  row('kv GET', 'Map.get + decode', 'kv GET', 'Map get', '>= 1M ops/s');
  row('kv INCR', 'Map get/parse/set', 'kv INCR', 'Map incr');
  row('kv HSET, new field', 'Map.set + encode', 'kv HSET (one hash)', 'Map hset');
  row('values set (encoded record)', 'Map.set of a copy', 'values set', 'Map values set');
  row('values get', 'Map.get', 'values get', 'Map values get');
  console.log('');
  console.log('| operation | ours | peer | peer ops/s | ratio | target |');
  console.log('| --- | ---: | --- | ---: | ---: | --- |');
  for (const r of rows) {
    const met = r.target ? (r.ours >= 1e6 ? ' (met)' : ' (missed)') : '';
    console.log(`| ${r.name} | ${fmt(r.ours)}/s | ${r.peerName} | ${fmt(r.peer)}/s | ${(r.ours / r.peer).toFixed(2)}x | ${r.target ?? ''}${met} |`);
  }
  console.log(`(sink ${sink & 1})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runEngineBench();
