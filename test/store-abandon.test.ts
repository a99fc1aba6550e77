/**
 * A store left without close() (the tab or worker died) and opened again from what IndexedDB
 * holds: every acknowledged write and delete is there, across the views, whether it reached the
 * pages (a checkpoint) or only the WAL. Node, openStore({ worker: false }) over fake-indexeddb;
 * the browser crash test (test/browser/crash.spec.ts) kills real workers and browsers.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { Store as StoreClass } from '../src/client/store.js';
import { WorkerHost } from '../src/worker/host.js';

let seq = 0;
const fresh = (tag: string): string => `t-abandon-${tag}-${Date.now()}-${++seq}`;
const open = (name: string): Promise<Store> => openStore(name, { worker: false });
/**
 * Opens `name` in an engine of its own, as a new worker does after a crash: openStore in this
 * thread would reach the same engine (one writer per store), whose memory still holds everything.
 */
async function openAfterCrash(name: string): Promise<Store> {
  const host = new WorkerHost();
  const conn = await host.open(name, { persist: true });
  return new StoreClass(name, host, conn, (cb) => cb, () => {}) as unknown as Store;
}

type Op =
  | { k: 'set'; key: string; v: number }
  | { k: 'del'; key: string }
  | { k: 'setMany'; keys: string[]; v: number }
  | { k: 'batch'; set: string; del: string; v: number }
  | { k: 'checkpoint' };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), key, v: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), key }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('setMany' as const), keys: fc.uniqueArray(key, { minLength: 1, maxLength: 4 }), v: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('batch' as const), set: key, del: key, v: fc.integer() }).filter((b) => b.set !== b.del) },
  { weight: 1, arbitrary: fc.constant({ k: 'checkpoint' as const }) },
);

describe('a store abandoned without close', () => {
  it('reopens with exactly the acknowledged writes and deletes (random sequences, checkpoints between)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const name = fresh('model');
        const s = await open(name);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.k === 'set') {
            await s.set(o.key, o.v);
            model.set(o.key, o.v);
          } else if (o.k === 'del') {
            await s.delete(o.key);
            model.delete(o.key);
          } else if (o.k === 'setMany') {
            await s.setMany(o.keys.map((k) => [k, o.v]));
            for (const k of o.keys) model.set(k, o.v);
          } else if (o.k === 'batch') {
            await s.batch([{ op: 'set', key: o.set, value: o.v }, { op: 'delete', key: o.del }]);
            model.set(o.set, o.v);
            model.delete(o.del);
          } else await s.checkpoint();
        }
        // No close: the next open reads what IndexedDB holds, as after a crash.
        const r = await openAfterCrash(name);
        expect(Object.fromEntries(await r.entries())).toEqual(Object.fromEntries([...model].sort(([x], [y]) => (x < y ? -1 : 1))));
        await r.close();
      }),
      { numRuns: Number(process.env.ABANDON_RUNS ?? 40) },
    );
  });

  it('deletes, documents, kv and graph writes after the last checkpoint survive from the WAL alone', async () => {
    const name = fresh('views');
    const s = await open(name);
    await s.setMany(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const c = s.collection<{ _id: number; n: number; tag?: string }>('docs');
    await c.createIndex({ n: 1 });
    await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i })));
    const g = s.graph('g');
    const a = await g.addNode('P', { name: 'a' });
    const b = await g.addNode('P', { name: 'b' });
    await s.kv.set('counter', '1');
    await s.checkpoint();
    // After the checkpoint: deletes and updates of every kind, only in the WAL.
    await s.delete('k3');
    await s.deleteMany(['k4', 'k5']);
    await c.deleteOne({ _id: 7 });
    await c.updateMany({ n: { $gte: 15 } }, { $set: { tag: 'late' } });
    await g.addEdge(a.id, b.id, 'KNOWS');
    await g.removeNode(b.id, { detach: true });
    await s.kv.incr('counter');
    await s.kv.del('nothing');
    const r = await openAfterCrash(name);
    expect(await r.has('k3')).toBe(false);
    expect(await r.getMany(['k4', 'k5', 'k6'])).toEqual([undefined, undefined, 6]);
    const rc = r.collection<{ _id: number; n: number; tag?: string }>('docs');
    expect(await rc.findOne({ _id: 7 })).toBeNull();
    expect(await rc.countDocuments({})).toBe(19);
    expect((await rc.find({ tag: 'late' }).toArray()).map((d) => d._id)).toEqual([15, 16, 17, 18, 19]);
    // The index was maintained through the WAL too: an indexed query agrees with the documents.
    expect(await rc.countDocuments({ n: { $gte: 5, $lt: 10 } })).toBe(4);
    const rg = r.graph('g');
    expect(await rg.getNode(b.id)).toBeNull();
    expect(await rg.neighbors(a.id)).toEqual([]);
    expect(await r.kv.get('counter')).toBe('2');
    await r.close();
  });
});
