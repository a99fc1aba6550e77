// The packed message form (src/worker/wire.ts) and the codec helpers behind the fast paths
// (ByteArena, EncodedArrayWriter, decodeValue's shareBytes): same bytes and values as before.
import { describe, expect, it } from 'vitest';
import { ByteArena, Encoded, EncodedArrayWriter, ValueWriter, decodeValue, decodeValueAt, encodeValue } from '../src/codec/value.js';
import { CallQueue } from '../src/client/call-queue.js';
import { LarderError } from '../src/errors.js';
import { openStore } from '../src/index.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { isPackedCalls, isPackedResults, packCalls, packCallsFrom, packResults, resultSpans, unpackCalls, unpackResults, writeCallHead } from '../src/worker/wire.js';

describe('packed messages', () => {
  it('round-trip calls: names (non-ASCII, lone surrogates), transaction ids, argument bytes', () => {
    const calls: Call[] = [
      { t: 'values', m: 'get', a: encodeValue(['k']) },
      { t: 'kv', m: 'cmd', a: encodeValue([['SET', 'k', new Uint8Array([0, 255])]]), tx: 0 },
      { t: 'vüé\ud800', m: '', a: new Uint8Array(0), tx: 123456789 },
    ];
    const packed = packCalls(calls)!;
    expect(isPackedCalls(packed)).toBe(true);
    expect(isPackedResults(packed)).toBe(false);
    const back = unpackCalls(packed);
    expect(back.map((c) => [c.t, c.m, c.tx])).toEqual(calls.map((c) => [c.t, c.m, c.tx]));
    back.forEach((c, i) => expect(Array.from(c.a as Uint8Array)).toEqual(Array.from(calls[i].a as Uint8Array)));
  });

  it('leave unencoded arguments to the plain form', () => {
    expect(packCalls([{ t: 'values', m: 'get', a: ['k'] }])).toBeUndefined();
  });

  it('round-trip results and errors with details', () => {
    const results: WireResult[] = [
      [1, encodeValue({ a: 1 })],
      [0, { code: 'BAD_VALUE', message: 'nope', details: { path: 'a.b' } }],
      [1, encodeValue(undefined)],
    ];
    const back = unpackResults(packResults(results)!);
    expect(decodeValue(back[0][1] as Uint8Array)).toEqual({ a: 1 });
    expect(back[1]).toEqual(results[1]);
    expect(decodeValue(back[2][1] as Uint8Array)).toBeUndefined();
  });

  it('reject malformed buffers with CORRUPT', () => {
    const packed = packCalls([{ t: 'values', m: 'get', a: encodeValue(['k']) }])!;
    expect(() => unpackCalls(packed.subarray(0, packed.length - 1))).toThrow(/malformed/);
    const extra = new Uint8Array(packed.length + 1);
    extra.set(packed);
    expect(() => unpackCalls(extra)).toThrow(/trailing/);
  });

  it('a whole message of calls runs the same packed or not', async () => {
    const store = await openStore('wire-packed', { worker: false, persist: false });
    const [a, b, c] = await Promise.all([store.set('x', { n: 1 }), store.get('x'), store.get('missing')]);
    expect(a).toBeUndefined();
    expect(b).toEqual({ n: 1 });
    expect(c).toBeUndefined();
    await store.destroy();
  });
});

describe('codec fast paths', () => {
  it('ByteArena encodings equal encodeValue, small and large', () => {
    const arena = new ByteArena(256);
    const values = [1, 'x', { a: [1, 2] }, 'y'.repeat(100), new Uint8Array(5000), null];
    for (const v of values) expect(Array.from(encodeValue(v, arena))).toEqual(Array.from(encodeValue(v)));
  });

  it('EncodedArrayWriter writes what encodeValue writes', () => {
    const keys = ['a', '', 'ü-key', 'lone \ud800 surrogate', 'x'.repeat(300)];
    const w = new EncodedArrayWriter();
    const te = new TextEncoder();
    for (const k of keys) {
      const v = encodeValue({ k });
      // WTF-8 bytes of the key, as valueKey makes them (TextEncoder agrees for well-formed keys).
      const kb = k.includes('\ud800') ? null : te.encode(k);
      w.item();
      w.tuple(2);
      if (kb) w.wtf8String(kb, 0, kb.length);
      else w.raw(encodeValue(k), 0, encodeValue(k).length);
      w.raw(v, 0, v.length);
    }
    w.item();
    w.undefinedValue();
    const expected = encodeValue([...keys.map((k) => [k, new Encoded(encodeValue({ k }))]), undefined]);
    expect(Array.from(w.finish().bytes)).toEqual(Array.from(expected));
  });

  it('EncodedArrayWriter writes a listing of several chunks (and an element bigger than one) as encodeValue does', () => {
    // ~3.5 MB in elements of varying size, so chunk ends fall inside elements of every kind.
    const values: unknown[] = [];
    for (let i = 0; i < 30_000; i++) values.push(i % 997 === 0 ? { i, big: 'y'.repeat(1 + ((i * 7919) % 40_000)) } : { i, s: 'v'.repeat(i % 150) });
    values.push(new Uint8Array(1_500_000).fill(7)); // one element larger than a chunk
    values.push('last');
    const w = new EncodedArrayWriter();
    const te = new TextEncoder();
    values.forEach((v, i) => {
      w.item();
      w.tuple(2);
      const kb = te.encode(`key:${i}`);
      w.wtf8String(kb, 0, kb.length);
      const enc = encodeValue(v);
      w.raw(enc, 0, enc.length);
    });
    const expected = encodeValue(values.map((v, i) => [`key:${i}`, v]));
    const got = w.finish().bytes;
    expect(got.length).toBe(expected.length);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(expected))).toBe(0);
  });

  it('shareBytes decodes binary values as views of the input', () => {
    const bytes = encodeValue([new Uint8Array([1, 2, 3])]);
    const [shared] = decodeValue(bytes, { shareBytes: true }) as [Uint8Array];
    const [copied] = decodeValue(bytes) as [Uint8Array];
    expect(Array.from(shared)).toEqual([1, 2, 3]);
    expect(shared.buffer).toBe(bytes.buffer);
    expect(copied.buffer).not.toBe(bytes.buffer);
  });

  it('values keys/entries/count/getMany with non-ASCII and lone-surrogate keys', async () => {
    const store = await openStore('wire-values', { worker: false, persist: false });
    const keys = ['b', 'a', 'ü', '\ud800x', 'a\udc00'];
    await store.setMany(keys.map((k, i) => [k, { i }]));
    const sorted = await store.keys();
    expect(new Set(sorted)).toEqual(new Set(keys));
    expect((await store.entries()).map(([k, v]) => [k, (v as { i: number }).i])).toEqual(sorted.map((k) => [k, keys.indexOf(k)]));
    expect(await store.count()).toBe(keys.length);
    expect(await store.keys({ limit: 2 })).toEqual(sorted.slice(0, 2));
    expect(await store.getMany(['ü', 'nope', '\ud800x'])).toEqual([{ i: 2 }, undefined, { i: 3 }]);
    await store.destroy();
  });
});

describe('building messages in place', () => {
  const values: unknown[] = [
    0, 127, 128, -1, 1.5, 'x', 'ü\ud800', 'y'.repeat(126), 'y'.repeat(127), 'y'.repeat(20000), null, undefined, true,
    new Uint8Array(300), new Date(5), 12n, [1, , 3], { a: { b: [1, 2] } },
  ];

  it('ValueWriter.value and encodedBytes write what encodeValue writes, across length sizes', () => {
    const w = new ValueWriter(16); // small: grows many times
    const expected: number[] = [];
    for (const v of [...values, ...values.slice().reverse()]) {
      w.value(v);
      expected.push(...encodeValue(v));
      w.encodedBytes(v);
      expected.push(...encodeValue(encodeValue(v)));
    }
    expect(Array.from(w.buf.subarray(0, w.pos))).toEqual(expected);
  });

  it('ValueWriter leaves its bytes as they were when a value cannot be encoded', () => {
    const w = new ValueWriter(16);
    w.value('before');
    const mark = w.pos;
    const bad = { ok: 'y'.repeat(5000), f: () => 1 };
    expect(() => w.value(bad)).toThrow(/cannot encode value at f/);
    expect(() => w.encodedBytes(bad)).toThrow(LarderError);
    expect(w.pos).toBe(mark);
    w.value('after');
    expect(decodeValueAt(w.buf, mark, w.pos)).toBe('after');
    expect(decodeValueAt(w.buf, 0, mark)).toBe('before');
  });

  it('a getter that encodes inside ValueWriter.value gets its own buffer', () => {
    const w = new ValueWriter(16);
    const v = { get g() { return encodeValue({ inner: 'x'.repeat(300) }).length; }, h: 'tail' };
    w.value(v);
    expect(decodeValueAt(w.buf, 0, w.pos)).toEqual({ g: encodeValue({ inner: 'x'.repeat(300) }).length, h: 'tail' });
  });

  it('beginLength/endLength frame what follows, whatever length it turns out to have', () => {
    const w = new ValueWriter(16);
    const spans: Array<[number, number]> = [];
    for (const n of [3, 200, 1, 20000, 0, 130, 5]) {
      const m = w.beginLength();
      const start = w.pos;
      w.raw(new Uint8Array(n).fill(7));
      w.endLength(m);
      spans.push([start, n]);
    }
    let p = 0;
    for (const [, n] of spans) {
      let len = 0, mul = 1, b: number;
      do { b = w.buf[p++]!; len += (b & 0x7f) * mul; mul *= 128; } while (b >= 0x80);
      expect(len).toBe(n);
      expect(w.buf.subarray(p, p + n).every((x) => x === 7)).toBe(true);
      p += n;
    }
    expect(p).toBe(w.pos);
  });

  it('decodeValueAt decodes a value framed inside a larger buffer, and only that value', () => {
    const a = encodeValue({ a: 1 });
    const b = encodeValue('two');
    const buf = new Uint8Array(a.length + b.length);
    buf.set(a);
    buf.set(b, a.length);
    expect(decodeValueAt(buf, 0, a.length)).toEqual({ a: 1 });
    expect(decodeValueAt(buf, a.length, buf.length)).toBe('two');
    expect(() => decodeValueAt(buf, 0, a.length - 1)).toThrow(/truncated/);
    expect(() => decodeValueAt(buf, 0, a.length + 1)).toThrow(/trailing/);
    expect(() => decodeValueAt(buf, 2, 1)).toThrow(/bad range/);
  });

  it('writeCallHead + packCallsFrom make what packCalls makes; resultSpans finds what unpackResults finds', () => {
    const calls: Call[] = [
      { t: 'values', m: 'get', a: encodeValue(['k']) },
      { t: 'kv', m: 'cmd', a: encodeValue([['SET', 'k', 'v'.repeat(300)]]), tx: 4 },
      { t: 'vüé\ud800', m: '', a: encodeValue([]), tx: 0 },
    ];
    const w = new ValueWriter(8);
    for (const c of calls) {
      writeCallHead(w, c.t, c.m, c.tx === undefined ? 0 : c.tx + 1);
      w.varint((c.a as Uint8Array).length);
      w.raw(c.a as Uint8Array);
    }
    expect(Array.from(packCallsFrom(calls.length, w.buf.subarray(0, w.pos)))).toEqual(Array.from(packCalls(calls)!));
    const results: WireResult[] = [[1, encodeValue('OK')], [0, { code: 'WRONGTYPE', message: 'no' }], [1, encodeValue(undefined)]];
    const packed = packResults(results)!;
    const spans = resultSpans(packed);
    const back = unpackResults(packed);
    expect(spans.length).toBe(9);
    for (let i = 0; i < 3; i++) {
      expect(spans[3 * i]).toBe(back[i][0]);
      const v = decodeValueAt(packed, spans[3 * i + 1], spans[3 * i + 2]);
      expect(v).toEqual(back[i][0] === 1 ? decodeValue(back[i][1] as Uint8Array) : back[i][1]);
    }
    expect(() => resultSpans(packed.subarray(0, packed.length - 1))).toThrow(/malformed/);
  });

  it('names read from messages are shared strings, and stay right when names collide in the cache', () => {
    const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const calls: Call[] = names.map((t) => ({ t, m: 'cmd', a: encodeValue([]) }));
    const a = unpackCalls(packCalls(calls)!);
    const b = unpackCalls(packCalls(calls)!);
    expect(a.map((c) => c.t)).toEqual(names);
    expect(b.map((c) => c.t)).toEqual(names);
    expect(a.every((c) => c.m === 'cmd')).toBe(true);
  });
});

describe('CallQueue', () => {
  /** A queue over a fake worker that answers each call with its decoded arguments (or an error). */
  function queue(sent: Array<Call[] | Uint8Array>) {
    return new CallQueue(async (msg) => {
      sent.push(msg);
      const calls = isPackedCalls(msg) ? unpackCalls(msg) : msg;
      const results: WireResult[] = calls.map((c) => {
        const args = decodeValue(c.a as Uint8Array) as unknown[];
        return c.m === 'fail' ? [0, { code: 'WRONGTYPE', message: `no ${String(args[0])}` }] : [1, encodeValue({ t: c.t, m: c.m, tx: c.tx, args })];
      });
      return packResults(results)!;
    });
  }

  it('carries a tick of calls in one packed message per transaction run, each settling alone', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    const ps = [
      q.call('a', 'x', [1]),
      q.call('a', 'fail', ['boom']),
      q.call('a', 'y', [2], 7),
      q.call('a', 'z', (w) => { w.arrayHeader(2); w.value('k'); w.encodedBytes({ v: 1 }); }, 7),
      q.call('a', 'w', [3]),
    ].map((p) => p.then((v) => ({ ok: v }), (e) => ({ err: (e as LarderError).code })));
    const r = await Promise.all(ps);
    expect(r).toEqual([
      { ok: { t: 'a', m: 'x', tx: undefined, args: [1] } },
      { err: 'WRONGTYPE' },
      { ok: { t: 'a', m: 'y', tx: 7, args: [2] } },
      { ok: { t: 'a', m: 'z', tx: 7, args: ['k', encodeValue({ v: 1 })] } },
      { ok: { t: 'a', m: 'w', tx: undefined, args: [3] } },
    ]);
    expect(sent.length).toBe(3);
    expect(sent.every(isPackedCalls)).toBe(true);
  });

  it('fails a call whose arguments cannot be encoded alone, named after it, and sends the rest', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    const bad = q.call('a', 'x', [() => 1]);
    const good = q.call('a', 'y', [1]);
    await expect(bad).rejects.toThrow(/^a\.x: cannot encode value at \[0\]/);
    expect(await good).toEqual({ t: 'a', m: 'y', tx: undefined, args: [1] });
    expect(unpackCalls(sent[0] as Uint8Array).length).toBe(1);
    // An argument writer's own errors are passed on as they are.
    await expect(q.call('a', 'z', () => { throw new LarderError('BAD_VALUE', 'mine'); })).rejects.toThrow(/^mine$/);
  });

  it('queues a call made by a getter during encoding before the call being encoded', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    let inner!: Promise<unknown>;
    const v = { get g() { inner = q.call('a', 'inner', ['i']); return 'g'; } };
    const first = q.call('a', 'first', [0]);
    const outer = q.call('a', 'outer', [v, 'x'.repeat(500)]);
    const txInner = { get g() { void q.call('a', 'inTx', [1], 9); return 2; } };
    const last = q.call('a', 'last', [txInner]);
    expect(await outer).toEqual({ t: 'a', m: 'outer', tx: undefined, args: [{ g: 'g' }, 'x'.repeat(500)] });
    expect(await inner).toEqual({ t: 'a', m: 'inner', tx: undefined, args: ['i'] });
    await first;
    await last;
    const order = sent.flatMap((m) => unpackCalls(m as Uint8Array).map((c) => c.m));
    expect(order).toEqual(['first', 'inner', 'outer', 'inTx', 'last']);
    expect(sent.length).toBe(3); // [first inner outer] [inTx] [last]
  });

  it('sends a transaction id the packed form cannot carry as a plain list', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    expect(await q.call('a', 'x', [1], -1)).toEqual({ t: 'a', m: 'x', tx: -1, args: [1] });
    expect(Array.isArray(sent[0])).toBe(true);
  });

  it('rejects every call of a message the transport refuses', async () => {
    const q = new CallQueue(async () => { throw new Error('gone'); });
    const r = await Promise.allSettled([q.call('a', 'x', []), q.call('a', 'y', [])]);
    expect(r.map((x) => x.status === 'rejected' && (x.reason as LarderError).code)).toEqual(['CLOSED', 'CLOSED']);
  });
});
