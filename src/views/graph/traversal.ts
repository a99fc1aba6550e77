/**
 * traverse: breadth- or depth-first walks from one node over the adjacency keys.
 *
 * Both orders mark a node seen when it is first reached (pushed), like graphology-traversal, so
 * every node is reported at most once, BFS depths are hop distances and DFS depths are depths in
 * the DFS tree. Neighbours are taken in adjacency-key order (type, then neighbour id, then edge
 * id), outgoing before incoming for 'both'.
 *
 * `where` prunes: a node whose properties fail it is neither reported nor walked through (the
 * start node is always walked from). The facade pages through a traversal with `offset` and
 * `batch`: the walk is deterministic, so page k re-runs it and skips what was already delivered.
 * That costs a re-walk per page, which is why the facade doubles the page size each time.
 */
import { LarderError } from '../../errors.js';
import { checkFilter, matches } from './filter.js';
import type { GraphStore, NodeRec } from './store.js';
import * as check from './validate.js';

/** One visited node. */
export interface Visit {
  node: NodeRec;
  depth: number;
  /** The route from the start: node ids (start first) and the edge ids between them. */
  path: { nodes: number[]; edges: number[] };
}

/** Parsed traverse options. */
export interface TraverseOptions {
  direction: check.Direction;
  types?: string[];
  minDepth: number;
  maxDepth: number;
  order: 'bfs' | 'dfs';
  where?: Record<string, unknown>;
  limit: number;
}

/** Validates traverse options. */
export function traverseOptions(opts: unknown): TraverseOptions {
  const o = check.options(opts, 'traverse options');
  const order = o.order ?? 'bfs';
  if (order !== 'bfs' && order !== 'dfs') throw new LarderError('BAD_VALUE', `order must be 'bfs' or 'dfs', got ${check.describe(order)}`);
  checkFilter(o.where);
  const minDepth = check.count(o.minDepth, 'minDepth', 0);
  const maxDepth = check.count(o.maxDepth, 'maxDepth', Infinity);
  return {
    direction: check.direction(o.direction),
    types: check.types(o.types ?? o.type),
    minDepth,
    maxDepth,
    order,
    where: (o.where as Record<string, unknown>) ?? undefined,
    limit: check.count(o.limit, 'limit', Infinity),
  };
}

interface Rec {
  id: number;
  depth: number;
  parent: Rec | undefined;
  edge: number;
}

function pathOf(r: Rec): { nodes: number[]; edges: number[] } {
  const nodes: number[] = [];
  const edges: number[] = [];
  for (let c: Rec | undefined = r; c; c = c.parent) {
    nodes.push(c.id);
    if (c.parent) edges.push(c.edge);
  }
  return { nodes: nodes.reverse(), edges: edges.reverse() };
}

/**
 * Walks from `start`, calling `emit` for each reported node; stops when `emit` returns false.
 * Throws NOT_FOUND when the start node does not exist.
 */
export function walk(g: GraphStore, start: number, o: TraverseOptions, emit: (v: Visit) => boolean): void {
  const first = g.mustNode(start);
  const seen = new Set<number>([start]);
  const nodes = new Map<number, NodeRec>([[start, first]]);
  const root: Rec = { id: start, depth: 0, parent: undefined, edge: 0 };
  const work: Rec[] = [root];
  let head = 0;
  let reported = 0;
  while (o.order === 'bfs' ? head < work.length : work.length > 0) {
    const r = o.order === 'bfs' ? work[head++] : work.pop()!;
    const node = nodes.get(r.id)!;
    nodes.delete(r.id);
    if (r.depth >= o.minDepth && (r === root ? matches(node.properties, o.where) : true)) {
      if (reported >= o.limit) return;
      reported++;
      if (!emit({ node, depth: r.depth, path: pathOf(r) })) return;
    }
    if (r.depth >= o.maxDepth) continue;
    for (const s of g.steps(r.id, o.direction, o.types)) {
      if (seen.has(s.other)) continue;
      const n = g.node(s.other);
      if (!n) continue;
      if (o.where && !matches(n.properties, o.where)) continue;
      seen.add(s.other);
      nodes.set(s.other, n);
      work.push({ id: s.other, depth: r.depth + 1, parent: r, edge: s.edge });
    }
  }
}

/** One page of a traversal: the visits after the first `offset`, at most `batch` of them. */
export function traversePage(g: GraphStore, start: number, opts: unknown, offset: unknown, batch: unknown): { items: Visit[]; done: boolean } {
  const o = traverseOptions(opts);
  const skip = check.count(offset, 'offset', 0);
  const size = Math.max(1, check.count(batch, 'batch', Infinity));
  const items: Visit[] = [];
  let i = 0;
  let done = true;
  walk(g, check.id(start, 'start'), o, (v) => {
    if (i++ < skip) return true;
    if (items.length >= size) { done = false; return false; }
    items.push(v);
    return true;
  });
  return { items, done };
}
