/**
 * The index keys a packed insertMany builds from the message bytes (PackedSource.oneKey into the
 * writer's builders, KeyBuilder.addNumber and addUtf8) are the keys the ordinary path builds from
 * decoded documents: for documents of top-level scalars of every kind (and now and then an array
 * or an object, which take the decoded path), missing fields, plain, descending, compound, sparse
 * and unique indexes, several at once, the stored entries are the same byte for byte.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../src/codec/value.js';
import { ObjectId } from '../src/codec/object-id.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { KeyBuilder } from '../src/keys/encode.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { isLarderError } from '../src/errors.js';
import { docsView } from '../src/views/docs/index.js';
import { DECLINED, type ViewContext } from '../src/views/view.js';
import { m, packed } from './fixtures/docs-view.js';


let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

function dump(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k, v] of ks.range({})) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

const number = fc.oneof(
  fc.double(),
  fc.integer({ min: -300, max: 300 }),
  fc.constantFrom(0, -0, 127, 128, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 60, NaN, Infinity, -Infinity, 5e-324),
);
const scalar = fc.oneof(
  { weight: 4, arbitrary: number },
  { weight: 3, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', 'ü', 'n\u0000ul', '\u{1F600}', 'z'.repeat(200))) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, undefined, new Date(-5), new ObjectId('0123456789abcdef01234567'), new Uint8Array([0, 255])) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([1, 'a'], [], { x: 1 }) },
);
const docArb = fc.record({ a: scalar, b: scalar, c: scalar }, { requiredKeys: [] });
const indexSets = fc.constantFrom<Array<Record<string, unknown>>>(
  [{ key: { a: 1 } }],
  [{ key: { a: -1, b: 1 } }, { key: { b: -1 } }],
  [{ key: { a: 1, b: -1, c: 1 } }, { key: { c: 1 }, sparse: true }],
  [{ key: { b: 1, a: 1 }, sparse: true }, { key: { c: -1 }, unique: true }],
);

describe('packed insertMany index keys', () => {
  it('KeyBuilder.addNumber appends what add() does', () => {
    fc.assert(
      fc.property(number, fc.constantFrom<1 | -1>(1, -1), (x, dir) => {
        const want = new KeyBuilder(4).byte(7).add(x, dir).finish();
        expect(new KeyBuilder(4).byte(7).addNumber(x, dir).finish()).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('stores the entries the ordinary path stores', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(docArb, { maxLength: 20 }), indexSets, (raw, specs) => {
        const docs = raw.map((d, i) => ({ _id: i, ...d }));
        const got: string[][] = [];
        const errors: unknown[] = [];
        for (let s = 0; s < 2; s++) {
          const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
          const ctx = (): ViewContext => ({ ks, batch: new WriteBatch(ks), now: 0, emit: () => {} });
          m.createIndexes(ctx(), 'c', specs.map((x, i) => ({ ...x, name: `ix${i}` })));
          const c = ctx();
          try {
            if (s === 0) m.insertMany(c, 'c', decodeValue(encodeValue(docs)), { ordered: false });
            else {
              // As the worker: what the packed path declines (NaN, for one) goes the ordinary way.
              if (packed(c, encodeValue(['c', docs, { ordered: false }])) !== DECLINED) taken++;
              else m.insertMany(c, 'c', decodeValue(encodeValue(docs)), { ordered: false });
            }
            errors.push(undefined);
          } catch (e) {
            c.batch.rollback();
            errors.push(isLarderError(e) ? `${e.code} ${e.message}` : String(e));
          }
          got.push(dump(ks));
          ks.free();
        }
        expect(errors[1]).toBe(errors[0]);
        expect(got[1]).toEqual(got[0]);
      }),
      { numRuns: 300 },
    );
    // Most calls were taken, not left to the ordinary path.
    expect(taken).toBeGreaterThan(200);
  });
});
