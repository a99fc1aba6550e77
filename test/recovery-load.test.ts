/**
 * Recovery's record-list path: pages decode straight into one record list (decodePageRecords),
 * recovery hands that list over whole, and Keyspace.load / Table.putRecords write it with one
 * engine call per chunk. Each fast step is checked against the general path or a model.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { loadEngine } from '../src/core/engine.js';
import { Table } from '../src/core/table.js';
import { RecordBuilder, recordEntries, type RecordList } from '../src/core/records.js';
import { MAX_KEY } from '../src/core/status.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { DiskStore, type DiskStoreOptions, type WalOp } from '../src/persist/disk-store.js';
import { PAGE_HEADER_BYTES, PageWriter, decodePage, decodePageRecords, encodePage, pageOf } from '../src/persist/page.js';
import { crc32c } from '../src/persist/crc32.js';
import { writeU32 } from '../src/persist/bytes.js';
import { isLarderError } from '../src/errors.js';
import { recordList } from './record-list.js';

const te = new TextEncoder();
const td = new TextDecoder();
const b = (s: string): Uint8Array => te.encode(s);
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const put = (k: string, v: string): WalOp => ({ op: 'put', key: b(k), value: b(v) });
const del = (k: string): WalOp => ({ op: 'del', key: b(k) });

/** Entries -> Map<hex key, hex value>, failing on a repeated key. */
function asMap(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of entries) {
    expect(m.has(hex(k)), `key ${hex(k)} repeated`).toBe(false);
    m.set(hex(k), hex(v));
  }
  return m;
}

/** The error `f` throws, or null. */
function thrown(f: () => unknown): unknown {
  try {
    f();
    return null;
  } catch (e) {
    return e;
  }
}

const bytesArb = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe('decodePageRecords', () => {
  it('appends exactly the entries the page was written with, after what the list held', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytesArb(40), bytesArb(300)), { maxLength: 60 }), fc.constantFrom(1, 2, 8), (raw, pageCount) => {
        const pageId = raw.length > 0 ? pageOf(raw[0]![0], pageCount) : 0;
        const entries = raw.filter(([k]) => pageOf(k, pageCount) === pageId) as Array<[Uint8Array, Uint8Array]>;
        const page = encodePage(pageId, pageCount, entries);
        const out = new RecordBuilder(16);
        out.begin(1, 1);
        out.append(Uint8Array.of(7, 9), 0, 2);
        const got = decodePageRecords(page, out, { pageId, pageCount });
        expect(got).toEqual({ pageId, pageCount, count: entries.length });
        const all = recordEntries(out.list());
        expect(all.length).toBe(entries.length + 1);
        expect(all.slice(1).map(([k, v]) => [hex(k), hex(v)])).toEqual(entries.map(([k, v]) => [hex(k), hex(v)]));
        expect(decodePage(page, { pageId, pageCount }).entries.map(([k, v]) => [hex(k), hex(v)])).toEqual(entries.map(([k, v]) => [hex(k), hex(v)]));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a damaged page with CORRUPT, the same error decodePage gives', () => {
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = 0; i < 30; i++) entries.push([b(`key-${i}`), b(`value ${i}`.repeat(i % 5))]);
    const page = encodePage(0, 1, entries);
    for (let at = 0; at < page.length; at++) {
      const bad = page.slice();
      bad[at] ^= 0x10;
      const e1 = thrown(() => decodePageRecords(bad, new RecordBuilder(), { pageId: 0, pageCount: 1 }));
      const e2 = thrown(() => decodePage(bad, { pageId: 0, pageCount: 1 }));
      expect(isLarderError(e1) && (e1 as { code: string }).code, `byte ${at}`).toBe('CORRUPT');
      expect((e1 as Error).message).toBe((e2 as Error).message);
    }
  });
});

describe('Table.putRecords', () => {
  it('stores what putMany stores and counts the same new keys, across chunks and repeats', async () => {
    const engine = await loadEngine();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 6 }), bytesArb(40000)), { maxLength: 80 }), (entries) => {
        const viaList = Table.create(engine);
        const viaPairs = Table.create(engine);
        try {
          viaList.put(Uint8Array.of(1), b('old'));
          viaPairs.put(Uint8Array.of(1), b('old'));
          expect(viaList.putRecords(recordList(entries as Array<[Uint8Array, Uint8Array]>))).toBe(viaPairs.putMany(entries));
          const got = new Map([...viaList.entries()].map(([k, v]) => [hex(k), hex(v)]));
          expect(got).toEqual(new Map([...viaPairs.entries()].map(([k, v]) => [hex(k), hex(v)])));
        } finally {
          viaList.free();
          viaPairs.free();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a bad list throws before anything is stored', async () => {
    const engine = await loadEngine();
    const t = Table.create(engine);
    // Several 1 MiB chunks, then a key over the limit in the last one.
    const big = new Uint8Array(600_000);
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = 0; i < 6; i++) entries.push([Uint8Array.of(i + 1), big]);
    entries.push([new Uint8Array(MAX_KEY + 1), b('v')]);
    expect((thrown(() => t.putRecords(recordList(entries))) as { code: string }).code).toBe('TOO_LARGE');
    const cut = recordList(entries.slice(0, 6));
    expect((thrown(() => t.putRecords({ bytes: cut.bytes.subarray(0, cut.bytes.length - 1), count: 6 })) as { code: string }).code).toBe('BAD_VALUE');
    expect(t.size).toBe(0);
    t.free();
  });
});

describe('Keyspace.load', () => {
  const TABLE_TAGS = [0x4b, 0x48];

  it('loads a mixed record list (tables, tree, the empty key) as putManyRaw loads its entries', async () => {
    const engine = await loadEngine();
    const keyArb = fc.oneof(
      fc.constant(new Uint8Array(0)),
      fc.tuple(fc.constantFrom(0x4b, 0x48, 0x51, 0x01), fc.uint8Array({ maxLength: 5 })).map(([t, rest]) => Uint8Array.of(t, ...rest)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, bytesArb(50)), { maxLength: 120 }), (entries) => {
        const fast = Keyspace.create(engine, TABLE_TAGS);
        const general = Keyspace.create(engine, TABLE_TAGS);
        try {
          fast.load(recordList(entries as Array<[Uint8Array, Uint8Array]>));
          general.putManyRaw(entries);
          expect(fast.size).toBe(general.size);
          const m = (ks: Keyspace) => new Map([...ks.entries()].map(([k, v]) => [hex(k), hex(v)]));
          expect(m(fast)).toEqual(m(general));
          // Every tag loaded is marked written (read caches of it are stale).
          for (const [k] of entries) expect(fast.tagVersion[k.length > 0 ? k[0]! : 0]).not.toBe(0);
          for (const t of TABLE_TAGS) expect(fast.pointCount(t)).toBe(general.pointCount(t));
        } finally {
          fast.free();
          general.free();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a bad list loads nothing, though its first part would fit one structure', async () => {
    const engine = await loadEngine();
    const ks = Keyspace.create(engine, TABLE_TAGS);
    const list = recordList([
      [Uint8Array.of(0x4b, 1), b('table')],
      [Uint8Array.of(0x51, 1), b('tree')],
      [Uint8Array.of(0x51, ...new Uint8Array(MAX_KEY)), b('too long')],
    ]);
    expect((thrown(() => ks.load(list)) as { code: string }).code).toBe('TOO_LARGE');
    const cut: RecordList = { bytes: list.bytes.subarray(0, 30), count: 2 };
    expect((thrown(() => ks.load(cut)) as { code: string }).code).toBe('BAD_VALUE');
    expect(ks.size).toBe(0);
    ks.free();
  });
});

describe('recovery into one record list', () => {
  const PAGES = 16;
  /** The keys build()'s WAL tail writes or deletes. */
  const WAL_KEYS = ['key3', 'key4', 'key5', 'fresh', 'key9', 'key10'];
  let factory: IDBFactory;
  const opts = (o: DiskStoreOptions = {}): DiskStoreOptions => ({ indexedDB: factory, pbkdf2Iterations: 1000, pageCount: PAGES, ...o });
  const snapshotOf = (model: Map<string, string>) => () => [...model].map(([k, v]) => [b(k), b(v)] as [Uint8Array, Uint8Array]);
  const textMap = (m: Map<string, string>) => new Map([...m].map(([k, v]) => [hex(b(k)), hex(b(v))]));
  async function raw(name: string): Promise<IDBPDatabase> {
    return (await wrap(factory.open(`larder:${name}`))) as unknown as IDBPDatabase;
  }

  /** A checkpointed store of 60 keys plus a WAL tail that rewrites and deletes some; returns the model. */
  async function build(name: string, o: DiskStoreOptions = {}): Promise<Map<string, string>> {
    factory = new IDBFactory();
    const { disk } = await DiskStore.open(name, opts(o));
    const model = new Map<string, string>();
    const ops: WalOp[] = [];
    for (let i = 0; i < 60; i++) ops.push(put(`key${i}`, `value ${i} `.repeat(1 + (i % 7))));
    await disk.append(ops);
    for (const op of ops) model.set(td.decode(op.key), td.decode((op as { value: Uint8Array }).value));
    await disk.checkpoint(snapshotOf(model));
    const tail: WalOp[] = [put('key3', 'rewritten'), del('key4'), del('key5'), put('fresh', 'new'), put('key4', 'back')];
    await disk.append(tail);
    await disk.append([del('key9'), put('key10', 'again')]);
    for (const op of [...tail, del('key9'), put('key10', 'again')]) {
      if (op.op === 'put') model.set(td.decode(op.key), td.decode(op.value));
      else model.delete(td.decode(op.key));
    }
    await disk.close();
    return model;
  }

  it('holds exactly the live entries: pages, less what the WAL deleted, plus what it wrote', async () => {
    for (const passphrase of [undefined, 'secret']) {
      const model = await build('live', { passphrase });
      const r = await DiskStore.open('live', opts({ passphrase }));
      expect(r.records.count).toBe(model.size);
      expect(r.report.entries).toBe(model.size);
      expect(asMap(recordEntries(r.records))).toEqual(textMap(model));
      expect(asMap(r.entries)).toEqual(textMap(model));
      // Loaded whole, the keyspace holds the same.
      const ks = Keyspace.create(await loadEngine(), [b('k')[0]!]);
      ks.load(r.records);
      expect(asMap(ks.entries())).toEqual(textMap(model));
      ks.free();
      await r.disk.close();
    }
  });

  /** Replaces page `id` with one that passes its checksum but fails later: `tail` adds the fault. */
  async function plantPage(name: string, id: number, tail: (w: PageWriter, entries: Array<[Uint8Array, Uint8Array]>) => Uint8Array): Promise<void> {
    const db = await raw(name);
    const good = decodePage((await db.get('pages', id)) as Uint8Array, { pageId: id, pageCount: PAGES });
    const w = new PageWriter(id, PAGES);
    for (const [k, v] of good.entries) w.add(k, v);
    await db.put('pages', tail(w, good.entries), id);
    db.close();
  }

  for (const [what, message, fault] of [
    // An entry whose key belongs to another page, after the good ones.
    ['a foreign key', /does not hash to page/, (w: PageWriter) => {
      let k = 0;
      while (pageOf(b(`x${k}`), PAGES) === w.pageId) k++;
      w.add(b(`x${k}`), b('foreign'));
      return w.finish();
    }],
    // Trailing bytes after all the entries: found only once every entry was read.
    ['trailing bytes', /trailing bytes after/, (w: PageWriter) => {
      const page = w.finish();
      const h = new DataView(page.buffer, page.byteOffset);
      h.setUint32(16, h.getUint32(16, true) - 1, true); // one entry fewer than the bytes hold
      return reseal(page);
    }],
  ] as const) {
    it(`a page damaged after some entries (${what}) leaves none of its entries in the list on repair`, async () => {
      let checked = 0;
      for (const touched of [false, true]) {
        const model = await build(`dmg-${touched}`);
        const name = `dmg-${touched}`;
        // A page the WAL tail wrote to (decoded through the filtering path), or one it did not.
        const walPages = new Set(WAL_KEYS.map((k) => pageOf(b(k), PAGES)));
        const victim = [...Array(PAGES).keys()].find((p) => walPages.has(p) === touched && [...model.keys()].some((k) => pageOf(b(k), PAGES) === p));
        if (victim === undefined) continue;
        await plantPage(name, victim, fault);
        const e = await DiskStore.open(name, opts()).then(() => null, (x: unknown) => x);
        expect((e as { code: string }).code).toBe('CORRUPT');
        expect((e as Error).message).toMatch(new RegExp(`object store "pages", key ${victim}: `));
        expect((e as Error).message).toMatch(message);
        const r = await DiskStore.open(name, opts({ repair: true }));
        expect(r.report.lostPages.map((l) => l.page)).toEqual([victim]);
        // The WAL tail's writes to the lost page survive; the page's own entries are gone.
        const expected = new Map([...model].filter(([k]) => pageOf(b(k), PAGES) !== victim));
        for (const k of ['key3', 'fresh', 'key4', 'key10']) if (pageOf(b(k), PAGES) === victim) expected.set(k, model.get(k)!);
        expect(asMap(recordEntries(r.records))).toEqual(textMap(expected));
        expect(r.records.count).toBe(expected.size);
        await r.disk.close();
        checked++;
      }
      expect(checked).toBe(2);
    });
  }

  it('a page whose entry count disagrees with the directory is dropped whole on repair', async () => {
    const model = await build('count');
    const db = await raw('count');
    const cp = (await db.get('meta', 'checkpoint')) as { pages: Array<[number, number, number]> };
    const victim = cp.pages.find(([id]) => !WAL_KEYS.some((k) => pageOf(b(k), PAGES) === id)) ?? cp.pages[0]!;
    victim[2]++;
    await db.put('meta', cp, 'checkpoint');
    db.close();
    const e = await DiskStore.open('count', opts()).then(() => null, (x: unknown) => x);
    expect((e as Error).message).toMatch(/directory says/);
    const r = await DiskStore.open('count', opts({ repair: true }));
    const expected = new Map([...model].filter(([k]) => pageOf(b(k), PAGES) !== victim[0]));
    for (const k of ['key3', 'fresh', 'key4', 'key10']) if (pageOf(b(k), PAGES) === victim[0]) expected.set(k, model.get(k)!);
    expect(asMap(recordEntries(r.records))).toEqual(textMap(expected));
    await r.disk.close();
  });
});

/** Recomputes a page's checksum after its header was edited (CRC-32C of the payload, then header bytes 0..24: page.ts). */
function reseal(page: Uint8Array): Uint8Array {
  writeU32(page, 24, crc32c(page, crc32c(page, 0, PAGE_HEADER_BYTES, page.length), 0, 24));
  return page;
}
