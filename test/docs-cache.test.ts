/**
 * The document cache (src/views/docs/doc-cache.ts) and the index scan's inline component skip
 * change no answer:
 * - DocCache finds exactly the _ids added to it (short ones compared as words, long ones as
 *   bytes, at any offset in a larger buffer), checked against a Map;
 * - skipComponents lands where skipKeyComponents does, in both directions;
 * - queries served from the cache (index scans with and without a limit, _id lookups) give what
 *   a plain filter over a model gives, across inserts, updates, deletes and rolled-back writes;
 * - results are never shared: two calls give distinct result objects;
 * - the cache stays within its byte budget and answers stay right past it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, Encoded } from '../src/codec/value.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { encodeCompound, skipKeyComponents, type Direction } from '../src/keys/encode.js';
import { Keyspace, WRITTEN_MAX } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { docCacheBytes, docCacheFor, MAX_BYTES } from '../src/views/docs/doc-cache.js';
import { docsView } from '../src/views/docs/index.js';
import { skipComponents } from '../src/views/docs/scan.js';
import type { ViewContext } from '../src/views/view.js';
import { m } from './fixtures/docs-view.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});


/** A keyspace for the document view, and one call of it in a batch of its own (as the worker runs it). */
function docsStore(): { ks: Keyspace; call: <T>(method: string, ...args: unknown[]) => T; batch: (f: (ctx: ViewContext) => void) => void } {
  const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
  const ctxOf = (batch: WriteBatch): ViewContext => ({ ks, batch, now: Date.now(), emit: () => {} });
  return {
    ks,
    call: <T>(method: string, ...args: unknown[]): T => m[method](ctxOf(new WriteBatch(ks)), ...args) as T,
    /** Runs `f` in a batch and rolls the batch back afterwards. */
    batch: (f) => {
      const b = new WriteBatch(ks);
      f(ctxOf(b));
      b.rollback();
    },
  };
}

const decodeAll = (r: unknown[]): Array<Record<string, unknown>> => r.map((x) => (x instanceof Encoded ? decodeValue(x.bytes) : x) as Record<string, unknown>);
const byId = (a: Array<Record<string, unknown>>): Array<Record<string, unknown>> => [...a].sort((x, y) => (String(x._id) < String(y._id) ? -1 : String(x._id) > String(y._id) ? 1 : 0));

describe('DocCache', () => {
  it('finds exactly the _ids added, at any offset', () => {
    // Ids share prefixes and suffixes often, and span the short (word) and long (byte) paths.
    const idBytes = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.tuple(fc.constantFrom(1, 3, 4, 5, 8, 11, 12, 13, 16, 17, 30), fc.nat(7)).map(([n, k]) => new Uint8Array(n).fill(0x61).map((b, i) => (i === n - 1 || i === 0 ? b + k : b))),
    );
    fc.assert(
      fc.property(fc.array(idBytes, { maxLength: 400 }), fc.array(idBytes, { maxLength: 50 }), fc.nat(9), (added, probes, pad) => {
        const { ks } = docsStore();
        try {
          const prefix = new Uint8Array([0x44, 0x28, 0x63, 0, 0]);
          const cache = docCacheFor(ks, prefix);
          const model = new Map<string, number>();
          const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
          for (const id of added) {
            if (model.has(hex(id))) continue;
            const key = new Uint8Array(prefix.length + id.length);
            key.set(prefix);
            key.set(id, prefix.length);
            model.set(hex(id), cache.size);
            cache.add(key, new Uint8Array([model.size]));
          }
          for (const id of [...added, ...probes]) {
            const buf = new Uint8Array(id.length + 2 * pad).fill(0x61);
            buf.set(id, pad);
            const e = cache.find(buf, pad, pad + id.length);
            const want = model.get(hex(id));
            expect(e).toBe(want ?? -1);
            if (want !== undefined) expect(hex(cache.key(e).subarray(prefix.length))).toBe(hex(id));
          }
        } finally {
          ks.free();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('skipComponents', () => {
  const value = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.constantFrom('', '\u0000', 'a\u0000b', '\u0000\u0000', 'ÿ', 'x'.repeat(40)),
    fc.boolean(),
    fc.constant(null),
    fc.date({ noInvalidDate: true }),
    fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
    fc.record({ a: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }),
    fc.uint8Array({ maxLength: 5 }),
  );
  it('lands where skipKeyComponents does, in both directions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, fc.constantFrom<Direction>(1, -1)), { minLength: 1, maxLength: 4 }), fc.string(), fc.nat(5), (comps, id, pad) => {
        const dirs = comps.map(([, d]) => d);
        const key = encodeCompound([...comps.map(([v]) => v), id], [...dirs, 1]);
        const buf = new Uint8Array(key.length + pad + 3).fill(0);
        buf.set(key, pad);
        const end = pad + key.length;
        expect(skipComponents(buf, pad, dirs, end)).toBe(skipKeyComponents(buf, pad, dirs, end));
      }),
      { numRuns: 500 },
    );
  });
});

describe('queries through the cache', () => {
  it('agree with a model across writes and rolled-back writes', () => {
    const { ks, call, batch } = docsStore();
    try {
      const model = new Map<string, { _id: string; a: number; b: string; pad: string }>();
      const put = (i: number, a: number): void => {
        const d = { _id: `k${i}`, a, b: i % 2 ? 'x' : 'y', pad: 'p'.repeat(i % 7) };
        model.set(d._id, d);
      };
      call('createIndex', 'c', { b: 1, a: 1 });
      const initial: unknown[] = [];
      for (let i = 0; i < 300; i++) {
        put(i, i % 50);
        initial.push(model.get(`k${i}`));
      }
      call('insertMany', 'c', initial);
      const queries: Array<{ filter: Record<string, unknown>; opts?: Record<string, unknown>; want: () => Array<Record<string, unknown>> }> = [
        // An exact index scan (documents not re-tested), a re-tested one, one with a limit (the
        // range iterator path), and _id lookups (IDHACK), each repeated so the cache serves it.
        { filter: { b: 'x', a: { $gte: 10, $lte: 30 } }, want: () => [...model.values()].filter((d) => d.b === 'x' && d.a >= 10 && d.a <= 30) },
        { filter: { b: 'y', a: { $lt: 20 }, pad: { $ne: '' } }, want: () => [...model.values()].filter((d) => d.b === 'y' && d.a < 20 && d.pad !== '') },
        { filter: { b: 'x' }, opts: { sort: { a: 1, _id: 1 }, limit: 500 }, want: () => [...model.values()].filter((d) => d.b === 'x') },
        { filter: { _id: { $in: ['k1', 'k2', 'k299', 'k300', 'nope'] } }, want: () => [...model.values()].filter((d) => ['k1', 'k2', 'k299', 'k300'].includes(d._id)) },
      ];
      const check = (): void => {
        for (const q of queries) {
          // Repeated reads: served from the cache, refreshed from the write log after each write.
          for (let rep = 0; rep < 3; rep++) {
            const got = decodeAll(call<unknown[]>('find', 'c', q.filter, q.opts));
            expect(byId(got)).toEqual(byId(q.want()));
          }
        }
        expect(docCacheBytes(ks)).toBeGreaterThan(0);
      };
      check();
      // Writes of every kind, each followed by the repeated queries.
      call('updateMany', 'c', { b: 'x', a: { $lt: 15 } }, { $inc: { a: 1 } });
      for (const d of model.values()) if (d.b === 'x' && d.a < 15) d.a++;
      check();
      call('insertOne', 'c', { _id: 'k300', a: 20, b: 'x', pad: 'new' });
      model.set('k300', { _id: 'k300', a: 20, b: 'x', pad: 'new' });
      check();
      call('deleteMany', 'c', { a: 20 });
      for (const [k, d] of model) if (d.a === 20) model.delete(k);
      check();
      call('replaceOne', 'c', { _id: 'k1' }, { a: 12, b: 'x', pad: 'r' });
      model.set('k1', { _id: 'k1', a: 12, b: 'x', pad: 'r' });
      check();
      // A write that is rolled back (a failed call or an aborted transaction) leaves no trace.
      batch((ctx) => {
        m.updateMany(ctx, 'c', {}, { $set: { a: 11 } });
        m.deleteOne(ctx, 'c', { _id: 'k2' });
        // Read inside the batch: the cache must follow the uncommitted writes too.
        const inside = decodeAll(m.find(ctx, 'c', { b: 'x', a: { $gte: 11, $lte: 11 } }) as unknown[]);
        expect(inside.length).toBe([...model.values()].filter((d) => d.b === 'x' && d._id !== 'k2').length);
      });
      check();
    } finally {
      ks.free();
    }
  });

  it('stay right when the cache is refreshed from the write log of the keyspace instead of emptied', () => {
    // Random small writes of every kind between reads, so cached documents are refreshed or
    // dropped one by one (Keyspace.takeWritten); now and then a write too big for the log
    // (WRITTEN_MAX), after which the caches start over. Every read is checked against a model.
    type D = { _id: number; a: number; b: string; u?: number };
    const op = fc.oneof(
      fc.record({ k: fc.constant('insert' as const), id: fc.integer({ min: 0, max: 60 }), a: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ k: fc.constant('update' as const), id: fc.integer({ min: 0, max: 60 }), a: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ k: fc.constant('replace' as const), id: fc.integer({ min: 0, max: 60 }), a: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ k: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ k: fc.constant('dupe' as const), id: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ k: fc.constant('rollback' as const), a: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ k: fc.constant('other' as const), id: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ k: fc.constant('bulk' as const) }),
      fc.record({ k: fc.constant('read' as const), a: fc.integer({ min: 0, max: 9 }), ids: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const { ks, call, batch } = docsStore();
        try {
          const model = new Map<number, D>();
          call('createIndex', 'c', { a: 1 });
          call('createIndex', 'c', { u: 1 }, { unique: true, sparse: true });
          call('createIndex', 'o', { a: 1 });
          const seed: D[] = Array.from({ length: 40 }, (_, i) => ({ _id: i, a: i % 10, b: 's' + i }));
          call('insertMany', 'c', seed);
          call('insertMany', 'o', seed.map((d) => ({ ...d, b: 'other' })));
          for (const d of seed) model.set(d._id, { ...d });
          let bulkN = 1000;
          const read = (a: number, ids: number[]): void => {
            for (let rep = 0; rep < 2; rep++) {
              const byA = decodeAll(call<unknown[]>('find', 'c', { a: { $gte: a, $lte: a + 2 } }));
              expect(byId(byA)).toEqual(byId([...model.values()].filter((d) => d.a >= a && d.a <= a + 2)));
              const got = decodeAll(call<unknown[]>('find', 'c', { _id: { $in: ids } }));
              expect(byId(got)).toEqual(byId(ids.filter((i, j) => ids.indexOf(i) === j && model.has(i)).map((i) => model.get(i)!)));
            }
          };
          read(0, [0, 1, 2]);
          for (const o of ops) {
            if (o.k === 'insert') {
              if (model.has(o.id)) continue;
              call('insertOne', 'c', { _id: o.id, a: o.a, b: 'i' });
              model.set(o.id, { _id: o.id, a: o.a, b: 'i' });
            } else if (o.k === 'update') {
              call('updateOne', 'c', { _id: o.id }, { $set: { a: o.a } });
              const d = model.get(o.id);
              if (d) d.a = o.a;
            } else if (o.k === 'replace') {
              call('replaceOne', 'c', { _id: o.id }, { a: o.a, b: 'r' });
              if (model.has(o.id)) model.set(o.id, { _id: o.id, a: o.a, b: 'r' });
            } else if (o.k === 'delete') {
              call('deleteOne', 'c', { _id: o.id });
              model.delete(o.id);
            } else if (o.k === 'dupe') {
              // A unique-index violation part way through: the call fails and is undone whole.
              if (!model.has(o.id) || !model.has((o.id + 1) % 61)) continue;
              // As the worker runs a call: its batch is rolled back when it throws.
              const b = new WriteBatch(ks);
              expect(() => {
                try {
                  m.updateMany({ ks, batch: b, now: Date.now(), emit: () => {} }, 'c', { _id: { $in: [o.id, (o.id + 1) % 61] } }, { $set: { u: 7 } });
                } catch (e) {
                  b.rollback();
                  throw e;
                }
              }).toThrow(/duplicate key/i);
              const undone = decodeAll(call<unknown[]>('find', 'c', { u: 7 }));
              expect(undone.length).toBe(0);
            } else if (o.k === 'rollback') {
              batch((ctx) => {
                m.updateMany(ctx, 'c', {}, { $set: { a: o.a } });
                m.deleteOne(ctx, 'c', { _id: 3 });
                const inside = decodeAll(m.find(ctx, 'c', { a: { $gte: o.a, $lte: o.a } }) as unknown[]);
                expect(inside.length).toBe([...model.keys()].filter((k) => k !== 3).length);
              });
            } else if (o.k === 'other') {
              call('updateOne', 'o', { _id: o.id }, { $set: { a: 99 } });
            } else if (o.k === 'bulk') {
              // More documents than the write log holds: the caches start over.
              const docs = Array.from({ length: WRITTEN_MAX + 10 }, (_, i) => ({ _id: bulkN + i, a: 100, b: 'bulk' }));
              call('insertMany', 'c', docs);
              call('deleteMany', 'c', { a: 100 });
              bulkN += WRITTEN_MAX + 10;
            } else read(o.a, o.ids);
          }
          read(0, [...model.keys()].slice(0, 10));
        } finally {
          ks.free();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stay right after a write of more documents than the write log holds', () => {
    const { ks, call } = docsStore();
    try {
      const n = WRITTEN_MAX + 100;
      call('createIndex', 'c', { a: 1 });
      call('insertMany', 'c', Array.from({ length: n }, (_, i) => ({ _id: i, a: 1 })));
      // Filled and served: every document is cached.
      for (let rep = 0; rep < 2; rep++) expect(decodeAll(call<unknown[]>('find', 'c', { a: { $gte: 0 } })).length).toBe(n);
      // The last documents written are past the log's room: the caches must start over.
      call('updateMany', 'c', {}, { $set: { a: 2 } });
      for (let rep = 0; rep < 2; rep++) expect(decodeAll(call<unknown[]>('find', 'c', { a: { $gte: 0 } })).every((d) => d.a === 2)).toBe(true);
      call('deleteMany', 'c', { _id: { $gte: 100 } });
      for (let rep = 0; rep < 2; rep++) expect(decodeAll(call<unknown[]>('find', 'c', { a: { $gte: 0 } })).length).toBe(100);
    } finally {
      ks.free();
    }
  });

  it('hands out distinct result objects on every call', () => {
    const { ks, call } = docsStore();
    try {
      call('createIndex', 'c', { a: 1 });
      call('insertMany', 'c', Array.from({ length: 50 }, (_, i) => ({ _id: i, a: i % 5, n: { x: i } })));
      const f = { a: { $gte: 1, $lte: 2 } };
      // The second call fills the cache, the third is served from it.
      const rs = [0, 1, 2].map(() => call<unknown[]>('find', 'c', f));
      expect(rs[0].length).toBe(20);
      for (const [x, y] of [[0, 1], [1, 2], [0, 2]] as const) {
        expect(rs[x]).not.toBe(rs[y]);
        for (let i = 0; i < rs[x].length; i++) expect(rs[x][i]).not.toBe(rs[y][i]);
        expect(decodeAll(rs[x])).toEqual(decodeAll(rs[y]));
      }
      // Decoded documents (a projection, an aggregation) are new on every call: changing one
      // changes no later answer.
      call('find', 'c', f, { projection: { n: 1 } });
      const p1 = call<Array<Record<string, { x: number }>>>('find', 'c', f, { projection: { n: 1 } });
      p1[0].n.x = -1;
      const p2 = call<Array<Record<string, { x: number }>>>('find', 'c', f, { projection: { n: 1 } });
      expect(p2[0].n.x).not.toBe(-1);
      const a1 = call<Array<Record<string, unknown>>>('aggregate', 'c', [{ $match: f }]);
      a1[0].a = 'changed';
      expect(call<Array<Record<string, unknown>>>('aggregate', 'c', [{ $match: f }])[0].a).not.toBe('changed');
    } finally {
      ks.free();
    }
  });

  it('stays within its byte budget, and answers stay right past it', () => {
    const { ks, call } = docsStore();
    try {
      call('createIndex', 'c', { a: 1 });
      // More document bytes than the budget: the cache stops filling, the query still reads all.
      const big = 'z'.repeat(1 << 20);
      const n = Math.ceil(MAX_BYTES / (1 << 20)) + 6;
      for (let i = 0; i < n; i++) call('insertOne', 'c', { _id: i, a: i, s: big });
      for (let rep = 0; rep < 3; rep++) {
        const got = decodeAll(call<unknown[]>('find', 'c', { a: { $gte: 0 } }));
        expect(got.map((d) => d._id)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(got.every((d) => d.s === big)).toBe(true);
        // The first read after the writes fills nothing (DocCache.filling); the second fills it.
        if (rep === 0) expect(docCacheBytes(ks)).toBe(0);
        else expect(docCacheBytes(ks)).toBeGreaterThan(MAX_BYTES / 2);
        expect(docCacheBytes(ks)).toBeLessThanOrEqual(MAX_BYTES);
      }
    } finally {
      ks.free();
    }
  });

  it('keeps collections apart', () => {
    const { ks, call } = docsStore();
    try {
      for (const c of ['c', 'c2']) {
        call('createIndex', c, { a: 1 });
        call('insertMany', c, [{ _id: 1, a: 1, from: c }, { _id: 2, a: 1, from: c }]);
      }
      for (let rep = 0; rep < 3; rep++) {
        for (const c of ['c', 'c2']) {
          expect(decodeAll(call<unknown[]>('find', c, { a: 1 })).map((d) => d.from)).toEqual([c, c]);
          expect(decodeAll(call<unknown[]>('find', c, { _id: { $in: [1, 2] } })).map((d) => d.from)).toEqual([c, c]);
        }
      }
    } finally {
      ks.free();
    }
  });
});
