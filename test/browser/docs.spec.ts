import { expect, test, type Page } from '@playwright/test';

/** Opens the fixture page and waits for the library. */
async function load(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => (window as any).larderReady === true);
}

test('documents and indexes survive a reload', async ({ page }) => {
  await load(page);
  const name = `docs-reload-${Date.now()}`;
  await page.evaluate(async (name) => {
    const { openStore, ObjectId } = (window as any).larder;
    const s = await openStore(name);
    const c = s.collection('people');
    await c.createIndex({ city: 1, age: -1 });
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i, age: i % 90, city: ['x', 'y', 'z'][i % 3], email: `u${i}@x`, when: new Date(1700000000000 + i), id: new ObjectId('0123456789abcdef0123456' + (i % 10)) })));
    await c.updateMany({ age: { $lt: 10 } }, { $set: { young: true } });
    await s.close();
  }, name);
  await page.reload();
  await page.waitForFunction(() => (window as any).larderReady === true);
  const r = await page.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    const c = s.collection('people');
    const found = await c.find({ city: 'y', age: { $gte: 80 } }).sort({ age: -1 }).toArray();
    const explain = await c.find({ city: 'y', age: { $gte: 80 } }).sort({ age: -1 }).explain();
    const dup = await c.insertOne({ email: 'u1@x' }).then(() => 'inserted', (e: any) => e.code);
    const young = await c.countDocuments({ young: true });
    const indexes = (await c.listIndexes().toArray()).map((i: any) => i.name);
    const first = found[0];
    await s.close();
    return { n: found.length, ages: found.map((d: any) => d.age), plan: JSON.stringify(explain.queryPlanner.winningPlan), dup, young, indexes, dateOk: first.when instanceof Date, idHex: first.id.toHexString() };
  }, name);
  expect(r.n).toBe(r.ages.length);
  expect(r.ages).toEqual([...r.ages].sort((a: number, b: number) => b - a));
  expect(r.n).toBeGreaterThan(0);
  expect(r.plan).toContain('IXSCAN');
  expect(r.plan).not.toContain('SORT');
  expect(r.dup).toBe('DUPLICATE_KEY');
  expect(r.young).toBe(60);
  expect(r.indexes).toEqual(['_id_', 'city_1_age_-1', 'email_1']);
  expect(r.dateOk).toBe(true);
  expect(r.idHex).toMatch(/^0123456789abcdef0123456\d$/);
});

test('a live query in one tab sees a write from another', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await load(a);
  await load(b);
  const name = `docs-live-${Date.now()}`;
  await a.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    (window as any).store = s;
    (window as any).results = [];
    const c = s.collection('todo');
    (window as any).stop = c.find({ done: false }).sort({ _id: 1 }).subscribe((r: unknown[]) => (window as any).results.push(r.map((d: any) => d._id)));
    (window as any).changes = [];
    c.watch().on('change', (ch: any) => (window as any).changes.push(ch.operationType));
  }, name);
  await a.waitForFunction(() => (window as any).results.length >= 1);
  await b.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    const c = s.collection('todo');
    await c.insertMany([{ _id: 1, done: false }, { _id: 2, done: true }]);
    await c.updateOne({ _id: 2 }, { $set: { done: false } });
    (window as any).store = s;
  }, name);
  await a.waitForFunction(() => {
    const r = (window as any).results;
    return JSON.stringify(r[r.length - 1]) === JSON.stringify([1, 2]);
  }, undefined, { timeout: 15_000 });
  const seen = await a.evaluate(() => ({ results: (window as any).results, changes: (window as any).changes }));
  expect(seen.results[0]).toEqual([]);
  expect(seen.results[seen.results.length - 1]).toEqual([1, 2]);
  expect(seen.changes).toEqual(['insert', 'insert', 'update']);
  await a.evaluate(async () => {
    (window as any).stop();
    await (window as any).store.close();
  });
  await b.evaluate(async () => (window as any).store.close());
});
