import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c } from '../src/persist/crc32.js';
import { decodeBatch, encodeBatch, prepareBatch, stampBatch, WAL_HEADER_BYTES, type WalOp } from '../src/persist/wal-record.js';
import { decodePage, encodePage, pageOf, pageHash, PageWriter } from '../src/persist/page.js';
import { isLarderError } from '../src/errors.js';

const te = new TextEncoder();
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
const opArb: fc.Arbitrary<WalOp> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: bytesArb(40), value: bytesArb(300) }),
  fc.record({ op: fc.constant('del' as const), key: bytesArb(40) }),
);

function expectCorrupt(f: () => unknown, match?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isLarderError(e) && e.code).toBe('CORRUPT');
    if (match) expect((e as Error).message).toMatch(match);
    return;
  }
  throw new Error('expected CORRUPT, nothing thrown');
}

/** CRC-32C bit by bit: the reference the table-driven code must agree with. */
function crc32cBitwise(b: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the CRC-32C check value and known vectors', () => {
    expect(crc32c(te.encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });
  it('is incremental and agrees with a bitwise reference at any split and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (b, s) => {
        const cut = b.length ? s % (b.length + 1) : 0;
        expect(crc32c(b)).toBe(crc32cBitwise(b));
        expect(crc32c(b, crc32c(b, 0, 0, cut), cut)).toBe(crc32cBitwise(b));
      }),
      { numRuns: 200 },
    );
  });
  it('agrees with the reference on views at every byte offset, short and long (the word-at-a-time path)', () => {
    const big = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    for (let off = 0; off < 8; off++) {
      for (const len of [0, 1, 7, 63, 64, 65, 71, 72, 200, 1001, 4000]) {
        const v = big.subarray(off, off + len);
        expect(crc32c(v)).toBe(crc32cBitwise(v));
        // A range inside the view, continued from a previous value.
        if (len > 10) expect(crc32c(v, crc32c(v, 0, 0, 3), 3, len - 2)).toBe(crc32cBitwise(v.subarray(0, len - 2)));
      }
    }
  });
});

describe('WAL record codec', () => {
  it('round-trips random batches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.array(opArb, { maxLength: 20 }), (seq, ops) => {
        const rec = encodeBatch(seq, ops);
        const back = decodeBatch(rec);
        expect(back.seq).toBe(seq);
        expect(back.ops).toEqual(ops);
      }),
      { numRuns: 300 },
    );
  });

  it('detects any single flipped byte and any truncation or extension as CORRUPT', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 6 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (ops, at, x, cut) => {
        const rec = encodeBatch(7, ops);
        const flipped = rec.slice();
        flipped[at % rec.length] ^= x;
        expectCorrupt(() => decodeBatch(flipped));
        expectCorrupt(() => decodeBatch(rec.subarray(0, cut % rec.length)));
        const longer = new Uint8Array(rec.length + 1 + (cut % 5));
        longer.set(rec);
        expectCorrupt(() => decodeBatch(longer));
      }),
      { numRuns: 300 },
    );
  });

  it('names what is wrong', () => {
    const rec = encodeBatch(3, [{ op: 'put', key: te.encode('k'), value: te.encode('v') }]);
    const bad = rec.slice();
    bad[bad.length - 1] ^= 1;
    expectCorrupt(() => decodeBatch(bad, 'wal[3]'), /wal\[3\]: checksum mismatch/);
    expectCorrupt(() => decodeBatch(rec.subarray(0, 10)), /truncated/);
    const m = rec.slice();
    m[0] = 0;
    expectCorrupt(() => decodeBatch(m), /bad magic/);
  });

  it('stamps a prepared batch later, copying the caller buffers at prepare time', () => {
    const key = te.encode('abc');
    const p = prepareBatch([{ op: 'put', key, value: key }]);
    key[0] = 0x7a;
    const back = decodeBatch(stampBatch(p, 42));
    expect(back.seq).toBe(42);
    expect(new TextDecoder().decode((back.ops[0] as { value: Uint8Array }).value)).toBe('abc');
    expect(p.bytes.length).toBeGreaterThan(WAL_HEADER_BYTES);
  });

  it('rejects malformed ops with BAD_VALUE', () => {
    expect(() => encodeBatch(1, [{ op: 'put', key: 'x' as unknown as Uint8Array, value: new Uint8Array() }])).toThrow(/Uint8Array key/);
    expect(() => encodeBatch(1, [{ op: 'zap', key: new Uint8Array() } as unknown as WalOp])).toThrow(/unknown kind/);
    expect(() => encodeBatch(0, [])).toThrow(/sequence/);
  });
});

describe('pages', () => {
  it('pageOf is a fixed hash masked by a power-of-two count, and doubling splits p into p and p + n', () => {
    expect(pageHash(te.encode('hello'))).toBe(pageHash(te.encode('hello')));
    // Pin the hash so an accidental change (which would orphan every stored page) fails loudly.
    expect([pageHash(new Uint8Array()), pageHash(te.encode('a')), pageHash(te.encode('Kuser:1'))]).toEqual([2872998923, 444641715, 544044822]);
    fc.assert(
      fc.property(bytesArb(30), fc.integer({ min: 0, max: 10 }), (k, e) => {
        const n = 1 << e;
        const p = pageOf(k, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(pageOf(k, n * 2) % n).toBe(p);
      }),
    );
    // Spread: 4096 sequential keys over 16 pages, no page wildly off.
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 4096; i++) counts[pageOf(te.encode(`Kkey:${i}`), 16)]++;
    for (const c of counts) expect(c).toBeGreaterThan(160);
  });

  it('round-trips and detects damage', () => {
    fc.assert(
      fc.property(fc.uniqueArray(bytesArb(20), { maxLength: 40, selector: (k) => k.join(',') }), fc.nat(), fc.integer({ min: 1, max: 255 }), (keys, at, x) => {
        const n = 4;
        const id = 2;
        const entries = keys.filter((k) => pageOf(k, n) === id).map((k) => [k, k.slice().reverse()] as [Uint8Array, Uint8Array]);
        const page = encodePage(id, n, entries);
        const back = decodePage(page, { pageId: id, pageCount: n });
        expect(back.entries).toEqual(entries);
        const bad = page.slice();
        bad[at % bad.length] ^= x;
        expectCorrupt(() => decodePage(bad));
        expectCorrupt(() => decodePage(page.subarray(0, at % page.length)));
      }),
      { numRuns: 200 },
    );
  });

  it('checks the expected id and that keys belong to the page', () => {
    const w = new PageWriter(0, 2);
    const other = [...Array(50).keys()].map((i) => te.encode(`k${i}`)).find((k) => pageOf(k, 2) === 1)!;
    w.add(other, new Uint8Array([1]));
    expectCorrupt(() => decodePage(w.finish()), /does not hash to page 0/);
    const ok = encodePage(1, 2, [[other, new Uint8Array([1])]]);
    expectCorrupt(() => decodePage(ok, { pageId: 1, pageCount: 4 }, 'pages[1]'), /pages\[1\]: header says page 1 of 2, expected page 1 of 4/);
    expect(() => encodePage(0, 2, [[other, new Uint8Array()]])).toThrow(/belongs to page 1/);
  });

  it('grows a page writer past its initial size', () => {
    const w = new PageWriter(0, 1, 64);
    const big = new Uint8Array(10_000).fill(7);
    for (let i = 0; i < 5; i++) w.add(new Uint8Array([i]), big);
    const back = decodePage(w.finish());
    expect(back.entries.length).toBe(5);
    expect(back.entries[4]![1]).toEqual(big);
  });
});
