/**
 * Persistence and import/export of graphs: a graph with indexes survives close and reopen over
 * fake-indexeddb (nodes, edges, indexes, id counters, unique enforcement); JSON export/import
 * round-trips; CSV import in Neo4j's bulk-import header style, with progress and clear errors.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore, LarderError, type Store } from '../src/index.js';
import type { Graph, GraphJSON } from '../src/client/graph.js';
import { checkInvariants } from './fixtures/graph/keyspace.js';
import { MOVIES_CYPHER } from './fixtures/graph/movies.js';

let seq = 0;
const name = (t: string) => `graph-io-${t}-${Date.now()}-${++seq}`;

async function fails(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const e = await p.then(() => null, (x) => x);
  expect(e).toBeInstanceOf(LarderError);
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
}

/** The graph as id-free canonical data (node keys by a property), to compare across imports. */
async function canonical(g: Graph, key: (p: Record<string, unknown>) => string) {
  const j = await g.exportJSON();
  const byId = new Map(j.nodes.map((n) => [n.id, key(n.properties)]));
  return {
    nodes: j.nodes.map((n) => [key(n.properties), n.labels, n.properties]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    edges: j.edges.map((e) => [byId.get(e.from), e.type, byId.get(e.to), e.properties]).map((x) => JSON.stringify(x)).sort(),
    indexes: j.indexes,
  };
}

describe('persistence', () => {
  it('a graph built, closed and reopened comes back whole: nodes, edges, indexes, counters', async () => {
    const n = name('reopen');
    const s = await openStore(n, { worker: false });
    const g = s.graph('movies');
    await g.createIndex('Person', 'name', { unique: true });
    await g.createIndex('KNOWS', 'since', { on: 'edge' });
    await g.query(MOVIES_CYPHER);
    const other = s.graph('other');
    await other.addNode('X', { when: new Date(1700000000000), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) });
    const before = await g.exportJSON();
    await s.close();

    const r = await openStore(n, { worker: false });
    const h = r.graph('movies');
    expect(await h.exportJSON()).toEqual(before);
    expect(await h.listIndexes()).toEqual([{ label: 'KNOWS', property: 'since', unique: false, on: 'edge' }, { label: 'Person', property: 'name', unique: true, on: 'node' }]);
    expect(await h.listGraphs()).toEqual(['movies', 'other']);
    expect((await r.graph('other').getNode(1))!.properties).toEqual({ when: new Date(1700000000000), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) });
    await fails(h.addNode('Person', { name: 'Alice' }), 'DUPLICATE_KEY');
    expect((await h.findEdges({ type: 'KNOWS', where: { since: { $lt: 2006 } } })).length).toBe(2);
    expect((await h.query("MATCH (p:Person {name: 'Dave'})-[:KNOWS]->(x) RETURN x.name")).rows).toEqual([['Eve']]);
    expect((await h.addNode('Person', { name: 'New' })).id).toBe(14);
    expect((await h.shortestPath(6, 5, { types: 'KNOWS' }))!.nodes).toEqual([6, 2, 3, 4, 5]);
    expect(await h.removeNode(2, { detach: true })).toEqual({ edgesRemoved: 6 });
    await r.close();

    const again = await openStore(n, { worker: false });
    expect(await checkInvariants(again, 'movies')).toEqual({ nodes: 13, edges: 15 });
    await again.destroy();
  });

  it('a failed query or bulk call is not persisted', async () => {
    const n = name('atomic');
    const s = await openStore(n, { worker: false });
    const g = s.graph();
    await g.createIndex('T', 'k', { unique: true });
    await g.addNodes([{ labels: 'T', properties: { k: 1 } }]);
    await fails(g.query('UNWIND [2, 3, 1] AS k CREATE (:T {k: k})'), 'DUPLICATE_KEY');
    await fails(g.addNodes([{ labels: 'T', properties: { k: 5 } }, { labels: 'T', properties: { k: 5 } }]), 'DUPLICATE_KEY');
    await s.close();
    const r = await openStore(n, { worker: false });
    expect(await r.graph().stats()).toEqual({ nodes: 1, edges: 0, labels: { T: 1 }, types: {} });
    expect((await r.graph().addNode('T', { k: 2 })).id).toBe(2);
    await r.destroy();
  });
});

describe('JSON import/export', () => {
  it('round-trips a graph into another graph, with progress and an id mapping', async () => {
    const s = await openStore(name('json'), { worker: false, persist: false });
    const g = s.graph('src');
    await g.createIndex('Person', 'name', { unique: true });
    await g.query(MOVIES_CYPHER);
    await g.removeNode(1, { detach: true }); // ids with a gap must still map
    const data: GraphJSON = JSON.parse(JSON.stringify(await g.exportJSON()));
    const progress: unknown[] = [];
    const h = s.graph('dst');
    await h.addNode('Filler', {}); // the copy gets different ids
    const r = await h.importJSON(data, { batchSize: 5, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ nodes: 12, edges: 16 });
    expect(r.ids.get(2)).toBe(2);
    expect(progress.at(-1)).toEqual({ phase: 'edges', done: 16, total: 16 });
    expect(progress.filter((p) => (p as { phase: string }).phase === 'nodes').length).toBe(3);
    await h.removeNode(1);
    const key = (p: Record<string, unknown>) => String(p.name ?? p.title);
    expect(await canonical(h, key)).toEqual(await canonical(g, key));
    await checkInvariants(s, 'dst');
    await fails(h.importJSON({ nodes: [{ id: 1, labels: [], properties: {} }], edges: [{ id: 1, from: 1, to: 2, type: 'R', properties: {} }] }), 'NOT_FOUND', /unknown end node 2/);
    expect((await h.stats()).nodes).toBe(12);
    await s.close();
  });
});

describe('CSV import (Neo4j bulk-import headers)', () => {
  const people = [
    'personId:ID(Person),name,born:int,score:float,active:boolean,tags:string[],:LABEL',
    'p1,Alice,1980,1.5,true,a;b,Actor',
    'p2,"Bob, Jr.",1975,,false,,Actor;Director',
    'p3,"Carol ""CJ""",1990,2.25,true,c,',
  ].join('\n');
  const movies = 'movieId:ID(Movie),title,released:int,:LABEL\r\nm1,The Matrix,1999,Movie\r\nm2,"Multi\nLine",2000,Movie\r\n';
  const roles = [':START_ID(Person),role,:END_ID(Movie),:TYPE', 'p1,Trinity,m1,ACTED_IN', 'p2,Neo,m1,ACTED_IN', 'p3,,m2,ACTED_IN'].join('\n');
  const knows = ':START_ID(Person),:END_ID(Person),since:int\np1,p2,2005\np2,p3,2012\n';

  it('imports typed properties, labels, id spaces and relationship files', async () => {
    const s = await openStore(name('csv'), { worker: false, persist: false });
    const g = s.graph();
    const progress: Array<{ phase: string; done: number; total: number }> = [];
    const r = await g.importCSV({ nodes: [people, movies], edges: [roles, knows] }, { labels: ['Imported'], type: 'KNOWS', batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ nodes: 5, edges: 5 });
    expect(progress.map((p) => `${p.phase}:${p.done}/${p.total}`)).toEqual(['nodes:2/5', 'nodes:4/5', 'nodes:5/5', 'edges:2/5', 'edges:4/5', 'edges:5/5']);
    const nodes = (await g.exportJSON()).nodes;
    expect(nodes[0]).toEqual({ id: 1, labels: ['Imported', 'Actor'], properties: { personId: 'p1', name: 'Alice', born: 1980, score: 1.5, active: true, tags: ['a', 'b'] } });
    expect(nodes[1]).toEqual({ id: 2, labels: ['Imported', 'Actor', 'Director'], properties: { personId: 'p2', name: 'Bob, Jr.', born: 1975, active: false } });
    expect(nodes[2].properties.name).toBe('Carol "CJ"');
    expect(nodes[4].properties).toEqual({ movieId: 'm2', title: 'Multi\nLine', released: 2000 });
    const q = await g.query("MATCH (p)-[r:ACTED_IN]->(m:Movie {title: 'The Matrix'}) RETURN p.name, r.role ORDER BY p.name");
    expect(q.rows).toEqual([['Alice', 'Trinity'], ['Bob, Jr.', 'Neo']]);
    expect((await g.query('MATCH (a)-[k:KNOWS]->(b) RETURN a.personId, b.personId, k.since ORDER BY k.since')).rows).toEqual([['p1', 'p2', 2005], ['p2', 'p3', 2012]]);
    await s.close();
  });

  it('refuses bad files before writing anything', async () => {
    const s = await openStore(name('csvbad'), { worker: false, persist: false });
    const g = s.graph();
    await fails(g.importCSV({ nodes: people, edges: ':START_ID(Person),:END_ID(Movie),:TYPE\np1,m9,R' }), 'NOT_FOUND', /unknown start node|unknown end node Movie:m9/);
    await fails(g.importCSV({ nodes: 'id:ID,n:int\na,12x' }), 'BAD_VALUE', /line 2, column "n": "12x" is not an integer/);
    await fails(g.importCSV({ nodes: 'id:ID,n:widget\na,1' }), 'SYNTAX', /unknown type "widget"/);
    await fails(g.importCSV({ nodes: 'id:ID,n\na,"open' }), 'SYNTAX', /unterminated quoted field/);
    await fails(g.importCSV({ nodes: 'id:ID\na\na' }), 'DUPLICATE_KEY', /node id :a appears twice/);
    await fails(g.importCSV({ nodes: 'id:ID\na\nb', edges: ':START_ID,:END_ID\na,b' }), 'BAD_VALUE', /no type/);
    expect((await g.stats()).nodes).toBe(0);
    await s.close();
  });
});

export type { Store };
