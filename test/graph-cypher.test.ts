/**
 * The Cypher subset against the fixture graph (test/fixtures/graph): every case on a fresh copy of
 * the graph, expected columns and rows (or error code and message), then follow-up queries that
 * check what a write left behind — including that a failed query left nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, LarderError, type Store } from '../src/index.js';
import { CASES } from './fixtures/graph/queries.js';
import { ID, MOVIES_CYPHER } from './fixtures/graph/movies.js';

let store: Store;
let seq = 0;
beforeAll(async () => { store = await openStore(`graph-cypher-${Date.now()}`, { worker: false, persist: false }); });
afterAll(async () => { await store.close(); });

async function fixture() {
  const g = store.graph(`movies${++seq}`);
  const r = await g.query(MOVIES_CYPHER);
  expect(r.stats).toMatchObject({ nodesCreated: 13, relationshipsCreated: 21 });
  return g;
}

const sortRows = (rows: unknown[][]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('cypher fixture', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it('builds the fixture with the documented ids', async () => {
    const g = await fixture();
    const r = await g.query('MATCH (n) RETURN coalesce(n.name, n.title) AS k, id(n) AS id ORDER BY id');
    expect(r.rows.map(([k, id]) => [String(k).replace('The Matrix', 'matrix').toLowerCase(), id])).toEqual(Object.entries(ID));
  });
});

describe.each(CASES.map((c) => [c.name, c] as const))('cypher: %s', (_name, c) => {
  it('answers as expected', async () => {
    const g = await fixture();
    if (c.setup) await c.setup(g);
    if (c.error) {
      const err = await g.query(c.q, c.params).then(() => null, (e) => e);
      expect(err, 'the query should fail').toBeInstanceOf(LarderError);
      expect(err.code, err.message).toBe(c.error[0]);
      if (c.error[1]) expect(err.message).toMatch(c.error[1]);
    } else {
      const r = await g.query(c.q, c.params);
      if (c.columns) expect(r.columns).toEqual(c.columns);
      expect(c.anyOrder ? sortRows(r.rows) : r.rows).toEqual(c.anyOrder ? sortRows(c.rows!) : c.rows);
    }
    for (const t of c.then ?? []) expect((await g.query(t.q, t.params)).rows, t.q).toEqual(t.rows);
  });
});

describe('cypher patterns on random graphs, against brute force', () => {
  it('counts of one-, two- and variable-length patterns match an enumeration of the edge list', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.record({
          n: fc.constant(n),
          edges: fc.array(fc.record({ from: fc.integer({ min: 1, max: n }), to: fc.integer({ min: 1, max: n }), type: fc.constantFrom('A', 'B') }), { maxLength: 30 }),
        })),
        async ({ n, edges }) => {
          const g = store.graph(`rand${++seq}`);
          await g.addNodes(Array.from({ length: n }, (_, i) => ({ labels: 'V', properties: { i: i + 1 } })));
          const ids = await g.addEdges(edges);
          const es = edges.map((e, k) => ({ ...e, id: ids[k] }));
          const count = async (q: string) => (await g.query(q)).rows[0][0];
          // Directed walks of `len` distinct edges, each step matching `ok(step, edge)`.
          const walks = (len: number, ok: (k: number, e: (typeof es)[0], forward: boolean) => boolean, undirected = false) => {
            let total = 0;
            const rec = (k: number, at: number | undefined, used: Set<number>) => {
              if (k === len) { total++; return; }
              for (const e of es) {
                if (used.has(e.id)) continue;
                for (const forward of undirected ? [true, false] : [true]) {
                  if (undirected && !forward && e.from === e.to) continue;
                  const [s, t] = forward ? [e.from, e.to] : [e.to, e.from];
                  if ((at !== undefined && s !== at) || !ok(k, e, forward)) continue;
                  used.add(e.id); rec(k + 1, t, used); used.delete(e.id);
                }
              }
            };
            rec(0, undefined, new Set());
            return total;
          };
          expect(await count('MATCH (a)-[:A]->(b) RETURN count(*)')).toBe(es.filter((e) => e.type === 'A').length);
          expect(await count('MATCH (a)-[r1]->(b)-[r2]->(c) RETURN count(*)')).toBe(walks(2, () => true));
          expect(await count('MATCH (a)-[r]-(b) RETURN count(*)')).toBe(walks(1, () => true, true));
          expect(await count('MATCH (a)-[:A]->()-[:B]->()-[:A]->(d) RETURN count(*)')).toBe(walks(3, (k, e) => e.type === (k === 1 ? 'B' : 'A')));
          expect(await count('MATCH (a)-[*1..3]->(c) RETURN count(*)')).toBe(walks(1, () => true) + walks(2, () => true) + walks(3, () => true));
          expect(await count('MATCH p = (a)-[:B*2]-(c) RETURN count(p)')).toBe(walks(2, (_k, e) => e.type === 'B', true));
          expect(await count('MATCH (a)-[r1]->(b), (b)-[r2]->(a) RETURN count(*)')).toBe(walks(2, () => true) === 0 ? 0 : es.flatMap((x) => es.filter((y) => y.id !== x.id && y.from === x.to && y.to === x.from)).length);
          expect(await count('MATCH (a)-[]->(b) WHERE a.i < b.i RETURN count(*)')).toBe(es.filter((e) => e.from < e.to).length);
        },
      ),
      { numRuns: 80 },
    );
  });
});
