/**
 * The store in real Chromium: SharedWorker + Comlink + IndexedDB end to end. Reload and relaunch,
 * two tabs, bad input across the boundary, encryption at rest, corruption and repair, quota.
 */
import { expect, test } from '@playwright/test';
import { rmSync } from 'node:fs';
import { freshProfile, launchProfile, openFixture, storeName } from './helpers.js';

test('a SharedWorker that dies fails its calls with CLOSED instead of hanging; opening again recovers from disk', async () => {
  const profile = freshProfile();
  const name = storeName('gone');
  const ctx = await launchProfile(profile);
  const page = await openFixture(ctx);
  await page.evaluate(async (name) => {
    const s = await window.larder.openStore(name);
    await s.set('k', 1);
    (window as unknown as { gone: unknown }).gone = s;
  }, name);
  const cdp = await ctx.newCDPSession(page);
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
  const workers = targetInfos.filter((t) => t.type === 'shared_worker');
  expect(workers.length).toBe(1);
  await cdp.send('Target.closeTarget', { targetId: workers[0]!.targetId });
  const after = await page.evaluate(async (name) => {
    const s = (window as unknown as { gone: Awaited<ReturnType<typeof window.larder.openStore>> }).gone;
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
    const get = await code(s.get('k'));
    const set = await code(s.set('k2', 2));
    const again = await window.larder.openStore(name);
    const v = await again.get('k');
    const k2 = await again.get('k2');
    await again.destroy();
    return { get, set, v, k2 };
  }, name);
  expect(after).toEqual({ get: 'CLOSED', set: 'CLOSED', v: 1, k2: undefined });
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
});

test('10,000 concurrent writes survive a reload and a browser relaunch', async () => {
  const profile = freshProfile();
  const name = storeName('reload');
  let ctx = await launchProfile(profile);
  let page = await openFixture(ctx);
  const written = await page.evaluate(async (name) => {
    const s = await window.larder.openStore(name);
    const ps: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) ps.push(s.set(`rec:${i}`, { i, name: `user ${i}`, tags: ['a', 'b'], at: new Date(i) }));
    await Promise.all(ps);
    return (await s.info()).entries as number;
  }, name);
  expect(written).toBe(10_000);

  await page.reload();
  await page.waitForFunction(() => window.larderReady === true);
  const afterReload = await page.evaluate(async (name) => {
    const s = await window.larder.openStore(name);
    const vals = await s.getMany(Array.from({ length: 10_000 }, (_, i) => `rec:${i}`));
    return vals.filter((v, i) => (v as { i: number } | undefined)?.i === i).length;
  }, name);
  expect(afterReload).toBe(10_000);

  // A relaunch proves the data came from disk, not from a worker that outlived the page.
  await ctx.close();
  ctx = await launchProfile(profile);
  page = await openFixture(ctx);
  const afterRelaunch = await page.evaluate(async (name) => {
    const s = await window.larder.openStore(name);
    const vals = await s.getMany(Array.from({ length: 10_000 }, (_, i) => `rec:${i}`));
    const ok = vals.filter((v, i) => (v as { i: number; at: Date } | undefined)?.i === i && (v as { at: Date }).at instanceof Date).length;
    await s.destroy();
    return ok;
  }, name);
  expect(afterRelaunch).toBe(10_000);
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
});

test('two tabs write different keys at once; both see everything; closing one loses nothing', async ({ context }) => {
  const name = storeName('tabs');
  const a = await openFixture(context);
  const b = await openFixture(context);
  const write = (prefix: string) => async (page: typeof a) =>
    page.evaluate(async ({ name, prefix }) => {
      const s = await window.larder.openStore(name);
      (window as unknown as { store: unknown }).store = s;
      await Promise.all(Array.from({ length: 2000 }, (_, i) => s.set(`${prefix}:${i}`, i)));
      return true;
    }, { name, prefix });
  await Promise.all([write('a')(a), write('b')(b)]);
  for (const page of [a, b]) {
    const counts = await page.evaluate(async () => {
      const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
      return [await s.count({ prefix: 'a:' }), await s.count({ prefix: 'b:' })];
    });
    expect(counts).toEqual([2000, 2000]);
  }
  // Change feed across tabs: b hears a's write.
  const heard = b.evaluate(() => new Promise<string[]>((resolve) => {
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    const off = s.on('change', (e) => { off(); resolve(e.changes.map((c) => c.key)); });
  }));
  await a.waitForTimeout(50);
  await a.evaluate(() => (window as unknown as { store: import('../../src/index.js').Store }).store.set('from-a', 1));
  expect(await heard).toEqual(['from-a']);
  // Close the tab that wrote first; the other keeps every write and keeps writing.
  await a.close();
  const after = await b.evaluate(async () => {
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    await s.set('after-close', true);
    return [await s.count(), await s.get('after-close')];
  });
  expect(after).toEqual([4002, true]);
});

test('bad input across the boundary: clear errors, real Error subclasses, nothing written', async ({ page }) => {
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => window.larderReady === true);
  const r = await page.evaluate(async (name) => {
    const { openStore, LarderError } = window.larder;
    const s = await openStore(name);
    const codeOf = async (p: Promise<unknown>) => {
      try { await p; return 'resolved'; } catch (e) { return `${e instanceof LarderError && e instanceof Error ? 'LarderError' : 'other'}:${(e as { code?: string }).code}`; }
    };
    const out = {
      fn: await codeOf(s.set('fn', () => 1)),
      sym: await codeOf(s.set('sym', Symbol('x'))),
      dom: await codeOf(s.set('dom', document.body)),
      nested: await codeOf(s.set('nested', { a: [1, { f() {} }] })),
      unknown: await codeOf((s as unknown as { call(t: string, m: string, a: unknown[]): Promise<unknown> }).call('values', 'evil', [])),
      count: await s.count(),
    };
    await s.close();
    return { ...out, closed: await codeOf(s.get('x')) };
  }, storeName('bad'));
  expect(r).toEqual({ fn: 'LarderError:BAD_VALUE', sym: 'LarderError:BAD_VALUE', dom: 'LarderError:BAD_VALUE', nested: 'LarderError:BAD_VALUE', unknown: 'LarderError:UNKNOWN_OP', count: 0, closed: 'LarderError:CLOSED' });
});

/** Reads every record of the store's IndexedDB database as bytes (meta values as JSON-ish text). */
const dumpRecordsSource = `async (dbName) => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open(dbName); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const out = [];
  for (const storeName of Array.from(db.objectStoreNames)) {
    const tx = db.transaction(storeName);
    const st = tx.objectStore(storeName);
    const [keys, values] = await Promise.all([
      new Promise((res) => { const r = st.getAllKeys(); r.onsuccess = () => res(r.result); }),
      new Promise((res) => { const r = st.getAll(); r.onsuccess = () => res(r.result); }),
    ]);
    keys.forEach((k, i) => out.push({ store: storeName, key: k, value: values[i] }));
  }
  db.close();
  return out;
}`;

test('encryption at rest: no plaintext in any record; reopens with the passphrase, fails cleanly without', async ({ page }) => {
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => window.larderReady === true);
  const name = storeName('enc');
  const r = await page.evaluate(async ({ name, dump }) => {
    const { openStore } = window.larder;
    const marker = 'PLAINTEXT-MARKER-42';
    const s = await openStore(name, { passphrase: 'hunter2', pbkdf2Iterations: 10_000 });
    for (let i = 0; i < 50; i++) await s.set(`${marker}-key-${i}`, { secret: `${marker}-value-${i}` });
    await s.checkpoint();
    await s.set(`${marker}-after-checkpoint`, marker);
    await s.close();
    const records = await (0, eval)(dump)(`larder:${name}`);
    const needle = new TextEncoder().encode(marker);
    const contains = (hay: Uint8Array) => {
      outer: for (let i = 0; i + needle.length <= hay.length; i++) {
        for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
        return true;
      }
      return false;
    };
    const leaks = records.filter((rec: { value: unknown }) => {
      const v = rec.value;
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) return contains(new Uint8Array(v as ArrayBuffer));
      return JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Array.from(x) : x))?.includes(marker);
    }).length;
    const stores = [...new Set(records.map((rec: { store: string }) => rec.store))].sort();
    const codeOf = async (p: Promise<unknown>) => { try { await p; return 'opened'; } catch (e) { return (e as { code: string }).code; } };
    const without = await codeOf(openStore(name));
    const wrong = await codeOf(openStore(name, { passphrase: 'wrong', pbkdf2Iterations: 10_000 }));
    const t = await openStore(name, { passphrase: 'hunter2', pbkdf2Iterations: 10_000 });
    const back = [await t.get(`${marker}-key-7`), await t.get(`${marker}-after-checkpoint`), await t.count()];
    await t.destroy();
    return { records: records.length, stores, leaks, without, wrong, back };
  }, { name, dump: dumpRecordsSource });
  expect(r.records).toBeGreaterThan(2);
  expect(r.stores).toEqual(['meta', 'pages', 'wal']);
  expect(r.leaks).toBe(0);
  expect(r.without).toBe('BAD_PASSPHRASE');
  expect(r.wrong).toBe('BAD_PASSPHRASE');
  expect(r.back).toEqual([{ secret: 'PLAINTEXT-MARKER-42-value-7' }, 'PLAINTEXT-MARKER-42', 51]);
});

test('a corrupted WAL record is reported as CORRUPT; repair recovers everything before it', async ({ page }) => {
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => window.larderReady === true);
  const r = await page.evaluate(async (name) => {
    const { openStore } = window.larder;
    const s = await openStore(name);
    for (let i = 0; i < 10; i++) await s.set(`k${i}`, i); // ten WAL records, one per awaited write
    await s.close();
    // Flip a byte in the 7th WAL record.
    const db = await new Promise<IDBDatabase>((res) => { const q = indexedDB.open(`larder:${name}`); q.onsuccess = () => res(q.result); });
    const keys = await new Promise<IDBValidKey[]>((res) => { const q = db.transaction('wal').objectStore('wal').getAllKeys(); q.onsuccess = () => res(q.result); });
    const victim = keys[6];
    await new Promise<void>((res) => {
      const tx = db.transaction('wal', 'readwrite');
      const st = tx.objectStore('wal');
      const q = st.get(victim);
      q.onsuccess = () => {
        const v = q.result;
        const bytes = v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer);
        bytes[bytes.length - 3] ^= 0x5a;
        st.put(bytes, victim);
      };
      tx.oncomplete = () => res();
    });
    db.close();
    let err = '';
    try { await openStore(name); } catch (e) { err = `${(e as { code: string }).code}: ${(e as Error).message}`; }
    const t = await openStore(name, { repair: true });
    const values = await t.getMany(Array.from({ length: 10 }, (_, i) => `k${i}`));
    const info = await t.info();
    await t.set('after-repair', true);
    await t.close();
    const u = await openStore(name);
    const clean = [await u.count(), await u.get('after-repair')];
    await u.destroy();
    return { err, values, recovery: info.recovery, clean };
  }, storeName('corrupt'));
  expect(r.err).toMatch(/^CORRUPT: .*wal/);
  expect(r.values).toEqual([0, 1, 2, 3, 4, 5, undefined, undefined, undefined, undefined]);
  expect(r.recovery.repaired).toBe(true);
  expect(r.recovery.droppedWalRecords.length).toBe(4);
  expect(r.clean).toEqual([7, true]);
});

test('a corrupted page is reported; repair drops only that page and says how much was lost', async ({ page }) => {
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => window.larderReady === true);
  const r = await page.evaluate(async (name) => {
    const { openStore } = window.larder;
    const s = await openStore(name);
    await s.setMany(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i] as [string, unknown]));
    await s.checkpoint();
    await s.close();
    const db = await new Promise<IDBDatabase>((res) => { const q = indexedDB.open(`larder:${name}`); q.onsuccess = () => res(q.result); });
    const keys = await new Promise<IDBValidKey[]>((res) => { const q = db.transaction('pages').objectStore('pages').getAllKeys(); q.onsuccess = () => res(q.result); });
    await new Promise<void>((res) => {
      const tx = db.transaction('pages', 'readwrite');
      const st = tx.objectStore('pages');
      const q = st.get(keys[0]);
      q.onsuccess = () => {
        const bytes = new Uint8Array(q.result as Uint8Array);
        bytes[40] ^= 0xff;
        st.put(bytes, keys[0]);
      };
      tx.oncomplete = () => res();
    });
    db.close();
    let err = '';
    try { await openStore(name); } catch (e) { err = `${(e as { code: string }).code}: ${(e as Error).message}`; }
    const t = await openStore(name, { repair: true });
    const count = await t.count();
    const info = await t.info();
    await t.destroy();
    return { pages: keys.length, err, count, lost: info.recovery.lostPages };
  }, storeName('corrupt-page'));
  expect(r.pages).toBeGreaterThan(1);
  expect(r.err).toMatch(/^CORRUPT: .*page/);
  expect(r.lost.length).toBe(1);
  expect(r.count).toBe(1000 - r.lost[0].entries);
  expect(r.count).toBeLessThan(1000);
});

test('quota: QUOTA_EXCEEDED, the failed write absent before and after reload, writes resume when space frees', async ({ page, context }) => {
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => window.larderReady === true);
  const name = storeName('quota');
  const ballastName = storeName('quota-ballast');
  const origin = new URL(page.url()).origin;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 8 * 1024 * 1024 });
  const r = await page.evaluate(async ({ name, ballastName }) => {
    const { openStore } = window.larder;
    const chunk = (i: number) => { const b = new Uint8Array(256 * 1024); for (let j = 0; j < b.length; j += 4096) b[j] = (i + j) & 0xff; crypto.getRandomValues(b.subarray(0, 65536)); return b; };
    (window as unknown as { chunk: unknown }).chunk = chunk;
    // A second store of the same origin, destroyed later to free space the way an app would.
    const ballast = await openStore(ballastName);
    for (let i = 0; i < 16; i++) await ballast.set(`ballast:${i}`, chunk(i));
    await ballast.close();
    const s = await openStore(name);
    (window as unknown as { store: unknown }).store = s;
    let ok = 0;
    let failure = '';
    for (let i = 0; i < 200; i++) {
      try { await s.set(`blob:${i}`, chunk(i)); ok++; } catch (e) { failure = (e as { code: string }).code; break; }
    }
    const failedKey = `blob:${ok}`;
    return { ok, failure, failedInMemory: await s.has(failedKey), firstIntact: (await s.get<Uint8Array>('blob:0'))?.length };
  }, { name, ballastName });
  expect(r.failure).toBe('QUOTA_EXCEEDED');
  expect(r.ok).toBeGreaterThan(8); // blob:0..5 are deleted or kept below
  expect(r.failedInMemory).toBe(false);
  expect(r.firstIntact).toBe(256 * 1024);

  // Below the space already used, every write must fail, deletes included (a delete is a WAL
  // record too): QUOTA_EXCEEDED, and the value is still there, whole, in memory and on disk.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 * 1024 });
  const belowUsage = await page.evaluate(async () => {
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    const code = await s.delete('blob:5').then(() => 'ok', (e: { code?: string }) => String(e.code));
    return { code, length: (await s.get<Uint8Array>('blob:5'))?.length };
  });
  expect(belowUsage).toEqual({ code: 'QUOTA_EXCEEDED', length: 256 * 1024 });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 8 * 1024 * 1024 });

  // Deleting at the quota: a delete is itself a WAL write, so once the origin is full Chromium may
  // refuse it too. Either it succeeds (the key is gone) or it fails with QUOTA_EXCEEDED and the
  // value is still there, whole; never anything in between.
  const atQuota = await page.evaluate(async () => {
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    const out: Array<{ code: string; has: boolean; length: number | undefined }> = [];
    for (let i = 0; i < 3; i++) {
      const code = await s.delete(`blob:${i}`).then(() => 'ok', (e: { code?: string }) => String(e.code));
      out.push({ code, has: await s.has(`blob:${i}`), length: (await s.get<Uint8Array>(`blob:${i}`))?.length });
    }
    return out;
  });
  for (const d of atQuota) {
    if (d.code === 'ok') expect(d).toEqual({ code: 'ok', has: false, length: undefined });
    else expect(d).toEqual({ code: 'QUOTA_EXCEEDED', has: true, length: 256 * 1024 });
  }
  const deletedAtQuota = atQuota.flatMap((d, i) => (d.code === 'ok' ? [i] : []));

  // Free space by destroying the other store; deletes and writes then succeed at the same quota.
  const freed = await page.evaluate(async (ballastName) => {
    const { openStore } = window.larder;
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    const chunk = (window as unknown as { chunk: (i: number) => Uint8Array }).chunk;
    await (await openStore(ballastName)).destroy();
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => String(e.code));
    const del = [await code(s.delete('blob:3')), await code(s.delete('blob:4'))];
    const write = await code(s.set('after-free', chunk(999)));
    return { del, write, gone: [await s.has('blob:3'), await s.has('blob:4')], written: (await s.get<Uint8Array>('after-free'))?.length };
  }, ballastName);
  expect(freed).toEqual({ del: ['ok', 'ok'], write: 'ok', gone: [false, false], written: 256 * 1024 });

  // Raising the quota is the other way space frees: writes resume.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 512 * 1024 * 1024 });
  const resumed = await page.evaluate(async () => {
    const s = (window as unknown as { store: import('../../src/index.js').Store }).store;
    await s.set('after-quota', 'yes');
    await s.close();
    return true;
  });
  expect(resumed).toBe(true);
  await page.reload();
  await page.waitForFunction(() => window.larderReady === true);
  const after = await page.evaluate(async ({ name, ok, ballastName }) => {
    const s = await window.larder.openStore(name);
    const present = await Promise.all(Array.from({ length: 6 }, (_, i) => s.has(`blob:${i}`)));
    const out = {
      count: await s.count(),
      present,
      failed: await s.has(`blob:${ok}`),
      last: (await s.get<Uint8Array>(`blob:${ok - 1}`))?.length,
      afterFree: (await s.get<Uint8Array>('after-free'))?.length,
      resumed: await s.get('after-quota'),
    };
    await s.destroy();
    const b = await window.larder.openStore(ballastName);
    const ballastCount = await b.count();
    await b.destroy();
    return { ...out, ballastCount };
  }, { name, ok: r.ok, ballastName });
  const deleted = [...deletedAtQuota, 3, 4];
  expect(after).toEqual({
    count: r.ok - deleted.length + 2,
    present: [0, 1, 2, 3, 4, 5].map((i) => !deleted.includes(i)),
    failed: false,
    last: 256 * 1024,
    afterFree: 256 * 1024,
    resumed: 'yes',
    ballastCount: 0,
  });
  if (process.env.LARDER_DEBUG) console.log(`quota test: ${r.ok} blobs before QUOTA_EXCEEDED; deletes at quota: ${atQuota.map((d) => d.code).join(',')}`);
});
