/**
 * Crash safety: while a page streams atomic writes, kill it at 20 different points — close the
 * page, terminate the worker, SIGKILL the browser — then relaunch on the same profile. Every write
 * whose promise resolved must be there, no atomic batch or transaction may be half-applied, and
 * the store must open without error. Every round proves its kill happened (a worker target closed
 * and the store answering CLOSED; browser processes SIGKILLed, the browser gone and its profile
 * lock left behind) and that the page logged no error, so a kill that silently does nothing fails.
 */
import { expect, test } from '@playwright/test';
import { lstatSync, rmSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { freshProfile, killProfile, launchProfile, openFixture, storeName } from './helpers.js';

type Mode = 'close-page' | 'terminate-worker' | 'kill-browser';
const MODES: Mode[] = ['close-page', 'terminate-worker', 'kill-browser'];

async function closeQuietly(ctx: BrowserContext): Promise<void> {
  await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
}

/** Resolves true if `p` settles within `ms`, false otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

/** `p`, or a rejection naming `what` if it has not settled within `ms`: a hung step fails its round. */
function timed<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Terminates the store's worker through CDP and returns how many worker targets were closed. A
 * target only counts once CDP said the close succeeded and it has left the target list, so a
 * round where no worker was found or none died returns 0 instead of passing silently.
 */
async function terminateWorker(ctx: BrowserContext, page: Page): Promise<number> {
  const cdp = await ctx.newCDPSession(page);
  type Targets = { targetInfos: Array<{ targetId: string; type: string }> };
  const isWorker = (t: { type: string }) => t.type === 'shared_worker' || t.type === 'worker';
  const { targetInfos } = (await timed(cdp.send('Target.getTargets'), 10_000, 'Target.getTargets')) as Targets;
  const ids = targetInfos.filter(isWorker).map((t) => t.targetId);
  let closed = 0;
  for (const targetId of ids) {
    const r = (await timed(cdp.send('Target.closeTarget', { targetId }), 10_000, 'Target.closeTarget')) as { success?: boolean };
    if (r.success === false) continue;
    const deadline = Date.now() + 5_000;
    for (;;) {
      const now = (await timed(cdp.send('Target.getTargets'), 10_000, 'Target.getTargets')) as Targets;
      if (!now.targetInfos.some((t) => t.targetId === targetId)) { closed++; break; }
      if (Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  await cdp.detach().catch(() => {});
  return closed;
}

/** True if Chromium's SingletonLock is still in the profile: a clean shutdown removes it, a SIGKILL cannot. */
function lockLeft(profile: string): boolean {
  try {
    lstatSync(`${profile}/SingletonLock`); // a symlink to a name that need not exist: lstat, not exists
    return true;
  } catch {
    return false;
  }
}

test('20 kills mid-stream: acknowledged writes survive, nothing half-applied', async () => {
  test.setTimeout(300_000);
  const profile = freshProfile();
  const name = storeName('crash');
  const acked = new Set<number>();
  const ackedTx = new Set<number>();
  let next = 0;
  const seenModes = new Map<Mode, number>();
  const proofs: string[] = []; // one line per round: how the kill was seen to happen

  for (let round = 0; round <= 20; round++) {
    const ctx = await launchProfile(profile);
    const ctxClosed = new Promise<void>((r) => ctx.once('close', () => r()));
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
      expect(errors, `page errors in round ${round}`).toEqual([]);
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
        (window as unknown as { crashStore: unknown }).crashStore = s;
        const ack = window as unknown as { ackBatch(i: number): void; ackTx(i: number): void };
        // Stop at the first failure (the kill): a loop of writes failing at once would never
        // yield to the event loop, and the test still needs to talk to this page afterwards.
        let failed = false;
        const fail = () => { failed = true; };
        for (let i = start; !failed; i++) {
          const p = s.batch([{ op: 'set', key: `a:${i}`, value: i }, { op: 'set', key: `b:${i}`, value: { i, pad: 'x'.repeat(200) } }]).then(() => ack.ackBatch(i), fail);
          if (i % 16 === 0) {
            await s.transaction(async (tx) => {
              await tx.set(`t1:${i}`, i);
              await tx.get(`a:${i}`);
              await tx.set(`t2:${i}`, i);
            }).then(() => ack.ackTx(i), fail);
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
    // Nothing may have gone wrong in the page before the kill, in any round (after it, errors from
    // the dying page are expected).
    expect(errors, `page errors in round ${round}`).toEqual([]);
    seenModes.set(mode, (seenModes.get(mode) ?? 0) + 1);
    if (mode === 'close-page') {
      await page.close();
      expect(page.isClosed(), `round ${round}: page not closed`).toBe(true);
      proofs.push(`${round} close-page`);
      if (process.env.LARDER_DEBUG) console.log(proofs[proofs.length - 1]);
      await closeQuietly(ctx);
    } else if (mode === 'terminate-worker') {
      const closed = await terminateWorker(ctx, page);
      expect(closed, `round ${round}: no worker target was found and terminated`).toBeGreaterThan(0);
      // The page's store sees its worker gone: its calls fail with CLOSED instead of being served.
      const code = await timed(page.evaluate(async () => {
        const s = (window as unknown as { crashStore: { get(k: string): Promise<unknown> } }).crashStore;
        const answer = s.get('a:0').then(() => 'served', (e: { code?: string }) => String(e.code));
        return Promise.race([answer, new Promise<string>((r) => setTimeout(() => r('no answer in 10 s'), 10_000))]);
      }), 15_000, `round ${round}: asking the page after terminating its worker`);
      expect(code, `round ${round}: the store still answered after its worker was terminated`).toBe('CLOSED');
      proofs.push(`${round} terminate-worker: ${closed} target(s)`);
      if (process.env.LARDER_DEBUG) console.log(proofs[proofs.length - 1]);
      await closeQuietly(ctx);
    } else {
      // SIGKILL, then require that the browser really died from it: processes were signalled, the
      // context saw its browser go away before any graceful close was attempted, and the profile
      // still holds the lock a clean shutdown would have removed.
      const killed = killProfile(profile);
      expect(killed, `round ${round}: killProfile found no browser process to kill`).toBeGreaterThan(0);
      expect(await within(ctxClosed, 10_000), `round ${round}: the browser did not disconnect after SIGKILL`).toBe(true);
      expect(lockLeft(profile), `round ${round}: SingletonLock gone, so the browser shut down cleanly`).toBe(true);
      proofs.push(`${round} kill-browser: ${killed} process(es)`);
      if (process.env.LARDER_DEBUG) console.log(proofs[proofs.length - 1]);
      await closeQuietly(ctx);
    }
    rmSync(`${profile}/SingletonLock`, { force: true });
  }
  expect(acked.size).toBeGreaterThan(100);
  expect(ackedTx.size).toBeGreaterThan(5);
  expect([...seenModes.values()].reduce((x, y) => x + y, 0)).toBe(20);
  expect(seenModes).toEqual(new Map<Mode, number>([['close-page', 7], ['terminate-worker', 7], ['kill-browser', 6]]));
  expect(proofs.length).toBe(20);
  if (process.env.LARDER_DEBUG) console.log(proofs.join('\n'));
  rmSync(profile, { recursive: true, force: true });
});
