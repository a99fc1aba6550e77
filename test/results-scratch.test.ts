/**
 * Results written into a writer shared by messages (ResultsWriter with `shared`, sealed right
 * after the synchronous part of a message; see StoreEngine.dispatchCalls): what one message
 * answers never changes when the next message reuses the writer, in the writer and through a
 * store whose strict commits keep several messages in flight at once.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { Encoded, ValueWriter, encodeValue } from '../src/codec/value.js';
import { openStore } from '../src/index.js';
import { ResultsWriter, packResults, unpackResults } from '../src/worker/wire.js';

describe('results in a shared writer', () => {
  it('a sealed message keeps its results, packed and as a list, after the writer is reused', () => {
    const shared = new ValueWriter(64);
    const a = new ResultsWriter(3, shared);
    a.value('first');
    a.value({ n: 1, s: 'x'.repeat(200) });
    a.error({ code: 'WRONGTYPE', message: 'no' });
    a.seal();
    const b = new ResultsWriter(2, shared);
    b.value('second message, longer than the first one was'.repeat(5));
    b.value(2);
    b.seal();
    const packedA = a.finish() as Uint8Array;
    expect(unpackResults(packedA)).toEqual([
      [1, encodeValue('first')],
      [1, encodeValue({ n: 1, s: 'x'.repeat(200) })],
      [0, { code: 'WRONGTYPE', message: 'no' }],
    ]);
    // A list made after the writer moved on (a failed commit rewrites results this way).
    const c = new ResultsWriter(1, shared);
    c.value('third');
    const listA = a.list();
    expect(listA[0]).toEqual([1, encodeValue('first')]);
    expect(listA[2]).toEqual([0, { code: 'WRONGTYPE', message: 'no' }]);
    c.seal();
    expect(unpackResults(b.finish() as Uint8Array)[1]).toEqual([1, encodeValue(2)]);
    expect(unpackResults(c.finish() as Uint8Array)).toEqual([[1, encodeValue('third')]]);
  });

  it("a one-call message's big result is packed exactly as a small one's, sealed, and still becomes a list", () => {
    const shared = new ValueWriter(64);
    const big = encodeValue({ rows: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `row ${i}` })) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const w = new ResultsWriter(1, shared);
    w.value(new Encoded(big));
    w.seal();
    // The shared writer serves the next message; the big result is not in it.
    const next = new ResultsWriter(1, shared);
    next.value('next');
    next.seal();
    const packed = w.finish() as Uint8Array;
    const same = (a: unknown, b: unknown): boolean => Buffer.compare(Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array)) === 0;
    expect(same(packed, packResults([[1, big]]))).toBe(true);
    expect(packed.byteOffset).toBe(0);
    expect(packed.byteLength).toBe(packed.buffer.byteLength); // exact: handed over, not cloned
    expect(() => w.value(1)).toThrow(/sealed/);
    // A failed commit turns the results into a list after the fact.
    const list = w.list();
    expect(list.length).toBe(1);
    expect(list[0]![0]).toBe(1);
    expect(same(list[0]![1], big)).toBe(true);
    list[0] = [0, { code: 'QUOTA_EXCEEDED', message: 'full' }];
    expect(unpackResults(w.finish() as Uint8Array)).toEqual([[0, { code: 'QUOTA_EXCEEDED', message: 'full' }]]);
    expect(unpackResults(next.finish() as Uint8Array)).toEqual([[1, encodeValue('next')]]);
    // Two calls: big results go through the writer as before, with the same bytes.
    const two = new ResultsWriter(2, shared);
    two.value(new Encoded(big));
    two.value(3);
    two.seal();
    expect(same(two.finish(), packResults([[1, big], [1, encodeValue(3)]]))).toBe(true);
  });

  it('refuses a result written after sealing', () => {
    const w = new ResultsWriter(2, new ValueWriter(64));
    w.value(1);
    w.seal();
    expect(() => w.value(2)).toThrow(/sealed/);
    expect(() => w.undefined()).toThrow(/sealed/);
    expect(() => w.error({ code: 'X', message: 'y' })).toThrow(/sealed/);
  });

  it('messages in flight together through a store each get their own answers', async () => {
    const store = await openStore(`scratch-${Date.now()}`, { worker: false, pbkdf2Iterations: 1000 });
    try {
      const kv = store.kv;
      await store.set('big', 'v'.repeat(5000));
      // Each tick is its own message; the writes wait for their strict commits while the reads
      // after them run and answer through the same shared writer.
      const out: Array<Promise<unknown>> = [];
      for (let i = 0; i < 40; i++) {
        out.push(kv.incrBy(`n${i % 3}`, i + 1));
        await Promise.resolve();
        out.push(store.get('big'));
        await Promise.resolve();
        out.push(store.get(`missing${i}`));
        await new Promise((r) => setTimeout(r, 0));
      }
      const got = await Promise.all(out);
      const sums = [0, 0, 0];
      for (let i = 0; i < 40; i++) {
        sums[i % 3] += i + 1;
        expect(got[3 * i]).toBe(sums[i % 3]);
        expect(got[3 * i + 1]).toBe('v'.repeat(5000));
        expect(got[3 * i + 2]).toBeUndefined();
      }
    } finally {
      await store.destroy();
    }
  });
});
