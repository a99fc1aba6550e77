/**
 * `durability: 'relaxed'` end to end in Node (openStore({ worker: false }) over fake-indexeddb):
 * a write resolves once applied in memory, its disk append comes a little later and is shared by
 * every relaxed write of that window, closing writes what is still waiting, and the change feed
 * reports a write only once it is on disk.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let seq = 0;
const fresh = (tag: string): string => `t-relaxed-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, durability: 'strict' | 'relaxed' = 'relaxed'): Promise<Store> => openStore(name, { worker: false, durability });
/** IndexedDB transactions the store committed so far (WAL appends and checkpoints). */
const transactions = async (s: Store): Promise<number> => (await s.info()).diskCommits.transactions as number;
/** Resolves once the store's pending relaxed writes are on disk: a checkpoint writes them first. */
const settled = (s: Store): Promise<void> => s.checkpoint();

describe("durability: 'relaxed'", () => {
  it('resolves before the disk commit, and the write reaches disk without another call', async () => {
    const name = fresh('later');
    const s = await open(name);
    const before = await transactions(s);
    await s.set('a', { n: 1 });
    // Resolved, but its disk append has not run yet: a strict store would have committed here.
    expect(await transactions(s)).toBe(before);
    expect(await s.get('a')).toEqual({ n: 1 });
    await expect.poll(() => transactions(s), { timeout: 5000, interval: 5 }).toBeGreaterThan(before);
    await s.close();
    const r = await open(name, 'strict');
    expect(await r.get('a')).toEqual({ n: 1 });
    await r.destroy();
  });

  it("info's commit latency counts a relaxed write once its disk commit is done", async () => {
    const s = await open(fresh('latency'));
    const samples = async (): Promise<number> => (await s.info()).commitLatencyMs.samples as number;
    const before = await samples();
    await s.set('a', 1);
    expect(await samples()).toBe(before); // answered before the disk commit
    await expect.poll(samples, { timeout: 5000, interval: 5 }).toBe(before + 1);
    expect((await s.info()).commitLatencyMs.p99).toBeGreaterThan(0);
    await s.destroy();
  });

  it('relaxed writes awaited one after another share one IndexedDB transaction', async () => {
    const s = await open(fresh('group'));
    const before = await transactions(s);
    for (let i = 0; i < 50; i++) await s.set(`k${i}`, i);
    await settled(s);
    // 50 awaited writes take well under the gathering window here: one append (and the checkpoint).
    expect((await transactions(s)) - before).toBeLessThanOrEqual(2);
    const strict = await open(fresh('group-strict'), 'strict');
    const strictBefore = await transactions(strict);
    for (let i = 0; i < 50; i++) await strict.set(`k${i}`, i);
    expect((await transactions(strict)) - strictBefore).toBe(50);
    await strict.destroy();
    await s.destroy();
  });

  it('close writes the relaxed writes still waiting for their append', async () => {
    const name = fresh('close');
    const s = await open(name);
    await Promise.all(Array.from({ length: 300 }, (_, i) => s.set(`k:${String(i).padStart(3, '0')}`, { i })));
    await s.delete('k:007');
    await s.close();
    const r = await open(name, 'strict');
    expect(await r.count()).toBe(299);
    expect(await r.get('k:299')).toEqual({ i: 299 });
    expect(await r.get('k:007')).toBeUndefined();
    await r.destroy();
  });

  it('the change feed reports a relaxed write only once it is on disk', async () => {
    const s = await open(fresh('feed'));
    const seen: string[] = [];
    s.on('change', (e) => { for (const c of e.changes) seen.push(c.key); });
    const before = await transactions(s);
    await s.set('a', 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([]); // applied and answered, not yet on disk
    await expect.poll(() => seen.length, { timeout: 5000, interval: 5 }).toBe(1);
    expect(seen).toEqual(['a']);
    expect(await transactions(s)).toBeGreaterThan(before);
    await s.destroy();
  });
});
