/**
 * Huge values end to end in Node (openStore({ worker: false }) over fake-indexeddb): a 20 MB
 * string, 16 MiB of bytes and a 5 MB nested object come back exactly from memory, from WAL
 * replay, from a checkpoint's pages and from a checkpoint that wrote them itself; a value past
 * the engine's limit (MAX_VALUE: 64 MiB of encoded bytes, assembly/errors.ts and
 * src/core/status.ts) is refused with TOO_LARGE and writes nothing.
 *
 * Big binary values are compared with Buffer.compare: vitest's toEqual on a 16 MiB Uint8Array
 * runs out of memory.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore, LarderError, type Store } from '../src/index.js';
import { encodeValue } from '../src/codec/value.js';
import { MAX_VALUE } from '../src/core/status.js';

let seq = 0;
const fresh = (tag: string): string => `t-huge-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, opts: Parameters<typeof openStore>[1] = {}): Promise<Store> =>
  openStore(name, { worker: false, ...opts });

/** 20,000,000 UTF-16 units, not all ASCII (two-, three- and four-byte WTF-8), and not periodic in 1 KB. */
function bigString(): string {
  const unit = 'abcdefghij'.repeat(99) + 'abcde' + 'é€🌍x'; // 990 + 5 + 5 units (the globe is two) = 1000
  const parts: string[] = [];
  for (let i = 0; i < 20_000; i++) parts.push(i % 997 === 0 ? unit.replace('a', String.fromCharCode(0x100 + (i % 512))) : unit);
  return parts.join('');
}

/** 16 MiB of pseudo-random bytes (an LCG), so a shifted or truncated copy cannot compare equal. */
function bigBytes(): Uint8Array {
  const b = new Uint8Array(16 << 20);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** About 6.4 MB encoded: 25,000 records with nested objects and arrays, a Date, a bigint and a 1M-unit string with lone surrogates. */
function bigObject(): { rows: Array<Record<string, unknown>>; meta: Record<string, unknown> } {
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 25_000; i++) {
    rows.push({
      id: i,
      name: `row-${i}-${'n'.repeat(i % 40)}`,
      tags: ['a', 'b', `t${i % 13}`],
      nested: { depth: { deeper: { value: i * 1.5, flag: i % 2 === 0, none: null } } },
      pad: 'p'.repeat(100),
    });
  }
  // A long string with lone surrogates: stored as WTF-8 and read back by its own decoder.
  const wtf = ('y'.repeat(999) + '\ud800').repeat(1000);
  return { rows, meta: { at: new Date(1700000000000), big: 2n ** 70n, bytes: new Uint8Array([1, 2, 3]), wtf } };
}

/** True when `a` and `b` hold the same bytes. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

type Big = ReturnType<typeof bigObject>;

/** Checks the three values read back from `s` (strings with ===, bytes with Buffer.compare). */
async function expectAll(s: Store, str: string, bytes: Uint8Array, obj: Big): Promise<void> {
  const gotStr = await s.get<string>('str');
  expect(typeof gotStr).toBe('string');
  expect(gotStr!.length).toBe(str.length);
  expect(gotStr === str).toBe(true);
  const gotBytes = await s.get<Uint8Array>('bytes');
  expect(gotBytes).toBeInstanceOf(Uint8Array);
  expect(gotBytes!.length).toBe(bytes.length);
  expect(sameBytes(gotBytes!, bytes)).toBe(true);
  const gotObj = (await s.get<Big>('obj'))!;
  expect(gotObj.rows.length).toBe(obj.rows.length);
  // JSON for the bulk (toEqual over 25,000 nested rows is slow), toEqual for the special types.
  expect(JSON.stringify(gotObj.rows) === JSON.stringify(obj.rows)).toBe(true);
  expect(gotObj.meta).toEqual(obj.meta);
}

describe('huge values', () => {
  const str = bigString();
  const bytes = bigBytes();
  const obj = bigObject();

  it('the test values are as big as claimed', () => {
    expect(str.length).toBe(20_000_000);
    expect(encodeValue(str).length).toBeGreaterThan(20_000_000);
    expect(bytes.length).toBe(16 * 1024 * 1024);
    expect(encodeValue(obj).length).toBeGreaterThan(5_000_000);
  });

  it('round-trip through memory, the WAL, a checkpoint and reopening', async () => {
    const name = fresh('wal');
    // A threshold far above the values: they go to the WAL, not into a checkpoint.
    const opts = { checkpointBytes: 1 << 30 };
    const s = await open(name, opts);
    await s.set('str', str);
    await s.set('bytes', bytes);
    await s.set('obj', obj);
    await s.set('small', 1);
    await expectAll(s, str, bytes, obj);
    const info = await s.info();
    expect(info.wal.records).toBe(4);
    // The WAL holds each value's encoding whole (no compression).
    expect(info.wal.bytes).toBeGreaterThan(encodeValue(str).length + encodeValue(bytes).length + encodeValue(obj).length);
    expect(info.checkpoint.sinceOpen).toBe(0);
    await s.close();

    // Reopened from the WAL alone.
    const r = await open(name, opts);
    expect((await r.info()).recovery).toMatchObject({ walRecordsReplayed: 4 });
    await expectAll(r, str, bytes, obj);
    await r.checkpoint();
    expect((await r.info()).wal).toMatchObject({ records: 0, bytes: 0 });
    await r.close();

    // Reopened from the checkpoint's pages alone.
    const r2 = await open(name, opts);
    expect((await r2.info()).recovery).toMatchObject({ walRecordsReplayed: 0, checkpointSeq: 4 });
    await expectAll(r2, str, bytes, obj);
    expect(await r2.get('small')).toBe(1);
    expect(await r2.count()).toBe(4);
    await r2.destroy();
  });

  it('one write big enough to make a checkpoint due is written by that checkpoint, and reopens', async () => {
    const name = fresh('cp');
    const s = await open(name); // the default 4 MiB threshold
    await s.setMany([['str', str], ['bytes', bytes], ['obj', obj]]);
    const info = await s.info();
    expect(info.checkpoint.sinceOpen).toBe(1);
    expect(info.wal).toMatchObject({ records: 0, bytes: 0 });
    await expectAll(s, str, bytes, obj);
    await s.close();
    const r = await open(name);
    await expectAll(r, str, bytes, obj);
    await r.destroy();
  });
});

describe('values past the engine limit', () => {
  it('a value of more than MAX_VALUE encoded bytes is refused with TOO_LARGE and writes nothing', async () => {
    const name = fresh('limit');
    const s = await open(name);
    await s.set('k', 'old');
    const before = await s.info();

    // The largest Uint8Array whose encoding (tag, length, bytes) is exactly MAX_VALUE bytes.
    const head = encodeValue(new Uint8Array(MAX_VALUE - 16)).length - (MAX_VALUE - 16);
    const over = new Uint8Array(MAX_VALUE - head + 1);
    expect(encodeValue(over).length).toBe(MAX_VALUE + 1);
    const err = await s.set('k', over).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarderError);
    expect((err as LarderError).code).toBe('TOO_LARGE');
    expect((err as LarderError).message).toMatch(/longer than 67108864 bytes/);
    // A string over the limit too (one byte per ASCII character).
    expect(await s.set('s', 'x'.repeat(MAX_VALUE)).catch((e: unknown) => (e as LarderError).code)).toBe('TOO_LARGE');
    // setMany is all or nothing: the small entry beside the huge one is not written either.
    expect(await s.setMany([['a', 1], ['b', over]]).catch((e: unknown) => (e as LarderError).code)).toBe('TOO_LARGE');
    // And so is a batch.
    expect(await s.batch([{ op: 'set', key: 'c', value: 1 }, { op: 'set', key: 'd', value: over }]).catch((e: unknown) => (e as LarderError).code)).toBe('TOO_LARGE');

    // Nothing written: not in memory, not in the WAL, not on disk after reopening.
    expect(await s.get('k')).toBe('old');
    for (const k of ['s', 'a', 'b', 'c', 'd']) expect(await s.has(k)).toBe(false);
    const after = await s.info();
    expect(after.entries).toBe(before.entries);
    expect(after.wal).toEqual(before.wal);
    expect(after.diskCommits.transactions).toBe(before.diskCommits.transactions);
    await s.close();
    const r = await open(name);
    expect(await r.entries()).toEqual([['k', 'old']]);
    await r.destroy();
  });

  it('a value of exactly MAX_VALUE encoded bytes is accepted', async () => {
    const s = await open(fresh('edge'), { persist: false });
    const head = encodeValue(new Uint8Array(MAX_VALUE - 16)).length - (MAX_VALUE - 16);
    const edge = new Uint8Array(MAX_VALUE - head);
    edge[0] = 7;
    edge[edge.length - 1] = 9;
    expect(encodeValue(edge).length).toBe(MAX_VALUE);
    await s.set('edge', edge);
    const got = (await s.get<Uint8Array>('edge'))!;
    expect(got.length).toBe(edge.length);
    expect(sameBytes(got, edge)).toBe(true);
    await s.close();
  });
});
