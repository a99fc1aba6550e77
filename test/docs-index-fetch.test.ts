/**
 * An index scan that reads its documents from the keyspace (src/views/docs/scan.ts: one record
 * list of their 'D' keys, one engine call, the values walked in order) answers exactly as a plain
 * filter over a model does, in index order:
 * - with none of the documents cached (the first read after a bulk write), with all of them, and
 *   with some (a wider range after a narrower one filled the cache);
 * - through a multikey index, each document once;
 * - an update or a delete whose own query reads uncached documents this way writes exactly the
 *   documents it matched, under their own keys (the scan makes a Found's key only when asked);
 * - find's answer is the documents' stored bytes, one Encoded each, decoding to the documents;
 * - the documents a filling read adds to the cache are added after its call (DocCache.addLater),
 *   by a timer or at the next read, and a document written in between is never answered from
 *   the bytes read before the write.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, Encoded, encodeValue } from '../src/codec/value.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { docCacheFor } from '../src/views/docs/doc-cache.js';
import { docsView } from '../src/views/docs/index.js';
import { docKey, docPrefix } from '../src/views/docs/keys.js';
import type { ViewContext } from '../src/views/view.js';
import { m } from './fixtures/docs-view.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

type Doc = { _id: string; g: string; a: number; tags: string[]; n: number; hit?: boolean };

function docsStore(): { ks: Keyspace; call: <T>(method: string, ...args: unknown[]) => T } {
  const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
  const ctx = (): ViewContext => ({ ks, batch: new WriteBatch(ks), now: Date.now(), emit: () => {} });
  return { ks, call: <T>(method: string, ...args: unknown[]): T => m[method](ctx(), ...args) as T };
}

/** Deterministic documents: _ids in insertion order, groups and numbers spread out. */
function makeDocs(n: number): Doc[] {
  const groups = ['p', 'q', 'r', 's'];
  const tags = ['x', 'y', 'z', 'w'];
  return Array.from({ length: n }, (_, i) => ({
    _id: 'k' + String((i * 7919) % n).padStart(5, '0'),
    g: groups[(i * 31) % 4]!,
    a: (i * 13) % 50,
    tags: [tags[i % 4]!, tags[(i >> 2) % 4]!],
    n: i,
  }));
}

const decodeAll = (r: unknown[]): Doc[] => r.map((x) => {
  expect(x).toBeInstanceOf(Encoded);
  return decodeValue((x as Encoded).bytes) as Doc;
});
/** The compound index's order: g, then a, then _id (strings compare as the key encoding does for these ASCII ids). */
const indexOrder = (x: Doc, y: Doc): number => (x.g < y.g ? -1 : x.g > y.g ? 1 : x.a - y.a || (x._id < y._id ? -1 : x._id > y._id ? 1 : 0));
const byId = (x: Doc, y: Doc): number => (x._id < y._id ? -1 : x._id > y._id ? 1 : 0);

describe('index scans reading documents from the keyspace', () => {
  it('answer in index order with none, all or some of the documents cached', () => {
    const { ks, call } = docsStore();
    call('createIndex', 'c', { g: 1, a: 1 });
    const model = makeDocs(900);
    call('insertMany', 'c', model);
    const cache = () => docCacheFor(ks, docPrefix('c'));
    const want = (g: string, lo: number, hi: number): Doc[] => model.filter((d) => d.g === g && d.a >= lo && d.a <= hi).sort(indexOrder);
    const q = (g: string, lo: number, hi: number): Doc[] => decodeAll(call<unknown[]>('find', 'c', { g, a: { $gte: lo, $lte: hi } }));

    // None cached: the first read after the insert.
    expect(q('q', 10, 20)).toEqual(want('q', 10, 20));
    expect(cache().size).toBe(0);
    // The second read of this state fills the cache as it reads.
    expect(q('q', 10, 20)).toEqual(want('q', 10, 20));
    const filled = cache().size;
    expect(filled).toBe(want('q', 10, 20).length);
    // All cached, then a wider range: cached and uncached documents interleaved in index order.
    expect(q('q', 10, 20)).toEqual(want('q', 10, 20));
    expect(q('q', 0, 49)).toEqual(want('q', 0, 49));
    expect(cache().size).toBe(want('q', 0, 49).length);
    expect(q('r', 5, 44)).toEqual(want('r', 5, 44));
  });

  it('return each document once through a multikey index', () => {
    const { call } = docsStore();
    call('createIndex', 'c', { tags: 1 });
    const model = makeDocs(400);
    call('insertMany', 'c', model);
    for (let rep = 0; rep < 3; rep++) {
      const got = decodeAll(call<unknown[]>('find', 'c', { tags: { $in: ['x', 'y'] } }));
      expect(got.sort(byId)).toEqual(model.filter((d) => d.tags.includes('x') || d.tags.includes('y')).sort(byId));
    }
  });

  it('write exactly the matched documents when an update or a delete reads them uncached', () => {
    const { call } = docsStore();
    call('createIndex', 'c', { g: 1, a: 1 });
    const model = makeDocs(700);
    call('insertMany', 'c', model);
    const all = (): Doc[] => decodeAll(call<unknown[]>('find', 'c', {})).sort(byId);

    const r = call<{ matchedCount: number; modifiedCount: number }>('updateMany', 'c', { g: 's', a: { $gte: 12, $lte: 30 } }, { $set: { hit: true }, $inc: { a: 100 } });
    for (const d of model) if (d.g === 's' && d.a >= 12 && d.a <= 30) Object.assign(d, { hit: true, a: d.a + 100 });
    expect(r.modifiedCount).toBe(model.filter((d) => d.hit).length);
    expect(r.modifiedCount).toBeGreaterThan(0);
    expect(all()).toEqual([...model].sort(byId));
    // The index follows: the moved documents are found at their new a, and no longer at the old.
    expect(decodeAll(call<unknown[]>('find', 'c', { g: 's', a: { $gte: 100 } }))).toEqual(model.filter((d) => d.g === 's' && d.a >= 100).sort(indexOrder));
    expect(decodeAll(call<unknown[]>('find', 'c', { g: 's', a: { $gte: 12, $lte: 30 } }))).toEqual([]);

    const del = call<{ deletedCount: number }>('deleteMany', 'c', { g: 'p', a: { $lte: 9 } });
    const left = model.filter((d) => !(d.g === 'p' && d.a <= 9));
    expect(del.deletedCount).toBe(model.length - left.length);
    expect(del.deletedCount).toBeGreaterThan(0);
    expect(all()).toEqual(left.sort(byId));
    expect(call<number>('countDocuments', 'c', {})).toBe(left.length);
  });
});

describe('filling the document cache after the call', () => {
  it('adds the documents read once the call is over, and never bytes written over since', async () => {
    const { ks, call } = docsStore();
    call('createIndex', 'c', { g: 1, a: 1 });
    const model = makeDocs(300);
    call('insertMany', 'c', model);
    const f = { g: 'q', a: { $gte: 0, $lte: 49 } };
    const want = (): Doc[] => model.filter((d) => d.g === 'q').sort(indexOrder);
    expect(decodeAll(call<unknown[]>('find', 'c', f))).toEqual(want());
    // Any later read of this state fills the cache (this look at it included): after its call, by a timer.
    const cache = docCacheFor(ks, docPrefix('c'));
    expect(cache.size).toBe(0);
    expect(decodeAll(call<unknown[]>('find', 'c', f))).toEqual(want());
    expect(cache.size).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(cache.size).toBe(want().length);

    // Read (filling), then write some of those documents before the cache takes them: straight
    // through the keyspace, so no read of the cache comes between (an unindexed field changes).
    // The next read comes after the timer, or before it.
    for (const [group, wait] of [['r', true], ['s', false], ['p', false]] as const) {
      const g = { g: group, a: { $gte: 0, $lte: 49 } };
      const wantG = (): Doc[] => model.filter((d) => d.g === group).sort(indexOrder);
      expect(decodeAll(call<unknown[]>('find', 'c', g))).toEqual(wantG());
      const b = new WriteBatch(ks);
      for (const d of wantG().slice(0, 5)) {
        d.n += 1000;
        b.put(docKey('c', d._id), encodeValue(d));
      }
      if (wait) await new Promise((r) => setTimeout(r, 5));
      expect(decodeAll(call<unknown[]>('find', 'c', g))).toEqual(wantG());
      expect(decodeAll(call<unknown[]>('find', 'c', g))).toEqual(wantG());
      await new Promise((r) => setTimeout(r, 5));
      expect(decodeAll(call<unknown[]>('find', 'c', g))).toEqual(wantG());
    }
  });
});
