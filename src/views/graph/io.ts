/**
 * Whole-graph reads and writes: export pages (the facade assembles JSON from them, page by page,
 * so a large graph never becomes one message), statistics, and dropping a graph.
 */
import { decodeValue } from '../../codec/value.js';
import { LarderError } from '../../errors.js';
import { TAG, prefixRange, readId } from './keys.js';
import type { EdgeRec, GraphStore, NodeRec } from './store.js';
import * as check from './validate.js';

/** Nodes or edges with ids after `after`, at most `limit`; `last` is the id to continue after. */
export function exportPage(g: GraphStore, kind: unknown, after: unknown, limit: unknown): { items: Array<NodeRec | EdgeRec>; last: number; done: boolean } {
  if (kind !== 'nodes' && kind !== 'edges') throw new LarderError('BAD_VALUE', `kind must be 'nodes' or 'edges'`);
  const from = after === 0 || after === undefined ? 0 : check.id(after, 'after');
  const max = Math.max(1, check.count(limit, 'limit', 1000));
  const items: Array<NodeRec | EdgeRec> = [];
  let done = true;
  const it = kind === 'nodes' ? nodesAfter(g, from) : g.edges(from);
  for (const x of it) {
    if (items.length >= max) { done = false; break; }
    items.push(x);
  }
  return { items, last: items.length ? items[items.length - 1].id : from, done };
}

function* nodesAfter(g: GraphStore, after: number): IterableIterator<NodeRec> {
  const range = prefixRange(g.keys.prefix(TAG.node));
  for (const [k, v] of g.ks.range(after > 0 ? { gt: g.keys.node(after), lt: range.lt } : range)) {
    const [labels, properties] = decodeValue(v) as [string[], NodeRec['properties']];
    yield { id: readId(k, k.length - 8), labels, properties };
  }
}

/** Counts of nodes and edges, and nodes per label / edges per type. */
export function stats(g: GraphStore): { nodes: number; edges: number; labels: Record<string, number>; types: Record<string, number> } {
  let nodes = 0, edges = 0;
  const labels: Record<string, number> = {};
  const types: Record<string, number> = {};
  for (const n of g.nodes()) {
    nodes++;
    for (const l of n.labels) labels[l] = (labels[l] ?? 0) + 1;
  }
  for (const e of g.edges()) {
    edges++;
    types[e.type] = (types[e.type] ?? 0) + 1;
  }
  return { nodes, edges, labels, types };
}

/** Removes every key of the graph (records, adjacency, indexes, catalog). Returns keys removed. */
export function drop(g: GraphStore): number {
  let n = 0;
  for (const tag of Object.values(TAG)) {
    const keys = [...g.ks.range({ ...prefixRange(g.keys.prefix(tag)), keysOnly: true })].map(([k]) => k);
    for (const k of keys) if (g.batch.del(k)) n++;
  }
  return n;
}
