/**
 * insertMany skips looking up its _ids when they are ascending and the first sorts after the
 * collection's last stored _id (Writer.afterStored): then none can be stored. Whatever the
 * stored and new _ids (equal to the last, just below or above it, interleaved, out of order,
 * repeated within the call, of other types, next to other collections whose _ids are larger),
 * both insertMany paths (from the message bytes and from objects) report exactly the duplicates
 * and store exactly the documents that inserting them one at a time with insertOne does.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, Encoded, encodeValue } from '../src/codec/value.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { compareBytes, encodeKey } from '../src/keys/encode.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { docsView } from '../src/views/docs/index.js';
import { DECLINED, type ViewContext } from '../src/views/view.js';
import { m, packed, insertOneByOne } from './fixtures/docs-view.js';
import { withInsertedIds } from '../src/client/collection.js';


let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

/** Runs `f` in its own batch (rolled back when it throws). */
function call(ks: Keyspace, f: (ctx: ViewContext) => unknown): unknown {
  const batch = new WriteBatch(ks);
  try {
    return f({ ks, batch, now: 0, emit: () => {} });
  } catch (e) {
    batch.rollback();
    throw e;
  }
}

function dump(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k, v] of ks.range({})) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

/** The reference: insertOne per document, a duplicate a write error (ordered stops there). */
function oneByOne(ks: Keyspace, docs: Array<Record<string, unknown>>, ordered: boolean): unknown {
  return insertOneByOne(docs, ordered, (d) => call(ks, (ctx) => m.insertOne(ctx, 'c', { ...(d as Record<string, unknown>) })) as { insertedId: unknown });
}

// Few distinct _ids, so new ones often equal the last stored one or fall next to it.
const id = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('a', 'b', 2.5, null) });
/** `ids` in key order (the order of the collection's 'D' keys). */
const order = (ids: unknown[]): unknown[] => ids.map((v) => ({ v, k: encodeKey(v) })).sort((a, b) => compareBytes(a.k, b.k)).map((x) => x.v);

describe('insertMany of _ids after the stored ones', () => {
  it('reports and stores what insertOne one at a time does', () => {
    let ascending = 0;
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 6 }),
        fc.array(id, { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (stored, fresh, sorted, ordered, neighbours) => {
          // Mostly in order (the case the lookup is skipped in), sometimes not.
          const ids = sorted ? order(fresh) : fresh;
          if (sorted) ascending++;
          const docs = ids.map((v, i) => ({ _id: v, n: i }));
          const got: unknown[] = [];
          const dumps: string[][] = [];
          for (let s = 0; s < 3; s++) {
            const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
            call(ks, (ctx) => m.createIndex(ctx, 'c', { n: 1 }));
            // Collections whose keys sort just before and after this one's, with larger _ids.
            if (neighbours) for (const other of ['b', 'cc', 'c\u0001']) call(ks, (ctx) => m.insertOne(ctx, other, { _id: 99 }));
            call(ks, (ctx) => m.insertMany(ctx, 'c', stored.map((v) => ({ _id: v, n: -1 })), { ordered: false }));
            if (s === 0) got.push(oneByOne(ks, docs, ordered));
            else if (s === 1) got.push(call(ks, (ctx) => m.insertMany(ctx, 'c', docs.map((d) => ({ ...d })), { ordered })));
            else {
              got.push(
                call(ks, (ctx) => {
                  const out = packed(ctx, encodeValue(['c', docs, { ordered }]));
                  expect(out).not.toBe(DECLINED);
                  const res = out instanceof Encoded ? decodeValue(out.bytes) : out;
                  return withInsertedIds(res as Record<string, unknown>, docs, ordered);
                }),
              );
            }
            dumps.push(dump(ks));
            ks.free();
          }
          const norm = (x: unknown) => JSON.stringify(encodeValue(x));
          expect(norm(got[1])).toBe(norm(got[0]));
          expect(norm(got[2])).toBe(norm(got[0]));
          expect(dumps[1]).toEqual(dumps[0]);
          expect(dumps[2]).toEqual(dumps[0]);
        },
      ),
      { numRuns: 300 },
    );
    expect(ascending).toBeGreaterThan(100);
  });

  it('reports a new _id equal to the last stored one', () => {
    for (const [stored, fresh] of [[[1, 5], [5, 6]], [['a'], ['a', 'b']], [[1, 'a'], ['a']], [[3], [3]]] as Array<[unknown[], unknown[]]>) {
      const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
      call(ks, (ctx) => m.insertMany(ctx, 'c', stored.map((v) => ({ _id: v }))));
      const res = decodeValue((call(ks, (ctx) => packed(ctx, encodeValue(['c', fresh.map((v) => ({ _id: v })), { ordered: false }]))) as Encoded).bytes) as Record<string, unknown>;
      expect(res.insertedCount).toBe(fresh.length - 1);
      expect((res.writeErrors as Array<{ index: number }>).map((e) => e.index)).toEqual([0]);
      ks.free();
    }
  });
});
