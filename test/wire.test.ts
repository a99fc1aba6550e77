// The packed message form (src/worker/wire.ts) and the codec helpers behind the fast paths
// (ByteArena, EncodedArrayWriter, decodeValue's shareBytes): same bytes and values as before.
import { describe, expect, it } from 'vitest';
import { ByteArena, Encoded, EncodedArrayWriter, decodeValue, encodeValue } from '../src/codec/value.js';
import { openStore } from '../src/index.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { isPackedCalls, isPackedResults, packCalls, packResults, unpackCalls, unpackResults } from '../src/worker/wire.js';

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
