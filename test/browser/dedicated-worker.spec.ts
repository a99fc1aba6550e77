/**
 * The last fallback: no SharedWorker and no Web Locks, so each tab runs its own dedicated worker
 * (src/client/open-store.ts). Its calls travel as dispatch messages on the Worker itself
 * (src/client/dispatch-port.ts), next to Comlink: reads, writes, errors with their codes, a big
 * message handed over, the change feed, and a reload that finds every acknowledged write.
 */
import { expect, test } from '@playwright/test';
import { fixtureUrl, storeName } from './helpers.js';

test.beforeEach(async ({ context }) => {
  await context.addInitScript(() => {
    delete (window as unknown as { SharedWorker?: unknown }).SharedWorker;
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
  });
});

test('a dedicated worker per tab: reads, writes, errors, big messages, the change feed and a reload', async ({ page }) => {
  const name = storeName('dedicated');
  await page.goto(fixtureUrl());
  await page.waitForFunction(() => (window as unknown as { larderReady?: boolean }).larderReady === true);
  const first = await page.evaluate(async (name) => {
    if (typeof SharedWorker !== 'undefined' || navigator.locks !== undefined) throw new Error('the fallback is not in force');
    const store = await window.larder.openStore(name);
    const heard: string[] = [];
    store.on('change', (e) => { for (const c of e.changes) heard.push(c.key); });
    await store.set('a', { n: 1, when: new Date(5) });
    // 20,000 calls in one tick: three messages, the first sent before the tick ends.
    const keys = Array.from({ length: 20000 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k, i) => store.set(k, i)));
    const got = await Promise.all(keys.map((k) => store.get(k)));
    // One call whose message is over 64 KiB (handed over, not copied) and its big answer.
    const big = 'x'.repeat(200_000);
    await store.set('big', big);
    const bigBack = await store.get('big');
    const wrong = await store.kv.set('s', 'v').then(() => store.kv.lPush('s', 'x')).then(() => 'no error', (e: { code?: string; name?: string }) => `${e.name}:${e.code}`);
    await new Promise((r) => setTimeout(r, 50));
    return {
      a: await store.get('a'),
      sum: (got as number[]).reduce((s, v) => s + v, 0),
      bigOk: bigBack === big,
      wrong,
      heardA: heard.includes('a'),
      workers: 1,
    };
  }, name);
  expect(first.a).toEqual({ n: 1, when: new Date(5) });
  expect(first.sum).toBe((20000 * 19999) / 2);
  expect(first.bigOk).toBe(true);
  expect(first.wrong).toBe('LarderError:WRONGTYPE');
  expect(first.heardA).toBe(true);
  expect(page.workers().length).toBe(1);

  await page.reload();
  await page.waitForFunction(() => (window as unknown as { larderReady?: boolean }).larderReady === true);
  const after = await page.evaluate(async (name) => {
    const store = await window.larder.openStore(name);
    const n = await store.get('k19999');
    const a = await store.get('a');
    await store.destroy();
    return { n, a };
  }, name);
  expect(after).toEqual({ n: 19999, a: { n: 1, when: new Date(5) } });
});
