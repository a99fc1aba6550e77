/**
 * A failed disk commit is undone in memory (StoreEngine.flush's failure branch), end to end in
 * Node: openStore({ worker: false }) over fake-indexeddb, with IndexedDB's `put` on the WAL made
 * to fail with a QuotaExceededError for chosen commits.
 *
 * Two ways of failing, as browsers do both: `put` throwing at once, and `put` queuing a request
 * that fails a task later and aborts its transaction with the QuotaExceededError as its error
 * (how a real quota failure arrives). The second keeps the commit in flight for a task, so writes
 * can be made to arrive while it is.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, LarderError, type Store } from '../src/index.js';
import { codeOf } from './fixtures/code-of.js';

let seq = 0;
const fresh = (tag: string): string => `t-failcommit-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, opts: Parameters<typeof openStore>[1] = {}): Promise<Store> =>
  openStore(name, { worker: false, ...opts });


const quota = (): DOMException => new DOMException('disk full (test)', 'QuotaExceededError');

/**
 * Controls the WAL's `put`: while `failing`, each WAL put fails with a QuotaExceededError (thrown,
 * or as a failed request); `onPut` runs synchronously inside every WAL put, after it was issued,
 * i.e. while that commit is in flight.
 */
interface WalFault {
  failing: false | 'throw' | 'request';
  onPut: ((failed: boolean) => void) | null;
  puts: number;
  failed: number;
}

function faultWal(): WalFault {
  const f: WalFault = { failing: false, onPut: null, puts: 0, failed: 0 };
  const orig = IDBObjectStore.prototype.put;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<typeof orig>) {
    if (this.name !== 'wal') return orig.apply(this, args);
    f.puts++;
    const how = f.failing;
    let req: IDBRequest<IDBValidKey>;
    if (how === 'throw') {
      f.failed++;
      f.onPut?.(true);
      throw quota();
    } else if (how === 'request') {
      f.failed++;
      // fake-indexeddb's own request queue: the request fails when the transaction runs it (a
      // task later), and its default action aborts the transaction with that error.
      const tx = this.transaction as unknown as { _execRequestAsync(o: { operation(): never; source: unknown }): IDBRequest<IDBValidKey> };
      req = tx._execRequestAsync({ operation: () => { throw quota(); }, source: this });
    } else req = orig.apply(this, args);
    f.onPut?.(how !== false);
    return req;
  });
  return f;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a failed strict commit', () => {
  it('rejects every write of the group and of the writes queued behind it, undoes them, and keeps the rest', async () => {
    const name = fresh('group');
    const s = await open(name);
    await s.set('good1', 'one');
    await s.set('good2', 'two');
    const f0 = (await s.info()).diskCommits.failed as number;
    const seen: string[] = [];
    s.on('change', (e) => { for (const c of e.changes) seen.push(String(c.key)); });

    const fault = faultWal();
    const p: Record<string, Promise<unknown>> = {};
    // A commits while B (two writes of one message), C and a delete and an overwrite of the good
    // keys (another message) queue behind it: they go out together as the next group, which
    // fails. D arrives while that group is in flight and waits behind it.
    fault.onPut = () => {
      fault.onPut = () => {
        fault.onPut = null;
        p.D = s.set('D', 'd');
      };
      fault.failing = 'request';
      p.B1 = s.set('B1', 1);
      p.B2 = s.set('B2', 2);
      queueMicrotask(() => {
        p.C = s.set('C', 3);
        p.del = s.delete('good1');
        p.over = s.set('good2', 'overwritten');
      });
    };
    p.A = s.set('A', 'a');
    await p.A; // A's own commit succeeds: the fault was armed after its put
    const results = await Promise.allSettled([p.B1, p.B2, p.C, p.del, p.over, p.D]);
    fault.failing = false;
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(LarderError);
      expect((e as LarderError).code).toBe('QUOTA_EXCEEDED');
    }
    // B1, B2, C and the delete/overwrite went in one IndexedDB transaction, D never reached disk.
    expect(fault.failed).toBe(1);
    expect((await s.info()).diskCommits.failed).toBe(f0 + 1);

    // Memory equals disk again: the failed writes are gone, what they replaced is back.
    for (const k of ['B1', 'B2', 'C', 'D']) {
      expect(await s.has(k)).toBe(false);
      expect(await s.get(k)).toBeUndefined();
    }
    expect(await s.get('good1')).toBe('one');
    expect(await s.get('good2')).toBe('two');
    expect(await s.get('A')).toBe('a');
    expect(await s.keys()).toEqual(['A', 'good1', 'good2']);
    expect((await s.info()).entries).toBe(3);
    // The change feed reported the committed writes only.
    expect(seen).not.toContain('B1');
    expect(seen).not.toContain('D');
    expect(seen).toContain('A');

    // With the fault gone, writes succeed again, the failed keys among them.
    await s.set('after', 4);
    await s.set('C', 'again');
    expect(await s.get('after')).toBe(4);
    await s.close();

    const r = await open(name);
    expect(await r.keys()).toEqual(['A', 'C', 'after', 'good1', 'good2']);
    expect(await r.get('good1')).toBe('one');
    expect(await r.get('good2')).toBe('two');
    expect(await r.get('C')).toBe('again');
    for (const k of ['B1', 'B2', 'D']) expect(await r.has(k)).toBe(false);
    await r.destroy();
  });

  it('a put that throws at once fails the writes of its message, and only those', async () => {
    const name = fresh('throw');
    const s = await open(name);
    await s.setMany([['x', 1], ['y', 2]]);
    const fault = faultWal();
    fault.failing = 'throw';
    // One message: both writes share its batch, and the failed commit fails both.
    const [a, b] = await Promise.allSettled([s.set('x', 'changed'), s.set('new', 1)]);
    fault.failing = false;
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(((a as PromiseRejectedResult).reason as LarderError).code).toBe('QUOTA_EXCEEDED');
    expect(((b as PromiseRejectedResult).reason as LarderError).code).toBe('QUOTA_EXCEEDED');
    expect(await s.get('x')).toBe(1);
    expect(await s.has('new')).toBe(false);
    expect(await s.get('y')).toBe(2);
    // A failed batch() is all or nothing, as always.
    fault.failing = 'throw';
    expect(await codeOf(s.batch([{ op: 'set', key: 'b1', value: 1 }, { op: 'delete', key: 'y' }]))).toBe('QUOTA_EXCEEDED');
    fault.failing = false;
    expect(await s.has('b1')).toBe(false);
    expect(await s.get('y')).toBe(2);
    await s.set('new', 'later');
    await s.close();
    const r = await open(name);
    expect(await r.entries()).toEqual([['new', 'later'], ['x', 1], ['y', 2]]);
    await r.destroy();
  });
});

describe('a failed commit and interactive transactions', () => {
  it('a transaction whose commit fails leaves none of its writes, in any view', async () => {
    const name = fresh('txcommit');
    const s = await open(name);
    await s.set('base', 1);
    await s.kv.set('kbase', 'v');
    const fault = faultWal();
    fault.failing = 'throw';
    const p = s.transaction(async (tx) => {
      await tx.set('t1', 1);
      await tx.delete('base');
      await tx.set('t2', { deep: [1, 2] });
      await tx.kv.set('k1', 'v1');
      await tx.kv.del('kbase');
      await tx.collection('docs').insertOne({ _id: 'd1', n: 1 });
      await tx.graph('g').addNode('N', { n: 1 });
      expect(await tx.get('t1')).toBe(1); // visible inside, before the commit
      return 'done';
    });
    expect(await codeOf(p)).toBe('QUOTA_EXCEEDED');
    fault.failing = false;
    expect(fault.failed).toBe(1);
    expect(await s.has('t1')).toBe(false);
    expect(await s.has('t2')).toBe(false);
    expect(await s.get('base')).toBe(1);
    expect(await s.kv.get('k1')).toBeNull();
    expect(await s.kv.get('kbase')).toBe('v');
    expect(await s.collection('docs').countDocuments()).toBe(0);
    expect(await s.graph('g').findNodes({ label: 'N' })).toEqual([]);
    expect(await s.keys()).toEqual(['base']);
    // The store goes on: a later transaction commits.
    await s.transaction(async (tx) => { await tx.set('t3', 3); });
    await s.close();
    const r = await open(name);
    expect(await r.keys()).toEqual(['base', 't3']);
    expect(await r.kv.get('k1')).toBeNull();
    expect(await r.kv.get('kbase')).toBe('v');
    expect(await r.collection('docs').countDocuments()).toBe(0);
    await r.destroy();
  });

  it('a transaction open while an earlier commit fails is rolled back with it', async () => {
    const name = fresh('txopen');
    const s = await open(name);
    await s.set('base', 1);
    const fault = faultWal();
    fault.failing = 'request';
    let inTx!: Promise<unknown>;
    let wroteInTx!: () => void;
    const txWrote = new Promise<void>((r) => { wroteInTx = r; });
    // While the doomed write is in flight, a transaction begins (on top of it) and writes. Only
    // that one commit fails: the transaction's own commit would succeed if it were let through.
    fault.onPut = () => {
      fault.onPut = null;
      fault.failing = false;
      inTx = s.transaction(async (tx) => {
        await tx.set('intx', 1);
        await tx.delete('base');
        wroteInTx();
        await new Promise((r) => setTimeout(r, 20)); // the failure lands meanwhile
        await tx.set('intx2', 2);
      });
    };
    const doomed = s.set('doomed', 1);
    await txWrote;
    expect(await codeOf(doomed)).toBe('QUOTA_EXCEEDED');
    // Its next call found it rolled back; the error names why.
    const e = await inTx.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LarderError);
    expect((e as LarderError).code).toBe('QUOTA_EXCEEDED');
    expect((e as LarderError).message).toMatch(/transaction rolled back/);
    expect(fault.failed).toBe(1);
    expect(await s.has('doomed')).toBe(false);
    expect(await s.has('intx')).toBe(false);
    expect(await s.has('intx2')).toBe(false);
    expect(await s.get('base')).toBe(1);
    await s.set('after', 1);
    await s.close();
    const r = await open(name);
    expect(await r.keys()).toEqual(['after', 'base']);
    await r.destroy();
  });
});

describe("a failed commit with durability: 'relaxed'", () => {
  it('the writes resolved, then are rolled back in memory when their commit fails; nothing reports them', async () => {
    const name = fresh('relaxed');
    const s = await open(name, { durability: 'relaxed' });
    await s.setMany([['keep', 1], ['gone-later', 'x']]);
    await s.checkpoint(); // on disk
    const seen: string[] = [];
    s.on('change', (e) => { for (const c of e.changes) seen.push(String(c.key)); });
    const f0 = (await s.info()).diskCommits.failed as number;

    const fault = faultWal();
    fault.failing = 'request';
    // Each resolves once applied in memory, before its disk append starts (about 16 ms later).
    await s.set('lost', 1);
    await s.set('keep', 'overwritten');
    await s.delete('gone-later');
    expect(await s.get('lost')).toBe(1);
    expect(await s.get('keep')).toBe('overwritten');
    expect(await s.has('gone-later')).toBe(false);

    await expect.poll(async () => (await s.info()).diskCommits.failed, { timeout: 5000, interval: 5 }).toBe(f0 + 1);
    fault.failing = false;
    // Rolled back: memory equals disk again.
    expect(await s.has('lost')).toBe(false);
    expect(await s.get('lost')).toBeUndefined();
    expect(await s.get('keep')).toBe(1);
    expect(await s.get('gone-later')).toBe('x');
    expect((await s.info()).entries).toBe(2);
    // The change feed reports disk commits only: the lost writes never appear.
    expect(seen).toEqual([]);

    // Later relaxed writes reach disk.
    await s.set('later', 2);
    await s.close(); // writes what is still waiting
    const r = await open(name, { durability: 'relaxed' });
    expect(await r.entries()).toEqual([['gone-later', 'x'], ['keep', 1], ['later', 2]]);
    await r.destroy();
  });
});
