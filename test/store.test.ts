/**
 * The store end to end in Node: openStore({ worker: false }) over fake-indexeddb — the same
 * worker-side code the browser runs, minus the worker boundary (the browser suite covers that).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore, importInto, LarderError, type Store } from '../src/index.js';
import { encodeStored } from '../src/client/values.js';

let seq = 0;
const fresh = (tag: string): string => `t-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, opts: Parameters<typeof openStore>[1] = {}): Promise<Store> =>
  openStore(name, { worker: false, pbkdf2Iterations: 1000, ...opts });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LarderError);
    expect(e).toBeInstanceOf(Error);
    return (e as LarderError).code;
  }
  throw new Error('expected a rejection');
}

describe('store: values, durability, reopen', () => {
  it('writes survive close and reopen, with every value type intact', async () => {
    const name = fresh('reopen');
    const s = await open(name);
    const when = new Date(1700000000123);
    const value = { n: -0, nan: NaN, inf: -Infinity, s: 'héllo 🌍', d: when, b: new Uint8Array([1, 2, 255]), big: 12345678901234567890n, arr: [1, [2, { x: null }]], t: true };
    await s.set('doc', value);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.set(`k:${String(i).padStart(5, '0')}`, { i })));
    await s.delete('k:00007');
    await s.close();
    const r = await open(name);
    expect(await r.count()).toBe(2000);
    const got = (await r.get<typeof value>('doc'))!;
    expect(Object.is(got.n, -0)).toBe(true);
    expect(got.nan).toBeNaN();
    expect(got.inf).toBe(-Infinity);
    expect(got.s).toBe('héllo 🌍');
    expect(got.d).toEqual(when);
    expect(got.b).toEqual(new Uint8Array([1, 2, 255]));
    expect(got.big).toBe(12345678901234567890n);
    expect(got.arr).toEqual([1, [2, { x: null }]]);
    expect(await r.get('k:00007')).toBeUndefined();
    expect(await r.get('k:01999')).toEqual({ i: 1999 });
    expect((await r.keys({ prefix: 'k:0000' })).length).toBe(9);
    await r.destroy();
  });

  it('keys and entries come back in key order, by prefix and limit', async () => {
    const s = await open(fresh('order'), { persist: false });
    await s.setMany([['b', 2], ['a', 1], ['c', 3], ['ab', 4]]);
    expect(await s.keys()).toEqual(['a', 'ab', 'b', 'c']);
    expect(await s.keys({ prefix: 'a' })).toEqual(['a', 'ab']);
    expect(await s.entries({ limit: 2 })).toEqual([['a', 1], ['ab', 4]]);
    expect(await s.getMany(['c', 'zz', 'a'])).toEqual([3, undefined, 1]);
    expect(await s.deleteMany(['a', 'zz'])).toBe(1);
    expect(await s.has('a')).toBe(false);
    expect(await s.clear()).toBe(3);
    expect(await s.count()).toBe(0);
    await s.close();
  });

  it('calls in the same tick share one message and still get their own results', async () => {
    const s = await open(fresh('tick'), { persist: false });
    const [a, b, c] = await Promise.allSettled([s.set('x', 1), s.set('y', () => 1), s.get('x')]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(((b as PromiseRejectedResult).reason as LarderError).code).toBe('BAD_VALUE');
    expect((c as PromiseFulfilledResult<unknown>).value).toBe(1);
    await s.close();
  });
});

describe('store: atomicity and transactions', () => {
  it('batch applies every op or none', async () => {
    const name = fresh('batch');
    const s = await open(name);
    await s.set('keep', 'old');
    expect(await code(s.batch([{ op: 'set', key: 'keep', value: 'new' }, { op: 'set', key: 'bad', value: Symbol('x') }]))).toBe('BAD_VALUE');
    expect(await s.get('keep')).toBe('old');
    expect(await s.get('bad')).toBeUndefined();
    await s.batch([{ op: 'set', key: 'keep', value: 'new' }, { op: 'delete', key: 'nothing' }]);
    await s.close();
    const r = await open(name);
    expect(await r.get('keep')).toBe('new');
    expect(await r.get('bad')).toBeUndefined();
    await r.destroy();
  });

  it('a transaction sees its own writes, commits atomically, and others wait for it', async () => {
    const s = await open(fresh('tx'), { persist: false });
    await s.set('counter', 1);
    let outsideSaw: unknown = 'not yet';
    const result = await s.transaction(async (tx) => {
      const n = (await tx.get<number>('counter'))!;
      await tx.set('counter', n + 1);
      // A call outside the transaction must wait until it ends.
      void s.get('counter').then((v) => { outsideSaw = v; });
      await new Promise((r) => setTimeout(r, 20));
      expect(outsideSaw).toBe('not yet');
      expect(await tx.get('counter')).toBe(2);
      return 'done';
    });
    expect(result).toBe('done');
    await new Promise((r) => setTimeout(r, 0));
    expect(outsideSaw).toBe(2);
    await s.close();
  });

  it('a throw inside a transaction rolls all of it back', async () => {
    const s = await open(fresh('txthrow'), { persist: false });
    await s.set('a', 1);
    await expect(s.transaction(async (tx) => {
      await tx.set('a', 2);
      await tx.set('b', 3);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await s.get('a')).toBe(1);
    expect(await s.get('b')).toBeUndefined();
    await s.close();
  });

  it('a transaction that runs past its timeout is rolled back with TIMEOUT', async () => {
    const s = await open(fresh('txtime'), { persist: false, transactionTimeout: 50 });
    const p = s.transaction(async (tx) => {
      await tx.set('slow', 1);
      await new Promise((r) => setTimeout(r, 120));
      await tx.set('slow2', 2);
    });
    expect(await code(p)).toBe('TIMEOUT');
    expect(await s.get('slow')).toBeUndefined();
    expect(await s.get('slow2')).toBeUndefined();
    await s.set('after', 1);
    expect(await s.get('after')).toBe(1);
    await s.close();
  });
});

describe('store: bad input', () => {
  it('rejects what cannot be stored, with a clear code, and writes nothing', async () => {
    const s = await open(fresh('bad'), { persist: false });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(await code(s.set('f', () => 1))).toBe('BAD_VALUE');
    expect(await code(s.set('sym', Symbol('s')))).toBe('BAD_VALUE');
    expect(await code(s.set('cyc', cyclic))).toBe('BAD_VALUE');
    expect(await code(s.set('map', new Map()))).toBe('BAD_VALUE');
    expect(await code(s.set('u', undefined))).toBe('BAD_VALUE');
    expect(await code(s.set(42 as unknown as string, 1))).toBe('BAD_VALUE');
    expect(await code(s.set('x'.repeat(70_000), 1))).toBe('TOO_LARGE');
    expect(await code(s.call('values', 'nope', []))).toBe('UNKNOWN_OP');
    expect(await code(s.call('values', 'constructor', []))).toBe('UNKNOWN_OP');
    expect(await code(s.call('nothing', 'get', []))).toBe('UNKNOWN_OP');
    expect(await s.count()).toBe(0);
    await s.close();
  });

  it('set and setMany fail with the messages they always had, and setMany writes nothing then', async () => {
    const s = await open(fresh('bad-many'), { persist: false });
    const msg = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        return `${(e as LarderError).code}: ${(e as Error).message}`;
      }
      return 'resolved';
    };
    const fail = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return `${(e as LarderError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(await msg(s.set('u', undefined))).toBe(fail(() => encodeStored(undefined, 'values.set')));
    expect(await msg(s.set('f', { a: [1, () => 1] }))).toBe(fail(() => encodeStored({ a: [1, () => 1] }, 'values.set')));
    expect(await msg(s.setMany([['a', 1], ['b', undefined]]))).toBe(fail(() => encodeStored(undefined, 'values.setMany entry 1')));
    expect(await msg(s.setMany([['a', 1], ['b', 2], ['c', { x: Symbol('s') }]]))).toBe(fail(() => encodeStored({ x: Symbol('s') }, 'values.setMany entry 2')));
    expect(await msg(s.setMany([['a', 1], 'b' as unknown as [string, unknown]]))).toBe('BAD_VALUE: setMany entry 1 is not a [key, value] pair');
    expect(await msg(s.setMany([['a', 1], [7 as unknown as string, 1]]))).toMatch(/^BAD_VALUE: key must be a string/);
    expect(await s.count()).toBe(0);
    await s.close();
  });

  it('setMany stores values of every size exactly (lengths across varint sizes, a large call)', async () => {
    const s = await open(fresh('many-sizes'), { persist: false });
    const entries = Array.from({ length: 3000 }, (_, i) => [`k${i}`, i % 7 === 0 ? new Uint8Array(i) : { i, pad: 'x'.repeat((i * 37) % 300) }] as [string, unknown]);
    expect(await s.setMany(entries)).toBe(3000);
    expect(await s.getMany(entries.map((e) => e[0]))).toEqual(entries.map((e) => e[1]));
    await s.close();
  });

  it('setMany reads ASCII keys straight from the message and still takes every other key and value', async () => {
    const s = await open(fresh('many-keys'), { persist: false });
    const long = 'L'.repeat(300);
    const odd = ['caf\u00e9', '\ud83d\ude00', 'lone \ud800', long, '', 'k\u007f'];
    // All-ASCII keys (the fast path), then the same call with one key the fast path declines.
    const ascii = Array.from({ length: 500 }, (_, i) => [`a:${i}`, { i }] as [string, unknown]);
    expect(await s.setMany(ascii)).toBe(500);
    for (const k of odd) expect(await s.setMany([...ascii.slice(0, 3), [k, { k }]])).toBe(4);
    expect(await s.getMany(['a:0', 'a:499', ...odd])).toEqual([{ i: 0 }, { i: 499 }, ...odd.map((k) => ({ k }))]);
    expect(await s.count()).toBe(500 + odd.length);
    expect(await s.keys({ prefix: 'a:4', limit: 2 })).toEqual(['a:4', 'a:40']);
    // Bad input fails as it always did, and writes nothing.
    expect(await code(s.setMany([['ok1', 1], ['bad', () => 1]] as Array<[string, unknown]>))).toBe('BAD_VALUE');
    expect(await code(s.setMany([['ok2', 1], ['undef', undefined]]))).toBe('BAD_VALUE');
    expect(await code(s.setMany([['x'.repeat(70000), 1]]))).toBe('TOO_LARGE');
    expect(await s.has('ok1')).toBe(false);
    expect(await s.has('ok2')).toBe(false);
    await s.close();
  });

  it('a setMany undone by its transaction leaves every earlier value as it was', async () => {
    const s = await open(fresh('many-undo'), { persist: false });
    await s.setMany(Array.from({ length: 50 }, (_, i) => [`k${i}`, `old${i}`] as [string, unknown]));
    await expect(s.transaction(async (tx) => {
      await tx.setMany(Array.from({ length: 100 }, (_, i) => [`k${i}`, { i }] as [string, unknown]));
      expect(await tx.get('k60')).toEqual({ i: 60 });
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await s.getMany(Array.from({ length: 100 }, (_, i) => `k${i}`))).toEqual(Array.from({ length: 100 }, (_, i) => (i < 50 ? `old${i}` : undefined)));
    expect(await s.count()).toBe(50);
    await s.close();
  });

  it('stores a __proto__ key as data without polluting prototypes', async () => {
    const s = await open(fresh('proto'), { persist: false });
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    await s.set('__proto__', evil);
    const got = (await s.get<Record<string, unknown>>('__proto__'))!;
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(got, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(got.ok).toBe(1);
    await s.close();
  });

  it('a closed store fails every call with CLOSED', async () => {
    const s = await open(fresh('closed'), { persist: false });
    await s.close();
    expect(await code(s.get('a'))).toBe('CLOSED');
    expect(await code(s.set('a', 1))).toBe('CLOSED');
    expect(() => s.on('change', () => {})).toThrow(LarderError);
  });
});

describe('store: change feed, export/import, info, encryption', () => {
  it('the change feed reports committed writes only', async () => {
    const s = await open(fresh('feed'), { persist: false });
    const seen: string[] = [];
    s.on('change', (e) => { for (const c of e.changes) seen.push(`${c.op}:${c.key}`); });
    await s.set('a', 1);
    await code(s.set('b', () => 0));
    await s.delete('a');
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['put:a', 'del:a']);
    await s.close();
  });

  it('the change feed names the view of every key it writes (graph edges and adjacency too)', async () => {
    const s = await open(fresh('feedviews'), { persist: false });
    const seen: Array<{ target: string; key: string }> = [];
    s.on('change', (e) => { for (const c of e.changes) seen.push({ target: c.target, key: c.key }); });
    const g = s.graph('social');
    const a = await g.addNode('P', {});
    const b = await g.addNode('P', {});
    const e = await g.addEdge(a.id, b.id, 'KNOWS');
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.filter((c) => c.target === 'raw')).toEqual([]);
    expect(seen.map((c) => c.key)).toContain(`graph:social:edge:${e.id}`);
    await s.close();
  });

  it('export then importInto reproduces the store', async () => {
    const s = await open(fresh('exp'), { persist: false });
    await s.setMany(Array.from({ length: 500 }, (_, i) => [`k${i}`, { i, pad: 'x'.repeat(i % 50) }] as [string, unknown]));
    const blob = await s.export();
    const t = await open(fresh('imp'), { persist: false });
    expect(await importInto(t, blob)).toBe(500);
    expect(await t.count()).toBe(500);
    expect(await t.get('k499')).toEqual({ i: 499, pad: 'x'.repeat(499 % 50) });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    bytes[bytes.length - 1] ^= 0xff;
    const u = await open(fresh('imp2'), { persist: false });
    expect(await code(importInto(u, bytes))).toBe('CORRUPT');
    expect(await u.count()).toBe(0);
    await Promise.all([s.close(), t.close(), u.close()]);
  });

  it('info reports entries, memory, WAL and commit latency', async () => {
    const s = await open(fresh('info'));
    await s.set('a', 1);
    await s.checkpoint();
    const info = await s.info();
    expect(info.entries).toBe(1);
    expect(info.memory.wasmBytes).toBeGreaterThan(0);
    expect(info.commitLatencyMs.samples).toBe(1);
    expect(info.checkpoint.sinceOpen).toBe(1);
    expect(info.checkpoint.time).toBeGreaterThan(0);
    expect(info.wal.records).toBe(0);
    // The kv view's section: INFO-like stats of the Redis keyspace.
    await s.kv.set('k1', 'v', { EX: 100 });
    await s.kv.hSet('h', 'f', 'v');
    await s.kv.set('k2', 'v');
    await s.kv.del('k2');
    expect((await s.info()).kv).toEqual({ keys: 2, expires: 1, pubsubChannels: 0, pubsubPatterns: 0, keyspacePatterns: 0 });
    await s.destroy();
  });

  it('a batch that makes a checkpoint due is written by that checkpoint alone; writes meanwhile survive', async () => {
    const name = fresh('autocp');
    const s = await open(name, { checkpointBytes: 2000 });
    await s.set('first', 1);
    const before = await s.info();
    expect(before.wal).toMatchObject({ records: 1 });
    expect(before.checkpoint.sinceOpen).toBe(0);
    const big = s.setMany(Array.from({ length: 200 }, (_, i) => [`a${i}`, { i, pad: 'p'.repeat(20) }] as [string, unknown]));
    // Written while the checkpoint is in flight: they wait for it and then go to the WAL.
    const more = Promise.all(Array.from({ length: 50 }, (_, i) => s.set(`b${i}`, i)));
    expect(await big).toBe(200);
    let info = await s.info();
    // The checkpoint took the big batch (and the earlier WAL record) without a WAL record of its own.
    expect(info.checkpoint.sinceOpen).toBe(1);
    await more;
    info = await s.info();
    expect(info.wal.records).toBeLessThanOrEqual(50);
    await s.close();
    const r = await open(name, { checkpointBytes: 2000 });
    expect(await r.count()).toBe(251);
    expect(await r.get('a199')).toEqual({ i: 199, pad: 'p'.repeat(20) });
    expect(await r.get('b49')).toBe(49);
    expect(await r.get('first')).toBe(1);
    await r.destroy();
  });

  it('a big transaction written by its own checkpoint while other writes wait for it: nothing is lost', async () => {
    const name = fresh('txcp');
    const s = await open(name, { checkpointBytes: 2000 });
    const waiting: Promise<unknown>[] = [];
    await s.transaction(async (tx) => {
      await tx.setMany(Array.from({ length: 200 }, (_, i) => [`t${i}`, { i, pad: 'p'.repeat(20) }] as [string, unknown]));
      // These wait for the transaction; they run as it ends, before its checkpoint reads the keyspace.
      for (let i = 0; i < 20; i++) waiting.push(s.set(`w${i}`, i));
      await new Promise((r) => setTimeout(r, 10));
    });
    await Promise.all(waiting);
    expect(await s.count()).toBe(220);
    await s.checkpoint();
    await s.set('after', 1);
    await s.close();
    const r = await open(name, { checkpointBytes: 2000 });
    expect(await r.count()).toBe(221);
    expect(await r.get('t199')).toEqual({ i: 199, pad: 'p'.repeat(20) });
    expect(await r.get('w19')).toBe(19);
    await r.destroy();
  });

  it('an encrypted store reopens with its passphrase and refuses without it', async () => {
    const name = fresh('enc');
    const s = await open(name, { passphrase: 'correct horse' });
    await s.set('secret', 'the plaintext');
    await s.close();
    expect(await code(open(name, { passphrase: 'wrong' }))).toBe('BAD_PASSPHRASE');
    expect(await code(open(name))).toBe('BAD_PASSPHRASE');
    const r = await open(name, { passphrase: 'correct horse' });
    expect(await r.get('secret')).toBe('the plaintext');
    await r.destroy();
  });
});
