/**
 * insertMany's bulk paths (Writer.insertMany's record lists, and packed.ts reading documents
 * straight from the message bytes) change nothing observable: for random batches with duplicate
 * _ids (stored before, or earlier in the same call), unique, sparse, partial, compound and
 * multikey indexes, ordered and unordered, the result, the stored keyspace (documents, index
 * entries, catalog flags) and the change events are those of inserting the documents one at a
 * time with insertOne. Input the packed path does not take is DECLINED and reported as before.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, Encoded, encodeValue } from '../src/codec/value.js';
import { ObjectId } from '../src/codec/object-id.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { isLarderError } from '../src/errors.js';
import { docsView } from '../src/views/docs/index.js';
import { DECLINED, type ViewContext } from '../src/views/view.js';
import { m, packed, insertOneByOne } from './fixtures/docs-view.js';
import { withInsertedIds } from '../src/client/collection.js';


let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

interface Run {
  ks: Keyspace;
  events: unknown[];
}

function fresh(): Run {
  return { ks: Keyspace.create(engine, [...(docsView.pointTags ?? [])]), events: [] };
}

/** One call in its own batch; a failing call's writes are undone, as the worker does. */
function call(r: Run, f: (ctx: ViewContext) => unknown): unknown {
  const batch = new WriteBatch(r.ks);
  const events: unknown[] = [];
  const ctx: ViewContext = { ks: r.ks, batch, now: 0, emit: (type, data) => void events.push({ type, data }) };
  try {
    const out = f(ctx);
    r.events.push(...events);
    return out;
  } catch (e) {
    batch.rollback();
    throw e;
  }
}

/** A deep copy that keeps ObjectIds and Dates (structuredClone would not keep ObjectIds). */
function copy<T>(v: T): T {
  return decodeValue(encodeValue(v)) as T;
}

function dump(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k, v] of ks.range({})) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

/** Events with their bytes as hex (a view and a copy of the same bytes compare equal). */
function events(r: Run): string {
  return JSON.stringify(r.events, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** insertMany's reference: insertOne per document, a duplicate a write error (ordered stops). */
function oneByOne(r: Run, coll: string, docs: unknown[], ordered: boolean): unknown {
  call(r, (ctx) => m.createIndexes(ctx, coll, [])); // insertMany creates the collection even when empty
  return insertOneByOne(docs, ordered, (d) => call(r, (ctx) => m.insertOne(ctx, coll, copy(d))) as { insertedId: unknown });
}

const idArb = fc.oneof(
  fc.integer({ min: 0, max: 12 }),
  fc.constantFrom('a', 'b', 'c', 'é', 'x'.repeat(70), 'n\u0000ul', '', 1000, -1000, 2 ** 40),
  fc.constantFrom(new ObjectId('0123456789abcdef01234567'), new ObjectId('0123456789abcdef01234568')),
  fc.constantFrom({ k: 1 }, { k: 'z' }, null, 2.5, new Date(5)),
);
const val = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('p', 'q', 'ü', null, 1.5, true, false, '', 'z\u0000', '\u{1F600}', 300, -300, -0, 2 ** 40, -(2 ** 53 - 1), undefined),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
);
const docArb = fc.record(
  { _id: idArb, u: val, a: val, b: fc.record({ c: val }, { requiredKeys: [] }), t: fc.array(val, { maxLength: 2 }), d: fc.date({ min: new Date(0), max: new Date(1e12), noInvalidDate: true }) },
  { requiredKeys: ['_id'] },
);
/** Sometimes `_id` comes last, as the page's generated ids do. */
const placed = fc.tuple(docArb, fc.boolean()).map(([d, last]) => {
  if (!last) return d;
  const { _id, ...rest } = d;
  return { ...rest, _id };
});
const indexSets = fc.constantFrom<Array<Record<string, unknown>>>(
  [],
  [{ key: { u: 1 }, unique: true }],
  [{ key: { a: 1, u: -1 } }, { key: { 'b.c': 1 }, unique: true, sparse: true }],
  [{ key: { t: 1 } }, { key: { u: 1 }, unique: true, partialFilterExpression: { a: { $gt: 0 } } }],
  [{ key: { a: 1, 'b.c': 1 } }, { key: { d: -1 } }],
);

const stats = { packed: 0, declined: 0, dupCalls: 0 };

describe('insertMany bulk paths', () => {
  it('match insertOne one at a time (results, stored entries, events)', () => {
    fc.assert(
      fc.property(fc.array(placed, { maxLength: 6 }), fc.array(placed, { maxLength: 30 }), indexSets, fc.boolean(), (before, docs, specs, ordered) => {
        const runs = [fresh(), fresh(), fresh()];
        const results: unknown[] = [];
        const errors: unknown[] = [];
        for (let s = 0; s < 3; s++) {
          const r = runs[s]!;
          call(r, (ctx) => m.createIndexes(ctx, 'c', specs.map((x, i) => ({ ...x, name: `ix${i}` }))));
          call(r, (ctx) => m.insertMany(ctx, 'c', copy(before), { ordered: false }));
          r.events.length = 0;
          try {
            if (s === 0) results.push(oneByOne(r, 'c', docs, ordered));
            else if (s === 1) results.push(call(r, (ctx) => m.insertMany(ctx, 'c', copy(docs), { ordered })));
            else {
              const res = call(r, (ctx) => {
                const out = packed(ctx, encodeValue(['c', docs, { ordered }]));
                stats[out === DECLINED ? 'declined' : 'packed']++;
                if (out === DECLINED) return m.insertMany(ctx, 'c', copy(docs), { ordered });
                // The page adds the insertedIds the packed result leaves out, from its own documents.
                const res = out instanceof Encoded ? decodeValue(out.bytes) : out;
                return withInsertedIds(res as Record<string, unknown>, docs, ordered);
              });
              results.push(res);
            }
            errors.push(undefined);
          } catch (e) {
            results.push(undefined);
            errors.push(isLarderError(e) ? `${e.code} ${e.message}` : String(e));
          }
        }
        if ((results[0] as { writeErrors?: unknown[] } | undefined)?.writeErrors) stats.dupCalls++;
        const norm = (x: unknown) => JSON.stringify(encodeValue(x ?? null));
        expect(norm(results[1])).toBe(norm(results[0]));
        expect(norm(results[2])).toBe(norm(results[0]));
        expect(errors[1]).toBe(errors[0]);
        expect(errors[2]).toBe(errors[0]);
        const d0 = dump(runs[0]!.ks);
        expect(dump(runs[1]!.ks)).toEqual(d0);
        expect(dump(runs[2]!.ks)).toEqual(d0);
        if (errors[0] === undefined) {
          expect(events(runs[1]!)).toBe(events(runs[0]!));
          expect(events(runs[2]!)).toBe(events(runs[0]!));
        }
        for (const r of runs) r.ks.free();
      }),
      { numRuns: 150 },
    );
    // The property covers both paths and duplicate keys, not only the easy case.
    expect(stats.packed).toBeGreaterThan(20);
    expect(stats.dupCalls).toBeGreaterThan(20);
  });

  it('reports a key over the engine limit as before (the per-entry path)', () => {
    for (const big of [{ _id: 'k'.repeat(70_000) }, { _id: 1, u: 'k'.repeat(70_000) }]) {
      const docs = [{ _id: 0 }, big];
      const got: string[] = [];
      for (let s = 0; s < 3; s++) {
        const r = fresh();
        call(r, (ctx) => m.createIndex(ctx, 'c', { u: 1 }));
        try {
          if (s === 0) oneByOne(r, 'c', docs, true);
          else if (s === 1) call(r, (ctx) => m.insertMany(ctx, 'c', copy(docs)));
          else call(r, (ctx) => packed(ctx, encodeValue(['c', docs])));
          got.push('ok');
        } catch (e) {
          got.push(isLarderError(e) ? `${e.code} ${e.message}` : String(e));
        }
        r.ks.free();
      }
      expect(got[0]).toMatch(/^TOO_LARGE/);
      expect(got[1]).toBe(got[0]);
      expect(got[2]).toBe(got[0]);
    }
  });

  it('takes the page encoding of ordinary documents from the message bytes', () => {
    const r = fresh();
    const docs = [{ _id: 'a', n: 1, s: 'héllo', arr: [1, , 3], o: { x: new Date(7), y: new Uint8Array([1, 2]) } }, { v: -200, f: 0.25, _id: new ObjectId('0123456789abcdef01234567') }];
    const out = call(r, (ctx) => packed(ctx, encodeValue(['c', docs])));
    expect(out).not.toBe(DECLINED);
    // The result comes encoded, without the insertedIds the page has (it adds them).
    expect(out).toBeInstanceOf(Encoded);
    const res = decodeValue((out as Encoded).bytes) as Record<string, unknown>;
    expect(res).toEqual({ acknowledged: true, insertedCount: 2 });
    expect(withInsertedIds(res, docs, true)).toEqual({ acknowledged: true, insertedCount: 2, insertedIds: { 0: 'a', 1: docs[1]!._id } });
    // Stored exactly as the ordinary path stores them: _id first, in _id order (strings < ObjectIds).
    const stored = call(r, (ctx) => m.find(ctx, 'c', {})) as Array<{ bytes: Uint8Array }>;
    const want = [docs[0], { _id: docs[1]!._id, v: -200, f: 0.25 }].map((d) => Buffer.from(encodeValue(d)).toString('hex'));
    expect(stored.map((x) => Buffer.from(x.bytes).toString('hex'))).toEqual(want);
    r.ks.free();
  });

  it('declines what it does not take, and the ordinary method reports it', () => {
    const T_UINT = 0x04;
    const cases: Array<[string, Uint8Array]> = [
      ['a $ field', encodeValue(['c', [{ _id: 1, $x: 1 }]])],
      ['a nested $ field', encodeValue(['c', [{ _id: 1, a: [{ $x: 1 }] }]])],
      ['no _id', encodeValue(['c', [{ a: 1 }]])],
      ['an array _id', encodeValue(['c', [{ _id: [1] }]])],
      ['not an object', encodeValue(['c', [5]])],
      ['a bad collection name', encodeValue(['c$', [{ _id: 1 }]])],
      ['other options', encodeValue(['c', [{ _id: 1 }], { ordered: true, x: 1 }])],
      ['not an array', encodeValue(['c', { _id: 1 }])],
    ];
    // A small integer in the long form: decodes fine, but is not what encodeValue writes.
    const long = encodeValue(['c', [{ _id: 1, a: 200 }]]);
    const i = long.lastIndexOf(T_UINT);
    const nonCanonical = new Uint8Array([...long.subarray(0, i), T_UINT, 0x85, 0x00]);
    expect(decodeValue(nonCanonical)).toEqual(['c', [{ _id: 1, a: 5 }]]);
    cases.push(['a non-canonical integer', nonCanonical]);
    // The same field twice: decodes to one field.
    const dup = encodeValue(['c', [{ _id: 1, ab: 1, ac: 2 }]]);
    dup[dup.length - 2] = 0x62; // 'ac' -> 'ab'
    cases.push(['a repeated field name', dup]);
    for (const [what, bytes] of cases) {
      const r = fresh();
      expect(call(r, (ctx) => packed(ctx, bytes)), what).toBe(DECLINED);
      expect(dump(r.ks), what).toEqual([]);
      r.ks.free();
    }
  });
});
