/**
 * The graph read cache (src/views/graph/cache.ts) never serves what the keyspace does not hold:
 * random writes — single and batched, failing batches that roll back part-way, transactions
 * that throw, Cypher CREATE/SET/DELETE, detach deletes, updates — interleaved with reads
 * (neighbors, edges, degree, traverse, shortestPath, getNode), each compared with a JS model.
 * The same store serves another graph and kv writes at the same time, so foreign writes also
 * bump the versions the cache checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
beforeAll(async () => { store = await openStore(`graph-cache-${Date.now()}`, { worker: false, persist: false }); });
afterAll(async () => { await store.close(); });

/** A tiny seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Model {
  nodes: Map<number, { labels: string[]; properties: Record<string, unknown> }>;
  edges: Map<number, { from: number; to: number; type: string; w?: number }>;
}

/** Unweighted shortest path length in the model (out direction), or -1. */
function bfsLength(m: Model, from: number, to: number): number {
  if (from === to) return 0;
  const dist = new Map([[from, 0]]);
  let frontier = [from];
  while (frontier.length) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const e of m.edges.values()) {
        if (e.from !== u || dist.has(e.to)) continue;
        dist.set(e.to, dist.get(u)! + 1);
        if (e.to === to) return dist.get(to)!;
        next.push(e.to);
      }
    }
    frontier = next;
  }
  return -1;
}

describe('graph read cache', () => {
  for (const seed of [11, 12, 13]) {
    it(`matches a model through writes, rollbacks and foreign writes (seed ${seed})`, async () => {
      const rand = rng(seed);
      const g = store.graph(`cache${seed}`);
      const other = store.graph(`other${seed}`);
      const m: Model = { nodes: new Map(), edges: new Map() };
      const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rand() * xs.length)] : undefined);
      const ids = (): number[] => [...m.nodes.keys()];
      const type = (): string => pick(['A', 'B', 'C'])!;

      const check = async (): Promise<void> => {
        const n = pick(ids());
        if (n === undefined) return;
        const out = [...new Set([...m.edges.values()].filter((e) => e.from === n).map((e) => e.to))].sort((a, b) => a - b);
        const inn = [...new Set([...m.edges.values()].filter((e) => e.to === n).map((e) => e.from))].sort((a, b) => a - b);
        expect((await g.neighbors(n, { direction: 'out' })).map((x) => x.id).sort((a, b) => a - b)).toEqual(out);
        expect((await g.neighbors(n, { direction: 'in' })).map((x) => x.id).sort((a, b) => a - b)).toEqual(inn);
        const typeA = [...m.edges.entries()].filter(([, e]) => (e.from === n || e.to === n) && e.type === 'A').map(([id]) => id).sort((a, b) => a - b);
        expect((await g.edges(n, { types: ['A'] })).map((e) => e.id).sort((a, b) => a - b)).toEqual(typeA);
        expect(await g.degree(n, { direction: 'out' })).toBe([...m.edges.values()].filter((e) => e.from === n).length);
        for (const x of await g.neighbors(n, { direction: 'out' })) expect(x.properties).toEqual(m.nodes.get(x.id)!.properties);
        for (const e of await g.edges(n)) expect(e.properties.w).toBe(m.edges.get(e.id)!.w);
        const some = pick([...m.edges.keys()]);
        if (some !== undefined) expect((await g.getEdge(some))?.properties.w).toBe(m.edges.get(some)!.w);
        const to = pick(ids())!;
        const p = await g.shortestPath(n, to, { direction: 'out' });
        expect(p ? p.edges.length : -1).toBe(bfsLength(m, n, to));
        let visits = 0;
        for await (const _ of g.traverse(n, { direction: 'out', maxDepth: 2 })) visits++;
        expect(visits).toBeGreaterThanOrEqual(1);
      };

      for (let step = 0; step < 250; step++) {
        const r = rand();
        const a = pick(ids());
        const b = pick(ids());
        if (r < 0.2 || a === undefined || b === undefined) {
          const v = Math.floor(rand() * 100);
          const node = await g.addNode(['P'], { v });
          m.nodes.set(node.id, { labels: ['P'], properties: { v } });
        } else if (r < 0.4) {
          const t = type();
          const e = await g.addEdge(a, b, t);
          m.edges.set(e.id, { from: a, to: b, type: t });
        } else if (r < 0.47) {
          // A batch whose last edge points at a missing node fails whole: the earlier edges were
          // written (and seen by the cache) before the rollback.
          await expect(g.addEdges([{ from: a, to: b, type: 'A' }, { from: b, to: a, type: 'B' }, { from: a, to: 9e9, type: 'C' }])).rejects.toThrow();
        } else if (r < 0.53) {
          await expect(store.transaction(async (tx) => {
            const t = tx.graph(`cache${seed}`);
            await t.addEdge(a, b, 'A');
            await t.removeNode(b, { detach: true });
            await t.addNode(['Q'], {});
            throw new Error('abort');
          })).rejects.toThrow('abort');
        } else if (r < 0.6) {
          const e = pick([...m.edges.keys()]);
          if (e !== undefined) { await g.removeEdge(e); m.edges.delete(e); }
        } else if (r < 0.65) {
          const { edgesRemoved } = await g.removeNode(a, { detach: true });
          const gone = [...m.edges.entries()].filter(([, e]) => e.from === a || e.to === a);
          expect(edgesRemoved).toBe(gone.length);
          for (const [id] of gone) m.edges.delete(id);
          m.nodes.delete(a);
        } else if (r < 0.72) {
          const v = Math.floor(rand() * 100);
          await g.updateNode(a, { v });
          m.nodes.get(a)!.properties.v = v;
        } else if (r < 0.75 && m.edges.size) {
          const e = pick([...m.edges.keys()])!;
          const w = Math.floor(rand() * 100);
          if (rand() < 0.5) await g.updateEdge(e, { w });
          else await g.query('MATCH ()-[r]->() WHERE id(r) = $e SET r.w = $w', { e, w });
          m.edges.get(e)!.w = w;
        } else if (r < 0.78) {
          const res = await g.query('MATCH (x), (y) WHERE id(x) = $a AND id(y) = $b CREATE (x)-[e:B]->(y) RETURN id(e) AS e', { a, b });
          m.edges.set(res.rows[0][0] as number, { from: a, to: b, type: 'B' });
        } else if (r < 0.82) {
          const v = Math.floor(rand() * 100);
          await g.query('MATCH (x) WHERE id(x) = $a SET x.v = $v', { a, v });
          m.nodes.get(a)!.properties.v = v;
        } else if (r < 0.88) {
          // Foreign writes: another graph and the kv view.
          const o = await other.addNode(['X'], {});
          await other.addEdge(o.id, o.id, 'SELF');
          await store.kv.set(`k${step}`, 'v');
        } else await check();
      }
      await check();
      expect((await g.stats()).edges).toBe(m.edges.size);
      expect((await g.stats()).nodes).toBe(m.nodes.size);
    });
  }
});
