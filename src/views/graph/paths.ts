/**
 * Shortest paths over the adjacency keys.
 *
 * - Unweighted: bidirectional BFS. Each round expands one whole level of the smaller frontier
 *   (forward along `direction`, backward against it); the first level that makes the two searches
 *   meet holds a shortest path, and the best meeting node of that level is taken.
 * - Weighted (`weight` names a numeric edge property): Dijkstra from the source, stopping when the
 *   target is settled. A missing property weighs 1 (as graphology's default); a negative or
 *   non-numeric one is a BAD_VALUE naming the edge. With a finite `maxDepth` the search runs over
 *   (node, hops) states, so the answer is the cheapest path of at most maxDepth edges.
 * - allShortestPaths: every path of minimal length (or cost), found from the predecessor DAG of a
 *   BFS (or Dijkstra with ties) and enumerated back from the target, up to `limit` paths.
 */
import { LarderError } from '../../errors.js';
import { MinHeap } from './heap.js';
import type { GraphStore } from './store.js';
import * as check from './validate.js';

/** A path: node ids, the edge ids between them, and its cost (hops, or summed weights). */
export interface Path {
  nodes: number[];
  edges: number[];
  cost: number;
}

/** Parsed path options. */
export interface PathOptions {
  direction: check.Direction;
  types?: string[];
  maxDepth: number;
  weight?: string;
  limit: number;
}

/** Validates shortestPath/allShortestPaths options (direction defaults to 'out'). */
export function pathOptions(opts: unknown, dflt: check.Direction = 'out'): PathOptions {
  const o = check.options(opts, 'path options');
  return {
    direction: check.direction(o.direction, dflt),
    types: check.types(o.types ?? o.type),
    maxDepth: check.count(o.maxDepth, 'maxDepth', Infinity),
    weight: o.weight === undefined || o.weight === null ? undefined : check.name(o.weight, 'weight'),
    limit: Math.max(1, check.count(o.limit, 'limit', 1000)),
  };
}

const REVERSE: Record<check.Direction, check.Direction> = { out: 'in', in: 'out', both: 'both' };

/** The weight of edge `id` under property `prop`. */
export function edgeWeight(g: GraphStore, id: number, prop: string): number {
  const e = g.edge(id);
  const w = e?.properties[prop];
  if (w === undefined) return 1;
  const x = typeof w === 'bigint' ? Number(w) : w;
  if (typeof x !== 'number' || Number.isNaN(x)) throw new LarderError('BAD_VALUE', `edge ${id} has a non-numeric weight ${prop} = ${check.describe(w)}`, { id });
  if (x < 0) throw new LarderError('BAD_VALUE', `edge ${id} has a negative weight ${prop} = ${x}; shortest paths need non-negative weights`, { id });
  return x;
}

interface Link {
  prev: number;
  edge: number;
}

/** Follows `links` from `end` back to the root; returns nodes and edges root-first. */
function unwind(links: Map<number, Link | null>, end: number): { nodes: number[]; edges: number[] } {
  const nodes = [end];
  const edges: number[] = [];
  for (let l = links.get(end); l; l = links.get(l.prev)) {
    nodes.push(l.prev);
    edges.push(l.edge);
  }
  return { nodes: nodes.reverse(), edges: edges.reverse() };
}

/** The shortest path from `from` to `to`, or null. Both must exist (NOT_FOUND otherwise). */
export function shortestPath(g: GraphStore, from: number, to: number, o: PathOptions): Path | null {
  g.mustNode(from);
  g.mustNode(to);
  if (from === to) return { nodes: [from], edges: [], cost: 0 };
  if (o.weight !== undefined) return dijkstra(g, from, to, o, false)[0] ?? null;
  return bidiBfs(g, from, to, o);
}

function bidiBfs(g: GraphStore, from: number, to: number, o: PathOptions): Path | null {
  // Each side maps a reached node to how it was reached (null for its root) and its depth.
  const fwd = new Map<number, Link | null>([[from, null]]);
  const bwd = new Map<number, Link | null>([[to, null]]);
  const depthOf = [new Map([[from, 0]]), new Map([[to, 0]])];
  let fF = [from], fB = [to];
  let dF = 0, dB = 0;
  while (fF.length && fB.length && dF + dB < o.maxDepth) {
    const forward = fF.length <= fB.length;
    const mine = forward ? fwd : bwd;
    const other = forward ? bwd : fwd;
    const frontier = forward ? fF : fB;
    const dir = forward ? o.direction : REVERSE[o.direction];
    const side = forward ? 0 : 1;
    const depth = forward ? dF : dB;
    const myDepth = depthOf[side];
    const next: number[] = [];
    let best: { node: number; total: number } | undefined;
    for (const u of frontier) {
      const { edges, others } = g.adjacent(u, dir, o.types);
      for (let i = 0; i < edges.length; i++) {
        const v = others[i];
        if (mine.has(v)) continue;
        mine.set(v, { prev: u, edge: edges[i] });
        myDepth.set(v, depth + 1);
        next.push(v);
        if (other.has(v)) {
          const total = depth + 1 + depthOf[1 - side].get(v)!;
          if (!best || total < best.total) best = { node: v, total };
        }
      }
    }
    if (forward) { fF = next; dF++; } else { fB = next; dB++; }
    if (best) {
      if (best.total > o.maxDepth) return null;
      const a = unwind(fwd, best.node);
      const b = unwind(bwd, best.node);
      const nodes = a.nodes.concat(b.nodes.reverse().slice(1));
      const edges = a.edges.concat(b.edges.reverse());
      return { nodes, edges, cost: edges.length };
    }
  }
  return null;
}

/** All shortest paths from `from` to `to` (at most o.limit), cheapest first; [] when none. */
export function allShortestPaths(g: GraphStore, from: number, to: number, o: PathOptions): Path[] {
  g.mustNode(from);
  g.mustNode(to);
  if (from === to) return [{ nodes: [from], edges: [], cost: 0 }];
  if (o.weight !== undefined) return dijkstra(g, from, to, o, true);
  // BFS levels from the source, recording every predecessor one level up.
  const dist = new Map<number, number>([[from, 0]]);
  const preds = new Map<number, Link[]>();
  let frontier = [from];
  let depth = 0;
  while (frontier.length && !dist.has(to) && depth < o.maxDepth) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const s of g.steps(u, o.direction, o.types)) {
        const d = dist.get(s.other);
        if (d === undefined) {
          dist.set(s.other, depth + 1);
          next.push(s.other);
          preds.set(s.other, [{ prev: u, edge: s.edge }]);
        } else if (d === depth + 1) preds.get(s.other)!.push({ prev: u, edge: s.edge });
      }
    }
    frontier = next;
    depth++;
  }
  if (!dist.has(to)) return [];
  return enumerate(preds, from, to, o.limit).map((p) => ({ ...p, cost: p.edges.length }));
}

/** Enumerates root-to-`to` paths through a predecessor DAG, at most `limit`. */
function enumerate(preds: Map<number, Link[]>, from: number, to: number, limit: number): Array<{ nodes: number[]; edges: number[] }> {
  const out: Array<{ nodes: number[]; edges: number[] }> = [];
  const nodes: number[] = [to];
  const edges: number[] = [];
  const rec = (u: number): void => {
    if (out.length >= limit) return;
    if (u === from) {
      out.push({ nodes: [...nodes].reverse(), edges: [...edges].reverse() });
      return;
    }
    for (const l of preds.get(u) ?? []) {
      nodes.push(l.prev);
      edges.push(l.edge);
      rec(l.prev);
      nodes.pop();
      edges.pop();
      if (out.length >= limit) return;
    }
  };
  rec(to);
  return out;
}

/** Relative tolerance for "equal cost" ties (sums of the same weights in another order). */
const EPS = 1e-12;
function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= EPS * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Dijkstra from `from` until `to` is settled. States are nodes, or (node, hops) when maxDepth is
 * finite. Weights are read once per edge. One path comes from the predecessor links; with `all`,
 * the search goes on until every state as cheap as the target is settled, and the paths are
 * enumerated backwards from the target over "tight" edges (dist[u] + w = dist[v]) whose source was
 * settled first. With positive weights that is every cheapest path; with zero-weight edges, a tie
 * that needs a zero-weight step against the settle order is not listed (this keeps the walk a DAG
 * walk: no dead ends, no zero-weight cycles, work in proportion to the paths returned).
 */
function dijkstra(g: GraphStore, from: number, to: number, o: PathOptions, all: boolean): Path[] {
  const hopsBound = Number.isFinite(o.maxDepth);
  const stride = hopsBound ? o.maxDepth + 1 : 1;
  // A state is node * stride + hops (hops is 0 when unbounded); the check keeps that exact.
  if (hopsBound && (2 ** 53) / stride < 2 ** 40) throw new LarderError('BAD_VALUE', 'maxDepth is too large for a weighted search');
  const stateOf = (node: number, hops: number) => node * stride + (hopsBound ? hops : 0);
  const nodeOf = (st: number) => (hopsBound ? Math.floor(st / stride) : st);
  const hopsOf = (st: number) => (hopsBound ? st % stride : 0);
  const weights = new Map<number, number>();
  const weightOf = (e: number) => {
    let w = weights.get(e);
    if (w === undefined) { w = edgeWeight(g, e, o.weight!); weights.set(e, w); }
    return w;
  };
  const start = stateOf(from, 0);
  const dist = new Map<number, number>([[start, 0]]);
  const pred = new Map<number, Link>();
  const settled = new Map<number, number>(); // state -> settle rank
  const heap = new MinHeap<number>();
  heap.push(0, start);
  let best = Infinity;
  const targets: number[] = [];
  while (heap.size) {
    const [d, st] = heap.pop()!;
    if (settled.has(st) || d > dist.get(st)!) continue;
    if (d > best && !same(d, best)) break;
    settled.set(st, settled.size);
    const node = nodeOf(st);
    if (node === to) {
      if (d < best) best = d;
      targets.push(st);
      if (!all) break;
      continue;
    }
    if (hopsBound && hopsOf(st) >= o.maxDepth) continue;
    for (const s of [...g.steps(node, o.direction, o.types)]) {
      const ns = stateOf(s.other, hopsOf(st) + 1);
      if (settled.has(ns)) continue;
      const nd = d + weightOf(s.edge);
      const cur = dist.get(ns);
      if (cur === undefined || nd < cur) {
        dist.set(ns, nd);
        pred.set(ns, { prev: st, edge: s.edge });
        heap.push(nd, ns);
      }
    }
  }
  if (targets.length === 0) return [];
  if (!all) {
    const t = targets[0];
    const nodes = [t];
    const edges: number[] = [];
    for (let l = pred.get(t); l; l = pred.get(l.prev)) { nodes.push(l.prev); edges.push(l.edge); }
    return [{ nodes: nodes.reverse().map(nodeOf), edges: edges.reverse(), cost: dist.get(t)! }];
  }
  const out: Path[] = [];
  const back = REVERSE[o.direction];
  const nodes: number[] = [];
  const edges: number[] = [];
  const onPath = new Set<number>();
  const walkBack = (st: number): void => {
    const node = nodeOf(st);
    nodes.push(node);
    onPath.add(node);
    if (st === start) {
      out.push({ nodes: [...nodes].reverse(), edges: [...edges].reverse(), cost: best });
    } else if (!hopsBound || hopsOf(st) > 0) {
      for (const s of [...g.steps(node, back, o.types)]) {
        if (out.length >= o.limit) break;
        if (onPath.has(s.other)) continue;
        const ps = stateOf(s.other, hopsOf(st) - 1);
        // Only from a state settled earlier: the tight edges then form a DAG, so every branch
        // reaches the source and the walk costs time in proportion to the paths it lists.
        if (!(settled.get(ps)! < settled.get(st)!) || !same(dist.get(ps)! + weightOf(s.edge), dist.get(st)!)) continue;
        edges.push(s.edge);
        walkBack(ps);
        edges.pop();
      }
    }
    nodes.pop();
    onPath.delete(node);
  };
  for (const t of targets) {
    if (out.length >= o.limit) break;
    if (same(dist.get(t)!, best)) walkBack(t);
  }
  return out;
}
