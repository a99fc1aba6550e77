/**
 * Traversals and shortest paths, differential against graphology (graphology-traversal and
 * graphology-shortest-path as the oracle) on random graphs: directed (out / in) and undirected
 * (both) views, all types or one, with and without weights. Every returned path is also checked
 * to be real: consecutive nodes joined by an existing edge of an allowed type and direction.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { DirectedGraph, UndirectedGraph } from 'graphology';
import { bfsFromNode, dfsFromNode } from 'graphology-traversal';
import { bidirectional as unweightedPath, singleSourceLength } from 'graphology-shortest-path/unweighted';
import { bidirectional as dijkstraPath } from 'graphology-shortest-path/dijkstra';
import { openStore, LarderError, type Store } from '../src/index.js';
import type { Graph, Path, Visit } from '../src/client/graph.js';

type Dir = 'out' | 'in' | 'both';
interface E { id: number; from: number; to: number; type: string; w: number }

let store: Store;
let seq = 0;
beforeAll(async () => { store = await openStore(`graph-paths-${Date.now()}`, { worker: false, persist: false }); });
afterAll(async () => { await store.close(); });

/** A random simple directed graph: n nodes, distinct (from, to) pairs, no self-loops. */
const graphArb = (maxN: number, maxM: number) =>
  fc.integer({ min: 2, max: maxN }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.uniqueArray(
        fc.record({ from: fc.integer({ min: 1, max: n }), to: fc.integer({ min: 1, max: n }), type: fc.constantFrom('A', 'B'), w: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.double({ min: 0, max: 10, noNaN: true })) }),
        { minLength: Math.min(n, maxM), maxLength: maxM, size: 'max', selector: (e) => `${e.from}>${e.to}` },
      ).map((es) => es.filter((e) => e.from !== e.to)),
      pairs: fc.array(fc.tuple(fc.integer({ min: 1, max: n }), fc.integer({ min: 1, max: n })), { minLength: 3, maxLength: 6 }),
    }),
  );

async function build(n: number, edges: Array<Omit<E, 'id'>>): Promise<{ g: Graph; es: E[] }> {
  const g = store.graph(`g${++seq}`);
  const ids = await g.addNodes(Array.from({ length: n }, (_, i) => ({ labels: ['V'], properties: { i: i + 1 } })));
  expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const eids = await g.addEdges(edges.map((e) => ({ from: e.from, to: e.to, type: e.type, properties: { w: e.w } })));
  return { g, es: edges.map((e, i) => ({ ...e, id: eids[i] })) };
}

/**
 * The oracle graph for a direction and a type filter: undirected for 'both' (parallel edges merged,
 * the lighter weight kept), reversed for 'in'.
 */
function oracle(n: number, es: E[], dir: Dir, types?: string[]) {
  const G = dir === 'both' ? new UndirectedGraph() : new DirectedGraph();
  for (let i = 1; i <= n; i++) G.addNode(String(i));
  for (const e of es) {
    if (types && !types.includes(e.type)) continue;
    // 'in' walks edges backwards: the oracle is the reversed graph, walked outbound.
    const [a, b] = dir === 'in' ? [String(e.to), String(e.from)] : [String(e.from), String(e.to)];
    if (G.hasEdge(a, b)) {
      const cur = G.getEdgeAttribute(G.edge(a, b), 'w') as number;
      if (e.w < cur) G.setEdgeAttribute(G.edge(a, b), 'w', e.w);
    } else G.addEdge(a, b, { w: e.w });
  }
  return G;
}

/** Throws unless `p` is a real path from its first to its last node under dir/types. */
function checkPath(p: { nodes: number[]; edges: number[] }, byId: Map<number, E>, dir: Dir, types?: string[]): number {
  expect(p.nodes.length).toBe(p.edges.length + 1);
  let cost = 0;
  p.edges.forEach((eid, i) => {
    const e = byId.get(eid)!;
    expect(e, `edge ${eid} exists`).toBeDefined();
    if (types) expect(types).toContain(e.type);
    const [a, b] = [p.nodes[i], p.nodes[i + 1]];
    const fwd = e.from === a && e.to === b;
    const bwd = e.from === b && e.to === a;
    expect(dir === 'out' ? fwd : dir === 'in' ? bwd : fwd || bwd, `edge ${eid} joins ${a} and ${b} going ${dir}`).toBe(true);
    cost += e.w;
  });
  return cost;
}

const MODES: Array<{ dir: Dir; types?: string[] }> = [
  { dir: 'out' }, { dir: 'in' }, { dir: 'both' }, { dir: 'out', types: ['A'] }, { dir: 'in', types: ['B'] }, { dir: 'both', types: ['A'] },
];
const graphologyMode = (_d: Dir) => 'outbound' as const;

async function collect(it: AsyncIterable<Visit>): Promise<Visit[]> {
  const out: Visit[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** Number of distinct shortest edge-paths s -> t (reference model over the edge list). */
function countShortest(n: number, es: E[], s: number, t: number, dir: Dir, types?: string[]): { dist: number; count: number } | null {
  const adj = new Map<number, number[]>();
  for (let i = 1; i <= n; i++) adj.set(i, []);
  for (const e of es) {
    if (types && !types.includes(e.type)) continue;
    if (dir !== 'in') adj.get(e.from)!.push(e.to);
    if (dir !== 'out') adj.get(e.to)!.push(e.from);
  }
  const dist = new Map([[s, 0]]);
  const ways = new Map([[s, 1]]);
  let frontier = [s];
  while (frontier.length) {
    const next: number[] = [];
    for (const u of frontier) for (const v of adj.get(u)!) {
      const d = dist.get(u)! + 1;
      if (!dist.has(v)) { dist.set(v, d); ways.set(v, 0); next.push(v); }
      if (dist.get(v) === d) ways.set(v, ways.get(v)! + ways.get(u)!);
    }
    frontier = next;
  }
  return dist.has(t) ? { dist: dist.get(t)!, count: ways.get(t)! } : null;
}

/**
 * Reference count of cheapest simple paths s -> t: O(n^2) Dijkstra over the edge list, then a DFS
 * over "tight" edges (dist[u] + w = dist[v]) that never revisits a node.
 */
function countCheapest(n: number, es: E[], s: number, t: number, dir: Dir, types?: string[]): number {
  const adj = new Map<number, Array<[number, number]>>();
  for (let i = 1; i <= n; i++) adj.set(i, []);
  for (const e of es) {
    if (types && !types.includes(e.type)) continue;
    if (dir !== 'in') adj.get(e.from)!.push([e.to, e.w]);
    if (dir !== 'out') adj.get(e.to)!.push([e.from, e.w]);
  }
  const dist = new Map<number, number>([[s, 0]]);
  const done = new Set<number>();
  for (;;) {
    let u = -1;
    for (const [v, d] of dist) if (!done.has(v) && (u < 0 || d < dist.get(u)!)) u = v;
    if (u < 0) break;
    done.add(u);
    for (const [v, w] of adj.get(u)!) if (!dist.has(v) || dist.get(u)! + w < dist.get(v)!) dist.set(v, dist.get(u)! + w);
  }
  if (s === t) return 1;
  const tight = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
  const seen = new Set<number>([s]);
  const dfs = (u: number): number => {
    if (u === t) return 1;
    let c = 0;
    for (const [v, w] of adj.get(u)!) {
      if (seen.has(v) || !dist.has(v) || !tight(dist.get(u)! + w, dist.get(v)!) || dist.get(v)! > dist.get(t)! + 1e-9) continue;
      seen.add(v);
      c += dfs(v);
      seen.delete(v);
    }
    return c;
  };
  return dfs(s);
}

describe('graph traversals: differential against graphology-traversal', () => {
  it('bfs and dfs visit the same nodes at the same depths, with valid paths', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(graphArb(50, 160), async ({ n, edges, pairs }) => {
        const { g, es } = await build(n, edges);
        const byId = new Map(es.map((e) => [e.id, e]));
        for (const { dir, types } of MODES) {
          const G = oracle(n, es, dir, types);
          const start = pairs[0][0];
          for (const order of ['bfs', 'dfs'] as const) {
            const expected: Array<[number, number]> = [];
            (order === 'bfs' ? bfsFromNode : dfsFromNode)(G, String(start), (node: string, _a: unknown, depth: number) => { expected.push([Number(node), depth]); }, { mode: graphologyMode(dir) });
            const got = await collect(g.traverse(start, { direction: dir, types, order }));
            const pairsGot = got.map((v) => [v.node.id, v.depth] as [number, number]);
            if (order === 'bfs') {
              // Depths are hop distances whatever the neighbour order.
              expect(new Map(pairsGot)).toEqual(new Map(expected));
            } else {
              expect(new Set(pairsGot.map((p) => p[0]))).toEqual(new Set(expected.map((p) => p[0])));
            }
            // One relationship type, one direction: neighbour orders coincide (ascending ids),
            // so the whole visiting sequence, depths included, must be identical.
            if (dir !== 'both' && types) expect(pairsGot).toEqual(expected);
            for (const v of got) {
              expect(v.path.nodes[0]).toBe(start);
              expect(v.path.nodes[v.path.nodes.length - 1]).toBe(v.node.id);
              expect(v.path.edges.length).toBe(v.depth);
              checkPath(v.path, byId, dir, types);
            }
            checked++;
          }
          // Depth limits and early stop.
          const limited = await collect(g.traverse(start, { direction: dir, types, minDepth: 1, maxDepth: 2 }));
          expect(new Map(limited.map((v) => [v.node.id, v.depth]))).toEqual(new Map(expected2(G, start, dir)));
        }
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(0);
  });

  it('stops early and pages through long traversals', async () => {
    const n = 600;
    const { g } = await build(n, Array.from({ length: n - 1 }, (_, i) => ({ from: i + 1, to: i + 2, type: 'NEXT', w: 1 })));
    const all = await collect(g.traverse(1));
    expect(all.map((v) => v.node.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(all[n - 1].depth).toBe(n - 1);
    const first: number[] = [];
    for await (const v of g.traverse(1, { order: 'dfs' })) {
      first.push(v.node.id);
      if (first.length === 5) break;
    }
    expect(first).toEqual([1, 2, 3, 4, 5]);
    expect((await collect(g.traverse(1, { limit: 70 }))).length).toBe(70);
    expect((await collect(g.traverse(300, { direction: 'in', where: { i: { $gte: 290 } } }))).map((v) => v.node.id)).toEqual([300, 299, 298, 297, 296, 295, 294, 293, 292, 291, 290]);
  });
});

function expected2(G: DirectedGraph | UndirectedGraph, start: number, dir: Dir): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  bfsFromNode(G, String(start), (node: string, _a: unknown, depth: number) => {
    if (depth >= 1 && depth <= 2) out.push([Number(node), depth]);
    return depth >= 2;
  }, { mode: graphologyMode(dir) });
  return out;
}

describe('shortest paths: differential against graphology-shortest-path', () => {
  it('unweighted: same length as graphology, valid paths, maxDepth respected, all shortest paths counted', async () => {
    let found = 0;
    await fc.assert(
      fc.asyncProperty(graphArb(60, 220), async ({ n, edges, pairs }) => {
        const { g, es } = await build(n, edges);
        const byId = new Map(es.map((e) => [e.id, e]));
        for (const { dir, types } of MODES) {
          const G = oracle(n, es, dir, types);
          for (const [s, t] of pairs) {
            const want = unweightedPath(G, String(s), String(t));
            const got = await g.shortestPath(s, t, { direction: dir, types });
            if (want === null) { expect(got).toBeNull(); continue; }
            expect(got).not.toBeNull();
            found++;
            expect(got!.edges.length).toBe(want.length - 1);
            expect(got!.cost).toBe(want.length - 1);
            expect(got!.nodes[0]).toBe(s);
            expect(got!.nodes[got!.nodes.length - 1]).toBe(t);
            checkPath(got!, byId, dir, types);
            const d = want.length - 1;
            if (d > 0) expect(await g.shortestPath(s, t, { direction: dir, types, maxDepth: d - 1 })).toBeNull();
            expect((await g.shortestPath(s, t, { direction: dir, types, maxDepth: d }))?.edges.length).toBe(d);
            const all = await g.allShortestPaths(s, t, { direction: dir, types, limit: 100000 });
            const ref = countShortest(n, es, s, t, dir, types)!;
            expect(ref.dist).toBe(d);
            expect(all.length).toBe(ref.count);
            expect(new Set(all.map((p) => p.edges.join(','))).size).toBe(all.length);
            for (const p of all) { expect(p.edges.length).toBe(d); checkPath(p, byId, dir, types); }
          }
          // Distances from one source agree with singleSourceLength everywhere.
          const lengths = singleSourceLength(G, String(pairs[0][0]));
          {
            for (const [node, len] of Object.entries(lengths).slice(0, 8)) {
              expect((await g.shortestPath(pairs[0][0], Number(node), { direction: dir, types }))?.cost).toBe(len);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(found).toBeGreaterThan(0);
  });

  it('weighted: same cost as graphology dijkstra, valid paths whose weights add up', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb(50, 200), async ({ n, edges, pairs }) => {
        const { g, es } = await build(n, edges);
        const byId = new Map(es.map((e) => [e.id, e]));
        for (const { dir, types } of MODES) {
          const G = oracle(n, es, dir, types);
          for (const [s, t] of pairs) {
            const want = s === t ? [String(s)] : dijkstraPath(G, String(s), String(t), 'w');
            const got = await g.shortestPath(s, t, { direction: dir, types, weight: 'w' });
            if (!want || want.length === 0) { expect(got).toBeNull(); continue; }
            let cost = 0;
            for (let i = 0; i + 1 < want.length; i++) cost += G.getEdgeAttribute(G.edge(want[i], want[i + 1]), 'w') as number;
            expect(got).not.toBeNull();
            expect(got!.cost).toBeCloseTo(cost, 9);
            expect(checkPath(got!, byId, dir, types)).toBeCloseTo(got!.cost, 9);
            const all = await g.allShortestPaths(s, t, { direction: dir, types, weight: 'w' });
            expect(all.length).toBeGreaterThan(0);
            expect(new Set(all.map((p) => p.edges.join(','))).size).toBe(all.length);
            for (const p of all) {
              expect(p.cost).toBeCloseTo(cost, 9);
              expect(checkPath(p, byId, dir, types)).toBeCloseTo(cost, 9);
            }
            // A hop limit gives the cheapest path within it: never cheaper, never longer.
            const hops = Math.max(1, got!.edges.length - 1);
            const capped = await g.shortestPath(s, t, { direction: dir, types, weight: 'w', maxDepth: hops });
            if (capped) {
              expect(capped.edges.length).toBeLessThanOrEqual(hops);
              expect(capped.cost).toBeGreaterThanOrEqual(cost - 1e-9);
              expect(checkPath(capped, byId, dir, types)).toBeCloseTo(capped.cost, 9);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('weighted allShortestPaths lists every cheapest path (small weights, many ties)', async () => {
    let multi = 0;
    const tiny = fc.integer({ min: 2, max: 25 }).chain((n) => fc.record({
      n: fc.constant(n),
      edges: fc.uniqueArray(fc.record({ from: fc.integer({ min: 1, max: n }), to: fc.integer({ min: 1, max: n }), type: fc.constantFrom('A', 'B'), w: fc.integer({ min: 1, max: 3 }) }), { minLength: n, maxLength: 4 * n, size: 'max', selector: (e) => `${e.from}>${e.to}` }).map((es) => es.filter((e) => e.from !== e.to)),
      pairs: fc.array(fc.tuple(fc.integer({ min: 1, max: n }), fc.integer({ min: 1, max: n })), { minLength: 3, maxLength: 6 }),
    }));
    await fc.assert(
      fc.asyncProperty(tiny, async ({ n, edges, pairs }) => {
        const { g, es } = await build(n, edges);
        const byId = new Map(es.map((e) => [e.id, e]));
        for (const { dir, types } of MODES) {
          for (const [s, t] of pairs) {
            const one = await g.shortestPath(s, t, { direction: dir, types, weight: 'w' });
            const all = await g.allShortestPaths(s, t, { direction: dir, types, weight: 'w', limit: 100000 });
            expect(all.length).toBe(one ? countCheapest(n, es, s, t, dir, types) : 0);
            expect(new Set(all.map((p) => p.edges.join(','))).size).toBe(all.length);
            for (const p of all) expect(checkPath(p, byId, dir, types)).toBe(one!.cost);
            if (all.length > 1) multi++;
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(multi).toBeGreaterThan(0);
  });

  it('negative or non-numeric weights are a clear BAD_VALUE; unknown nodes are NOT_FOUND', async () => {
    const g = store.graph(`neg${++seq}`);
    const [a, b, c] = await g.addNodes([{}, {}, {}]);
    await g.addEdge(a, b, 'R', { w: 2 });
    const bad = await g.addEdge(b, c, 'R', { w: -1 });
    const err = await g.shortestPath(a, c, { weight: 'w' }).catch((e) => e);
    expect(err).toBeInstanceOf(LarderError);
    expect(err.code).toBe('BAD_VALUE');
    expect(err.message).toMatch(new RegExp(`edge ${bad.id} has a negative weight`));
    await g.updateEdge(bad.id, { w: 'heavy' });
    expect((await g.shortestPath(a, c, { weight: 'w' }).catch((e) => e)).message).toMatch(/non-numeric/);
    expect(await g.shortestPath(a, c)).toEqual({ nodes: [a, b, c], edges: [1, 2], cost: 2 });
    expect((await g.shortestPath(a, 999).catch((e) => e)).code).toBe('NOT_FOUND');
    expect((await g.shortestPath(a, c, { direction: 'sideways' as 'out' }).catch((e) => e)).code).toBe('BAD_VALUE');
    expect(await g.shortestPath(a, a)).toEqual({ nodes: [a], edges: [], cost: 0 });
  });
});

export type { Path };
