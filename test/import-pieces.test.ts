/**
 * importInto from an export that arrives in pieces split anywhere, as a File's or a fetch
 * response's stream gives it: every split gives the same store, and a truncated or damaged
 * export is refused whole (CORRUPT, nothing imported).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { importInto, openStore, type Store } from '../src/index.js';
import { ExportSplitter, splitExport } from '../src/worker/export-format.js';
import { codeOf } from './fixtures/code-of.js';

let seq = 0;
const fresh = (tag: string): string => `t-import-${tag}-${Date.now()}-${++seq}`;
const memory = (tag: string): Promise<Store> => openStore(fresh(tag), { worker: false, persist: false });

/** `bytes` cut into pieces of the given sizes, repeated until the end. */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0, i = 0; p < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.slice(p, p + n)); // copies: nothing shares the export's buffer
    p += n;
  }
  return out;
}

async function* slowly(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of pieces) {
    await Promise.resolve();
    yield p;
  }
}


describe('importInto from pieces', () => {
  it('gives the same store however the export is split', async () => {
    const src = await memory('src');
    // ~1.6 MB: more than one export chunk (1 MiB each).
    await src.setMany(Array.from({ length: 12_000 }, (_, i) => [`k:${String(i).padStart(5, '0')}`, { i, s: 'x'.repeat(100 + (i % 50)), d: new Date(i) }]));
    const bytes = new Uint8Array(await (await src.export()).arrayBuffer());
    expect(splitExport(bytes).length).toBeGreaterThan(1);
    const splits: Array<[string, Uint8Array[] | AsyncIterable<Uint8Array>]> = [
      ['1000-byte pieces', cut(bytes, [1000])],
      ['64 KiB pieces', cut(bytes, [65536])],
      ['pieces of 1, 15, 16, 17 and 70,000 bytes', cut(bytes, [1, 15, 16, 17, 70_000])],
      ['an async iterable of 4,096-byte pieces', slowly(cut(bytes, [4096]))],
      ['a stream split inside the first header', slowly([bytes.slice(0, 7), bytes.slice(7)])],
    ];
    for (const [what, pieces] of splits) {
      const t = await memory('dst');
      expect(await importInto(t, pieces), what).toBe(12_000);
      expect(await t.count(), what).toBe(12_000);
      expect(await t.get('k:11999'), what).toEqual({ i: 11999, s: 'x'.repeat(149), d: new Date(11999) });
      expect(await t.get('k:00000'), what).toEqual({ i: 0, s: 'x'.repeat(100), d: new Date(0) });
      await t.close();
    }
    // One-byte pieces through the splitter alone (a store round trip per split is enough above).
    const split = new ExportSplitter();
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) for (const c of split.push(bytes.subarray(i, i + 1))) chunks.push(c);
    split.end();
    const whole = splitExport(bytes);
    expect(chunks.length).toBe(whole.length);
    chunks.forEach((c, i) => expect(Buffer.compare(Buffer.from(c), Buffer.from(whole[i]!))).toBe(0));
    await src.close();
  });

  it('refuses a truncated or damaged export in pieces and imports nothing', async () => {
    const src = await memory('src2');
    await src.setMany(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]));
    const bytes = new Uint8Array(await (await src.export()).arrayBuffer());
    const t = await memory('dst2');
    await t.set('kept', 1);
    // Cut inside the last chunk's body, inside a header, and a flipped body byte.
    expect(await codeOf(importInto(t, cut(bytes.slice(0, bytes.length - 5), [777])))).toBe('CORRUPT');
    expect(await codeOf(importInto(t, slowly([bytes.slice(0, 10)])))).toBe('CORRUPT');
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0xff;
    expect(await codeOf(importInto(t, cut(flipped, [500])))).toBe('CORRUPT');
    const notExport = new Uint8Array(64).fill(7);
    expect(await codeOf(importInto(t, [notExport.subarray(0, 3), notExport.subarray(3)]))).toBe('CORRUPT');
    expect(await t.count()).toBe(1);
    expect(await t.get('kept')).toBe(1);
    expect(await codeOf(importInto(t, [new Uint8Array(2), 'text' as unknown as Uint8Array]))).toBe('BAD_VALUE');
    expect(await t.count()).toBe(1);
    await t.close();
    await src.close();
  });
});
