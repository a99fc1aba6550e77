/**
 * The multi-tab fallback where SharedWorker does not exist (Chrome on Android): Web Locks elect
 * one leader tab that runs the only dedicated worker, the other tabs forward to it over a
 * BroadcastChannel, and closing (or crashing) the leader hands over without losing a write.
 * SharedWorker is deleted before any page script runs, so Chromium takes the fallback.
 */
import { expect, test, type Page } from '@playwright/test';
import { fixtureUrl, openFixture, storeName } from './helpers.js';

type Store = import('../../src/index.js').Store;
type Win = { store: Store; acked: number[]; failed: Array<[number, string]>; stop: boolean; streamDone: Promise<void>; heard: string[] };

test.beforeEach(async ({ context }) => {
  await context.addInitScript(() => { delete (window as unknown as { SharedWorker?: unknown }).SharedWorker; });
});

/** Dedicated workers per tab: the fallback must run exactly one in the whole context. */
function workerCounts(pages: Page[]): number[] {
  return pages.map((p) => p.workers().length);
}

async function openStoreIn(page: Page, name: string): Promise<void> {
  await page.evaluate(async (name) => {
    if (typeof SharedWorker !== 'undefined') throw new Error('SharedWorker is still there');
    const w = window as unknown as Win;
    w.store = await window.larder.openStore(name);
    w.heard = [];
    w.store.on('change', (e) => { for (const c of e.changes) w.heard.push(c.key); });
  }, name);
}

/** Waits until exactly one tab of `pages` runs a worker; returns its index. */
async function leaderOf(pages: Page[]): Promise<number> {
  await expect.poll(() => workerCounts(pages).reduce((a, b) => a + b, 0), { timeout: 10_000 }).toBe(1);
  return workerCounts(pages).indexOf(1);
}

test('two tabs write different keys at once; both see all of them and each other\'s changes; one worker', async ({ context }) => {
  const name = storeName('fb-tabs');
  const a = await openFixture(context);
  await openStoreIn(a, name);
  const b = await openFixture(context);
  await openStoreIn(b, name);
  expect(await leaderOf([a, b])).toBe(0); // the first tab to open a store is elected

  const write = (page: Page, prefix: string) => page.evaluate(async (prefix) => {
    const s = (window as unknown as Win).store;
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.set(`${prefix}:${i}`, i)));
  }, prefix);
  await Promise.all([write(a, 'a'), write(b, 'b')]);
  for (const page of [a, b]) {
    const counts = await page.evaluate(async () => {
      const s = (window as unknown as Win).store;
      return [await s.count({ prefix: 'a:' }), await s.count({ prefix: 'b:' }), (await s.get('b:1999')) as number];
    });
    expect(counts).toEqual([2000, 2000, 1999]);
  }

  // The change feed crosses tabs both ways: the follower's own subscription is forwarded by the
  // leader, and the leader hears the follower's writes.
  await a.evaluate(() => (window as unknown as Win).store.set('from-a', 1));
  await b.evaluate(() => (window as unknown as Win).store.set('from-b', 2));
  await expect.poll(() => b.evaluate(() => (window as unknown as Win).heard.includes('from-a'))).toBe(true);
  await expect.poll(() => a.evaluate(() => (window as unknown as Win).heard.includes('from-b'))).toBe(true);
  // The follower's feed also carries the other tabs' bulk writes.
  expect(await b.evaluate(() => (window as unknown as Win).heard.filter((k) => k.startsWith('a:')).length)).toBe(2000);

  // Errors keep their code across the channel, as LarderErrors.
  const err = await b.evaluate(async () => {
    const s = (window as unknown as Win).store as unknown as { call(t: string, m: string, a: unknown[]): Promise<unknown> };
    try { await s.call('values', 'evil', []); return 'resolved'; } catch (e) { return `${e instanceof window.larder.LarderError}:${(e as { code: string }).code}`; }
  });
  expect(err).toBe('true:UNKNOWN_OP');
  expect(workerCounts([a, b])).toEqual([1, 0]);
});

for (const how of ['close', 'crash'] as const) {
  test(`${how} the leader tab during a stream of writes from another: every acknowledged write survives`, async ({ context }) => {
    const name = storeName(`fb-${how}`);
    const a = await openFixture(context);
    await openStoreIn(a, name);
    const b = await openFixture(context);
    await openStoreIn(b, name);
    const c = await openFixture(context);
    await openStoreIn(c, name);
    expect(await leaderOf([a, b, c])).toBe(0);

    // b streams writes, 16 in flight, recording which resolved and which failed.
    await b.evaluate(() => {
      const w = window as unknown as Win;
      w.acked = [];
      w.failed = [];
      w.stop = false;
      let next = 0;
      const worker = async () => {
        while (!w.stop) {
          const i = next++;
          try {
            // The set and the increment travel in one message: a resent message must not count twice.
            await Promise.all([w.store.set(`w:${i}`, { i }), w.store.kv.incr('count')]);
            w.acked.push(i);
          } catch (e) {
            w.failed.push([i, (e as { code: string }).code]);
          }
        }
      };
      w.streamDone = Promise.all(Array.from({ length: 16 }, worker)).then(() => {});
    });
    const acked = () => b.evaluate(() => (window as unknown as Win).acked.length);
    await expect.poll(acked, { timeout: 20_000 }).toBeGreaterThan(300);

    if (how === 'close') {
      await a.close();
    } else {
      // A renderer crash: no pagehide, no goodbye; the browser releases the dead tab's locks.
      // Page.crash never answers (the page is gone), so it is not awaited; the crash event is.
      const cdp = await context.newCDPSession(a);
      const crashed = a.waitForEvent('crash', { timeout: 10_000 });
      void cdp.send('Page.crash').catch(() => {});
      await crashed;
    }
    const atClose = await acked();
    await expect.poll(acked, { timeout: 30_000 }).toBeGreaterThan(atClose + 500);
    await b.evaluate(async () => {
      const w = window as unknown as Win;
      w.stop = true;
      await w.streamDone;
    });

    const newLeader = await leaderOf([b, c]);
    expect(newLeader).toBe(0); // b asked for the lock before c
    const result = await b.evaluate(() => {
      const w = window as unknown as Win;
      return { acked: [...w.acked], failed: w.failed };
    });
    expect(result.failed).toEqual([]); // unanswered writes were resent, none failed
    const ackedSet = result.acked;
    // Exactly once: a message the old leader committed but could not answer was answered from
    // the request log on resend, not run again.
    expect(Number(await b.evaluate(() => (window as unknown as Win).store.kv.get('count')))).toBe(ackedSet.length);

    // Every acknowledged write is there, read from both surviving tabs (leader and follower).
    for (const page of [b, c]) {
      const missing = await page.evaluate(async (keys) => {
        const s = (window as unknown as Win).store;
        const vals = await s.getMany(keys.map((i) => `w:${i}`));
        return keys.filter((i, j) => (vals[j] as { i: number } | undefined)?.i !== i);
      }, ackedSet);
      expect(missing).toEqual([]);
    }
    // Writes keep succeeding from both tabs, and c's change feed moved to the new leader.
    await b.evaluate(() => (window as unknown as Win).store.set('after-b', true));
    await c.evaluate(() => (window as unknown as Win).store.set('after-c', true));
    await expect.poll(() => c.evaluate(() => (window as unknown as Win).heard.includes('after-b'))).toBe(true);
    await expect.poll(() => b.evaluate(() => (window as unknown as Win).heard.includes('after-c'))).toBe(true);

    // After a reload of both tabs, from disk (the new leader's worker goes away with it).
    await c.close();
    await b.reload();
    await b.waitForFunction(() => window.larderReady === true);
    const afterReload = await b.evaluate(async ({ name, keys }) => {
      const s = await window.larder.openStore(name);
      const vals = await s.getMany(keys.map((i) => `w:${i}`));
      const missing = keys.filter((i, j) => (vals[j] as { i: number } | undefined)?.i !== i);
      const after = [await s.get('after-b'), await s.get('after-c')];
      await s.destroy();
      return { missing, after };
    }, { name, keys: ackedSet });
    expect(afterReload).toEqual({ missing: [], after: [true, true] });
  });
}

test('a transaction open during a handover is rolled back and its calls fail with CLOSED, never joining another', async ({ context }) => {
  const name = storeName('fb-tx');
  const a = await openFixture(context);
  await openStoreIn(a, name);
  const b = await openFixture(context);
  await openStoreIn(b, name);
  await leaderOf([a, b]);
  // b begins a transaction on a's worker and writes inside it; then a goes away.
  await b.evaluate(() => {
    const w = window as unknown as Win & { txResult: Promise<string>; release: () => void };
    const gate = new Promise<void>((r) => { w.release = r; });
    w.txResult = w.store.transaction(async (tx) => {
      await tx.set('in-tx', 1);
      await gate;
      await tx.set('in-tx-2', 2);
    }).then(() => 'committed', (e) => `${(e as { code: string }).code}`);
  });
  await b.waitForTimeout(100);
  await a.close();
  await leaderOf([b]);
  // Another transaction on the new leader gets the same id the old one had (ids restart).
  const other = b.evaluate(async () => {
    const w = window as unknown as Win;
    return w.store.transaction(async (tx) => { await tx.set('other-tx', 3); return 'ok'; });
  });
  const r = await b.evaluate(async () => {
    const w = window as unknown as Win & { txResult: Promise<string>; release: () => void };
    w.release();
    return w.txResult;
  });
  expect(r).toBe('CLOSED');
  expect(await other).toBe('ok');
  const vals = await b.evaluate(async () => {
    const s = (window as unknown as Win).store;
    return [await s.get('in-tx'), await s.get('in-tx-2'), await s.get('other-tx')];
  });
  expect(vals).toEqual([undefined, undefined, 3]);
  await b.evaluate(() => (window as unknown as Win).store.destroy());
});

test('a reload of a lone tab keeps one worker and its data', async ({ context }) => {
  const name = storeName('fb-reload');
  const a = await openFixture(context);
  await openStoreIn(a, name);
  await a.evaluate(async () => { await (window as unknown as Win).store.set('k', 'v'); });
  await a.goto(fixtureUrl());
  await a.waitForFunction(() => window.larderReady === true);
  await openStoreIn(a, name);
  expect(await a.evaluate(() => (window as unknown as Win).store.get('k'))).toBe('v');
  expect(workerCounts([a])).toEqual([1]);
  await a.evaluate(() => (window as unknown as Win).store.destroy());
});

