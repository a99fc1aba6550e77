// The page side of reads: each call's promise takes its result from its message's replies in call
// order (src/client/replies.ts), and values get/has/delete send a string key with no list per
// call (CallQueue.callKey). Every check compares against the general path (call(t, m, [key])), an
// echo of what was sent, or a store's own answers.
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../src/codec/value.js';
import { StringCache } from '../src/codec/string-cache.js';
import { CallQueue, POST_EARLY_CALLS } from '../src/client/call-queue.js';
import type { LarderError } from '../src/errors.js';
import { openStore } from '../src/index.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { isPackedCalls, packCalls, packResults, unpackCalls } from '../src/worker/wire.js';

/** Every settled outcome as a comparable value: the value, or the error's code and message. */
async function outcomes(ps: Promise<unknown>[]): Promise<unknown[]> {
  const r = await Promise.allSettled(ps);
  return r.map((x) => (x.status === 'fulfilled' ? { ok: x.value } : { err: (x.reason as LarderError).code, msg: (x.reason as Error).message }));
}

/** A fake worker answering each call with its index in the message and its arguments, or an error for method 'fail'. */
function echoQueue(sent: Array<Call[] | Uint8Array> = [], reply: (r: WireResult[]) => WireResult[] | Uint8Array = (r) => packResults(r)!): CallQueue {
  return new CallQueue(async (msg) => {
    sent.push(msg);
    const calls = isPackedCalls(msg) ? unpackCalls(msg) : msg;
    return reply(calls.map((c, i): WireResult => {
      const args = decodeValue(c.a as Uint8Array) as unknown[];
      return c.m === 'fail' ? [0, { code: 'WRONGTYPE', message: `no ${String(args[0])} at ${i}` }] : [1, encodeValue({ i, m: c.m, tx: c.tx, args })];
    }));
  });
}

describe('replies taken in call order', () => {
  it('thousands of calls in a tick, across transaction runs, each get their own result', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = echoQueue(sent);
    const ps: Promise<unknown>[] = [];
    const expected: unknown[] = [];
    // Runs of calls outside and inside transactions make several messages, each with its own replies.
    const runs = [undefined, 3, undefined, 4, 4, undefined];
    let at = 0;
    for (const [r, tx] of runs.entries()) {
      for (let k = 0; k < 500 * (r + 1); k++, at++) {
        const key = `k${at}`;
        ps.push(k % 2 === 0 ? q.callKey('values', 'get', key, tx) : q.call('values', 'get', [key], tx));
        expected.push({ ok: { m: 'get', tx, args: [key] } });
      }
    }
    const got = (await outcomes(ps)).map((o) => {
      const v = (o as { ok: { i: number } }).ok;
      const { i: _i, ...rest } = v;
      return { ok: rest };
    });
    expect(got).toEqual(expected);
    expect(sent.length).toBe(5); // the two runs in transaction 4 are one message
    // And each message's calls got the results at their own index in it.
    let i = 0;
    for (const msg of sent) {
      const n = unpackCalls(msg as Uint8Array).length;
      for (let j = 0; j < n; j++, i++) expect(((await ps[i]) as { i: number }).i).toBe(j);
    }
  });

  it('a tick of more than POST_EARLY_CALLS calls leaves in parts while the tick runs, in call order', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = echoQueue(sent);
    const ps: Promise<unknown>[] = [];
    const expected: unknown[] = [];
    const sentDuringTick: number[] = [];
    // A transaction run first, then one long run outside transactions that crosses the limit
    // twice, then a last transaction run: the early posts must not reorder anything.
    const runs: Array<[number | undefined, number]> = [[7, 100], [undefined, 2 * POST_EARLY_CALLS + 5], [8, 3]];
    let at = 0;
    for (const [tx, n] of runs) {
      for (let k = 0; k < n; k++, at++) {
        const key = `k${at}`;
        ps.push(k % 3 === 0 ? q.call('values', 'get', [key], tx) : q.callKey('values', 'get', key, tx));
        expected.push({ m: 'get', tx, args: [key] });
        sentDuringTick.push(sent.length);
      }
    }
    // The first part left as soon as it was full, before the tick ended.
    expect(sentDuringTick[100 + POST_EARLY_CALLS - 2]).toBe(0);
    expect(sentDuringTick[100 + POST_EARLY_CALLS - 1]).toBe(2);
    const got = (await outcomes(ps)).map((o) => {
      const { i: _i, ...rest } = (o as { ok: { i: number } }).ok;
      return rest;
    });
    expect(got).toEqual(expected);
    // tx 7 (sent with the first full part, which follows it), two full parts, the tail, tx 8.
    expect(sent.map((m) => unpackCalls(m as Uint8Array).length)).toEqual([100, POST_EARLY_CALLS, POST_EARLY_CALLS, 5, 3]);
    let i = 0;
    for (const msg of sent) {
      const n = unpackCalls(msg as Uint8Array).length;
      for (let j = 0; j < n; j++, i++) expect(((await ps[i]) as { i: number }).i).toBe(j);
    }
  });

  it('errors in the middle of a batch fail their own calls only', async () => {
    const q = echoQueue();
    const ps = Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? q.call('a', 'fail', [i]) : q.callKey('a', 'get', `k${i}`)));
    const got = await outcomes(ps);
    got.forEach((o, i) => {
      if (i % 7 === 3) expect(o).toEqual({ err: 'WRONGTYPE', msg: `no ${i} at ${i}` });
      else expect(o).toEqual({ ok: { i, m: 'get', tx: undefined, args: [`k${i}`] } });
    });
  });

  it('a result that does not decode fails its own call; the others still settle', async () => {
    const q = new CallQueue(async (msg) => {
      const n = unpackCalls(msg as Uint8Array).length;
      return packResults(Array.from({ length: n }, (_, i): WireResult => [1, i === 1 ? new Uint8Array([0xff, 0]) : encodeValue(i)]))!;
    });
    const got = await outcomes([q.callKey('a', 'g', 'x'), q.callKey('a', 'g', 'y'), q.callKey('a', 'g', 'z')]);
    expect(got[0]).toEqual({ ok: 0 });
    expect((got[1] as { err: string }).err).toBe('CORRUPT');
    expect(got[2]).toEqual({ ok: 2 });
  });

  it('replies sent as a list, short replies, malformed replies and a failed transport', async () => {
    // A list reply (results the worker could not pack) settles exactly as the packed one.
    const packed = await outcomes([0, 1, 2, 3].map((i) => (i === 2 ? echoQueue().call('a', 'fail', [i]) : echoQueue().callKey('a', 'get', `k${i}`))));
    const listQ = echoQueue([], (r) => r);
    const list = await outcomes([0, 1, 2, 3].map((i) => (i === 2 ? listQ.call('a', 'fail', [i]) : listQ.callKey('a', 'get', `k${i}`))));
    expect(list.map((o) => (o as { ok?: { args: unknown } }).ok?.args ?? (o as { err: string }).err)).toEqual(packed.map((o) => (o as { ok?: { args: unknown } }).ok?.args ?? (o as { err: string }).err));
    const short = new CallQueue(async () => packResults([[1, encodeValue('only')]])!);
    expect(await outcomes([short.callKey('a', 'g', 'x'), short.callKey('a', 'g', 'y')])).toEqual([{ ok: 'only' }, { err: 'INTERNAL', msg: 'missing result' }]);
    const shortList = new CallQueue(async () => [[1, encodeValue('only')]] as WireResult[]);
    expect(await outcomes([shortList.callKey('a', 'g', 'x'), shortList.callKey('a', 'g', 'y')])).toEqual([{ ok: 'only' }, { err: 'INTERNAL', msg: 'missing result' }]);
    const whole = new CallQueue(async () => packResults([[0, { code: 'CLOSED', message: 'shut' }]])!);
    expect(await outcomes([whole.callKey('a', 'g', 'x'), whole.callKey('a', 'g', 'y')])).toEqual([{ err: 'CLOSED', msg: 'shut' }, { err: 'CLOSED', msg: 'shut' }]);
    const malformed = new CallQueue(async () => new Uint8Array([0x4c, 2, 5, 1]));
    expect((await outcomes([malformed.callKey('a', 'g', 'x'), malformed.callKey('a', 'g', 'y')])).map((o) => (o as { err: string }).err)).toEqual(['CORRUPT', 'CORRUPT']);
    const notResults = new CallQueue(async () => new Uint8Array([1, 2, 3, 4]));
    expect((await outcomes([notResults.callKey('a', 'g', 'x'), notResults.callKey('a', 'g', 'y')])).map((o) => (o as { err: string }).err)).toEqual(['CORRUPT', 'CORRUPT']);
    const gone = new CallQueue(async () => { throw new Error('port closed'); });
    expect((await outcomes([gone.callKey('a', 'g', 'x'), gone.call('a', 'g', [1])])).map((o) => (o as { err: string }).err)).toEqual(['CLOSED', 'CLOSED']);
  });

  it('callKey sends the bytes call(t, m, [key]) sends, for every kind of string', async () => {
    const keys = ['', 'a', 'user:0000001', 'é', '\ud800', 'k\u0000', 'x'.repeat(300), '日本語'];
    const a: Array<Call[] | Uint8Array> = [];
    const b: Array<Call[] | Uint8Array> = [];
    const qa = echoQueue(a);
    const qb = echoQueue(b);
    const ra = await outcomes(keys.map((k) => qa.callKey('values', 'get', k)));
    const rb = await outcomes(keys.map((k) => qb.call('values', 'get', [k])));
    expect(ra).toEqual(rb);
    expect(Array.from(a[0] as Uint8Array)).toEqual(Array.from(b[0] as Uint8Array));
    expect(Array.from(a[0] as Uint8Array)).toEqual(Array.from(packCalls(keys.map((k) => ({ t: 'values', m: 'get', a: encodeValue([k]) })))!));
  });
});

describe('values reads through a store', () => {
  it('concurrent get/has on hits, misses and wrong key types equal the general path and getMany', async () => {
    const s = await openStore(`page-reads-${Date.now()}`, { worker: false, persist: false });
    try {
      const values: unknown[] = [
        { id: 'u1', name: 'Ada Lovelace', tags: ['beta', 'eu'], age: 36 }, 'beta', 'Ada Lovelace', '', 'é', 0, -1.5, 2n ** 70n,
        new Date(0), new Uint8Array([1, 2, 3]), [1, , 3], null, true, { nested: { deep: ['x'] } },
      ];
      const keys = values.map((_, i) => `key:${i}`);
      await s.setMany(keys.map((k, i) => [k, values[i]] as [string, unknown]));
      const probe: unknown[] = [];
      for (let r = 0; r < 200; r++) probe.push(keys[r % keys.length], `missing:${r}`);
      probe.splice(7, 0, 12, null, ['key:0'], undefined); // wrong key types in the middle of the batch
      const call = (s as unknown as { call: (t: string, m: string, a: unknown[]) => Promise<unknown> }).call.bind(s);
      const fast = await outcomes(probe.map((k) => s.get(k as string)));
      const general = await outcomes(probe.map((k) => call('values', 'get', [k])));
      expect(fast).toEqual(general);
      const many = await s.getMany(probe.filter((k) => typeof k === 'string') as string[]);
      expect(fast.filter((_, i) => typeof probe[i] === 'string').map((o) => (o as { ok: unknown }).ok)).toEqual(many);
      expect(fast.filter((o) => 'err' in (o as object)).map((o) => (o as { err: string }).err)).toEqual(['BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE', 'BAD_VALUE']);
      expect(await outcomes(probe.map((k) => s.has(k as string)))).toEqual(await outcomes(probe.map((k) => call('values', 'has', [k]))));
      // delete through callKey deletes, and reports what the general path would.
      expect(await Promise.all([s.delete('key:1'), s.delete('key:1'), s.delete('missing')])).toEqual([true, false, false]);
      expect(await s.get('key:1')).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('reads on a closed store reject with CLOSED, and reads in flight at close still settle', async () => {
    const s = await openStore(`page-reads-closed-${Date.now()}`, { worker: false, persist: false });
    await s.set('a', 1);
    const inFlight = [s.get('a'), s.has('a'), s.get('b')];
    const closing = s.close();
    const after = await outcomes([s.get('a'), s.has('a'), s.delete('a')]);
    expect(after.map((o) => (o as { err: string }).err)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
    const settled = await Promise.allSettled(inFlight);
    expect(settled.every((x) => x.status === 'fulfilled' || (x.reason as LarderError).code === 'CLOSED')).toBe(true);
    await closing;
  });
});

describe('StringCache', () => {
  it('returns a string only for exactly its bytes: colliding slots, prefixes, lengths at the limit', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const strs = ['a', 'ab', 'bb', 'abc', 'abcdefgh', 'abcdefgi', 'bbcdefgh', 'b', 'ba', 'zzzzzzzz', 'é', 'è', 'abcdefghi'];
    // One slot: every string collides with the one before it.
    for (const c of [new StringCache(1, 8), new StringCache(4, 8)]) for (let round = 0; round < 3; round++) {
      for (const s of strs) {
        // The bytes sit at an offset in a larger buffer, as they do in a message.
        const b = new Uint8Array([9, 9, ...enc(s), 7]);
        const start = 2;
        const end = b.length - 1;
        const slot = c.slot(b, start, end);
        const hit = c.get(slot, b, start, end);
        if (hit !== undefined) expect(hit).toBe(s);
        c.set(slot, b, start, end, s);
        const again = c.get(slot, b, start, end);
        expect(again).toBe(end - start <= 8 ? s : undefined);
      }
    }
  });

  it('decoded object keys stay right across thousands of distinct and repeated keys', () => {
    const docs = Array.from({ length: 3000 }, (_, i) => ({ [`f${i % 700}`]: i, [`g${(i * 7) % 5000}`]: `v${i % 13}`, [`${'k'.repeat(i % 30)}x`]: i % 5 === 0 ? 'é' : i }));
    expect(decodeValue(encodeValue(docs))).toEqual(docs);
  });
});

describe('cursor results', () => {
  it('toArray returns what iteration returns, with and without mappers, for find and aggregate', async () => {
    const s = await openStore(`page-reads-cursor-${Date.now()}`, { worker: false, persist: false });
    try {
      const c = s.collection<{ _id: number; g: string; v: number }>('c');
      await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, g: `g${i % 3}`, v: i * 2 })));
      const iterate = async <T>(cur: AsyncIterable<T>): Promise<T[]> => {
        const out: T[] = [];
        for await (const d of cur) out.push(d);
        return out;
      };
      const all = await c.find({ v: { $gte: 10 } }).sort({ _id: 1 }).toArray();
      expect(all.length).toBe(245);
      expect(all).toEqual(await iterate(c.find({ v: { $gte: 10 } }).sort({ _id: 1 }).batchSize(7)));
      const mapped = await c.find({ v: { $gte: 10 } }).sort({ _id: 1 }).map((d) => d._id).map((id) => `#${id}`).toArray();
      expect(mapped).toEqual(all.map((d) => `#${d._id}`));
      expect(await iterate(c.find({ v: { $gte: 10 } }).sort({ _id: 1 }).map((d) => d._id).map((id) => `#${id}`))).toEqual(mapped);
      const pipeline = [{ $group: { _id: '$g', n: { $sum: 1 } } }, { $sort: { _id: 1 } }];
      const groups = await c.aggregate(pipeline).toArray();
      expect(groups).toEqual([{ _id: 'g0', n: 84 }, { _id: 'g1', n: 83 }, { _id: 'g2', n: 83 }]);
      expect(await c.aggregate(pipeline).map((g) => (g as { n: number }).n).toArray()).toEqual([84, 83, 83]);
    } finally {
      await s.close();
    }
  });
});
