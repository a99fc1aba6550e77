/**
 * Browser benchmark driver (`npm run bench:browser`): Larder side by side with the IndexedDB
 * libraries an app would otherwise use, in headless Chromium, on one page.
 *
 * It builds the bench page (bench/browser/) with Vite and serves the build with `vite preview`
 * (BENCH_SERVER=dev serves the sources with the dev server instead), launches Chromium with a
 * fresh profile under /tmp (a persistent context, so "relaunch the browser on the same profile"
 * is possible), runs each workload several times through `window.bench.run`, and prints one
 * markdown table: the median of each figure, the peer's, their ratio and the target from issue 3.
 * Not a test: nothing here asserts a timing, and a failing workload is reported in its row.
 *
 * Environment: BENCH_N (records, default 100000), BENCH_RUNS (runs per figure, default 5),
 * BENCH_SLOW_RUNS (runs for the slowest peer workloads and the cold opens, default 3),
 * BENCH_PORT (default 5190), BENCH_SERVER (build | dev), BENCH_ONLY (comma list of groups:
 * writes,bulk,single,point,reads,cold,kv,graph,docs), BENCH_VERBOSE=1 (echo the page's console),
 * BENCH_GRAPH_N (graph nodes, default min(BENCH_N, GRAPH_DEFAULT_N); edges are 5x that),
 * BENCH_KUZU=off (leave kuzu-wasm out of the graph group).
 *
 * The kv group (issue 4) and the graph group (issue 6) run a whole suite per call and file one
 * sample per operation (`Sample.parts`); their rows compare Larder with a Map, idb-keyval and
 * Dexie (kv) and with graphology (graph), all in the page, and with kuzu-wasm (graph), in its worker. The docs group (issue 5) does the
 * same for `store.collection()` against Dexie, LokiJS and mingo; a part whose result count differs
 * from the page's oracle comes back with `error`, shown in its row instead of a figure.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { CHROMIUM_ARGS, executablePath } from '../scripts/chromium.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, preview } from 'vite';
import { KV_PIPELINE } from './browser/params.js';
import type { Params, Sample, WorkloadName } from './browser/workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = int('BENCH_N', 100_000);
const RUNS = int('BENCH_RUNS', 5);
const SLOW_RUNS = Math.min(RUNS, int('BENCH_SLOW_RUNS', 3));
const PORT = int('BENCH_PORT', 5190);
const SERVER = process.env.BENCH_SERVER === 'dev' ? 'dev' : 'build';
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'writes,bulk,single,point,reads,cold,kv,graph,docs').split(',').map((s) => s.trim()));
// The issue's shapes, scaled down with N for a quick run.
const INFLIGHT = Math.min(10_000, N);
const POINT_READS = Math.min(2_000, N);
const SINGLE_WRITES = Math.min(200, N);
// kv (issue 4): N keys per operation concurrently, KV_SEQ awaited one at a time. The IndexedDB
// peers make one transaction per call, so their concurrent part is capped at KV_PEER_N calls.
const KV_SEQ = Math.min(1_000, N);
const KV_PEER_N = Math.min(10_000, N); // as INFLIGHT in the concurrent durable writes row
// graph (issue 6): nodes and 5x as many random edges.
const GRAPH_DEFAULT_N = 100_000;
const GRAPH_N = int('BENCH_GRAPH_N', Math.min(N, GRAPH_DEFAULT_N));
const GRAPH_E = 5 * GRAPH_N;
// BENCH_KUZU=off leaves kuzu-wasm out of the graph group.
const KUZU = process.env.BENCH_KUZU !== 'off';
const PAGE_PATH = '/bench/browser/index.html';
const URL_BASE = `http://127.0.0.1:${PORT}`;
const EVAL_TIMEOUT_MS = 300_000;


function int(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------- server

interface Server {
  close(): Promise<void>;
}

/**
 * Serves the bench page. By default a production build (what an app ships: one bundle, a bundled
 * worker, the wasm as an asset), so cold opens do not measure the dev server's per-module
 * requests; BENCH_SERVER=dev serves the sources directly for quick iteration.
 */
async function startServer(): Promise<Server> {
  const common = { root: ROOT, configFile: false as const, logLevel: 'warn' as const, worker: { format: 'es' as const } };
  // The build's own warnings are about src/, not the benchmark; errors still show.
  const buildLog = { logLevel: 'error' as const };
  if (SERVER === 'dev') {
    const server = await createServer({ ...common, server: { host: '127.0.0.1', port: PORT, strictPort: true, fs: { strict: false } } });
    await server.listen();
    return { close: () => server.close() };
  }
  const outDir = mkdtempSync(path.join(tmpdir(), 'larder-bench-build-'));
  const t0 = performance.now();
  await build({
    ...common,
    ...buildLog,
    base: '/',
    build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: false, rolldownOptions: { input: path.join(ROOT, 'bench/browser/index.html') } },
  });
  log(`built the bench page in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await preview({ ...common, build: { outDir }, preview: { host: '127.0.0.1', port: PORT, strictPort: true } });
  return {
    close: async () => {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- browser

/** The browser, its profile and the bench page; relaunchable on the same profile. */
class Bench {
  ctx!: BrowserContext;
  page!: Page;
  readonly profile = mkdtempSync(path.join(tmpdir(), 'larder-bench-profile-'));

  /** Launches Chromium on the profile and opens the bench page. */
  async launch(): Promise<void> {
    this.ctx = await chromium.launchPersistentContext(this.profile, { headless: true, executablePath, args: CHROMIUM_ARGS });
    this.page = this.ctx.pages()[0] ?? (await this.ctx.newPage());
    this.watch(this.page);
    await this.load();
  }

  private watch(page: Page): void {
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (VERBOSE || m.type() === 'error') log(`page ${m.type()}: ${m.text()}`);
    });
  }

  /** Navigates to the bench page and waits until its module has run. */
  async load(): Promise<void> {
    await this.page.goto(URL_BASE + PAGE_PATH);
    await this.page.waitForFunction(() => window.benchReady === true, undefined, { timeout: 60_000 });
  }

  /**
   * A cold page load: leave the origin (so its SharedWorkers, Larder's included, lose their last
   * client and are terminated), wait until Chromium reports them gone, and load the page again.
   */
  async reload(): Promise<void> {
    await this.page.goto('about:blank');
    await this.waitForNoSharedWorkers();
    await this.load();
  }

  private async waitForNoSharedWorkers(): Promise<void> {
    const cdp = await this.ctx.newCDPSession(this.page);
    try {
      for (let i = 0; i < 100; i++) {
        const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string; url: string }> };
        if (!targetInfos.some((t) => t.type === 'shared_worker' && t.url.startsWith(URL_BASE))) {
          if (VERBOSE) log(`no SharedWorker left after ${i * 50} ms (targets: ${targetInfos.map((t) => t.type).join(', ') || 'none'})`);
          return;
        }
        await sleep(50);
      }
      log('a SharedWorker outlived its page for 5 s; measuring anyway');
    } catch (e) {
      if (VERBOSE) log(`Target.getTargets failed (${(e as Error).message}); waiting 500 ms instead`);
      await sleep(500); // no target listing in this browser: give termination a moment
    } finally {
      await cdp.detach().catch(() => {});
    }
  }

  /** Closes the browser and launches it again on the same profile. */
  async relaunch(): Promise<void> {
    await this.ctx.close().catch(() => {});
    await this.launch();
  }

  /** Runs one workload in the page; a hung or crashed page is replaced before the error is thrown. */
  async run(name: WorkloadName, params: Params = {}): Promise<Sample> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${EVAL_TIMEOUT_MS / 1000} s`)), EVAL_TIMEOUT_MS);
    });
    try {
      await this.quiet();
      return await Promise.race([this.page.evaluate(([n, p]) => window.bench.run(n, p), [name, params] as const), timeout]);
    } catch (e) {
      const msg = ((e as Error).message ?? String(e)).split('\n')[0];
      log(`${name} failed: ${msg}; reopening the browser`);
      await this.relaunch().catch((err) => log(`relaunch failed: ${(err as Error).message}`));
      throw new Error(msg.replace(/^page\.evaluate: (Error: )?/, ''));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits (at most QUIET_MAX_MS) until the browser's processes have been nearly idle for
   * QUIET_WINDOW_MS, so a run does not pay for the work an earlier run left behind: the storage
   * service deleting and compacting a destroyed database of 100,000 records, a terminated
   * worker's heap, a peer's idle-time GC. Every side gets the same wait.
   */
  private async quiet(): Promise<void> {
    const t0 = performance.now();
    let prev = browserCpuTicks(this.profile);
    let quietSince = t0;
    while (performance.now() - t0 < QUIET_MAX_MS) {
      await sleep(QUIET_STEP_MS);
      const cur = browserCpuTicks(this.profile);
      const now = performance.now();
      // More than QUIET_SHARE of one core in this step: not quiet yet.
      if (cur - prev > (QUIET_SHARE * CLOCK_TICKS * (now - quietSince)) / 1000 + 1) quietSince = now;
      prev = cur;
      if (now - quietSince >= QUIET_WINDOW_MS) {
        if (VERBOSE) log(`quiet after ${(now - t0).toFixed(0)} ms`);
        return;
      }
      if (cur === 0) return; // no /proc (not Linux): nothing to watch
    }
    if (VERBOSE) log(`the browser was still busy after ${QUIET_MAX_MS} ms; measuring anyway`);
  }

  /** Closes the browser and deletes the profile. */
  async close(): Promise<void> {
    await this.ctx?.close().catch(() => {});
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Most the driver waits for a quiet browser before a run, the quiet time it wants, and how often it looks. */
const QUIET_MAX_MS = 10_000;
const QUIET_WINDOW_MS = 300;
const QUIET_STEP_MS = 100;
/** The share of one core the browser's processes may use and still count as quiet. */
const QUIET_SHARE = 0.1;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks per second. */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, in clock ticks) used so far by the browser launched on `profile` and
 * every process below it (renderers, workers' processes, the storage and network services); 0
 * where /proc cannot be read.
 */
function browserCpuTicks(profile: string): number {
  let procs: Array<{ pid: number; ppid: number; ticks: number }>;
  const inTree = new Set<number>();
  try {
    procs = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // Fields after the command name, which is in parentheses and may hold spaces.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const pid = Number(name);
        procs.push({ pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
        if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(`--user-data-dir=${profile}`)) inTree.add(pid);
      } catch {
        // The process ended while being read.
      }
    }
  } catch {
    return 0;
  }
  if (inTree.size === 0) return 0;
  // Parents come before children in pid order almost always; repeat until nothing is added.
  for (let added = true; added; ) {
    added = false;
    for (const p of procs) if (!inTree.has(p.pid) && inTree.has(p.ppid)) (inTree.add(p.pid), (added = true));
  }
  return procs.reduce((sum, p) => (inTree.has(p.pid) ? sum + p.ticks : sum), 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------- measurements

const samples = new Map<string, Sample[]>();
const failures = new Map<string, string>();
const RUN_ID = 'b' + Date.now().toString(36);
let dbSeq = 0;

/** A fresh database name (a Larder store or an IndexedDB database) that no other run has used. */
function fresh(what: string): string {
  return `${RUN_ID}-${what}-${++dbSeq}`;
}

/** Runs a workload once and files its sample under `key`; a key that failed once is not retried. */
async function measure(bench: Bench, key: string, name: WorkloadName, params: Params): Promise<void> {
  if (failures.has(key)) return;
  try {
    const s = await bench.run(name, params);
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key)!.push(s);
    log(`${key}: ${s.ms.toFixed(1)} ms for ${s.ops} ops${s.detail ? ` (${s.detail})` : ''}`);
  } catch (e) {
    failures.set(key, (e as Error).message);
  }
}

/**
 * Runs a suite workload once (one returning `parts`) and files each part under `prefix.part`;
 * on failure every expected part gets the error.
 */
async function measureParts(bench: Bench, prefix: string, parts: string[], name: WorkloadName, params: Params): Promise<void> {
  if (parts.every((p) => failures.has(`${prefix}.${p}`))) return;
  try {
    const s = await bench.run(name, params);
    for (const part of parts) {
      const x = s.parts?.[part];
      const key = `${prefix}.${part}`;
      if (!x) {
        failures.set(key, `${name} returned no "${part}"`);
        continue;
      }
      if (x.error) {
        failures.set(key, x.error);
        log(`${key}: ${x.error}`);
        continue;
      }
      if (!samples.has(key)) samples.set(key, []);
      samples.get(key)!.push(x);
      log(`${key}: ${x.ms.toFixed(1)} ms for ${x.ops} ops${x.detail ? ` (${x.detail})` : ''}`);
    }
  } catch (e) {
    for (const part of parts) failures.set(`${prefix}.${part}`, (e as Error).message);
  }
}

/** The median sample of `key` (by time per operation), or its error. */
function median(key: string): Sample | string {
  const xs = samples.get(key);
  const f = failures.get(key);
  if (f?.startsWith('mismatch')) return f; // a wrong answer in any run: no figure for it
  if (!xs?.length) return f ?? 'not run';
  const s = [...xs].sort((a, b) => a.ms / a.ops - b.ms / b.ops);
  return s[(s.length - 1) >> 1]; // the lower middle when the count is even: a sample, not a mean
}

// ---------------------------------------------------------------- the table

type Kind = 'throughput' | 'latency' | 'time';

interface Row {
  workload: string;
  ours: string;
  /** One peer key, or several (the best one is the peer, the others are listed). */
  peers: Array<{ key: string; label: string }>;
  kind: Kind;
  /** 'speedup': peer time / ours (higher is better); 'multiple': ours / peer (lower is better). */
  ratio: 'speedup' | 'multiple';
  target?: { op: '>=' | '<='; x: number };
}

function fmtRate(x: number): string {
  if (x >= 1e6) return (x / 1e6).toFixed(2) + 'M/s';
  if (x >= 1e3) return (x / 1e3).toFixed(1) + 'k/s';
  return x.toFixed(1) + '/s';
}

function fmtMs(ms: number): string {
  if (ms >= 10_000) return (ms / 1000).toFixed(1) + ' s';
  if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (ms >= 10) return ms.toFixed(0) + ' ms';
  return ms.toFixed(1) + ' ms';
}

function fmtFigure(s: Sample, kind: Kind): string {
  if (s.ms <= 0) return 'below the timer resolution (0 ms)';
  if (kind === 'throughput') return `${fmtRate(s.ops / (s.ms / 1000))} (${fmtMs(s.ms)})`;
  if (kind === 'latency') return `${((s.ms / s.ops) * 1000).toFixed(0)} µs/op`;
  return fmtMs(s.ms);
}

function cell(x: string): string {
  return x.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 200);
}

function renderRow(r: Row): string {
  const ours = median(r.ours);
  const peerResults = r.peers.map((p) => ({ ...p, s: median(p.key) }));
  const ok = peerResults.filter((p): p is typeof p & { s: Sample } => typeof p.s !== 'string');
  const best = ok.sort((a, b) => a.s.ms / a.s.ops - b.s.ms / b.s.ops)[0];
  const others = peerResults.filter((p) => p !== best).map((p) => `${p.label} ${typeof p.s === 'string' ? 'error: ' + p.s : fmtFigure(p.s, r.kind)}`);
  const peerName = (best?.label ?? r.peers.map((p) => p.label).join(' / ')) + (others.length && r.peers.length > 1 ? ` (best; ${others.join('; ')})` : '');
  const oursCell = typeof ours === 'string' ? `error: ${ours}` : fmtFigure(ours, r.kind);
  const peerCell = best ? fmtFigure(best.s, r.kind) : `error: ${peerResults.map((p) => p.s).join('; ')}`;
  let ratioCell = '';
  let targetCell = r.target ? `${r.target.op} ${r.target.x}x` : '';
  if (typeof ours !== 'string' && best && ours.ms > 0 && best.s.ms > 0) {
    const oursPerOp = ours.ms / ours.ops;
    const peerPerOp = best.s.ms / best.s.ops;
    const ratio = r.ratio === 'speedup' ? peerPerOp / oursPerOp : oursPerOp / peerPerOp;
    ratioCell = r.ratio === 'speedup' ? `${ratio.toFixed(2)}x` : `${ratio.toFixed(2)}x its latency`;
    if (r.target) targetCell += (r.target.op === '>=' ? ratio >= r.target.x : ratio <= r.target.x) ? ' (met)' : ' (missed)';
  }
  return `| ${cell(r.workload)} | ${cell(oursCell)} | ${cell(peerName)} | ${cell(peerCell)} | ${ratioCell} | ${targetCell} |`;
}

// ---------------------------------------------------------------- main

/** Runs every selected workload group and prints the environment line and the table. */
async function main(): Promise<void> {
  const started = performance.now();
  const server = await startServer();
  const bench = new Bench();
  let env = { ua: '', version: '', recordBytes: 0, cores: 0 };
  const rows: Row[] = [];
  const n = N;
  const last = (r: number, runs: number): boolean => r === runs - 1;

  /**
   * Adds a group's rows, then runs its measurements. Rows go in first so that a group which
   * breaks part-way (the page cannot be reloaded, the browser cannot be relaunched) still shows
   * its rows, with the error in place of the figures it did not get.
   */
  async function group(label: string, groupRows: Row[], fn: () => Promise<void>): Promise<void> {
    rows.push(...groupRows);
    log(label);
    try {
      await fn();
    } catch (e) {
      const msg = ((e as Error).message ?? String(e)).split('\n')[0];
      log(`${label}: ${msg}`);
      for (const r of groupRows) {
        for (const key of [r.ours, ...r.peers.map((p) => p.key)]) if (!samples.has(key) && !failures.has(key)) failures.set(key, msg);
      }
      await bench.relaunch().catch(() => {});
    }
  }

  // The last bulk insert of each side is kept as the read fixture (saves one more slow bulkPut).
  let larderFixture = '';
  let dexieFixture = '';
  try {
    await bench.launch();
    env = JSON.parse((await bench.run('env')).detail!);

    if (ONLY.has('writes')) {
      await group(`concurrent durable writes: ${INFLIGHT} in flight`, [{
        workload: `concurrent durable writes (${INFLIGHT.toLocaleString('en-US')} in flight)`,
        ours: 'cw.larder',
        peers: [{ key: 'cw.keyval', label: 'idb-keyval `set`' }, { key: 'cw.dexie', label: 'Dexie `put`' }],
        kind: 'throughput', ratio: 'speedup', target: { op: '>=', x: 20 },
      }], async () => {
        for (let r = 0; r < RUNS; r++) {
          await measure(bench, 'cw.larder', 'larderConcurrentWrites', { db: fresh('cw'), m: INFLIGHT });
          await measure(bench, 'cw.keyval', 'keyvalConcurrentWrites', { db: fresh('cw-kv'), m: INFLIGHT });
          await measure(bench, 'cw.dexie', 'dexieConcurrentWrites', { db: fresh('cw-dx'), m: INFLIGHT });
        }
      });
    }

    if (ONLY.has('bulk') || ONLY.has('point') || ONLY.has('reads') || ONLY.has('cold')) {
      await group(`bulk insert of ${n} records`, [{
        workload: `bulk insert of ${n.toLocaleString('en-US')} (Larder \`setMany\`)`,
        ours: 'bulk.larder',
        peers: [{ key: 'bulk.dexie', label: 'Dexie `bulkPut`' }],
        kind: 'throughput', ratio: 'speedup', target: { op: '>=', x: 20 },
      }], async () => {
        for (let r = 0; r < RUNS; r++) {
          const db = fresh('bulk');
          await measure(bench, 'bulk.larder', 'larderBulkInsert', { db, n, keep: last(r, RUNS) });
          if (last(r, RUNS)) larderFixture = db;
          if (r < SLOW_RUNS) {
            const dx = fresh('bulk-dx');
            await measure(bench, 'bulk.dexie', 'dexieBulkInsert', { db: dx, n, keep: last(r, SLOW_RUNS) });
            if (last(r, SLOW_RUNS)) dexieFixture = dx;
          }
        }
      });
    }

    if (ONLY.has('single')) {
      await group(`single awaited writes: ${SINGLE_WRITES} in a row`, [{
        workload: 'single awaited durable write, `strict`',
        ours: 'sw.strict',
        peers: [{ key: 'sw.idb.strict', label: 'raw IndexedDB put transaction (durability strict, like Larder strict)' }],
        kind: 'latency', ratio: 'speedup', target: { op: '>=', x: 1 },
      }, {
        workload: 'single awaited write, `relaxed`',
        ours: 'sw.relaxed',
        peers: [{ key: 'sw.idb.default', label: "raw IndexedDB put transaction (the browser's default durability)" }],
        kind: 'latency', ratio: 'speedup', target: { op: '>=', x: 10 },
      }], async () => {
        for (let r = 0; r < RUNS; r++) {
          await measure(bench, 'sw.strict', 'larderSingleWrites', { db: fresh('sw-s'), m: SINGLE_WRITES, durability: 'strict' });
          await measure(bench, 'sw.relaxed', 'larderSingleWrites', { db: fresh('sw-r'), m: SINGLE_WRITES, durability: 'relaxed' });
          await measure(bench, 'sw.idb.strict', 'idbSingleWrites', { db: fresh('sw-idb-s'), m: SINGLE_WRITES, durability: 'strict' });
          await measure(bench, 'sw.idb.default', 'idbSingleWrites', { db: fresh('sw-idb-d'), m: SINGLE_WRITES, durability: 'default' });
        }
      });
    }

    if (ONLY.has('point')) {
      await group(`random point reads: ${POINT_READS} awaited one at a time`, [{
        workload: 'random point read, awaited one at a time',
        ours: 'pr.larder',
        peers: [{ key: 'pr.ping', label: 'bare Comlink round trip (`ping`, dedicated Worker)' }],
        kind: 'latency', ratio: 'multiple', target: { op: '<=', x: 1.5 },
      }, {
        workload: 'random point read, awaited one at a time',
        ours: 'pr.larder',
        peers: [{ key: 'pr.ping.shared', label: 'bare Comlink round trip (`ping`, SharedWorker port, as Larder uses)' }],
        kind: 'latency', ratio: 'multiple',
      }, {
        workload: 'random point read, awaited one at a time',
        ours: 'pr.larder',
        peers: [{ key: 'pr.dexie', label: 'Dexie `get`' }],
        kind: 'latency', ratio: 'speedup', target: { op: '>=', x: 4 },
      }], async () => {
        for (let r = 0; r < RUNS; r++) {
          await measure(bench, 'pr.larder', 'larderPointReads', { db: larderFixture, n, m: POINT_READS });
          await measure(bench, 'pr.ping', 'pingPointReads', { n, m: POINT_READS });
          await measure(bench, 'pr.ping.shared', 'pingPointReads', { n, m: POINT_READS, shared: true });
          await measure(bench, 'pr.dexie', 'dexiePointReads', { db: dexieFixture, n, m: POINT_READS });
        }
      });
    }

    if (ONLY.has('reads')) {
      await group(`${n} concurrent reads`, [{
        workload: `${n.toLocaleString('en-US')} concurrent reads (\`get\` each, random order)`,
        ours: 'cr.larder',
        peers: [{ key: 'cr.dexie', label: 'Dexie `bulkGet`' }],
        kind: 'throughput', ratio: 'speedup', target: { op: '>=', x: 20 },
      }, {
        workload: `${n.toLocaleString('en-US')} reads in one \`getMany\``,
        ours: 'cr.getMany',
        peers: [{ key: 'cr.dexie', label: 'Dexie `bulkGet`' }],
        kind: 'throughput', ratio: 'speedup',
      }], async () => {
        for (let r = 0; r < RUNS; r++) {
          await measure(bench, 'cr.larder', 'larderConcurrentReads', { db: larderFixture, n });
          await measure(bench, 'cr.getMany', 'larderGetMany', { db: larderFixture, n });
          await measure(bench, 'cr.dexie', 'dexieBulkGet', { db: dexieFixture, n });
        }
      });
    }

    if (ONLY.has('cold')) {
      await group('cold open + read all: page reload', [{
        workload: `cold open + read all ${n.toLocaleString('en-US')}, page reload (\`openStore\` + \`entries()\`)`,
        ours: 'co.larder',
        peers: [{ key: 'co.dexie', label: 'Dexie open + `toArray`' }],
        kind: 'time', ratio: 'speedup', target: { op: '>=', x: 10 },
      }], async () => {
        await bench.run('closeFixtures');
        for (let r = 0; r < SLOW_RUNS; r++) {
          await bench.reload();
          await measure(bench, 'co.larder', 'larderColdOpen', { db: larderFixture, n });
          await bench.reload();
          await measure(bench, 'co.dexie', 'dexieColdOpen', { db: dexieFixture, n });
        }
      });
      await group('cold open + read all: browser relaunch', [{
        workload: `cold open + read all ${n.toLocaleString('en-US')}, browser relaunch`,
        ours: 'cl.larder',
        peers: [{ key: 'cl.dexie', label: 'Dexie open + `toArray`' }],
        kind: 'time', ratio: 'speedup', target: { op: '>=', x: 10 },
      }], async () => {
        for (let r = 0; r < SLOW_RUNS; r++) {
          await bench.relaunch();
          await measure(bench, 'cl.larder', 'larderColdOpen', { db: larderFixture, n });
          await bench.relaunch();
          await measure(bench, 'cl.dexie', 'dexieColdOpen', { db: dexieFixture, n });
        }
      });
    }

    if (ONLY.has('kv')) {
      const ops = [['set', 'SET'], ['get', 'GET'], ['incr', 'INCR'], ['hset', 'HSET'], ['zadd', 'ZADD'], ['zrange', 'ZRANGE (BYSCORE, 10 members)']] as const;
      const kvRows: Row[] = [];
      const pipelined = `${N.toLocaleString('en-US')} pipelined (${KV_PIPELINE.toLocaleString('en-US')} per pipeline, each awaited)`;
      for (const [mode, what] of [['c', `${N.toLocaleString('en-US')} concurrent`], ['p', pipelined], ['s', `${KV_SEQ.toLocaleString('en-US')} awaited one at a time`]] as const) {
        for (const [op, cmd] of ops) {
          kvRows.push({
            workload: `kv ${cmd}, ${what}`,
            ours: `kv.larder.${op}.${mode}`,
            peers: [{ key: `kv.map.${op}.${mode}`, label: 'a `Map` in the page (in-memory ceiling)' }],
            kind: 'throughput', ratio: 'speedup',
          });
          if (op === 'set' || op === 'get') {
            kvRows.push({
              workload: `kv ${cmd}, ${what}` + (mode !== 's' && KV_PEER_N < N ? ` (peers: ${KV_PEER_N.toLocaleString('en-US')})` : ''),
              ours: `kv.larder.${op}.${mode}`,
              peers: mode === 'p'
                ? [{ key: `kv.keyval.${op}.p`, label: `idb-keyval \`${op}Many\`` }, { key: `kv.dexie.${op}.p`, label: `Dexie \`${op === 'set' ? 'bulkPut' : 'bulkGet'}\`` }]
                : [{ key: `kv.keyval.${op}.${mode}`, label: `idb-keyval \`${op}\`` }, { key: `kv.dexie.${op}.${mode}`, label: `Dexie \`${op === 'set' ? 'put' : 'get'}\`` }],
              kind: 'throughput', ratio: 'speedup',
            });
          }
        }
      }
      const all = ops.flatMap(([op]) => [`${op}.c`, `${op}.p`, `${op}.s`]);
      const idbParts = ['set.c', 'get.c', 'set.p', 'get.p', 'set.s', 'get.s'];
      await group(`kv: ${N} keys concurrent, ${KV_SEQ} awaited`, kvRows, async () => {
        for (let r = 0; r < RUNS; r++) {
          await measureParts(bench, 'kv.larder', all, 'kvLarder', { db: fresh('kv'), n: N, m: KV_SEQ });
          await measureParts(bench, 'kv.map', all, 'kvMap', { n: N, m: KV_SEQ });
          if (r < SLOW_RUNS) {
            await measureParts(bench, 'kv.keyval', idbParts, 'kvKeyval', { db: fresh('kv-kv'), n: KV_PEER_N, m: KV_SEQ });
            await measureParts(bench, 'kv.dexie', idbParts, 'kvDexie', { db: fresh('kv-dx'), n: KV_PEER_N, m: KV_SEQ });
          }
        }
      });
    }

    if (ONLY.has('graph')) {
      const gParts = ['build', 'neighbors', 'bfs', 'path', 'cypher'];
      const vs = (part: string, workload: string, target?: Row['target']): Row => ({
        workload, ours: `graph.larder.${part}`, peers: [{ key: `graph.gy.${part}`, label: 'graphology in the page' }], kind: 'throughput', ratio: 'speedup', ...(target ? { target } : {}),
      });
      // No target on these rows: issue 6's target (traversals and paths at least as fast as
      // graphology) is inside the worker, measured by npm run bench:graph.
      // kuzu-wasm (the issue's other peer): one row per part after graphology's (none with BENCH_KUZU=off).
      const vsKuzu = (part: string, workload: string): Row[] => !KUZU ? [] : [{
        workload, ours: `graph.larder.${part}`, peers: [{ key: `graph.kuzu.${part}`, label: 'kuzu-wasm (in memory, its own worker)' }], kind: 'throughput', ratio: 'speedup',
      }];
      const g = `${GRAPH_N.toLocaleString('en-US')} nodes, ${GRAPH_E.toLocaleString('en-US')} edges`;
      const what = {
        build: `graph build, ${g} (\`addNodes\`/\`addEdges\` in batches of 10,000; items/s)`,
        neighbors: `graph 1-hop \`neighbors\` (out) of 1,000 random nodes, concurrent`,
        bfs: 'graph BFS to depth 3 (out) from 100 random nodes (`traverse`), concurrent',
        path: 'graph `shortestPath` (out, unweighted) between 100 random pairs, concurrent',
        cypher: 'graph Cypher two-hop pattern with a WHERE on a property, 100 queries, concurrent',
      };
      await group(`graph: ${GRAPH_N} nodes, ${GRAPH_E} edges`, [
        vs('build', what.build),
        ...vsKuzu('build', `${what.build.replace('(`addNodes`', '(Larder: `addNodes`')}; kuzu-wasm: two CSV files + \`COPY\``),
        vs('neighbors', what.neighbors),
        ...vsKuzu('neighbors', `${what.neighbors}; kuzu-wasm: prepared \`MATCH\`, 4 in flight`),
        vs('bfs', what.bfs),
        ...vsKuzu('bfs', `${what.bfs}; kuzu-wasm: \`[:KNOWS*1..3]\`, distinct ends, 4 in flight`),
        vs('path', what.path),
        ...vsKuzu('path', `${what.path}; kuzu-wasm: \`[:KNOWS* SHORTEST 1..30]\`, 4 in flight`),
        vs('cypher', `${what.cypher} (graphology: the same by hand)`),
        ...vsKuzu('cypher', `${what.cypher}; kuzu-wasm: the same query, prepared, 4 in flight`),
        // Issue 6's target: inside a worker, the graph view's worker code against graphology
        // in the same worker (median of passes after warm-up; see bench/graph-suite.ts).
        ...gParts.map((part): Row => ({
          workload: `inside a worker: ${what[part as keyof typeof what].replace(', concurrent', '').replace(' (`addNodes`/`addEdges` in batches of 10,000; items/s)', ' (items/s)')}`,
          ours: `graph.worker.larder.${part}`, peers: [{ key: `graph.worker.gy.${part}`, label: 'graphology in the same worker' }],
          kind: 'throughput', ratio: 'speedup',
          ...(part === 'neighbors' || part === 'bfs' || part === 'path' ? { target: { op: '>=', x: 1 } as const } : {}),
        })),
      ], async () => {
        for (let r = 0; r < SLOW_RUNS; r++) {
          await measureParts(bench, 'graph.larder', gParts, 'graphLarder', { db: fresh('graph'), n: GRAPH_N, e: GRAPH_E });
          await measureParts(bench, 'graph.gy', gParts, 'graphGraphology', { n: GRAPH_N, e: GRAPH_E });
          if (KUZU) await measureParts(bench, 'graph.kuzu', gParts, 'graphKuzu', { n: GRAPH_N, e: GRAPH_E });
          await measureParts(bench, 'graph.worker', gParts.flatMap((x) => [`larder.${x}`, `gy.${x}`]), 'graphInWorker', { n: GRAPH_N, e: GRAPH_E });
        }
      });
    }

    if (ONLY.has('docs')) {
      const d = (x: number): string => x.toLocaleString('en-US');
      const DQ = Math.min(3000, N);
      const dParts = ['insert', 'indexed', 'unindexed', 'update', 'group', 'bulk500', 'byId', 'serial50', 'query3000', 'count'];
      const what: Record<string, [string, 'write' | 'query']> = {
        insert: [`docs insertMany of ${d(N)} (index {city, age} in place)`, 'write'],
        indexed: ['docs indexed query: city = Paris and 30 <= age <= 40 (compound index)', 'query'],
        unindexed: ['docs unindexed query: address.zip in a range (~1.7%)', 'query'],
        update: [`docs update of 1% (${d(Math.max(1, Math.floor(N / 100)))} by _id, $inc age)`, 'write'],
        group: ['docs $group by city: count + avg age', 'query'],
        bulk500: ['docs RxDB: insert 500 in bulk', 'write'],
        byId: [`docs RxDB: find ${d(DQ)} by _id`, 'query'],
        serial50: ['docs RxDB: 50 serial inserts (each awaited)', 'write'],
        query3000: [`docs RxDB: query returning ~${d(Math.round(N * 0.03))} (city = Paris and age <= 53, indexed)`, 'query'],
        count: ['docs RxDB: count (city = Paris, indexed)', 'query'],
      };
      const docRows: Row[] = [];
      for (const part of dParts) {
        const [label, kind] = what[part];
        docRows.push({
          workload: label, ours: `docs.larder.${part}`, peers: [{ key: `docs.dexie.${part}`, label: 'Dexie' }],
          kind: 'throughput', ratio: 'speedup', target: { op: '>=', x: kind === 'write' ? 20 : 5 },
        });
        if (kind === 'write') {
          // The same writes with Dexie committing as Larder does by default (strict durability).
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [{ key: `docs.dexieStrict.${part}`, label: 'Dexie, strict durability (as Larder)' }], kind: 'throughput', ratio: 'speedup' });
        }
        const loki = { key: `docs.loki.${part}`, label: 'LokiJS (in memory)' };
        const mingo = { key: `docs.mingo.${part}`, label: 'mingo over an array' };
        if (part === 'indexed') {
          // The issue's LokiJS and mingo targets are inside the worker: npm run bench:docs.
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [loki], kind: 'throughput', ratio: 'speedup' });
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [mingo], kind: 'throughput', ratio: 'speedup' });
        } else if (part === 'unindexed') {
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [mingo], kind: 'throughput', ratio: 'speedup' });
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [loki], kind: 'throughput', ratio: 'speedup' });
        } else {
          docRows.push({ workload: label, ours: `docs.larder.${part}`, peers: [loki, mingo], kind: 'throughput', ratio: 'speedup' });
        }
      }
      await group(`docs: ${N} documents`, docRows, async () => {
        for (let r = 0; r < RUNS; r++) {
          await measureParts(bench, 'docs.larder', dParts, 'docsLarder', { db: fresh('docs'), n: N });
          await measureParts(bench, 'docs.loki', dParts, 'docsLoki', { n: N });
          await measureParts(bench, 'docs.mingo', dParts, 'docsMingo', { n: N });
          if (r < SLOW_RUNS) await measureParts(bench, 'docs.dexie', dParts, 'docsDexie', { db: fresh('docs-dx'), n: N });
          if (r < SLOW_RUNS) await measureParts(bench, 'docs.dexieStrict', dParts, 'docsDexie', { db: fresh('docs-dxs'), n: N, durability: 'strict' });
        }
      });
    }

    try {
      // Stores destroyed by their workload need nothing more; the fixtures are destroyed here,
      // and the page sweeps whatever database is still listed (what a failed run left).
      const c = await bench.run('cleanup', { larder: [larderFixture].filter(Boolean), idb: [dexieFixture].filter(Boolean) });
      log(`cleanup: ${c.detail}`);
    } catch (e) {
      log(`cleanup failed: ${(e as Error).message} (the profile is deleted anyway)`);
    }
  } finally {
    await bench.close();
    await server.close();
  }

  const chromiumVersion = env.version || (/(?:Headless)?Chrome\/([\d.]+)/.exec(env.ua)?.[1] ?? 'unknown');
  console.log('');
  console.log(
    `browser benchmark: Chromium ${chromiumVersion} headless, N=${N.toLocaleString('en-US')} records of ~${env.recordBytes} B, ` +
      `median of ${RUNS} runs (${SLOW_RUNS} for Dexie bulkPut and the cold opens), ${env.cores} cores, page served by ${SERVER === 'dev' ? 'the Vite dev server (sources)' : 'vite preview of a production build'}`,
  );
  console.log(
    'Larder runs in its SharedWorker and is called from the page through its public API; the peers (Dexie, idb-keyval, raw IndexedDB, the ping worker) ' +
      "are used from the page's main thread the way apps use them, with the browser's default transaction durability unless a row says otherwise.",
  );
  if (ONLY.has('kv') || ONLY.has('graph')) {
    console.log(
      `kv and graph rows: median of ${RUNS} runs for Larder and the Map, ${SLOW_RUNS} for idb-keyval, Dexie and every graph row` +
        (ONLY.has('graph') ? `; the graph has ${GRAPH_N.toLocaleString('en-US')} nodes and ${GRAPH_E.toLocaleString('en-US')} random edges` +
          (GRAPH_N < Math.min(N, GRAPH_DEFAULT_N) ? ' (BENCH_GRAPH_N)' : GRAPH_N < 100_000 && N >= 100_000 ? ` (smaller than the issue's 100,000 / 500,000 to keep the run short; BENCH_GRAPH_N=100000 for full size)` : '') : '') +
        '. Larder figures include the page-to-worker round trips; graphology runs synchronously in the page' +
        (ONLY.has('graph') && KUZU ? '; kuzu-wasm (default build, in memory) runs in its own dedicated worker, each query a round trip, 4 in flight' : '') + '.',
    );
  }
  if (ONLY.has('docs')) {
    console.log(
      `docs rows: ${N.toLocaleString('en-US')} documents; median of ${RUNS} runs for Larder, LokiJS and mingo, ${SLOW_RUNS} for Dexie; throughput is documents (or queries) per second. ` +
        'Larder figures include the page-to-worker round trip and the result copy; LokiJS and mingo run synchronously in the page. ' +
        'A "mismatch" in place of a figure means that side returned a different count from the page\'s plain-JS oracle.',
    );
  }
  console.log('Ratio: how many times faster Larder is than the peer (peer time / Larder time per op), except "its latency" rows: Larder latency / peer latency.');
  console.log('');
  console.log('| workload | Larder | peer | peer figure | ratio | target |');
  console.log('| --- | ---: | --- | ---: | ---: | --- |');
  for (const r of rows) console.log(renderRow(r));
  console.log('');
  console.log(`(bench:browser took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:browser could not run: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
