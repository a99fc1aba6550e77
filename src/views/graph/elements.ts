/**
 * The element API of the graph view: nodes and edges one at a time or in bulk, labels, property
 * updates, removal. Each function validates every argument first, then writes through the
 * GraphStore (which keeps adjacency and indexes in step). A bulk call validates all its items
 * before writing the first, so a bad item 9,999 leaves nothing of items 0..9,998 behind (and if a
 * later check fails anyway, the engine undoes the call's batch).
 */
import { LarderError } from '../../errors.js';
import type { EdgeRec, GraphStore, NodeRec } from './store.js';
import * as check from './validate.js';
import type { Props } from './validate.js';

/** Adds a node. */
export function addNode(g: GraphStore, labels: unknown, properties: unknown): NodeRec {
  return g.createNode(check.labels(labels), check.props(properties));
}

/** Adds an edge between two existing nodes. */
export function addEdge(g: GraphStore, from: unknown, to: unknown, type: unknown, properties: unknown): EdgeRec {
  const f = check.id(from, 'from');
  const t = check.id(to, 'to');
  return g.createEdge(f, t, check.name(type, 'edge type'), check.props(properties));
}

function item(v: unknown, i: number, what: string): Record<string, unknown> {
  if (!check.isPlainObject(v)) throw new LarderError('BAD_VALUE', `${what} ${i} must be an object, got ${check.describe(v)}`);
  return v;
}

function at<T>(i: number, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LarderError) throw new LarderError(e.code, `${what} ${i}: ${e.message}`, e.details);
    throw e;
  }
}

/** Adds many nodes `{ labels, properties }` atomically; returns their ids in order. */
export function addNodes(g: GraphStore, items: unknown): number[] {
  if (!Array.isArray(items)) throw new LarderError('BAD_VALUE', 'addNodes takes an array of { labels, properties }');
  const parsed = items.map((v, i) => at(i, 'node', () => {
    const o = item(v, i, 'node');
    return { labels: check.labels(o.labels), properties: check.props(o.properties) };
  }));
  return parsed.map((p, i) => at(i, 'node', () => g.createNode(p.labels, p.properties).id));
}

/** Adds many edges `{ from, to, type, properties }` atomically; returns their ids in order. */
export function addEdges(g: GraphStore, items: unknown): number[] {
  if (!Array.isArray(items)) throw new LarderError('BAD_VALUE', 'addEdges takes an array of { from, to, type, properties }');
  const parsed = items.map((v, i) => at(i, 'edge', () => {
    const o = item(v, i, 'edge');
    return { from: check.id(o.from, 'from'), to: check.id(o.to, 'to'), type: check.name(o.type, 'edge type'), properties: check.props(o.properties) };
  }));
  return parsed.map((p, i) => at(i, 'edge', () => g.createEdge(p.from, p.to, p.type, p.properties).id));
}

/**
 * New properties from an update: `replace` takes `patch` as the whole map; otherwise it is merged
 * in, and a null (or undefined) value removes that property.
 */
export function mergeProps(old: Props, patch: unknown, replace: boolean): Props {
  if (!check.isPlainObject(patch)) throw new LarderError('BAD_VALUE', `properties must be a plain object, got ${check.describe(patch)}`);
  if (replace) return check.props(patch);
  const out: Props = { ...old };
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null || v === undefined) delete out[k];
    else out[k] = v;
  }
  check.checkStorable(out);
  return out;
}

function replaceOpt(opts: unknown): boolean {
  const o = check.options(opts, 'update options');
  if (o.mode !== undefined && o.mode !== 'merge' && o.mode !== 'replace') throw new LarderError('BAD_VALUE', `mode must be 'merge' or 'replace'`);
  return o.mode === 'replace' || o.replace === true;
}

/** Merges (or with { mode: 'replace' } replaces) a node's properties. */
export function updateNode(g: GraphStore, id: unknown, patch: unknown, opts: unknown): NodeRec {
  const n = g.mustNode(check.id(id));
  return g.writeNode(n, n.labels, mergeProps(n.properties, patch, replaceOpt(opts)));
}

/** Merges (or replaces) an edge's properties. */
export function updateEdge(g: GraphStore, id: unknown, patch: unknown, opts: unknown): EdgeRec {
  const e = g.mustEdge(check.id(id));
  return g.writeEdge(e, mergeProps(e.properties, patch, replaceOpt(opts)));
}

/** Adds labels to a node. */
export function addLabels(g: GraphStore, id: unknown, labels: unknown): NodeRec {
  const add = check.labels(labels);
  const n = g.mustNode(check.id(id));
  return g.writeNode(n, [...n.labels, ...add.filter((l) => !n.labels.includes(l))], n.properties);
}

/** Removes labels from a node. */
export function removeLabels(g: GraphStore, id: unknown, labels: unknown): NodeRec {
  const drop = check.labels(labels);
  const n = g.mustNode(check.id(id));
  return g.writeNode(n, n.labels.filter((l) => !drop.includes(l)), n.properties);
}

/** Removes an edge (NOT_FOUND when there is none). */
export function removeEdge(g: GraphStore, id: unknown): void {
  g.deleteEdge(g.mustEdge(check.id(id)));
}

/** Removes a node; refuses while it has edges unless { detach: true }. Returns edges removed. */
export function removeNode(g: GraphStore, id: unknown, opts: unknown): { edgesRemoved: number } {
  const o = check.options(opts, 'removeNode options');
  const n = g.mustNode(check.id(id));
  return { edgesRemoved: g.deleteNode(n, o.detach === true) };
}
