import { expect, test } from '@playwright/test';

/**
 * The graph view in real Chromium, through the worker and IndexedDB: a graph built, the page
 * reloaded, and every node, edge and index back (and the index still enforcing uniqueness).
 */
test('graph: build, reload, everything back', async ({ page }) => {
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => (window as any).larderReady === true);
  const storeName = `graph-${Date.now()}`;
  const before = await page.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    const g = s.graph('social');
    await g.createIndex('Person', 'email', { unique: true });
    await g.createIndex('FOLLOWS', 'since', { on: 'edge' });
    const ids = await g.addNodes(Array.from({ length: 200 }, (_, i) => ({ labels: i % 10 ? ['Person'] : ['Person', 'Admin'], properties: { email: `u${i}@x`, n: i } })));
    await g.addEdges(ids.flatMap((id: number, i: number) => [
      { from: id, to: ids[(i + 1) % ids.length], type: 'FOLLOWS', properties: { since: 2000 + (i % 20) } },
      { from: id, to: ids[(i * 7 + 3) % ids.length], type: 'LIKES', properties: {} },
    ]));
    await g.query("MATCH (a:Person {email: 'u0@x'}), (b:Person {email: 'u5@x'}) CREATE (a)-[:MENTORS {w: 1}]->(b)");
    const json = await g.exportJSON();
    await s.close();
    return json;
  }, storeName);
  expect(before.nodes.length).toBe(200);
  expect(before.edges.length).toBe(401);

  await page.reload();
  await page.waitForFunction(() => (window as any).larderReady === true);
  const after = await page.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    const g = s.graph('social');
    const json = await g.exportJSON();
    let dup = '';
    try { await g.addNode('Person', { email: 'u3@x' }); } catch (e) { dup = (e as { code: string }).code; }
    const visits: number[] = [];
    for await (const v of g.traverse(1, { types: 'FOLLOWS', maxDepth: 300 })) { visits.push(v.node.id); if (visits.length === 150) break; }
    const path = await g.shortestPath(1, 100, { types: ['FOLLOWS', 'LIKES'] });
    const q = await g.query('MATCH (a:Admin)-[:FOLLOWS]->(b) WHERE b.n < 50 RETURN a.email, b.email ORDER BY b.n');
    const since = await g.findEdges({ type: 'FOLLOWS', where: { since: 2019 } });
    const stats = await g.stats();
    await s.destroy();
    return { json, dup, visits: visits.length, pathLen: path?.edges.length ?? -1, q: q.rows, since: since.length, stats };
  }, storeName);
  expect(after.json).toEqual(before);
  expect(after.json.indexes).toEqual([{ label: 'FOLLOWS', property: 'since', unique: false, on: 'edge' }, { label: 'Person', property: 'email', unique: true, on: 'node' }]);
  expect(after.dup).toBe('DUPLICATE_KEY');
  expect(after.visits).toBe(150);
  expect(after.pathLen).toBeGreaterThan(0);
  expect(after.q).toEqual([['u0@x', 'u1@x'], ['u10@x', 'u11@x'], ['u20@x', 'u21@x'], ['u30@x', 'u31@x'], ['u40@x', 'u41@x']]);
  expect(after.since).toBe(10);
  expect(after.stats).toEqual({ nodes: 200, edges: 401, labels: { Person: 200, Admin: 20 }, types: { FOLLOWS: 200, LIKES: 200, MENTORS: 1 } });
});
