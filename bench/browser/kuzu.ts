/**
 * The graph suite (issue 6) on kuzu-wasm, the other peer: Kùzu's official WebAssembly
 * build, its default variant (single-threaded, Emscripten's in-memory filesystem, no
 * cross-origin isolation needed) and its async API, which runs the database in a dedicated
 * Worker of its own and answers every call through postMessage, as Larder answers from its
 * SharedWorker.
 *
 * The same graph and the same random picks as graphLarder / graphGraphology (makeGraph):
 * - build: `CREATE NODE TABLE Person(i INT64, age INT64, PRIMARY KEY (i))`,
 *   `CREATE REL TABLE KNOWS(FROM Person TO Person)`, then the nodes and edges written as two CSV
 *   files into the worker's in-memory filesystem (`FS.writeFile`) and loaded with `COPY`; the
 *   timed part includes making the CSV text;
 * - neighbors: `MATCH (a:Person {i: $i})-[:KNOWS]->(b:Person) RETURN DISTINCT b.i, b.age`;
 * - bfs: `MATCH (a:Person {i: $i})-[:KNOWS*1..3]->(b:Person) RETURN DISTINCT b.i` (+ the start);
 * - path: `MATCH p = (a:Person {i: $a})-[:KNOWS* SHORTEST 1..30]->(b:Person {i: $b}) RETURN length(p)`;
 * - cypher: CYPHER itself.
 * Each query is prepared once (untimed) and executed once per input, INFLIGHT (4) at a time (see
 * runAll), each result read with getAllRows and closed. Every part's count is checked
 * against a plain-JS oracle on the same arrays; a differing count is reported as a mismatch.
 * The database is in memory (`:memory:`) and closed at the end of the run; the worker stays for
 * the page's lifetime (kuzu-wasm cannot restart it once closed).
 *
 * The multithreaded build (`kuzu-wasm/multithreaded`) was tried with the page cross-origin
 * isolated (COOP same-origin + COEP require-corp on the preview server; Larder's SharedWorker and
 * IndexedDB worked under them): it loads and builds the graph (with maxNumThreads 2), then hangs
 * on the first query set, logging Emscripten's "Tried to spawn a new thread, but the thread pool
 * is exhausted" (the build has a fixed pool of 8 pthread workers), with 4 calls in flight and
 * with 1; hence the default build here.
 */
import { CYPHER, CYPHER_AGE, makeGraph, type BenchGraph } from '../graph-suite.js';
import type { Params, Sample } from './workloads.js';

/** The parts of kuzu-wasm's async API used here (the package ships no type declarations). */
interface KuzuResult {
  getAllRows(): Promise<unknown[][]>;
  close(): Promise<void>;
}
interface KuzuPrepared {
  isSuccess(): boolean;
  getErrorMessage(): Promise<string>;
  close(): Promise<void>;
}
interface KuzuConnection {
  query(statement: string): Promise<KuzuResult>;
  prepare(statement: string): Promise<KuzuPrepared>;
  execute(prepared: KuzuPrepared, params: Record<string, unknown>): Promise<KuzuResult>;
  close(): Promise<void>;
}
interface KuzuDatabase {
  close(): Promise<void>;
}
interface Kuzu {
  setWorkerPath(path: string): void;
  init(): Promise<void>;
  getVersion(): Promise<string>;
  Database: new (path: string) => KuzuDatabase;
  Connection: new (db: KuzuDatabase) => KuzuConnection;
  FS: { writeFile(path: string, data: string): Promise<void>; unlink(path: string): Promise<void> };
}

let loading: Promise<Kuzu> | undefined;

/**
 * Loads kuzu-wasm on first use (its 15 MB worker script, with the wasm inside, is fetched only
 * then) and starts its worker. The worker script is served as a separate asset: Vite copies it
 * through the `new URL(..., import.meta.url)` below. The path given to kuzu-wasm is root-relative
 * on purpose: given an absolute URL, threads.js starts the worker from a blob: URL that
 * `importScripts` the real one.
 */
function kuzu(): Promise<Kuzu> {
  return (loading ??= (async () => {
    // @ts-expect-error kuzu-wasm ships no type declarations
    const k = ((await import('kuzu-wasm')) as { default: Kuzu }).default;
    k.setWorkerPath(new URL('../../node_modules/kuzu-wasm/kuzu_wasm_worker.js', import.meta.url).pathname);
    await k.init();
    return k;
  })().catch((e: unknown) => {
    loading = undefined; // a failed start may be retried
    throw e;
  }));
}

/** kuzu-wasm's version string (loads it). */
export async function kuzuVersion(): Promise<string> {
  return (await kuzu()).getVersion();
}

/** The counts each part must find, computed in plain JS on the same arrays (untimed). */
function oracle(g: BenchGraph): Record<string, string> {
  const start = new Uint32Array(g.n + 1);
  for (let j = 0; j < g.e; j++) start[g.from[j] + 1]++;
  for (let i = 0; i < g.n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, g.n);
  const adj = new Uint32Array(g.e);
  for (let j = 0; j < g.e; j++) adj[fill[g.from[j]]++] = g.to[j];
  const out = (v: number): Uint32Array => adj.subarray(start[v], start[v + 1]);

  let reached = 0;
  for (const i of g.hop) reached += new Set(out(i)).size;

  const depth = new Int32Array(g.n);
  /** BFS from a; depths in `depth` (-1 unreached), stops expanding at maxDepth or when `stop` is reached. */
  const bfs = (a: number, maxDepth: number, stop = -1): number => {
    depth.fill(-1);
    depth[a] = 0;
    let frontier = [a];
    let visits = 1;
    for (let d = 1; d <= maxDepth && frontier.length; d++) {
      if (stop >= 0 && depth[stop] >= 0) break;
      const next: number[] = [];
      for (const v of frontier) for (const w of out(v)) if (depth[w] === -1) { depth[w] = d; next.push(w); visits++; }
      frontier = next;
    }
    return visits;
  };
  let visited = 0;
  for (const i of g.bfs) visited += bfs(i, 3);

  let found = 0;
  let hops = 0;
  for (const [a, b] of g.pairs) {
    bfs(a, g.n, b);
    if (depth[b] >= 0) { found++; hops += depth[b]; }
  }

  let rows = 0;
  for (const a of g.cypher) {
    for (let e1 = start[a]; e1 < start[a + 1]; e1++) {
      const b = adj[e1];
      for (let e2 = start[b]; e2 < start[b + 1]; e2++) if (e2 !== e1 && g.age[adj[e2]] >= CYPHER_AGE) rows++;
    }
  }
  return { neighbors: `${reached} neighbours`, bfs: `${visited} visits`, path: `${found} found, ${hops} hops`, cypher: `${rows} rows` };
}

/** Calls in flight per query set: the fastest for the neighbours (1, 4, 16, 64 tried at 10,000 nodes); 1 to 8 differed little on the others. */
const INFLIGHT = 4;

/**
 * Executes `prepared` once per params object, at most `limit` calls in flight (a small pool, not
 * all at once: kuzu-wasm's dispatcher, threads.js, adds one message listener per pending call and
 * hands every reply to all of them, so 1,000 calls in flight cost ~18 s where 1 to 64 cost 1-2 s);
 * returns each result's rows, in order.
 */
async function runAll(conn: KuzuConnection, prepared: KuzuPrepared, params: Array<Record<string, unknown>>, limit = INFLIGHT): Promise<unknown[][][]> {
  const out = new Array<unknown[][]>(params.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, params.length) }, async () => {
    while (next < params.length) {
      const x = next++;
      const r = await conn.execute(prepared, params[x]);
      try {
        out[x] = await r.getAllRows();
      } finally {
        await r.close();
      }
    }
  }));
  return out;
}

async function prepare(conn: KuzuConnection, statement: string): Promise<KuzuPrepared> {
  const p = await conn.prepare(statement);
  if (!p.isSuccess()) throw new Error(`kuzu could not prepare ${statement}: ${await p.getErrorMessage()}`);
  return p;
}

async function query(conn: KuzuConnection, statement: string): Promise<void> {
  const r = await conn.query(statement);
  await r.close();
}

let runSeq = 0;

export const kuzuWorkloads = {
  /** kuzu-wasm (in memory, in its own worker): the graph suite, one sample per part. */
  async graphKuzu(p: Params): Promise<Sample> {
    if (p.n === undefined || p.e === undefined) throw new Error('missing parameter n or e');
    const g = makeGraph(p.n, p.e);
    const k = await kuzu();
    const db = new k.Database(':memory:');
    const conn = new k.Connection(db);
    const dir = `/bench-${Date.now().toString(36)}-${++runSeq}`;
    const files: string[] = [];
    const parts: Record<string, Sample> = {};
    const now = (): number => performance.now();
    try {
      await query(conn, 'CREATE NODE TABLE Person(i INT64, age INT64, PRIMARY KEY (i))');
      await query(conn, 'CREATE REL TABLE KNOWS(FROM Person TO Person)');

      const t0 = now();
      const nodeLines = new Array<string>(g.n);
      for (let i = 0; i < g.n; i++) nodeLines[i] = `${i},${g.age[i]}`;
      files.push(`${dir}-nodes.csv`);
      await k.FS.writeFile(files[0], nodeLines.join('\n') + '\n');
      await query(conn, `COPY Person FROM '${files[0]}' (HEADER=false)`);
      const tNodes = now() - t0;
      const edgeLines = new Array<string>(g.e);
      for (let j = 0; j < g.e; j++) edgeLines[j] = `${g.from[j]},${g.to[j]}`;
      files.push(`${dir}-edges.csv`);
      await k.FS.writeFile(files[1], edgeLines.join('\n') + '\n');
      await query(conn, `COPY KNOWS FROM '${files[1]}' (HEADER=false)`);
      parts.build = { ms: now() - t0, ops: g.n + g.e, detail: `nodes ${tNodes.toFixed(0)} ms + edges ${(now() - t0 - tNodes).toFixed(0)} ms (CSV + COPY; kuzu-wasm ${await k.getVersion()})` };
      const want = oracle(g);
      const check = (part: string, got: string): void => {
        parts[part].detail = got;
        if (got !== want[part]) parts[part] = { ms: 0, ops: 0, error: `mismatch: ${got}, expected ${want[part]}` };
      };

      const qNeighbors = await prepare(conn, 'MATCH (a:Person {i: $i})-[:KNOWS]->(b:Person) RETURN DISTINCT b.i, b.age');
      let rs = await (async () => {
        const t = now();
        const r = await runAll(conn, qNeighbors, g.hop.map((i) => ({ i })));
        parts.neighbors = { ms: now() - t, ops: g.hop.length };
        return r;
      })();
      check('neighbors', `${rs.reduce((a, r) => a + r.length, 0)} neighbours`);

      const qBfs = await prepare(conn, 'MATCH (a:Person {i: $i})-[:KNOWS*1..3]->(b:Person) RETURN DISTINCT b.i');
      let t = now();
      rs = await runAll(conn, qBfs, g.bfs.map((i) => ({ i })));
      parts.bfs = { ms: now() - t, ops: g.bfs.length };
      // The start counts as a visit (as in the BFS of the other sides) unless a cycle already returned it.
      let visited = 0;
      rs.forEach((r, x) => { visited += r.length + (r.some((row) => Number(row[0]) === g.bfs[x]) ? 0 : 1); });
      check('bfs', `${visited} visits`);

      // A node's path to itself has 0 hops; Kùzu's SHORTEST needs a lower bound of at least 1, so
      // such a pair (none at the default sizes) is answered without a query.
      const qPath = await prepare(conn, 'MATCH p = (a:Person {i: $a})-[:KNOWS* SHORTEST 1..30]->(b:Person {i: $b}) RETURN length(p)');
      const pairs = g.pairs.filter(([a, b]) => a !== b);
      t = now();
      rs = await runAll(conn, qPath, pairs.map(([a, b]) => ({ a, b })));
      parts.path = { ms: now() - t, ops: g.pairs.length };
      let found = g.pairs.length - pairs.length;
      let hops = 0;
      for (const r of rs) if (r.length) { found++; hops += Number(r[0][0]); }
      check('path', `${found} found, ${hops} hops`);

      const qCypher = await prepare(conn, CYPHER);
      t = now();
      rs = await runAll(conn, qCypher, g.cypher.map((i) => ({ i, age: CYPHER_AGE })));
      parts.cypher = { ms: now() - t, ops: g.cypher.length };
      check('cypher', `${rs.reduce((a, r) => a + r.length, 0)} rows`);

      for (const q of [qNeighbors, qBfs, qPath, qCypher]) await q.close();
      return { ms: 0, ops: 0, parts };
    } finally {
      await conn.close().catch(() => {});
      await db.close().catch(() => {});
      for (const f of files) await k.FS.unlink(f).catch(() => {});
    }
  },
} satisfies Record<string, (p: Params) => Promise<Sample>>;
