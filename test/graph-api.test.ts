/**
 * The graph API end to end in Node: elements, labels, updates, removal, indexes, find with the
 * filter language (against mingo), adjacency queries, bad input (clear errors, nothing half
 * written), transactions, and a random-operation property test against a JS model with the
 * keyspace invariants checked by scanning the raw keys (store.export()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Query } from 'mingo';
import { openStore, LarderError, type Store } from '../src/index.js';
import type { Graph, GraphEdge, GraphNode } from '../src/client/graph.js';
import { graphKeyspace, checkInvariants } from './fixtures/graph/keyspace.js';

let store: Store;
let seq = 0;
beforeAll(async () => { store = await openStore(`graph-api-${Date.now()}`, { worker: false, persist: false }); });
afterAll(async () => { await store.close(); });
const fresh = () => store.graph(`g${++seq}`);

async function fails(p: Promise<unknown>, code: string, message?: RegExp): Promise<LarderError> {
  const e = await p.then(() => null, (x) => x);
  expect(e, 'expected a rejection').toBeInstanceOf(LarderError);
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe('nodes and edges', () => {
  it('adds, reads, updates and removes with generated ids', async () => {
    const g = fresh();
    const a = await g.addNode(['Person'], { name: 'Ann', age: 30 });
    const b = await g.addNode('Person', { name: 'Bo' });
    expect(a).toEqual({ id: 1, labels: ['Person'], properties: { name: 'Ann', age: 30 } });
    expect(b.id).toBe(2);
    const e = await g.addEdge(a.id, b.id, 'KNOWS', { since: 2020 });
    expect(e).toEqual({ id: 1, from: 1, to: 2, type: 'KNOWS', properties: { since: 2020 } });
    expect(await g.getNode(a.id)).toEqual(a);
    expect(await g.getEdge(e.id)).toEqual(e);
    expect(await g.getNode(99)).toBeNull();
    expect((await g.updateNode(a.id, { age: 31, city: 'Oslo' })).properties).toEqual({ name: 'Ann', age: 31, city: 'Oslo' });
    expect((await g.updateNode(a.id, { city: null })).properties).toEqual({ name: 'Ann', age: 31 });
    expect((await g.updateNode(a.id, { name: 'Ann' }, { mode: 'replace' })).properties).toEqual({ name: 'Ann' });
    expect((await g.updateEdge(e.id, { weight: 2 })).properties).toEqual({ since: 2020, weight: 2 });
    expect((await g.updateEdge(e.id, {}, { mode: 'replace' })).properties).toEqual({});
    expect((await g.addLabels(a.id, ['Admin', 'Person'])).labels).toEqual(['Person', 'Admin']);
    expect((await g.removeLabels(a.id, 'Person')).labels).toEqual(['Admin']);
    await fails(g.removeNode(a.id), 'BAD_VALUE', /still has 1 edge/);
    await g.removeEdge(e.id);
    await fails(g.removeEdge(e.id), 'NOT_FOUND');
    expect(await g.removeNode(a.id)).toEqual({ edgesRemoved: 0 });
    expect(await g.getNode(a.id)).toBeNull();
    // Ids are never reused.
    expect((await g.addNode([], {})).id).toBe(3);
  });

  it('edges, neighbors and degree by direction and type; self-loops counted once', async () => {
    const g = fresh();
    const [a, b, c] = await g.addNodes([{ labels: 'N', properties: { k: 'a' } }, { labels: 'N', properties: { k: 'b' } }, { labels: 'N', properties: { k: 'c' } }]);
    await g.addEdges([
      { from: a, to: b, type: 'X' },
      { from: a, to: c, type: 'Y' },
      { from: c, to: a, type: 'X' },
      { from: a, to: a, type: 'SELF' },
      { from: a, to: b, type: 'X', properties: { second: true } },
    ]);
    expect(await g.degree(a)).toBe(5);
    expect(await g.degree(a, { direction: 'out' })).toBe(4);
    expect(await g.degree(a, { direction: 'in' })).toBe(2);
    expect(await g.degree(a, { direction: 'both', types: ['X'] })).toBe(3);
    expect((await g.edges(a, { direction: 'out', type: 'X' })).map((e) => e.properties)).toEqual([{}, { second: true }]);
    expect((await g.neighbors(a, { direction: 'out' })).map((n) => n.properties.k).sort()).toEqual(['a', 'b', 'c']);
    expect((await g.neighbors(a, { direction: 'in', types: 'X' })).map((n) => n.properties.k)).toEqual(['c']);
    expect((await g.neighbors(a, { where: { k: { $in: ['b', 'c'] } } })).map((n) => n.properties.k).sort()).toEqual(['b', 'c']);
    expect((await g.edges(a, { where: { second: true } })).length).toBe(1);
    expect(await g.removeNode(a, { detach: true })).toEqual({ edgesRemoved: 5 });
    expect(await g.degree(b)).toBe(0);
    expect(await g.stats()).toEqual({ nodes: 2, edges: 0, labels: { N: 2 }, types: {} });
  });
});

describe('bad input: clear errors, nothing half written', () => {
  it('rejects malformed ids, labels, types and properties', async () => {
    const g = fresh();
    const n = await g.addNode('L', { x: 1 });
    await fails(g.getNode('abc' as unknown as number), 'BAD_VALUE', /positive integer id/);
    await fails(g.getNode(-1), 'BAD_VALUE');
    await fails(g.updateNode(999, { x: 1 }), 'NOT_FOUND', /node 999 does not exist/);
    await fails(g.addLabels(999, 'X'), 'NOT_FOUND');
    await fails(g.addNode([1 as unknown as string]), 'BAD_VALUE', /label 0 must be a non-empty string/);
    await fails(g.addNode(['']), 'BAD_VALUE');
    await fails(g.addNode('L', [1, 2] as unknown as Record<string, unknown>), 'BAD_VALUE', /plain object/);
    await fails(g.addNode('L', { f: () => 1 }), 'BAD_VALUE');
    await fails(g.addNode('L', { s: Symbol('x') }), 'BAD_VALUE');
    await fails(g.addNode('L', { m: new Map() }), 'BAD_VALUE');
    await fails(g.addEdge(n.id, 999, 'R'), 'NOT_FOUND', /to node 999: it does not exist/);
    await fails(g.addEdge(999, n.id, 'R'), 'NOT_FOUND', /from node 999/);
    await fails(g.addEdge(n.id, n.id, 7 as unknown as string), 'BAD_VALUE', /edge type/);
    await fails(g.updateNode(n.id, 'x' as unknown as Record<string, unknown>), 'BAD_VALUE');
    await fails(g.findNodes({ where: { x: { $frobnicate: 'a' } } }), 'BAD_QUERY', /\$frobnicate/);
    await fails(g.traverse(n.id, { order: 'sideways' as 'bfs' })[Symbol.asyncIterator]().next(), 'BAD_VALUE');
    await fails(g.traverse(999)[Symbol.asyncIterator]().next(), 'NOT_FOUND');
    await fails(g.createIndex('L', ''), 'BAD_VALUE');
    expect(await g.stats()).toEqual({ nodes: 1, edges: 0, labels: { L: 1 }, types: {} });
  });

  it('bulk calls write all or nothing', async () => {
    const g = fresh();
    await fails(g.addNodes([{ labels: 'A' }, { labels: 'A', properties: { ok: 1 } }, { labels: [5 as unknown as string] }]), 'BAD_VALUE', /node 2: label 0/);
    expect((await g.stats()).nodes).toBe(0);
    const ids = await g.addNodes([{ labels: 'A' }, { labels: 'A' }]);
    await fails(g.addEdges([{ from: ids[0], to: ids[1], type: 'R' }, { from: ids[0], to: 42, type: 'R' }]), 'NOT_FOUND', /edge 1: .*node 42/);
    expect((await g.stats()).edges).toBe(0);
    expect(await checkInvariants(store, g.graphName)).toEqual({ nodes: 2, edges: 0 });
    // The failed call consumed no ids either.
    expect(await g.addEdges([{ from: ids[0], to: ids[1], type: 'R' }])).toEqual([1]);
  });

  it('a transaction that throws leaves no graph change', async () => {
    const g = fresh();
    await g.addNode('A', { n: 0 });
    await expect(store.transaction(async (tx) => {
      const t = tx.graph(g.graphName);
      const x = await t.addNode('A', { n: 1 });
      await t.addEdge(1, x.id, 'R');
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await g.stats()).toEqual({ nodes: 1, edges: 0, labels: { A: 1 }, types: {} });
    await checkInvariants(store, g.graphName);
  });
});

describe('indexes and find', () => {
  it('unique indexes refuse duplicates on add, update, label change and creation', async () => {
    const g = fresh();
    const a = await g.addNode('User', { email: 'a@x' });
    const b = await g.addNode('User', { email: 'b@x' });
    expect(await g.createIndex('User', 'email', { unique: true })).toMatchObject({ entries: 2, created: true });
    await fails(g.addNode('User', { email: 'a@x' }), 'DUPLICATE_KEY', /node 1 already has User.email/);
    await fails(g.updateNode(b.id, { email: 'a@x' }), 'DUPLICATE_KEY');
    const c = await g.addNode('Guest', { email: 'a@x' });
    await fails(g.addLabels(c.id, 'User'), 'DUPLICATE_KEY');
    expect((await g.getNode(c.id))!.labels).toEqual(['Guest']);
    await g.updateNode(a.id, { email: 'a2@x' });
    expect((await g.addLabels(c.id, 'User')).labels).toEqual(['Guest', 'User']);
    await g.addNode('Item', { sku: 1 });
    await g.addNode('Item', { sku: 1 });
    await fails(g.createIndex('Item', 'sku', { unique: true }), 'DUPLICATE_KEY');
    expect(await g.listIndexes()).toEqual([{ label: 'User', property: 'email', unique: true, on: 'node' }]);
    expect(await g.dropIndex('User', 'email')).toBe(true);
    expect(await g.addNode('User', { email: 'b@x' })).toMatchObject({ id: 6 });
    await checkInvariants(store, g.graphName);
  });

  it('findNodes / findEdges agree with mingo, with and without indexes', async () => {
    const g = fresh();
    const colors = ['red', 'green', 'blue', null];
    const nodes = Array.from({ length: 120 }, (_, i) => ({ labels: i % 3 ? ['P'] : ['P', 'Q'], properties: { i, mod: i % 7, color: colors[i % 4] ?? undefined, tags: i % 5 ? ['x'] : ['x', 'y'] } }));
    const ids = await g.addNodes(nodes);
    await g.addEdges(ids.slice(1).map((id, k) => ({ from: ids[k], to: id, type: k % 2 ? 'A' : 'B', properties: { w: k % 9 } })));
    const filters: Array<Record<string, unknown>> = [
      {}, { mod: 3 }, { mod: { $gt: 2, $lte: 5 } }, { color: 'red' }, { color: null }, { color: { $exists: false } }, { color: { $in: ['red', 'blue'] } },
      { color: { $nin: ['red'] } }, { $or: [{ mod: 1 }, { color: 'green' }] }, { $and: [{ mod: { $ne: 1 } }, { i: { $lt: 40 } }] }, { tags: 'y' },
      { i: { $gte: 100 } }, { constructor: 'x' }, { toString: { $exists: true } }, { i: { $not: { $gt: 5 } } }, { mod: { $gte: '3' } }, { $nor: [{ mod: 0 }, { mod: 6 }] },
    ];
    const check = async () => {
      for (const where of filters) {
        for (const label of [undefined, 'P', 'Q']) {
          const want = nodes.map((n, k) => ({ ...n, id: ids[k] })).filter((n) => (!label || n.labels.includes(label)) && new Query(where).test(n.properties)).map((n) => n.id);
          expect((await g.findNodes({ label, where })).map((n) => n.id), JSON.stringify({ label, where })).toEqual(want);
        }
        const edges = await g.findEdges({ type: 'A', where: { w: where.mod ?? { $gte: 0 } } });
        expect(edges.every((e) => e.type === 'A')).toBe(true);
      }
    };
    await check();
    await g.createIndex('P', 'mod');
    await g.createIndex('Q', 'color');
    await g.createIndex('P', 'i', { unique: true });
    await g.createIndex('A', 'w', { on: 'edge' });
    await check();
    expect((await g.findNodes({ label: 'P', where: { mod: 3 }, skip: 2, limit: 3 })).map((n) => n.properties.i)).toEqual([17, 24, 31]);
    expect((await g.findEdges({ type: 'A', where: { w: 4 } })).map((e) => e.properties.w)).toEqual(Array(6).fill(4));
    await checkInvariants(store, g.graphName);
  });
});

describe('random operations against a model, with keyspace invariants', () => {
  type Op =
    | { k: 'node'; labels: string[]; p: Record<string, number> }
    | { k: 'edge'; a: number; b: number; t: string }
    | { k: 'rmNode'; a: number; detach: boolean }
    | { k: 'rmEdge'; a: number }
    | { k: 'update'; a: number; p: Record<string, number | null> }
    | { k: 'labels'; a: number; add: boolean; l: string }
    | { k: 'index'; l: string; prop: string };
  const label = fc.constantFrom('A', 'B', 'C');
  const prop = fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: 0, max: 4 }), { maxKeys: 3 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('node' as const), labels: fc.uniqueArray(label, { maxLength: 2 }), p: prop }) },
    { weight: 5, arbitrary: fc.record({ k: fc.constant('edge' as const), a: fc.nat(30), b: fc.nat(30), t: fc.constantFrom('R', 'S') }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('rmNode' as const), a: fc.nat(30), detach: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('rmEdge' as const), a: fc.nat(60) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('update' as const), a: fc.nat(30), p: fc.dictionary(fc.constantFrom('x', 'y'), fc.option(fc.integer({ min: 0, max: 4 }))) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('labels' as const), a: fc.nat(30), add: fc.boolean(), l: label }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('index' as const), l: label, prop: fc.constantFrom('x', 'y') }) },
  );

  it('the graph equals the model and every key is consistent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
        const g = fresh();
        const nodes = new Map<number, GraphNode>();
        const edges = new Map<number, GraphEdge>();
        const live = <T>(m: Map<number, T>, i: number) => [...m.keys()][i % Math.max(1, m.size)];
        for (const o of ops) {
          switch (o.k) {
            case 'node': { const n = await g.addNode(o.labels, o.p); nodes.set(n.id, n); break; }
            case 'edge': {
              const a = live(nodes, o.a), b = live(nodes, o.b);
              if (a === undefined) break;
              const e = await g.addEdge(a, b, o.t);
              edges.set(e.id, e);
              break;
            }
            case 'rmNode': {
              const a = live(nodes, o.a);
              if (a === undefined) break;
              const incident = [...edges.values()].filter((e) => e.from === a || e.to === a);
              if (incident.length && !o.detach) { await fails(g.removeNode(a), 'BAD_VALUE'); break; }
              expect(await g.removeNode(a, { detach: o.detach })).toEqual({ edgesRemoved: incident.length });
              nodes.delete(a);
              for (const e of incident) edges.delete(e.id);
              break;
            }
            case 'rmEdge': { const e = live(edges, o.a); if (e !== undefined) { await g.removeEdge(e); edges.delete(e); } break; }
            case 'update': {
              const a = live(nodes, o.a);
              if (a === undefined) break;
              const n = nodes.get(a)!;
              const p = { ...n.properties };
              for (const [k, v] of Object.entries(o.p)) if (v === null) delete p[k]; else p[k] = v;
              expect((await g.updateNode(a, o.p)).properties).toEqual(p);
              nodes.set(a, { ...n, properties: p });
              break;
            }
            case 'labels': {
              const a = live(nodes, o.a);
              if (a === undefined) break;
              const n = await (o.add ? g.addLabels(a, o.l) : g.removeLabels(a, o.l));
              nodes.set(a, n);
              break;
            }
            case 'index': await g.createIndex(o.l, o.prop); break;
          }
        }
        const exported = await g.exportJSON();
        expect(exported.nodes).toEqual([...nodes.values()].sort((x, y) => x.id - y.id));
        expect(exported.edges).toEqual([...edges.values()].sort((x, y) => x.id - y.id));
        expect(await checkInvariants(store, g.graphName)).toEqual({ nodes: nodes.size, edges: edges.size });
        for (const [id] of nodes) {
          const mine = [...edges.values()].filter((e) => e.from === id || e.to === id).length;
          expect(await g.degree(id)).toBe(mine);
        }
        for (const ix of exported.indexes ?? []) {
          for (const v of [0, 1, 2, 3, 4]) {
            const want = [...nodes.values()].filter((n) => n.labels.includes(ix.label) && n.properties[ix.property] === v).map((n) => n.id);
            expect((await g.findNodes({ label: ix.label, where: { [ix.property]: v } })).map((n) => n.id)).toEqual(want);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('removeNode with detach leaves no adjacency, label or index entry for the node', async () => {
    const g = fresh();
    await g.createIndex('Hub', 'name');
    const hub = await g.addNode(['Hub', 'Other'], { name: 'h' });
    const spokes = await g.addNodes(Array.from({ length: 30 }, (_, i) => ({ labels: 'Spoke', properties: { i } })));
    await g.addEdges(spokes.flatMap((s, i) => [{ from: hub.id, to: s, type: i % 2 ? 'A' : 'B' }, { from: s, to: hub.id, type: 'BACK' }]));
    await g.addEdge(hub.id, hub.id, 'SELF');
    expect(await g.removeNode(hub.id, { detach: true })).toEqual({ edgesRemoved: 61 });
    const ks = await graphKeyspace(store, g.graphName);
    const mentions = ks.filter((k) => k.mentions.includes(hub.id) && 'OREAP'.includes(k.tag));
    // Edge ids can equal the hub's id; only node positions count, which `mentions` reports.
    expect(mentions).toEqual([]);
    for (const s of spokes) expect(await g.degree(s)).toBe(0);
    expect(await checkInvariants(store, g.graphName)).toEqual({ nodes: 30, edges: 0 });
  });
});
