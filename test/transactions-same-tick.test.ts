/**
 * Interactive transactions begun in the same tick: each is a transaction of its own, run one
 * after another (serializable), and one that throws rolls back only itself. The worker begins one
 * transaction per message, so the page's queue ends a message at each txBegin.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { CallQueue } from '../src/client/call-queue.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { unpackCalls } from '../src/worker/wire.js';

let seq = 0;
const fresh = (): string => `t-sametick-${Date.now()}-${++seq}`;

describe('transactions begun in one tick', () => {
  it('are each a transaction: serialized, and a throw rolls back only its own writes', async () => {
    const s = await openStore(fresh(), { worker: false });
    await s.set('n', 0);
    const order: string[] = [];
    // Each reads n and writes n + 1: lost updates would show if two overlapped.
    const bump = (name: string, fail = false) =>
      s.transaction(async (tx) => {
        const n = (await tx.get<number>('n'))!;
        await new Promise((r) => setTimeout(r, 2));
        await tx.set('n', n + 1);
        await tx.set(`by:${name}`, n);
        order.push(name);
        if (fail) throw new Error(`${name} fails`);
      });
    const outside = s.set('outside', 1); // same tick, no transaction: runs between them, whole
    const results = await Promise.allSettled([bump('a'), bump('b', true), bump('c'), outside, bump('d')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(await s.get('n')).toBe(3); // a, c and d; b rolled back
    expect(await s.getMany(['by:a', 'by:b', 'by:c', 'by:d'])).toEqual([0, undefined, 1, 2]);
    expect(await s.get('outside')).toBe(1);
    await s.destroy();
  });

  it("the page's queue ends a message at each txBegin", async () => {
    const sent: Call[][] = [];
    const q = new CallQueue(async (msg) => {
      const calls = msg instanceof Uint8Array ? unpackCalls(msg) : msg;
      sent.push(calls);
      return calls.map((): WireResult => [1, new Uint8Array([0])]);
    });
    const ps = [q.call('values', 'get', ['a']), q.call('store', 'txBegin', [])];
    q.endMessage();
    ps.push(q.call('store', 'txBegin', []));
    q.endMessage();
    ps.push(q.call('values', 'get', ['b']));
    await Promise.allSettled(ps);
    expect(sent.map((m) => m.map((c) => `${c.t}.${c.m}`))).toEqual([['values.get', 'store.txBegin'], ['store.txBegin'], ['values.get']]);
  });

  it('the worker refuses a second txBegin in one message, and begins the first', async () => {
    const s = await openStore(fresh(), { worker: false, persist: false });
    const api = (s as unknown as { api: { dispatch(conn: number, calls: Call[]): Promise<WireResult[] | Uint8Array> }; conn: number });
    const { encodeValue } = await import('../src/codec/value.js');
    const none = encodeValue([]);
    const out = (await api.api.dispatch(api.conn, [{ t: 'store', m: 'txBegin', a: none }, { t: 'store', m: 'txBegin', a: none }])) as WireResult[];
    expect(out[0]![0]).toBe(1);
    expect(out[1]).toEqual([0, expect.objectContaining({ code: 'BAD_VALUE', message: expect.stringMatching(/one transaction/) })]);
    await s.close();
  });
});
