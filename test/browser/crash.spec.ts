/**
 * Crash safety: while a page streams atomic writes, kill it at 20 different points — close the
 * page, terminate the worker, SIGKILL the browser — then relaunch on the same profile. Every write
 * whose promise resolved must be there, no atomic batch or transaction may be half-applied, and
 * the store must open without error.
 */
import { expect, test } from '@playwright/test';
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { freshProfile, killProfile, launchProfile, openFixture, storeName } from './helpers.js';

type Mode = 'close-page' | 'terminate-worker' | 'kill-browser';
const MODES: Mode[] = ['close-page', 'terminate-worker', 'kill-browser'];

async function closeQuietly(ctx: BrowserContext): Promise<void> {
  await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
}

async function terminateWorker(ctx: BrowserContext, page: Page): Promise<boolean> {
  const cdp = await ctx.newCDPSession(page);
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
  const workers = targetInfos.filter((t) => t.type === 'shared_worker' || t.type === 'worker');
  for (const w of workers) await cdp.send('Target.closeTarget', { targetId: w.targetId }).catch(() => {});
  return workers.length > 0;
}

test('20 kills mid-stream: acknowledged writes survive, nothing half-applied', async () => {
  test.setTimeout(300_000);
  const profile = freshProfile();
  const name = storeName('crash');
  const acked = new Set<number>();
  const ackedTx = new Set<number>();
  let next = 0;
  const seenModes = new Map<Mode, number>();
  let workerTargets = 0;

  for (let round = 0; round <= 20; round++) {
    const ctx = await launchProfile(profile);
    const errors: string[] = [];
    const page = await openFixture(ctx, errors);
    await page.exposeFunction('ackBatch', (i: number) => void acked.add(i));
    await page.exposeFunction('ackTx', (i: number) => void ackedTx.add(i));

    // Reopen and check: every acknowledged write present; pairs all-or-nothing.
    if (process.env.LARDER_DEBUG) console.log(`${new Date().toISOString().slice(14, 23)} round ${round}: reopening`);
    const state = await page.evaluate(async (name) => {
      const s = await window.larder.openStore(name);
      const grab = async (p: string) => (await s.keys({ prefix: p })).map((k) => Number(k.slice(p.length)));
      return { a: await grab('a:'), b: await grab('b:'), t1: await grab('t1:'), t2: await grab('t2:') };
    }, name);
    if (process.env.LARDER_DEBUG) console.log(`${new Date().toISOString().slice(14, 23)} round ${round}: verified ${state.a.length} batches`);
    const a = new Set(state.a), b = new Set(state.b), t1 = new Set(state.t1), t2 = new Set(state.t2);
    for (const i of acked) expect(a.has(i) && b.has(i), `acknowledged batch ${i} lost (round ${round})`).toBe(true);
    for (const i of ackedTx) expect(t1.has(i) && t2.has(i), `acknowledged transaction ${i} lost (round ${round})`).toBe(true);
    expect([...a].sort(), 'atomic batches half-applied').toEqual([...b].sort());
    expect([...t1].sort(), 'transactions half-applied').toEqual([...t2].sort());
    if (round === 20) {
      expect(errors).toEqual([]);
      await page.evaluate(async (name) => (await window.larder.openStore(name)).destroy(), name);
      await closeQuietly(ctx);
      break;
    }

    // Stream writes: atomic two-key batches, and now and then an interactive transaction whose
    // two writes are separated by a round trip (the dangerous case for half-application).
    const start = next;
    next += 100_000;
    await page.evaluate(({ name, start }) => {
      void (async () => {
        const s = await window.larder.openStore(name);
        const ack = window as unknown as { ackBatch(i: number): void; ackTx(i: number): void };
        for (let i = start; ; i++) {
          const p = s.batch([{ op: 'set', key: `a:${i}`, value: i }, { op: 'set', key: `b:${i}`, value: { i, pad: 'x'.repeat(200) } }]).then(() => ack.ackBatch(i), () => {});
          if (i % 16 === 0) {
            await s.transaction(async (tx) => {
              await tx.set(`t1:${i}`, i);
              await tx.get(`a:${i}`);
              await tx.set(`t2:${i}`, i);
            }).then(() => ack.ackTx(i), () => {});
          }
          if (i % 8 === 0) await p; // a few writes in flight at a time, as an app would have
        }
      })();
    }, { name, start });

    // Let a different amount of work through each round, then kill.
    const want = acked.size + 10 + ((round * 37) % 90);
    const deadline = Date.now() + 6_000;
    while (acked.size < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const mode = MODES[round % MODES.length];
    if (process.env.LARDER_DEBUG) {
      const info = await page.evaluate(async (name) => {
        const i = await (await window.larder.openStore(name)).info();
        return JSON.stringify({ lat: i.commitLatencyMs, wal: i.wal.wal, commits: i.wal.commits, cp: i.lastCheckpoint });
      }, name).catch((e) => String(e));
      console.log(info);
    }
    if (process.env.LARDER_DEBUG) console.log(`${new Date().toISOString().slice(14, 23)} round ${round}: acked ${acked.size} tx ${ackedTx.size}, killing by ${mode}`);
    seenModes.set(mode, (seenModes.get(mode) ?? 0) + 1);
    if (mode === 'close-page') {
      await page.close();
      await closeQuietly(ctx);
    } else if (mode === 'terminate-worker') {
      if (await terminateWorker(ctx, page)) workerTargets++;
      await closeQuietly(ctx);
    } else {
      killProfile(profile);
      await closeQuietly(ctx);
    }
    rmSync(`${profile}/SingletonLock`, { force: true });
  }
  expect(acked.size).toBeGreaterThan(100);
  expect(ackedTx.size).toBeGreaterThan(5);
  expect([...seenModes.values()].reduce((x, y) => x + y, 0)).toBe(20);
  expect(workerTargets).toBeGreaterThan(0);
  rmSync(profile, { recursive: true, force: true });
});
