/**
 * Interactive transactions and batches at their edges: every model rolled back exactly, the
 * timeout, calls on the outer store inside a transaction, a handle used after its end, nesting,
 * commit while a checkpoint is wanted, close/destroy mid-transaction, and the change feed.
 * Node only: openStore({ worker: false }) over fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { openStore, LarderError, type Store } from '../src/index.js';
import { codeOf } from './fixtures/code-of.js';

let seq = 0;
const fresh = (tag: string): string => `t-txedge-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, opts: Parameters<typeof openStore>[1] = {}): Promise<Store> =>
  openStore(name, { worker: false, ...opts });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** The whole keyspace (every model, indexes and adjacency included) as bytes. */
async function dump(s: Store): Promise<Uint8Array> {
  return new Uint8Array(await (await s.export()).arrayBuffer());
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a transaction over every model', () => {
  it('sees its own writes, and a throw restores every model byte for byte', async () => {
    const s = await open(fresh('all'));
    const users = s.collection('users');
    await users.createIndex({ age: 1 });
    await users.insertOne({ _id: 1, name: 'a', age: 30 });
    await s.kv.set('k', 'v', { EX: 100 });
    await s.kv.hSet('h', { f: '1' });
    const g = s.graph();
    const n1 = await g.addNode('P', { n: 1 });
    const n2 = await g.addNode('P', { n: 2 });
    await g.addEdge(n1.id, n2.id, 'KNOWS');
    await s.set('plain', 1);
    const before = await dump(s);

    const boom = new Error('boom');
    await expect(s.transaction(async (tx) => {
      await tx.set('plain', 2);
      await tx.set('new', { x: 1 });
      expect(await tx.get('plain')).toBe(2);
      await tx.kv.set('k', 'w'); // drops the TTL
      expect(await tx.kv.ttl('k')).toBe(-1);
      await tx.kv.del('h');
      await tx.kv.hSet('h', { other: '2' });
      await tx.kv.lPush('k2', ['x']);
      expect(await tx.kv.type('k2')).toBe('list');
      const tu = tx.collection('users');
      await tu.updateOne({ _id: 1 }, { $set: { age: 31 } });
      await tu.insertOne({ _id: 2, name: 'b', age: 40 });
      expect(await tu.find({ age: { $gt: 30 } }).hint({ age: 1 }).toArray()).toHaveLength(2);
      await tx.collection('fresh').insertOne({ _id: 'z' });
      const tg = tx.graph();
      await tg.removeNode(n1.id, { detach: true });
      const n3 = await tg.addNode('Q', { n: 3 });
      await tg.addEdge(n2.id, n3.id, 'LIKES');
      expect((await tg.neighbors(n2.id)).map((n) => n.id)).toEqual([n3.id]);
      throw boom;
    })).rejects.toBe(boom);

    expect(await dump(s)).toEqual(before);
    expect(await s.get('plain')).toBe(1);
    expect(await s.kv.ttl('k')).toBeGreaterThan(0);
    expect(await s.kv.type('k2')).toBe('none');
    expect(await s.kv.hGetAll('h')).toEqual({ f: '1' });
    expect(await users.find({ age: { $gt: 29 } }).hint({ age: 1 }).toArray()).toEqual([{ _id: 1, name: 'a', age: 30 }]);
    expect((await g.neighbors(n2.id)).map((n) => n.id)).toEqual([n1.id]);
    expect((await s.listCollections()).map((c) => c.name)).toEqual(['users']);
    // The same writes committed are all there after a reopen.
    await s.transaction(async (tx) => {
      await tx.set('plain', 3);
      await tx.kv.lPush('k2', ['y']);
      await tx.collection('users').updateOne({ _id: 1 }, { $set: { age: 50 } });
      await tx.graph().addNode('R');
    });
    const name = s.name;
    await s.close();
    const r = await open(name);
    expect(await r.get('plain')).toBe(3);
    expect(await r.kv.lRange('k2', 0, -1)).toEqual(['y']);
    expect(await r.collection('users').find({ age: 50 }).hint({ age: 1 }).toArray()).toEqual([{ _id: 1, name: 'a', age: 50 }]);
    await r.destroy();
  });
});

describe('transaction outcomes', () => {
  it('returns fn\'s value, commits nothing when fn writes nothing, rethrows a non-Error as is', async () => {
    const s = await open(fresh('outcomes'), { persist: false });
    expect(await s.transaction(async () => 42)).toBe(42);
    expect(await s.transaction(() => ({ a: [1] }))).toEqual({ a: [1] });
    const commits = (await s.info()).commits;
    await s.transaction(async (tx) => { await tx.get('nothing'); });
    expect((await s.info()).commits).toBe(commits);
    let thrown: unknown;
    try {
      await s.transaction(async (tx) => {
        await tx.set('x', 1);
        throw 'a string'; // eslint-disable-line no-throw-literal
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe('a string');
    expect(await s.get('x')).toBeUndefined();
    await s.close();
  });

  it('kv.multi, cursors and graph batches inside a transaction run in it and roll back with it', async () => {
    const s = await open(fresh('inner'), { persist: false, durability: 'relaxed' });
    await s.collection('c').insertMany([{ _id: 1 }, { _id: 2 }]);
    const before = await dump(s);
    await expect(s.transaction(async (tx) => {
      expect(await tx.kv.multi().set('m', '1').incr('m').exec()).toEqual(['OK', 2]);
      expect(await tx.kv.get('m')).toBe('2');
      await tx.collection('c').insertOne({ _id: 3 });
      const cur = tx.collection('c').find({}).batchSize(1);
      const seen = [];
      for (let d = await cur.next(); d; d = await cur.next()) seen.push(d._id);
      expect(seen).toEqual([1, 2, 3]);
      expect(await tx.graph().addNodes([{ labels: ['A'] }, { labels: ['B'] }])).toHaveLength(2);
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await dump(s)).toEqual(before);
    expect(await s.transaction(async (tx) => tx.kv.incr('m'))).toBe(1);
    expect(await s.kv.get('m')).toBe('1');
    await s.close();
  });

  it('a handle used after its transaction ended fails and writes nothing', async () => {
    const s = await open(fresh('stale'), { persist: false });
    let kept!: Parameters<Parameters<Store['transaction']>[0]>[0];
    await s.transaction(async (tx) => { kept = tx; await tx.set('a', 1); });
    expect(await codeOf(kept.set('b', 1))).toBe('BAD_VALUE');
    expect(await codeOf(kept.kv.set('c', '1'))).toBe('BAD_VALUE');
    // Still refused while another transaction is open.
    await s.transaction(async (tx) => {
      expect(await codeOf(kept.set('d', 1))).toBe('BAD_VALUE');
      await tx.set('e', 1);
    });
    await expect(s.transaction(async (tx) => { kept = tx; throw new Error('x'); })).rejects.toThrow('x');
    expect(await codeOf(kept.set('f', 1))).toBe('BAD_VALUE');
    expect(await s.keys()).toEqual(['a', 'e']);
    await s.close();
  });
});

describe('the timeout', () => {
  it('rolls back, fails later calls and the commit with TIMEOUT, and the store serves on', async () => {
    const s = await open(fresh('timeout'), { transactionTimeout: 60 });
    await s.set('n', 1);
    let later: Promise<unknown> | undefined;
    const t = s.transaction(async (tx) => {
      await tx.set('n', 2);
      await tx.kv.set('kv', '1');
      await sleep(150);
      later = tx.set('n', 3);
      await later.catch(() => {});
      return 'done';
    });
    expect(await codeOf(t)).toBe('TIMEOUT');
    expect(await codeOf(later!)).toBe('TIMEOUT');
    expect(await s.get('n')).toBe(1);
    expect(await s.kv.get('kv')).toBeNull();
    await s.set('n', 4);
    expect(await s.transaction(async (tx) => (await tx.get('n')))).toBe(4);
    await s.destroy();
  });

  it('an awaited call on the outer store inside a transaction waits for it: TIMEOUT, then runs alone', async () => {
    const s = await open(fresh('outer'), { transactionTimeout: 60 });
    let outer: unknown = 'unset';
    const t = s.transaction(async (tx) => {
      await tx.set('in', 1);
      await s.set('out', 1); // waits for this transaction: the deadlock the docs warn of
      outer = await s.get('in');
      await tx.set('in2', 1);
    });
    expect(await codeOf(t)).toBe('TIMEOUT');
    // The transaction's writes are gone; the outer call ran after the rollback, on its own.
    expect(outer).toBeUndefined();
    expect(await s.getMany(['in', 'in2', 'out'])).toEqual([undefined, undefined, 1]);
    await s.destroy();
  });

  it('a nested store.transaction() waits for the outer one: the outer times out', async () => {
    const s = await open(fresh('nested'), { transactionTimeout: 60 });
    let inner: unknown;
    const t = s.transaction(async (tx) => {
      await tx.set('outer', 1);
      inner = await s.transaction(async (tx2) => {
        expect(await tx2.get('outer')).toBeUndefined(); // the outer was rolled back first
        await tx2.set('inner', 1);
        return 'inner';
      });
    });
    expect(await codeOf(t)).toBe('TIMEOUT');
    expect(inner).toBe('inner');
    expect(await s.getMany(['outer', 'inner'])).toEqual([undefined, 1]);
    await s.destroy();
  });
});

describe('serializability and durability', () => {
  it('N concurrent read-modify-write transactions lose no update (strict)', async () => {
    const s = await open(fresh('incr'));
    await s.set('n', 0);
    await s.kv.set('c', '0');
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => s.transaction(async (tx) => {
      const n = (await tx.get<number>('n'))!;
      if (i % 3 === 0) await sleep(0);
      await tx.set('n', n + 1);
      await tx.kv.set('c', String(Number(await tx.kv.get('c')) + 1));
    })));
    expect(await s.get('n')).toBe(N);
    const name = s.name;
    await s.close();
    const r = await open(name);
    expect(await r.get('n')).toBe(N);
    expect(await r.kv.get('c')).toBe(String(N));
    await r.destroy();
  });

  it('property: transactions, batches and plain writes in one tick equal a model of committed state', async () => {
    type Step =
      | { k: 'tx'; ops: Array<[string, number | null]>; fail: boolean }
      | { k: 'batch'; ops: Array<[string, number | null]>; bad: boolean }
      | { k: 'set'; key: string; v: number };
    const key = fc.constantFrom('a', 'b', 'c');
    const ops = fc.array(fc.tuple(key, fc.option(fc.integer({ min: 0, max: 9 }))), { maxLength: 4 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ k: fc.constant('tx' as const), ops, fail: fc.boolean() }),
      fc.record({ k: fc.constant('batch' as const), ops, bad: fc.boolean() }),
      fc.record({ k: fc.constant('set' as const), key, v: fc.integer({ min: 0, max: 9 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps) => {
      const s = await open(fresh('prop'), { persist: false });
      const model = new Map<string, number>();
      const apply = (m: Map<string, number>, list: Array<[string, number | null]>) => {
        for (const [k, v] of list) v === null ? m.delete(k) : m.set(k, v);
      };
      // Same tick: they run in call order, each whole or not at all.
      const runs = steps.map((st) => {
        if (st.k === 'set') {
          model.set(st.key, st.v);
          return s.set(st.key, st.v);
        }
        if (st.k === 'batch') {
          const list = st.ops.map(([k, v]) => (v === null ? { op: 'delete' as const, key: k } : { op: 'set' as const, key: k, value: v }));
          if (st.bad) list.splice(list.length >> 1, 0, { op: 'set', key: 7 as unknown as string, value: 1 });
          else apply(model, st.ops);
          return s.batch(list).then(() => {}, () => {});
        }
        if (!st.fail) apply(model, st.ops);
        return s.transaction(async (tx) => {
          for (const [k, v] of st.ops) {
            if (v === null) await tx.delete(k);
            else await tx.set(k, v);
            expect(await tx.get(k)).toBe(v ?? undefined);
          }
          if (st.fail) throw new Error('fail');
        }).catch(() => {});
      });
      await Promise.all(runs);
      expect(new Map(await s.entries())).toEqual(model);
      await s.close();
    }), { numRuns: 40 });
  });
});

describe('batch', () => {
  it('a bad op in the middle writes nothing, also when the worker refuses it', async () => {
    const s = await open(fresh('batch'), { persist: false });
    await s.set('keep', 1);
    expect(await codeOf(s.batch([{ op: 'set', key: 'a', value: 1 }, { op: 'nope' } as never, { op: 'delete', key: 'keep' }]))).toBe('BAD_VALUE');
    expect(await codeOf(s.batch([{ op: 'set', key: 'a', value: 1 }, { op: 'set', key: 'b', value: () => 1 }, { op: 'delete', key: 'keep' }]))).toBe('BAD_VALUE');
    expect(await codeOf(s.batch([{ op: 'set', key: 'a', value: 1 }, { op: 'set', key: 5 as never, value: 1 }, { op: 'delete', key: 'keep' }]))).toBe('BAD_VALUE');
    expect(await s.entries()).toEqual([['keep', 1]]);
    expect(await s.batch([{ op: 'set', key: 'a', value: 1 }, { op: 'delete', key: 'keep' }])).toEqual([undefined, true]);
    await s.close();
  });
});

describe('checkpoint wanted during a transaction', () => {
  it('a checkpoint waits for the transaction and holds its writes only once they committed', async () => {
    const name = fresh('ckpt');
    const s = await open(name);
    await s.set('base', 1);
    let ck: Promise<void> | undefined;
    await s.transaction(async (tx) => {
      await tx.set('x', 1);
      ck = s.checkpoint(); // wanted now; cannot run while the transaction is open
      await tx.set('y', 2);
    });
    await ck;
    await s.close();
    const r = await open(name);
    expect(await r.getMany(['base', 'x', 'y'])).toEqual([1, 1, 2]);
    await r.destroy();
  });

  it('a transaction whose WAL append fails is not in the checkpoint that was waiting for it', async () => {
    const name = fresh('ckptfail');
    const s = await open(name);
    await s.set('base', 1);
    const orig = IDBObjectStore.prototype.put;
    let failWal = false;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<typeof orig>) {
      if (this.name === 'wal' && failWal) throw new DOMException('disk full (test)', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    let ck: Promise<void> | undefined;
    const t = s.transaction(async (tx) => {
      await tx.set('x', 1);
      ck = s.checkpoint();
      failWal = true;
    });
    const c = await codeOf(t);
    expect(c).not.toBe('TIMEOUT');
    await ck!.catch(() => {});
    failWal = false;
    // Memory was rolled back: the transaction failed.
    expect(await s.get('x')).toBeUndefined();
    await s.close();
    vi.restoreAllMocks();
    const r = await open(name);
    // And disk agrees: no checkpoint holds the failed transaction's write.
    expect(await r.getMany(['base', 'x'])).toEqual([1, undefined]);
    await r.destroy();
  });
});

describe('close and destroy during a transaction', () => {
  it('close rolls the open transaction back; its calls fail with CLOSED; nothing of it after reopen', async () => {
    const name = fresh('close');
    const s = await open(name);
    await s.set('a', 1);
    let gate!: () => void;
    const opened = new Promise<void>((r) => { gate = r; });
    let after: Promise<unknown> | undefined;
    const t = s.transaction(async (tx) => {
      await tx.set('a', 2);
      await tx.collection('c').insertOne({ _id: 1 });
      gate();
      await sleep(30);
      after = tx.set('b', 1);
      await after.catch(() => {});
    });
    await opened;
    await s.close();
    expect(await codeOf(t)).toBe('CLOSED');
    expect(await codeOf(after!)).toBe('CLOSED');
    const r = await open(name);
    expect(await r.entries()).toEqual([['a', 1]]);
    expect(await r.collection('c').countDocuments()).toBe(0);
    await r.destroy();
  });

  it('closing one handle rolls back its open transaction at once: another handle is not held up', async () => {
    const name = fresh('close2');
    // A timeout far past the test's own: only the close can end the transaction in time.
    const a = await open(name, { transactionTimeout: 600_000 });
    const b = await open(name);
    await b.set('x', 0);
    let gate!: () => void;
    const opened = new Promise<void>((r) => { gate = r; });
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const t = a.transaction(async (tx) => {
      await tx.set('x', 1);
      await tx.kv.set('k', '1');
      gate();
      await held;
      await tx.set('y', 1);
    });
    const outcome = t.then(() => 'committed', (e) => (e as LarderError).code);
    await opened;
    await a.close();
    // Served while a's transaction function is still waiting: the close rolled it back.
    await b.set('z', 1);
    expect(await b.getMany(['x', 'y', 'z'])).toEqual([0, undefined, 1]);
    expect(await b.kv.get('k')).toBeNull();
    release();
    expect(await outcome).toBe('CLOSED');
    expect(await b.getMany(['x', 'y'])).toEqual([0, undefined]);
    await b.destroy();
  }, 4000);

  it('destroy during a transaction fails it with CLOSED and leaves an empty store', async () => {
    const name = fresh('destroy');
    const s = await open(name);
    await s.set('a', 1);
    let gate!: () => void;
    const opened = new Promise<void>((r) => { gate = r; });
    const t = s.transaction(async (tx) => {
      await tx.set('b', 2);
      gate();
      await sleep(30);
      await tx.set('c', 3);
    });
    await opened;
    await s.destroy();
    expect(await codeOf(t)).toBe('CLOSED');
    const r = await open(name);
    expect(await r.entries()).toEqual([]);
    await r.destroy();
  });
});

describe('the change feed', () => {
  it('a rolled-back transaction emits nothing; a committed one emits once, after its commit', async () => {
    const s = await open(fresh('feed'));
    const seen: Array<{ seq: number; keys: string[]; events: number }> = [];
    s.on('change', (e) => seen.push({ seq: e.seq, keys: e.changes.map((c) => `${c.target}:${c.key}`), events: e.events?.length ?? 0 }));
    await expect(s.transaction(async (tx) => {
      await tx.set('a', 1);
      await tx.collection('c').insertOne({ _id: 1 });
      await tx.kv.set('k', '1');
      throw new Error('no');
    })).rejects.toThrow('no');
    await sleep(5);
    expect(seen).toEqual([]);
    let during = -1;
    await s.transaction(async (tx) => {
      await tx.set('a', 1);
      await tx.collection('c').insertOne({ _id: 1 });
      await tx.kv.set('k', '1');
      await sleep(5);
      during = seen.length;
    });
    expect(during).toBe(0);
    await sleep(5);
    expect(seen).toHaveLength(1);
    expect(seen[0].keys).toContain('values:a');
    expect(seen[0].events).toBeGreaterThan(0);
    await s.destroy();
  });
});
