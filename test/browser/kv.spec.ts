import { expect, test, type Page } from '@playwright/test';

/** Opens the fixture page and waits for the library. */
async function load(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => (window as any).larderReady === true);
}

test('a key with PX 200 is gone after a reload 500 ms later; a longer TTL survives it', async ({ page }) => {
  await load(page);
  const name = `kv-ttl-${Date.now()}`;
  const before = await page.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    await s.kv.set('short', 'v', { PX: 200 });
    await s.kv.set('long', 'v', { EX: 600 });
    const r = { short: await s.kv.get('short'), pttl: await s.kv.pTTL('short') };
    await s.close();
    return r;
  }, name);
  expect(before.short).toBe('v');
  expect(before.pttl).toBeGreaterThan(0);
  await page.waitForTimeout(500);
  await page.reload();
  await page.waitForFunction(() => (window as any).larderReady === true);
  const after = await page.evaluate(async (name) => {
    const { openStore } = (window as any).larder;
    const s = await openStore(name);
    const r = { short: await s.kv.get('short'), exists: await s.kv.exists('short'), long: await s.kv.get('long'), ttl: await s.kv.ttl('long') };
    await s.destroy();
    return r;
  }, name);
  expect(after).toMatchObject({ short: null, exists: 0, long: 'v' });
  expect(after.ttl).toBeGreaterThan(590);
});

test('pub/sub and keyspace notifications reach another tab', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await load(a);
  await load(b);
  const name = `kv-tabs-${Date.now()}`;
  await a.evaluate(async (name) => {
    const w = window as any;
    w.got = [];
    w.store = await w.larder.openStore(name);
    await w.store.kv.subscribe('chat', (m: string, c: string) => w.got.push(`msg ${c} ${m}`));
    await w.store.kv.pSubscribe('ch*', (m: string, c: string) => w.got.push(`pmsg ${c} ${m}`));
    await w.store.kv.onKeyspace('user:*', (e: { key: string; event: string }) => w.got.push(`key ${e.event} ${e.key}`));
  }, name);
  const published = await b.evaluate(async (name) => {
    const w = window as any;
    w.store = await w.larder.openStore(name);
    const n = await w.store.kv.publish('chat', 'hi from b');
    await w.store.kv.set('user:1', 'x');
    await w.store.kv.hSet('user:2', { f: 'v' });
    await w.store.kv.set('ignored', 'x');
    await w.store.kv.del('user:1');
    return n;
  }, name);
  expect(published).toBe(2);
  await a.waitForFunction(() => (window as any).got.length >= 5, undefined, { timeout: 10_000 });
  const got = await a.evaluate(() => (window as any).got);
  expect(got).toEqual(['msg chat hi from b', 'pmsg chat hi from b', 'key set user:1', 'key hset user:2', 'key del user:1']);
  await a.evaluate(() => (window as any).store.close());
  await b.evaluate(() => (window as any).store.destroy());
});
