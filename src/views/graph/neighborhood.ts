/**
 * edges / neighbors / degree: one node's adjacency, read with one prefix seek per direction (and
 * per type when types are given).
 */
import { checkFilter, matches } from './filter.js';
import type { EdgeRec, GraphStore, NodeRec } from './store.js';
import * as check from './validate.js';

interface AdjOptions {
  direction: check.Direction;
  types?: string[];
  where?: Record<string, unknown>;
  limit: number;
}

function adjOptions(opts: unknown, dflt: check.Direction): AdjOptions {
  const o = check.options(opts, 'options');
  checkFilter(o.where);
  return {
    direction: check.direction(o.direction, dflt),
    types: check.types(o.types ?? o.type),
    where: (o.where as Record<string, unknown>) ?? undefined,
    limit: check.count(o.limit, 'limit', Infinity),
  };
}

/** The edges of node `id` (default direction 'both'). */
export function edges(g: GraphStore, id: unknown, opts: unknown): EdgeRec[] {
  const o = adjOptions(opts, 'both');
  const n = check.id(id);
  g.mustNode(n);
  const out: EdgeRec[] = [];
  for (const s of g.steps(n, o.direction, o.types)) {
    if (out.length >= o.limit) break;
    const e = g.edge(s.edge);
    if (e && matches(e.properties, o.where)) out.push(e);
  }
  return out;
}

/** The distinct nodes adjacent to node `id` (default direction 'both'), in adjacency order. */
export function neighbors(g: GraphStore, id: unknown, opts: unknown): NodeRec[] {
  const o = adjOptions(opts, 'both');
  const n = check.id(id);
  g.mustNode(n);
  const { others } = g.adjacent(n, o.direction, o.types);
  // Most nodes have a handful of neighbours: a linear check beats building a Set.
  const seen: number[] | Set<number> = others.length > 32 ? new Set<number>() : [];
  const out: NodeRec[] = [];
  for (let i = 0; i < others.length && out.length < o.limit; i++) {
    const v = others[i];
    if (Array.isArray(seen)) {
      if (seen.includes(v)) continue;
      seen.push(v);
    } else {
      if (seen.has(v)) continue;
      seen.add(v);
    }
    const m = g.node(v);
    if (m && matches(m.properties, o.where)) out.push(m);
  }
  return out;
}

/** The number of edges of node `id` (default direction 'both'); a self-loop counts once. */
export function degree(g: GraphStore, id: unknown, opts: unknown): number {
  const o = adjOptions(opts, 'both');
  const n = check.id(id);
  g.mustNode(n);
  return g.degree(n, o.direction, o.types);
}
