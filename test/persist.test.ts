import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { IDBDatabase as FDBDatabase, IDBFactory, IDBObjectStore as FDBObjectStore, IDBTransaction as FDBTransaction } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { DiskStore, type DiskStoreOptions, type WalOp } from '../src/persist/disk-store.js';
import { pageOf } from '../src/persist/page.js';
import { isLarderError } from '../src/errors.js';

const te = new TextEncoder();
const td = new TextDecoder();
const b = (s: string): Uint8Array => te.encode(s);
const put = (k: string, v: string): WalOp => ({ op: 'put', key: b(k), value: b(v) });
const del = (k: string): WalOp => ({ op: 'del', key: b(k) });

/** Entries -> Map<keyString, valueString> (test keys/values are UTF-8). */
function asMap(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of entries) {
    const ks = td.decode(k);
    expect(m.has(ks)).toBe(false);
    m.set(ks, td.decode(v));
  }
  return m;
}
function applyToModel(model: Map<string, string>, ops: WalOp[]): void {
  for (const o of ops) {
    if (o.op === 'put') model.set(td.decode(o.key), td.decode(o.value));
    else model.delete(td.decode(o.key));
  }
}
const snapshotOf = (model: Map<string, string>) => () => [...model].map(([k, v]) => [b(k), b(v)] as [Uint8Array, Uint8Array]);

/** A raw connection to a store's database, for inspecting and damaging records. */
async function raw(factory: IDBFactory, name: string): Promise<IDBPDatabase> {
  return (await wrap(factory.open(`larder:${name}`))) as unknown as IDBPDatabase;
}
async function rawAll(factory: IDBFactory, name: string, store: 'wal' | 'pages' | 'meta'): Promise<Map<IDBValidKey, unknown>> {
  const db = await raw(factory, name);
  const keys = await db.getAllKeys(store);
  const vals = await db.getAll(store);
  db.close();
  return new Map(keys.map((k, i) => [k, vals[i]]));
}
async function flipByte(factory: IDBFactory, name: string, store: 'wal' | 'pages', key: number, at = -1): Promise<void> {
  const db = await raw(factory, name);
  const v = ((await db.get(store, key)) as Uint8Array).slice();
  v[at < 0 ? v.length + at : at] ^= 0x40;
  await db.put(store, v, key);
  db.close();
}
async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    expect(isLarderError(e), String(e)).toBe(true);
    expect((e as { code: string }).code, (e as Error).message).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return e;
  }
  throw new Error(`expected ${code}, but it resolved`);
}

let factory: IDBFactory;
const opts = (o: DiskStoreOptions = {}): DiskStoreOptions => ({ indexedDB: factory, pbkdf2Iterations: 1000, ...o });
const fresh = () => {
  factory = new IDBFactory();
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('DiskStore basics', () => {
  it('creates, appends, reopens with the same contents', async () => {
    fresh();
    const { disk, entries, report } = await DiskStore.open('s', opts());
    expect(report.created).toBe(true);
    expect(entries).toEqual([]);
    await disk.append([put('a', '1'), put('b', '2')]);
    await disk.append([del('a'), put('c', '3')]);
    await disk.append([]);
    expect(disk.info().lastSeq).toBe(3);
    await disk.close();
    const r = await DiskStore.open('s', opts());
    expect(r.report.created).toBe(false);
    expect(r.report.walRecordsReplayed).toBe(3);
    expect(r.report.lastSeq).toBe(3);
    expect(asMap(r.entries)).toEqual(new Map([['b', '2'], ['c', '3']]));
    await r.disk.append([put('d', '4')]);
    expect((await rawAll(factory, 's', 'wal')).has(4)).toBe(true);
    await r.disk.close();
  });

  it('rejects malformed input', async () => {
    fresh();
    await expectCode(DiskStore.open('', opts()), 'BAD_VALUE');
    await expectCode(DiskStore.open('x', opts({ pageCount: 3 })), 'BAD_VALUE');
    const { disk } = await DiskStore.open('x', opts());
    await expectCode(disk.append([{ op: 'put', key: 'k' } as unknown as WalOp]), 'BAD_VALUE');
    await expectCode(disk.checkpoint(() => [['k' as unknown as Uint8Array, b('v')]]), 'BAD_VALUE');
    await disk.close();
  });

  it('append then reopen equals a Map model across random batches, checkpoints and reopens', async () => {
    const keyArb = fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`);
    const opArb = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(keyArb, fc.string({ maxLength: 60 })).map(([k, v]) => put(k, v)) },
      { weight: 1, arbitrary: keyArb.map(del) },
    );
    const stepArb = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constant('batch' as const), ops: fc.array(opArb, { maxLength: 6 }), wait: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('checkpoint' as const) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 25 }), fc.constantFrom(1, 2, 8), fc.boolean(), async (steps, pageCount, encrypted) => {
        fresh();
        const o = opts({ pageCount, targetPageBytes: 600, ...(encrypted ? { passphrase: 'pw' } : {}) });
        let { disk } = await DiskStore.open('p', o);
        const model = new Map<string, string>();
        let inflight: Promise<unknown>[] = [];
        for (const s of steps) {
          if (s.t === 'batch') {
            applyToModel(model, s.ops);
            const p = disk.append(s.ops);
            if (s.wait) await p;
            else inflight.push(p);
          } else if (s.t === 'checkpoint') {
            await disk.checkpoint(snapshotOf(model));
          } else {
            await Promise.all(inflight);
            inflight = [];
            await disk.close();
            const r = await DiskStore.open('p', o);
            expect(asMap(r.entries)).toEqual(model);
            disk = r.disk;
          }
        }
        await Promise.all(inflight);
        await disk.close();
        const r = await DiskStore.open('p', o);
        expect(asMap(r.entries)).toEqual(model);
        expect(r.report.problems).toEqual([]);
        await r.disk.close();
      }),
      { numRuns: 30 },
    );
  });
});

describe('group commit', () => {
  it('many appends issued without awaiting share few transactions, one wal record each', async () => {
    fresh();
    const { disk } = await DiskStore.open('g', opts());
    const spy = vi.spyOn(FDBDatabase.prototype, 'transaction');
    const walTx = () => spy.mock.calls.filter((c) => c[0] === 'wal' || (Array.isArray(c[0]) && c[0].length === 1 && c[0][0] === 'wal')).length;
    const ps: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) ps.push(disk.append([put(`k${i}`, `v${i}`)]));
    // More batches arrive while the first transaction is in flight.
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 50; i < 100; i++) ps.push(disk.append([put(`k${i}`, `v${i}`)]));
    await Promise.all(ps);
    // The first 50 ride one transaction; the 50 that arrived while it was in flight ride the next.
    expect(walTx()).toBe(2);
    const info = disk.info();
    expect(info.commits.batches).toBe(100);
    expect(info.commits.transactions).toBe(walTx());
    expect(info.commits.latencyMs.samples).toBe(walTx());
    expect(info.wal.records).toBe(100);
    const wal = await rawAll(factory, 'g', 'wal');
    expect([...wal.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await disk.flush();
    await disk.close();
  });

  it('flush waits for everything queued, failed or not; info reports latency', async () => {
    fresh();
    const { disk } = await DiskStore.open('f', opts());
    const model = new Map([['a', '1']]);
    const a = disk.append([put('a', '1')]);
    const c = disk.checkpoint(snapshotOf(model)); // read later: must see 'b' too (the contract)
    model.set('b', '2');
    const d = disk.append([put('b', '2')]);
    await disk.flush();
    expect(await Promise.race([Promise.all([a, c, d]).then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 0))])).toBe('settled');
    expect(await c).toMatchObject({ seq: 2, batchesAbsorbed: 2 });
    const e = disk.append([put('c', '3')]);
    await disk.flush();
    await e;
    expect([...(await rawAll(factory, 'f', 'wal')).keys()]).toEqual([3]);
    const info = disk.info();
    expect(info.checkpoint.seq).toBe(2);
    expect(info.commits.latencyMs.samples).toBe(2);
    expect(info.commits.latencyMs.p99).toBeGreaterThanOrEqual(info.commits.latencyMs.p50);
    await disk.close();
  });

  it('passes durability relaxed to IndexedDB', async () => {
    fresh();
    const { disk } = await DiskStore.open('r', opts({ durability: 'relaxed' }));
    const spy = vi.spyOn(FDBDatabase.prototype, 'transaction');
    await disk.append([put('a', 'b')]);
    expect(spy.mock.calls.some((c) => c[1] === 'readwrite' && (c[2] as IDBTransactionOptions | undefined)?.durability === 'relaxed')).toBe(true);
    await disk.close();
  });
});

describe('checkpoint', () => {
  it('rewrites only dirty pages, deletes emptied ones, and drops the covered WAL', async () => {
    fresh();
    const { disk } = await DiskStore.open('c', opts({ pageCount: 16 }));
    const model = new Map<string, string>();
    const all: WalOp[] = [];
    for (let i = 0; i < 200; i++) all.push(put(`key${i}`, `value${i}`));
    applyToModel(model, all);
    await disk.append(all.slice(0, 100));
    await disk.append(all.slice(100));
    expect(disk.info().pages.dirty).toBe(16);
    const r1 = await disk.checkpoint(snapshotOf(model));
    expect(r1).toMatchObject({ seq: 2, pagesWritten: 16, pagesDeleted: 0, walRecordsDropped: 2, repartitioned: false });
    expect((await rawAll(factory, 'c', 'wal')).size).toBe(0);
    const before = await rawAll(factory, 'c', 'pages');
    expect(before.size).toBe(16);

    // Touch one key: only its page is rewritten.
    const ops = [put('key7', 'changed')];
    applyToModel(model, ops);
    await disk.append(ops);
    expect(disk.info().wal).toMatchObject({ records: 1 });
    const r2 = await disk.checkpoint(snapshotOf(model));
    expect(r2).toMatchObject({ seq: 3, pagesWritten: 1, pagesDeleted: 0, walRecordsDropped: 1, healedPages: [] });
    const after = await rawAll(factory, 'c', 'pages');
    const p7 = pageOf(b('key7'), 16);
    for (const [id, v] of after) {
      if (id === p7) expect(v).not.toEqual(before.get(id));
      else expect(v).toEqual(before.get(id));
    }

    // Delete every key of one page: its record is deleted, not rewritten empty.
    const victims = [...model.keys()].filter((k) => pageOf(b(k), 16) === 5).map(del);
    applyToModel(model, victims);
    await disk.append(victims);
    const r3 = await disk.checkpoint(snapshotOf(model));
    expect(r3).toMatchObject({ pagesWritten: 0, pagesDeleted: 1 });
    expect((await rawAll(factory, 'c', 'pages')).has(5)).toBe(false);
    const info = disk.info();
    expect(info.pages).toMatchObject({ count: 16, stored: 15, entries: model.size, dirty: 0 });
    expect(info.checkpoint.seq).toBe(4);
    expect(info.checkpoint.time).toBeGreaterThan(0);
    expect(info.wal).toMatchObject({ records: 0, bytes: 0 });
    await disk.close();

    const r = await DiskStore.open('c', opts());
    expect(asMap(r.entries)).toEqual(model);
    expect(r.report).toMatchObject({ checkpointSeq: 4, walRecordsReplayed: 0, pagesLoaded: 15 });
    await r.disk.close();
  });

  it('needsCheckpoint tracks WAL bytes since the checkpoint', async () => {
    fresh();
    const { disk } = await DiskStore.open('n', opts({ checkpointBytes: 1000 }));
    const model = new Map<string, string>();
    expect(disk.needsCheckpoint()).toBe(false);
    for (let i = 0; i < 10; i++) {
      const ops = [put(`k${i}`, 'x'.repeat(150))];
      applyToModel(model, ops);
      await disk.append(ops);
    }
    expect(disk.needsCheckpoint()).toBe(true);
    await disk.checkpoint(snapshotOf(model));
    expect(disk.needsCheckpoint()).toBe(false);
    await disk.close();
    // The WAL size survives reopen.
    const r = await DiskStore.open('n', opts({ checkpointBytes: 100 }));
    expect(r.disk.needsCheckpoint()).toBe(false);
    // Past checkpointBytes, but under half the stored pages (about 1.6 kB): not yet.
    await r.disk.append([put('z', 'y'.repeat(200))]);
    expect(r.disk.needsCheckpoint()).toBe(false);
    await r.disk.close();
    const r2 = await DiskStore.open('n', opts({ checkpointBytes: 100 }));
    expect(r2.disk.needsCheckpoint()).toBe(false);
    // Past half the stored pages as well: a checkpoint is due, and that survives reopen too.
    await r2.disk.append([put('w', 'y'.repeat(1000))]);
    expect(r2.disk.needsCheckpoint()).toBe(true);
    await r2.disk.close();
    const r3 = await DiskStore.open('n', opts({ checkpointBytes: 100 }));
    expect(r3.disk.needsCheckpoint()).toBe(true);
    await r3.disk.close();
  });

  it('absorbs batches still queued, so they need no WAL record', async () => {
    fresh();
    const { disk } = await DiskStore.open('a', opts());
    const model = new Map<string, string>();
    const ps: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      const ops = [put(`k${i}`, `v${i}`)];
      applyToModel(model, ops);
      ps.push(disk.append(ops));
    }
    const cp = await disk.checkpoint(snapshotOf(model));
    await Promise.all(ps);
    expect(cp).toMatchObject({ seq: 5, batchesAbsorbed: 5 });
    expect((await rawAll(factory, 'a', 'wal')).size).toBe(0);
    await disk.append([put('k9', 'v9')]);
    model.set('k9', 'v9');
    expect((await rawAll(factory, 'a', 'wal')).has(6)).toBe(true);
    await disk.close();
    const r = await DiskStore.open('a', opts());
    expect(asMap(r.entries)).toEqual(model);
    await r.disk.close();
  });

  it('a big Array snapshot: a write made while the checkpoint is being written is not absorbed and goes to the WAL', async () => {
    fresh();
    const o = opts({ pageCount: 2, targetPageBytes: 64 * 1024 });
    const { disk } = await DiskStore.open('sl', o);
    const model = new Map<string, string>();
    const ops: WalOp[] = [];
    for (let i = 0; i < 40_000; i++) ops.push(put(`key${i}`, `v${i}`));
    applyToModel(model, ops);
    await disk.append(ops);
    let ticks = 0;
    let late: Promise<void> | undefined;
    const snap = (): Array<[Uint8Array, Uint8Array]> => {
      const copy = snapshotOf(model)();
      const tick = (): void => {
        ticks++;
        if (ticks === 1) {
          const more = [put('late', 'x'), put('key7', 'changed')];
          applyToModel(model, more);
          late = disk.append(more); // after the snapshot: not in it, not absorbed
        }
        if (ticks < 1000) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      return copy;
    };
    const r = await disk.checkpoint(snap);
    await late;
    expect(ticks).toBeGreaterThan(0);
    expect(r).toMatchObject({ seq: 1, batchesAbsorbed: 0, repartitioned: true });
    expect([...(await rawAll(factory, 'sl', 'wal')).keys()]).toEqual([2]);
    await disk.close();
    const back = await DiskStore.open('sl', o);
    expect(asMap(back.entries)).toEqual(model);
    await back.disk.close();
  });

  it('repartitions when pages grow past the target, keeping records few and large', async () => {
    fresh();
    const o = opts({ pageCount: 1, targetPageBytes: 4096 });
    const { disk } = await DiskStore.open('rp', o);
    const model = new Map<string, string>();
    const ops: WalOp[] = [];
    for (let i = 0; i < 300; i++) ops.push(put(`key${i}`, 'v'.repeat(100)));
    applyToModel(model, ops);
    await disk.append(ops);
    const r = await disk.checkpoint(snapshotOf(model));
    expect(r.repartitioned).toBe(true);
    expect(r.pageCount).toBe(8); // ~32.5 KB / 4 KiB per page -> 8 pages
    expect(r.pagesWritten).toBe(8);
    // A write after the repartition lands in the right (new) page.
    const more = [put('key3', 'new'), put('extra', 'e')];
    applyToModel(model, more);
    await disk.append(more);
    const r2 = await disk.checkpoint(snapshotOf(model));
    expect(r2.repartitioned).toBe(false);
    expect(r2.pagesWritten).toBeLessThanOrEqual(2);
    await disk.close();
    const back = await DiskStore.open('rp', o);
    expect(back.report.pageCount).toBe(8);
    expect(asMap(back.entries)).toEqual(model);
    expect(back.disk.info().pages.bytes / 8).toBeLessThan(4096);
    await back.disk.close();
  });

  it('heals a page whose snapshot entry count disagrees with the directory', async () => {
    fresh();
    const { disk } = await DiskStore.open('h', opts({ pageCount: 4 }));
    const model = new Map([['a', '1'], ['b', '2'], ['c', '3']]);
    await disk.append([...model].map(([k, v]) => put(k, v)));
    await disk.checkpoint(snapshotOf(model));
    model.set('zz', 'missed'); // the caller forgot to append this one
    const r = await disk.checkpoint(snapshotOf(model));
    expect(r.healedPages).toEqual([pageOf(b('zz'), 4)]);
    await disk.close();
    const back = await DiskStore.open('h', opts());
    expect(asMap(back.entries)).toEqual(model);
    await back.disk.close();
  });

  it('commitByCheckpoint writes a batch through a checkpoint, with no WAL record', async () => {
    fresh();
    const { disk } = await DiskStore.open('bc', opts({ checkpointBytes: 1000 }));
    const model = new Map<string, string>();
    const first = [put('a', '1')];
    applyToModel(model, first);
    await disk.append(first);
    const ops: WalOp[] = [];
    for (let i = 0; i < 50; i++) ops.push(put(`k${i}`, 'x'.repeat(40)));
    ops.push(del('a'));
    expect(disk.needsCheckpoint()).toBe(false);
    expect(disk.needsCheckpoint(2500)).toBe(true);
    expect(disk.needsCheckpoint(10)).toBe(false);
    applyToModel(model, ops);
    let built = 0;
    expect(await disk.commitByCheckpoint(() => (built++, ops), snapshotOf(model))).toBe(null);
    expect(built).toBe(0); // the ops were never needed
    expect((await rawAll(factory, 'bc', 'wal')).size).toBe(0);
    expect(disk.info()).toMatchObject({ lastSeq: 2, wal: { records: 0, bytes: 0 }, checkpoint: { seq: 2, sinceOpen: 1 } });
    const later = [put('late', 'l')];
    applyToModel(model, later);
    await disk.append(later);
    expect([...(await rawAll(factory, 'bc', 'wal')).keys()]).toEqual([3]);
    await disk.close();
    const r = await DiskStore.open('bc', opts());
    expect(asMap(r.entries)).toEqual(model);
    expect(r.report).toMatchObject({ checkpointSeq: 2, walRecordsReplayed: 1, lastSeq: 3 });
    await r.disk.close();
  });

  it('commitByCheckpoint falls back to the WAL when its checkpoint fails, and reports why', async () => {
    fresh();
    const { disk } = await DiskStore.open('bf', opts());
    const model = new Map<string, string>();
    const ops = [put('a', '1'), put('b', '2')];
    applyToModel(model, ops);
    const orig = FDBObjectStore.prototype.put;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      if (this.name === 'pages') throw new DOMException('disk full', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    const err = await disk.commitByCheckpoint(() => ops, snapshotOf(model));
    vi.restoreAllMocks();
    expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect([...(await rawAll(factory, 'bf', 'wal')).keys()]).toEqual([1]);
    expect(disk.info()).toMatchObject({ lastSeq: 1, wal: { records: 1 }, checkpoint: { seq: 0 } });
    expect(disk.info().wal.bytes).toBeGreaterThan(0);
    await disk.close();
    const back = await DiskStore.open('bf', opts());
    expect(asMap(back.entries)).toEqual(model);
    await back.disk.close();
  });

  it('commitByCheckpoint rejects the batch when neither the checkpoint nor the WAL can take it', async () => {
    fresh();
    const { disk } = await DiskStore.open('bq', opts());
    const orig = FDBObjectStore.prototype.put;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      if (this.name === 'pages' || this.name === 'wal') throw new DOMException('disk full', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    await expectCode(disk.commitByCheckpoint(() => [put('a', '1')], snapshotOf(new Map([['a', '1']]))), 'QUOTA_EXCEEDED');
    vi.restoreAllMocks();
    expect(disk.info()).toMatchObject({ lastSeq: 0, wal: { records: 0, bytes: 0 } });
    await disk.append([put('b', '2')]);
    await disk.close();
    const back = await DiskStore.open('bq', opts());
    expect(asMap(back.entries)).toEqual(new Map([['b', '2']]));
    await back.disk.close();
  });

  it('a failed checkpoint changes nothing and loses no batch', async () => {
    fresh();
    const { disk } = await DiskStore.open('cf', opts());
    const model = new Map<string, string>();
    const ops = [put('a', '1')];
    applyToModel(model, ops);
    await disk.append(ops);
    const ops2 = [put('b', '2')];
    applyToModel(model, ops2);
    const p2 = disk.append(ops2); // queued: will be absorbed, then handed back
    const orig = FDBObjectStore.prototype.put;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      if (this.name === 'pages') throw new DOMException('disk full', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    await expectCode(disk.checkpoint(snapshotOf(model)), 'QUOTA_EXCEEDED');
    await p2; // went to the WAL instead
    vi.restoreAllMocks();
    expect([...(await rawAll(factory, 'cf', 'wal')).keys()]).toEqual([1, 2]);
    expect(disk.info().checkpoint.seq).toBe(0);
    await disk.close();
    const back = await DiskStore.open('cf', opts());
    expect(asMap(back.entries)).toEqual(model);
    expect(back.report.lastSeq).toBe(2);
    await back.disk.close();
  });

  it('a snapshot that throws fails only the checkpoint', async () => {
    fresh();
    const { disk } = await DiskStore.open('st', opts());
    const p = disk.append([put('a', '1')]);
    await expectCode(
      disk.checkpoint(() => {
        throw new Error('boom');
      }),
      'INTERNAL',
      /boom/,
    );
    await p;
    await disk.close();
    const back = await DiskStore.open('st', opts());
    expect(asMap(back.entries)).toEqual(new Map([['a', '1']]));
    await back.disk.close();
  });
});

describe('failed transactions', () => {
  it('QuotaExceededError rejects every batch of the transaction; none survives; numbers are reused', async () => {
    fresh();
    const { disk } = await DiskStore.open('q', opts());
    await disk.append([put('ok', '0')]);
    const orig = FDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      // Let the first put of the transaction through, then fail: the transaction must roll back whole.
      if (this.name === 'wal' && ++calls === 2) throw new DOMException('quota', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    const ps = [disk.append([put('x', '1')]), disk.append([put('y', '2')]), disk.append([del('ok')])];
    const results = await Promise.allSettled(ps);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    }
    vi.restoreAllMocks();
    expect(disk.info().commits.failed).toBe(1);
    expect(disk.info().wal.records).toBe(1);
    await disk.append([put('after', '3')]);
    expect([...(await rawAll(factory, 'q', 'wal')).keys()]).toEqual([1, 2]);
    await disk.close();
    const back = await DiskStore.open('q', opts());
    expect(asMap(back.entries)).toEqual(new Map([['ok', '0'], ['after', '3']]));
    await back.disk.close();
  });

  it('after a failure, rejection handlers undo in memory before a queued checkpoint reads its snapshot', async () => {
    fresh();
    const { disk } = await DiskStore.open('u', opts());
    const model = new Map<string, string>();
    const orig = FDBObjectStore.prototype.put;
    let failed = 0;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementation(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      if (this.name === 'wal' && failed++ === 0) throw new DOMException('quota', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    const ops = [put('doomed', 'x')];
    applyToModel(model, ops); // memory first, then append (the contract)
    const undone = (async () => {
      try {
        await disk.append(ops);
      } catch {
        await Promise.resolve();
        await Promise.resolve();
        model.delete('doomed'); // undo, several promise hops later
      }
    })();
    await Promise.resolve(); // the commit is now in flight
    const cp = disk.checkpoint(snapshotOf(model)); // queued behind the failing commit
    await undone;
    expect(await cp).toMatchObject({ seq: 0 });
    expect(failed).toBe(1);
    vi.restoreAllMocks();
    await disk.close();
    const back = await DiskStore.open('u', opts());
    expect(back.entries).toEqual([]);
    await back.disk.close();
  });

  it('a quota failure when the transaction commits rejects its batches with QUOTA_EXCEEDED; numbers are reused', async () => {
    fresh();
    const { disk } = await DiskStore.open('qc', opts());
    await disk.append([put('ok', '0')]);
    // The WAL commit calls commit() right after its puts; make the commit itself fail, as a
    // browser reports a quota error: the transaction aborts with QuotaExceededError.
    const commit = vi.spyOn(FDBTransaction.prototype, 'commit').mockImplementationOnce(function (this: InstanceType<typeof FDBTransaction>) {
      (this as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
    });
    const results = await Promise.allSettled([disk.append([put('x', '1')]), disk.append([put('y', '2')])]);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'LarderError', code: 'QUOTA_EXCEEDED' });
    expect(commit).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    expect(disk.info().commits.failed).toBe(1);
    await disk.append([put('after', '3')]);
    expect([...(await rawAll(factory, 'qc', 'wal')).keys()]).toEqual([1, 2]);
    await disk.close();
    const back = await DiskStore.open('qc', opts());
    expect(asMap(back.entries)).toEqual(new Map([['ok', '0'], ['after', '3']]));
    await back.disk.close();
  });

  it('an aborted transaction rejects every batch with a LarderError', async () => {
    fresh();
    const { disk } = await DiskStore.open('ab', opts());
    const orig = FDBObjectStore.prototype.put;
    vi.spyOn(FDBObjectStore.prototype, 'put').mockImplementationOnce(function (this: InstanceType<typeof FDBObjectStore>, ...args: Parameters<typeof orig>) {
      const req = orig.apply(this, args);
      this.transaction.abort();
      return req;
    });
    const results = await Promise.allSettled([disk.append([put('x', '1')]), disk.append([put('y', '2')])]);
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'LarderError', code: 'INTERNAL' });
    }
    await disk.close();
    const back = await DiskStore.open('ab', opts());
    expect(back.entries).toEqual([]);
    expect(back.report.lastSeq).toBe(0);
    await back.disk.close();
  });
});

describe('corruption and repair', () => {
  async function fiveBatches(name: string): Promise<void> {
    const { disk } = await DiskStore.open(name, opts());
    for (let i = 1; i <= 5; i++) await disk.append([put(`k${i}`, `v${i}`), put('last', String(i))]);
    await disk.close();
  }

  it('a damaged WAL record is CORRUPT naming it; repair keeps everything before it and cleans up', async () => {
    fresh();
    await fiveBatches('w');
    await flipByte(factory, 'w', 'wal', 3);
    const e = (await expectCode(DiskStore.open('w', opts()), 'CORRUPT', /object store "wal", key 3: .*checksum mismatch/)) as { details: unknown };
    expect(e.details).toEqual({ objectStore: 'wal', key: 3 });
    const r = await DiskStore.open('w', opts({ repair: true }));
    expect(asMap(r.entries)).toEqual(new Map([['k1', 'v1'], ['k2', 'v2'], ['last', '2']]));
    expect(r.report.repaired).toBe(true);
    expect(r.report.lastSeq).toBe(2);
    expect(r.report.droppedWalRecords.map((d) => [d.seq, d.ops])).toEqual([[3, null], [4, 2], [5, 2]]);
    expect(r.report.droppedWalRecords[0]!.reason).toMatch(/checksum/);
    expect([...(await rawAll(factory, 'w', 'wal')).keys()]).toEqual([1, 2]);
    await r.disk.append([put('new', 'n')]);
    await r.disk.close();
    const again = await DiskStore.open('w', opts());
    expect(again.report.problems).toEqual([]);
    expect(asMap(again.entries)).toEqual(new Map([['k1', 'v1'], ['k2', 'v2'], ['last', '2'], ['new', 'n']]));
    await again.disk.close();
  });

  it('a missing WAL record (a gap) is CORRUPT too', async () => {
    fresh();
    await fiveBatches('gap');
    const db = await raw(factory, 'gap');
    await db.delete('wal', 2);
    db.close();
    await expectCode(DiskStore.open('gap', opts()), 'CORRUPT', /wal record 2 is missing/);
    const r = await DiskStore.open('gap', opts({ repair: true }));
    expect(r.report.lastSeq).toBe(1);
    expect(r.report.droppedWalRecords.map((d) => d.seq)).toEqual([3, 4, 5]);
    await r.disk.close();
  });

  it('a damaged page is CORRUPT naming it; repair skips it and reports the entries lost', async () => {
    fresh();
    const o = opts({ pageCount: 4 });
    const { disk } = await DiskStore.open('pg', o);
    const model = new Map<string, string>();
    const ops: WalOp[] = [];
    for (let i = 0; i < 40; i++) ops.push(put(`key${i}`, `v${i}`));
    applyToModel(model, ops);
    await disk.append(ops);
    await disk.checkpoint(snapshotOf(model));
    // A later write to a key on the damaged page survives via the WAL.
    const victim = 2;
    const survivor = [...model.keys()].find((k) => pageOf(b(k), 4) === victim)!;
    await disk.append([put(survivor, 'rewritten')]);
    await disk.close();
    const lostCount = [...model.keys()].filter((k) => pageOf(b(k), 4) === victim).length;
    await flipByte(factory, 'pg', 'pages', victim, 40);

    await expectCode(DiskStore.open('pg', o), 'CORRUPT', new RegExp(`object store "pages", key ${victim}: `));
    const r = await DiskStore.open('pg', opts({ repair: true }));
    expect(r.report.lostPages).toEqual([expect.objectContaining({ page: victim, entries: lostCount })]);
    const expected = new Map([...model].filter(([k]) => pageOf(b(k), 4) !== victim));
    expected.set(survivor, 'rewritten');
    expect(asMap(r.entries)).toEqual(expected);
    // The store is clean again, and the next checkpoint rewrites the page.
    expect(r.disk.info().pages.stored).toBe(3);
    const cp = await r.disk.checkpoint(snapshotOf(expected));
    expect(cp.pagesWritten).toBe(1);
    await r.disk.close();
    const again = await DiskStore.open('pg', o);
    expect(again.report.problems).toEqual([]);
    expect(asMap(again.entries)).toEqual(expected);
    await again.disk.close();
  });

  it('missing or malformed meta is CORRUPT', async () => {
    fresh();
    await fiveBatches('m');
    const db = await raw(factory, 'm');
    await db.put('meta', { seq: -1 }, 'checkpoint');
    db.close();
    await expectCode(DiskStore.open('m', opts()), 'CORRUPT', /meta "checkpoint"/);
    const db2 = await raw(factory, 'm');
    await db2.delete('meta', 'format');
    db2.close();
    await expectCode(DiskStore.open('m', opts()), 'CORRUPT', /meta "format" is missing/);
  });
});

describe('encryption at rest', () => {
  const secretKey = 'Ksecret-key-AAAA';
  const secretValue = 'very-secret-value-BBBB';

  function contains(hay: Uint8Array, needle: Uint8Array): boolean {
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }

  it('stores no plaintext, reopens with the passphrase, refuses without or with a wrong one', async () => {
    fresh();
    const o = opts({ passphrase: 'hunter2' });
    const { disk, report } = await DiskStore.open('e', o);
    expect(report.encrypted).toBe(true);
    const model = new Map<string, string>();
    const ops = [put(secretKey, secretValue), put('Kother', secretValue)];
    applyToModel(model, ops);
    await disk.append(ops);
    await disk.checkpoint(snapshotOf(model));
    const ops2 = [put(secretKey + '2', secretValue), del('Kother')];
    applyToModel(model, ops2);
    await disk.append(ops2);
    expect(disk.info().encrypted).toBe(true);
    await disk.close();

    let records = 0;
    for (const store of ['wal', 'pages', 'meta'] as const) {
      for (const v of (await rawAll(factory, 'e', store)).values()) {
        const blobs = v instanceof Uint8Array ? [v] : Object.values(v as object).filter((x): x is Uint8Array => x instanceof Uint8Array);
        const text = JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? undefined : x)) ?? '';
        expect(text).not.toContain('secret');
        for (const blob of blobs) {
          records++;
          expect(contains(blob, b('secret'))).toBe(false);
          expect(contains(blob, b('Kother'))).toBe(false);
        }
      }
    }
    expect(records).toBeGreaterThanOrEqual(4); // wal, page(s), salt, verifier

    const r = await DiskStore.open('e', o);
    expect(asMap(r.entries)).toEqual(model);
    await r.disk.close();
    await expectCode(DiskStore.open('e', opts()), 'BAD_PASSPHRASE', /passphrase is required/);
    await expectCode(DiskStore.open('e', opts({ passphrase: 'hunter3' })), 'BAD_PASSPHRASE', /wrong passphrase/);
  });

  it('a tampered record with the right key is CORRUPT; a passphrase for a plain store is refused', async () => {
    fresh();
    const o = opts({ passphrase: 'pw' });
    const { disk } = await DiskStore.open('t', o);
    await disk.append([put('a', '1')]);
    await disk.append([put('b', '2')]);
    await disk.close();
    await flipByte(factory, 't', 'wal', 2, 20);
    await expectCode(DiskStore.open('t', o), 'CORRUPT', /"wal", key 2: .*authentication/);
    // A sealed record moved to another key fails too (the key is bound as associated data).
    const db = await raw(factory, 't');
    await db.put('wal', await db.get('wal', 1), 2);
    db.close();
    await expectCode(DiskStore.open('t', o), 'CORRUPT', /"wal", key 2/);
    const r = await DiskStore.open('t', opts({ passphrase: 'pw', repair: true }));
    expect(asMap(r.entries)).toEqual(new Map([['a', '1']]));
    await r.disk.close();

    const plain = await DiskStore.open('plain', opts());
    await plain.disk.close();
    await expectCode(DiskStore.open('plain', opts({ passphrase: 'pw' })), 'BAD_PASSPHRASE', /not encrypted/);
  });
});

describe('close and destroy', () => {
  it('close lets queued work finish, then every method fails with CLOSED', async () => {
    fresh();
    const { disk } = await DiskStore.open('cl', opts());
    const p = disk.append([put('a', '1')]);
    const closing = disk.close();
    await expectCode(disk.append([put('b', '2')]), 'CLOSED');
    await p;
    await closing;
    expect(disk.close()).toBe(closing);
    await expectCode(disk.append([put('b', '2')]), 'CLOSED');
    await expectCode(disk.checkpoint(() => []), 'CLOSED');
    await expectCode(disk.flush(), 'CLOSED');
    expect(() => disk.info()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => disk.needsCheckpoint()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    const r = await DiskStore.open('cl', opts());
    expect(asMap(r.entries)).toEqual(new Map([['a', '1']]));
    await r.disk.close();
  });

  it('destroy deletes the database; an open store on it becomes CLOSED', async () => {
    fresh();
    const { disk } = await DiskStore.open('d', opts());
    await disk.append([put('a', '1')]);
    await DiskStore.destroy('d', { indexedDB: factory });
    await expectCode(disk.append([put('b', '2')]), 'CLOSED', /deleting or upgrading/);
    const r = await DiskStore.open('d', opts());
    expect(r.report.created).toBe(true);
    expect(r.entries).toEqual([]);
    await r.disk.close();
    expect((await factory.databases()).map((d) => d.name)).toEqual(['larder:d']);
  });
});
