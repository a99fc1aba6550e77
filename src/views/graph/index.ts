/**
 * The graph view: a property graph with traversals, shortest paths and a Cypher subset (issue 6).
 *
 * Every method takes the graph's name first; the facade (src/client/graph.ts) supplies it. Each
 * call binds a GraphStore to the call's batch, runs, and writes the id counters back once. The
 * key layout is in keys.ts; README.md in this folder maps the files.
 */
import { LarderError } from '../../errors.js';
import type { View, ViewContext } from '../view.js';
import { listGraphs } from './catalog.js';
import { runQuery } from './cypher/query.js';
import * as el from './elements.js';
import { findEdges, findNodes, indexArgs } from './find.js';
import { drop, exportPage, stats } from './io.js';
import { TAG, readId } from './keys.js';
import { degree, edges, neighbors } from './neighborhood.js';
import { allShortestPaths, pathOptions, shortestPath } from './paths.js';
import { GraphStore } from './store.js';
import { traversePage } from './traversal.js';
import * as check from './validate.js';
import { decodeKeyComponent } from '../../keys/encode.js';

/** Binds a method body to the graph named by its first argument; flushes the id counters. */
function bound<A extends unknown[], R>(body: (g: GraphStore, ...args: A) => R): (ctx: ViewContext, name: unknown, ...args: A) => R {
  return (ctx, name, ...args) => {
    const g = new GraphStore(ctx, check.graphName(name));
    const r = body(g, ...args);
    g.catalog.flush();
    return r;
  };
}

function getNode(g: GraphStore, id: unknown) {
  return g.node(check.id(id)) ?? null;
}

function getEdge(g: GraphStore, id: unknown) {
  return g.edge(check.id(id)) ?? null;
}

function createIndex(g: GraphStore, label: unknown, property: unknown, opts: unknown) {
  const a = indexArgs(label, property, opts);
  const existing = g.catalog.find(a.kind, a.label, a.property);
  if (existing) {
    if (existing.unique !== a.unique) throw new LarderError('BAD_VALUE', `an index on ${a.label}.${a.property} already exists with unique: ${existing.unique}; drop it first`);
    return { label: a.label, property: a.property, unique: a.unique, on: a.kind === 'n' ? 'node' : 'edge', entries: -1, created: false };
  }
  const def = { kind: a.kind, label: a.label, property: a.property, unique: a.unique };
  const entries = g.buildIndex(def);
  g.catalog.addIndex(def);
  return { label: a.label, property: a.property, unique: a.unique, on: a.kind === 'n' ? 'node' : 'edge', entries, created: true };
}

function dropIndex(g: GraphStore, label: unknown, property: unknown, opts: unknown): boolean {
  const a = indexArgs(label, property, opts);
  const def = g.catalog.find(a.kind, a.label, a.property);
  if (!def) return false;
  g.clearIndex(def);
  g.catalog.dropIndex(def);
  return true;
}

function listIndexes(g: GraphStore) {
  return g.catalog.indexes().map((d) => ({ label: d.label, property: d.property, unique: d.unique, on: d.kind === 'n' ? 'node' : 'edge' }));
}

function shortest(g: GraphStore, from: unknown, to: unknown, opts: unknown) {
  return shortestPath(g, check.id(from, 'from'), check.id(to, 'to'), pathOptions(opts));
}

function allShortest(g: GraphStore, from: unknown, to: unknown, opts: unknown) {
  return allShortestPaths(g, check.id(from, 'from'), check.id(to, 'to'), pathOptions(opts));
}

const NAMES: Record<number, string> = { [TAG.node]: 'node', [TAG.edge]: 'edge' };

/** Describes a changed N or E key for the change feed: `graph:<name>:node:<id>`. */
function describeKey(key: Uint8Array): string | undefined {
  const what = NAMES[key[0]];
  if (!what) return undefined;
  try {
    const g = decodeKeyComponent(key, 1);
    return `graph:${g.value as string}:${what}:${readId(key, g.offset)}`;
  } catch {
    return undefined;
  }
}

/** The graph view, registered with the worker as target 'graph'. */
export const graphView: View = {
  name: 'graph',
  tag: TAG.node,
  tags: [TAG.catalog, TAG.edge, TAG.out, TAG.in, TAG.label, TAG.prop],
  methods: {
    addNode: bound(el.addNode),
    addEdge: bound(el.addEdge),
    addNodes: bound(el.addNodes),
    addEdges: bound(el.addEdges),
    getNode: bound(getNode),
    getEdge: bound(getEdge),
    updateNode: bound(el.updateNode),
    updateEdge: bound(el.updateEdge),
    addLabels: bound(el.addLabels),
    removeLabels: bound(el.removeLabels),
    removeEdge: bound(el.removeEdge),
    removeNode: bound(el.removeNode),
    findNodes: bound(findNodes),
    findEdges: bound(findEdges),
    createIndex: bound(createIndex),
    dropIndex: bound(dropIndex),
    listIndexes: bound(listIndexes),
    edges: bound(edges),
    neighbors: bound(neighbors),
    degree: bound(degree),
    traverse: bound(traversePage),
    shortestPath: bound(shortest),
    allShortestPaths: bound(allShortest),
    query: bound(runQuery),
    exportPage: bound(exportPage),
    stats: bound(stats),
    drop: bound(drop),
    listGraphs: (ctx: ViewContext) => listGraphs(ctx.ks),
  },
  describeKey,
};

