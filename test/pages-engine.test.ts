// Checkpoint pages encoded by the engine (assembly/pages.ts via core/pages.ts) against the
// JavaScript PageWriter, and DiskStore checkpoints from an engine snapshot (worker/disk.ts).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { PageBuilder } from '../src/core/pages.js';
import { Table } from '../src/core/table.js';
import { Tree } from '../src/core/tree.js';
import { PageWriter, decodePage, pageHashAt } from '../src/persist/page.js';
import { DiskStore, type WalOp } from '../src/persist/disk-store.js';
import { engineSnapshot } from '../src/worker/disk.js';
import { isLarderError } from '../src/errors.js';

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** Lengths that cover every varint width the engine's limits allow, and the empty key and value. */
function fill(r: () => number, tree: Tree, table: Table, n: number): void {
  tree.put(new Uint8Array(0), bytes(r, 5));
  tree.put(Uint8Array.of(1), new Uint8Array(0));
  tree.put(Uint8Array.of(2), bytes(r, 20_000)); // 3-byte varint
  table.put(Uint8Array.of(0x4b, 9), bytes(r, 300));
  for (let i = 0; i < n; i++) {
    const k = bytes(r, 1 + ((r() * (r() < 0.05 ? 300 : 40)) | 0));
    const v = bytes(r, (r() * (r() < 0.1 ? 2000 : 120)) | 0);
    if (r() < 0.3) table.put(Uint8Array.of(0x4b, ...k), v);
    else tree.put(k, v);
  }
}

/** The pages PageWriter makes from the same entries, in the same order (the tables' first). */
function jsPages(structures: Array<Tree | Table>, pageCount: number): Map<number, Uint8Array> {
  const writers = new Map<number, PageWriter>();
  for (const s of structures) {
    for (const [k, v] of s instanceof Tree ? s.range({}) : s.entries()) {
      const p = pageHashAt(k, 0, k.length) & (pageCount - 1);
      let w = writers.get(p);
      if (!w) writers.set(p, (w = new PageWriter(p, pageCount)));
      w.add(k, v);
    }
  }
  return new Map([...writers].map(([p, w]) => [p, w.finish()]));
}

/** Pages encoded by the engine from `structures`. */
function enginePages(engine: Engine, structures: Array<Tree | Table>, pageCount: number, ids?: number[]): Map<number, Uint8Array> {
  const b = PageBuilder.create(engine, pageCount);
  try {
    for (const s of structures) b.measure(s);
    const { entries } = b.measured();
    const want = ids ?? [...entries.keys()].filter((p) => entries[p]! > 0);
    b.reserve(want);
    for (const s of structures) b.collect(s);
    return new Map(want.filter((p) => entries[p]! > 0).map((p) => [p, b.finish(p)]));
  } finally {
    b.free();
  }
}

/** Byte equality (toEqual walks large typed arrays element by element, slowly). */
function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(isLarderError(e), String(e)).toBe(true);
    expect((e as { code: string }).code, (e as Error).message).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('PageBuilder (engine-encoded checkpoint pages)', () => {
  it('writes the same bytes as PageWriter, for every page count, from trees and tables', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    const table = Table.create(engine);
    fill(rng(7), tree, table, 3000);
    for (const n of [1, 2, 16, 256]) {
      const js = jsPages([table, tree], n);
      const wasm = enginePages(engine, [table, tree], n);
      expect([...wasm.keys()].sort((a, b) => a - b)).toEqual([...js.keys()].sort((a, b) => a - b));
      for (const [p, page] of js) expect(same(wasm.get(p), page), `page ${p} of ${n}`).toBe(true);
    }
  });

  it('measures what the pages hold: entries, and payload bytes = page length - header', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    const table = Table.create(engine);
    fill(rng(11), tree, table, 1000);
    const b = PageBuilder.create(engine, 8);
    expect(b.measure(tree)).toBe(tree.size);
    expect(b.measure(table)).toBe(table.size);
    const m = b.measured();
    b.free();
    const pages = enginePages(engine, [tree, table], 8);
    let total = 0;
    for (let p = 0; p < 8; p++) {
      total += m.entries[p]!;
      const page = pages.get(p);
      if (m.entries[p] === 0) expect(page).toBeUndefined();
      else {
        expect(page!.length - 28).toBe(m.bytes[p]);
        expect(decodePage(page!, { pageId: p, pageCount: 8 }).entries.length).toBe(m.entries[p]);
      }
    }
    expect(total).toBe(tree.size + table.size);
  });

  it('encodes only the pages reserved; a damaged engine page is CORRUPT when decoded', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    fill(rng(3), tree, Table.create(engine), 500);
    const pages = enginePages(engine, [tree], 16, [3, 5]);
    expect([...pages.keys()]).toEqual([3, 5]);
    expect(same(pages.get(3), jsPages([tree], 16).get(3))).toBe(true);
    for (const at of [30, 24, 9, pages.get(5)!.length - 1]) {
      const bad = pages.get(5)!.slice();
      bad[at] ^= 0x10;
      expectCode(() => decodePage(bad), 'CORRUPT');
    }
  });

  it('refuses a page not reserved, and entries that changed between the walks; frees every byte', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    fill(rng(5), tree, Table.create(engine), 200);
    const b = PageBuilder.create(engine, 4);
    b.measure(tree);
    b.reserve([0, 1, 2, 3]);
    tree.put(Uint8Array.of(9, 9, 9), new Uint8Array(50)); // after measuring: one page overflows
    expectCode(() => b.collect(tree), 'INTERNAL');
    b.free();
    const before = engine.stats().liveBytes;
    const c = PageBuilder.create(engine, 4);
    c.measure(tree);
    c.reserve([1]);
    c.collect(tree);
    expectCode(() => c.finish(0), 'INTERNAL');
    expect(c.finish(1).length).toBeGreaterThan(28);
    c.drop(); // frees the pages, keeps the figures: another page can be reserved and collected
    c.reserve([2]);
    c.collect(tree);
    expect(c.finish(2).length).toBeGreaterThan(28);
    expectCode(() => c.finish(1), 'INTERNAL');
    c.free();
    c.free();
    expectCode(() => c.measure(tree), 'CLOSED');
    expect(engine.stats().liveBytes).toBe(before);
    expectCode(() => PageBuilder.create(engine, 3), 'BAD_VALUE');
  });
});

describe('DiskStore checkpoints from an engine snapshot', () => {
  const te = new TextEncoder();
  const td = new TextDecoder();
  const put = (k: string, v: string): WalOp => ({ op: 'put', key: te.encode(k), value: te.encode(v) });

  async function pagesOf(factory: IDBFactory, name: string): Promise<Map<IDBValidKey, unknown>> {
    const db = (await wrap(factory.open(`larder:${name}`))) as unknown as IDBPDatabase;
    const keys = await db.getAllKeys('pages');
    const vals = await db.getAll('pages');
    db.close();
    return new Map(keys.map((k, i) => [k, vals[i]]));
  }

  it('writes the pages an iterable snapshot of the same entries writes, repartition and healing included', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    const ops: WalOp[] = [];
    for (let i = 0; i < 2000; i++) ops.push(put(`key${String(i).padStart(5, '0')}`, 'v'.repeat(i % 150)));
    for (const o of ops) tree.put(o.key, (o as { value: Uint8Array }).value);
    const factory = new IDBFactory();
    const o = { indexedDB: factory, pageCount: 2, targetPageBytes: 16 * 1024 };
    const a = (await DiskStore.open('js', o)).disk;
    const w = (await DiskStore.open('wasm', o)).disk;
    await a.append(ops);
    await w.append(ops);
    const entries = (): Array<[Uint8Array, Uint8Array]> => [...tree.range({})];
    const ra = await a.checkpoint(entries);
    const rw = await w.checkpoint(() => engineSnapshot(engine, [tree], 5000)); // pages encoded a few at a time
    expect(rw).toMatchObject({ ...ra, healedPages: [] });
    expect(rw.repartitioned).toBe(true);
    expect(await pagesOf(factory, 'wasm')).toEqual(await pagesOf(factory, 'js'));

    // A write the caller forgot to append: the next checkpoint heals its page, as with entries.
    tree.put(te.encode('zz-missed'), te.encode('x'));
    const live = engine.stats().liveBytes;
    const ha = await a.checkpoint(entries);
    const hw = await w.checkpoint(() => engineSnapshot(engine, [tree]));
    expect(engine.stats().liveBytes).toBe(live); // every builder freed
    expect(hw.healedPages).toEqual(ha.healedPages);
    expect(hw.healedPages.length).toBe(1);
    expect(await pagesOf(factory, 'wasm')).toEqual(await pagesOf(factory, 'js'));
    await a.close();
    await w.close();

    const back = await DiskStore.open('wasm', o);
    const got = new Map(back.entries.map(([k, v]) => [td.decode(k), td.decode(v)]));
    expect(got).toEqual(new Map(entries().map(([k, v]) => [td.decode(k), td.decode(v)])));
    await back.disk.close();
  });

  it('commitByCheckpoint through an engine snapshot is durable and recovers; a snapshot that throws falls back to the WAL', async () => {
    const engine = await loadEngine();
    const tree = Tree.create(engine);
    const factory = new IDBFactory();
    const { disk } = await DiskStore.open('cbc', { indexedDB: factory });
    const ops: WalOp[] = [];
    for (let i = 0; i < 500; i++) ops.push(put(`k${i}`, `value ${i}`));
    for (const o of ops) tree.put(o.key, (o as { value: Uint8Array }).value);
    const liveBefore = engine.stats().liveBytes;
    expect(await disk.commitByCheckpoint(() => ops, () => engineSnapshot(engine, [tree]))).toBeNull();
    expect(engine.stats().liveBytes).toBe(liveBefore);
    const more = [put('k1', 'changed')];
    tree.put(more[0]!.key, te.encode('changed'));
    const err = await disk.commitByCheckpoint(() => more, () => {
      throw new Error('boom');
    });
    expect(err?.code).toBe('INTERNAL');
    await disk.close();
    const back = await DiskStore.open('cbc', { indexedDB: factory });
    expect(back.report.walRecordsReplayed).toBe(1);
    expect(back.entries.length).toBe(500);
    expect(new Map(back.entries.map(([k, v]) => [td.decode(k), td.decode(v)])).get('k1')).toBe('changed');
    await back.disk.close();
  });
});
