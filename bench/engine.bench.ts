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

/**
 * Milliseconds `fn` takes, after a full GC and then `warm` (untimed, a burst of the same side's
 * kind of work on scratch data). The GC keeps one phase's garbage out of the next; the warm-up
 * lets V8 regrow the young generation the forced GC shrank, as it is in a worker that has been
 * running. Without it the phase right after gc() paid for that regrowth: kv SET of new keys
 * measured about 1.0M/s that way and about 1.6M/s warm; Map.set moved less.
 */
function time(fn: () => void, warm: () => void): number {
  gc();
  warm();
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
  // The warm-up bursts (see time()): a fifth of a pass of SET on a scratch keyspace, or Map.set.
  const pointTags = [...(kvView.pointTags ?? []), ...(valuesView.pointTags ?? [])];
  const warmN = Math.max(1, Math.floor(N / 5));
  // One engine for every run, as the worker keeps one for its life: a fresh instance per run
  // would time V8's wasm tier-up (baseline code first) in each run's first phase.
  const engine = await loadEngine();
  const ours = (): void => {
    const scratch = Keyspace.create(engine, pointTags);
    const c = contexts(scratch);
    for (let i = 0; i < warmN; i++) cmd(c(), ['SET', keys[i], values[i]]);
    scratch.free();
  };
  const peer = (): void => {
    const m = new Map<string, Uint8Array>();
    for (let i = 0; i < warmN; i++) m.set(keys[i], enc.encode(values[i]));
  };
  for (let run = 0; run < RUNS; run++) {
    const ks = Keyspace.create(engine, pointTags);
    let ctx = contexts(ks);
    add('kv SET (new keys)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['SET', keys[i], values[i]]) }, ours));
    add('kv SET (existing keys)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['SET', keys[i], values[i]]) }, ours));
    add('kv GET', time(() => { for (let i = 0; i < N; i++) sink += (cmd(ctx(), ['GET', keys[i]]) as string).length; }, ours));
    add('kv INCR', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['INCR', 'counter']) }, ours));
    add('kv HSET (one hash)', time(() => { for (let i = 0; i < N; i++) cmd(ctx(), ['HSET', 'hash', keys[i], values[i]]) }, ours));
    ctx = contexts(ks);
    add('values set', time(() => { for (let i = 0; i < N; i++) vset(ctx(), keys[i], records[i]) }, ours));
    add('values get', time(() => { for (let i = 0; i < N; i++) sink += (vget(ctx(), keys[i]) as { bytes: Uint8Array }).bytes.length; }, ours));
    ks.free();

    // The peer: a Map of string keys to a copy of the value's bytes (a store must not alias its
    // caller's buffer), with the replies a Redis GET/SET makes.
    const m = new Map<string, Uint8Array>();
    add('Map set (new)', time(() => { for (let i = 0; i < N; i++) { m.set(keys[i], enc.encode(values[i])); sink += 'OK'.length; } }, peer));
    add('Map set (existing)', time(() => { for (let i = 0; i < N; i++) { m.set(keys[i], enc.encode(values[i])); sink += 'OK'.length; } }, peer));
    const dec = new TextDecoder();
    add('Map get', time(() => { for (let i = 0; i < N; i++) sink += dec.decode(m.get(keys[i])).length; }, peer));
    let c = 0;
    add('Map incr', time(() => { for (let i = 0; i < N; i++) { c = Number(dec.decode(m.get('counter') ?? enc.encode('0'))) + 1; m.set('counter', enc.encode(String(c))); } }, peer));
    const h = new Map<string, Uint8Array>();
    add('Map hset', time(() => { for (let i = 0; i < N; i++) h.set(keys[i], enc.encode(values[i])); }, peer));
    const mv = new Map<string, Uint8Array>();
    add('Map values set', time(() => { for (let i = 0; i < N; i++) mv.set(keys[i], records[i].slice()); }, peer));
    add('Map values get', time(() => { for (let i = 0; i < N; i++) sink += mv.get(keys[i])!.length; }, peer));
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
