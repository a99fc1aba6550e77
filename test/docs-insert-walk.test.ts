/**
 * The packed insertMany's message walk (src/views/docs/packed-walk.ts) takes exactly the
 * documents it should. Messages are put together by hand, so they can hold what encodeValue never
 * writes (a field name twice in one object), and their documents mostly share one shape, the case
 * the walk's name comparison with the previous object at the same depth is for, with every kind
 * of departure from it: a name repeated later, a name swapped, dropped or added, a bad name
 * ('$', a leading digit, non-ASCII, 128+ bytes) after names that matched, at the top level and in
 * nested objects and arrays of objects. A message whose documents are all valid must be taken,
 * and store, return and report exactly what the ordinary method does with the decoded documents;
 * any other must be DECLINED with nothing written.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeValue, Encoded, encodeValue } from '../src/codec/value.js';
import { ObjectId } from '../src/codec/object-id.js';
import { putVarint, varintSize } from '../src/codec/varint.js';
import { T_ARRAY, T_OBJECT } from '../src/codec/tags.js';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { isLarderError } from '../src/errors.js';
import { docsView } from '../src/views/docs/index.js';
import { DECLINED, type ViewContext } from '../src/views/view.js';
import { m, packed } from './fixtures/docs-view.js';
import { withInsertedIds } from '../src/client/collection.js';


let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

/** A value as the test builds it: a scalar (encoded by encodeValue, or `{ raw }`: these bytes), an object (its fields in order, names may repeat) or an array. */
type V = { s: unknown } | { o: Fields } | { a: V[] };
type Fields = Array<[string, V]>;

const utf8 = new TextEncoder();

function varint(n: number): Uint8Array {
  const out = new Uint8Array(varintSize(n));
  putVarint(out, 0, n);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The value codec's bytes for `v`, fields in the order given (a repeated name stays repeated). */
function encode(v: V): Uint8Array {
  if ('s' in v) return v.s !== null && typeof v.s === 'object' && 'raw' in v.s ? (v.s.raw as Uint8Array) : encodeValue(v.s);
  if ('a' in v) return concat([Uint8Array.of(T_ARRAY), varint(v.a.length), ...v.a.map(encode)]);
  const parts = [Uint8Array.of(T_OBJECT), varint(v.o.length)];
  for (const [name, x] of v.o) {
    const b = utf8.encode(name);
    parts.push(varint(b.length), b, encode(x));
  }
  return concat(parts);
}

/** A name the walk takes: ASCII, under 128 bytes, not starting with '$' or a digit. */
const goodName = (n: string): boolean => /^[\x00-\x7f]{0,127}$/.test(n) && !/^[$0-9]/.test(n);

/** True when every object in `v` has distinct good names. */
function validValue(v: V): boolean {
  if ('s' in v) return true;
  if ('a' in v) return v.a.every(validValue);
  const names = v.o.map(([n]) => n);
  return new Set(names).size === names.length && names.every(goodName) && v.o.every(([, x]) => validValue(x));
}

/** True when some object in `v` has a name twice. */
function repeats(v: V): boolean {
  if ('s' in v) return false;
  if ('a' in v) return v.a.some(repeats);
  return new Set(v.o.map(([n]) => n)).size < v.o.length || v.o.some(([, x]) => repeats(x));
}

/** True when the walk must take document `d`: valid names throughout, and an `_id` that is neither undefined nor an array. */
function validDoc(d: Fields): boolean {
  const id = d.find(([n]) => n === '_id');
  if (!id || 'a' in id[1] || ('s' in id[1] && id[1].s === undefined)) return false;
  return validValue({ o: d });
}

// Names: mostly a few good ones (so shapes repeat), now and then a bad one.
const good = fc.constantFrom('a', 'b', 'ab', 'ba', 'c', 'tags', '', 'x y');
const bad = fc.constantFrom('$x', '1a', 'é', 'k'.repeat(130));
const name = fc.oneof({ weight: 20, arbitrary: good }, { weight: 1, arbitrary: bad });
const scalar = fc.constantFrom<unknown>(0, 5, 127, 128, 300, -1, -300, 2 ** 40, 1.5, -0, 'p', 'ü', '', 'n\u0000ul', null, true, false, undefined, new Date(7), new ObjectId('0123456789abcdef01234567'), new Uint8Array([1, 2]));
const { value } = fc.letrec<{ value: V; fields: Fields }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar.map((s) => ({ s })) },
    { weight: 1, arbitrary: tie('fields').map((o) => ({ o: o as Fields })) },
    // Arrays of objects of one shape, one of them perhaps different.
    { weight: 1, arbitrary: fc.tuple(tie('fields'), fc.array(fc.tuple(fc.nat(), fc.option(tie('fields'), { freq: 4 })), { maxLength: 4 })).map(([shape, items]) => ({ a: items.map(([, other]) => ({ o: (other ?? shape) as Fields })) })) },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((a) => ({ a: a as V[] })) },
  ),
  // Mostly distinct names; sometimes any (a repeat, likely among so few names).
  fields: fc.oneof(
    { weight: 6, arbitrary: fc.uniqueArray(fc.tuple(name, tie('value')), { maxLength: 4, selector: ([n]) => n }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(name, tie('value')), { maxLength: 4 }) },
  ) as fc.Arbitrary<Fields>,
}));
const idValue = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom('k1', 'k2', 'ü', new ObjectId('0123456789abcdef01234567'))).map((s) => ({ s }) as V) },
  { weight: 1, arbitrary: fc.constantFrom<V>({ o: [['k', { s: 1 }]] }, { o: [['k', { s: 1 }], ['k', { s: 2 }]] }, { s: undefined }, { a: [{ s: 1 }] }) },
);

/**
 * A document from the message's template (names in order, each with a value): as it is (mostly),
 * or with a name repeated, swapped with the next, dropped, replaced by a bad one or by the next
 * one (a repeat), or extra fields;
 * `_id` first, elsewhere, or missing.
 */
const docArb = fc.record({
  kind: fc.nat(17),
  values: fc.array(value, { minLength: 6, maxLength: 6 }),
  extra: fc.array(fc.tuple(name, value), { maxLength: 2 }) as fc.Arbitrary<Fields>,
  at: fc.nat(),
  badName: bad,
  id: idValue,
  idAt: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(6) }, { weight: 1, arbitrary: fc.constant(-1) }),
});

function docOf(template: string[], d: typeof docArb extends fc.Arbitrary<infer T> ? T : never): Fields {
  let f: Fields = template.map((n, i) => [n, d.values[i % d.values.length]!]);
  const at = f.length ? d.at % f.length : 0;
  if (d.kind === 6 && f.length) f.splice(at + 1, 0, [f[at]![0], { s: 9 }]);
  else if (d.kind === 7 && f.length > 1 && at + 1 < f.length) [f[at], f[at + 1]] = [f[at + 1]!, f[at]!];
  else if (d.kind === 8 && f.length) f.splice(at, 1);
  else if (d.kind === 9 && f.length) f[at] = [d.badName, f[at]![1]];
  else if (d.kind === 10) f = [...f, ...d.extra];
  else if (d.kind === 12 && at + 1 < f.length) f[at] = [f[at + 1]![0], f[at]![1]];
  else if (d.kind === 11) f = [...d.extra];
  if (d.idAt >= 0) f.splice(Math.min(d.idAt, f.length), 0, ['_id', d.id]);
  return f;
}

const messageArb = fc.record({
  template: fc.uniqueArray(good, { maxLength: 5 }),
  docs: fc.array(docArb, { maxLength: 12 }),
  ordered: fc.boolean(),
  indexes: fc.constantFrom<Array<Record<string, unknown>>>(
    [],
    [{ key: { a: 1 } }],
    [{ key: { a: 1, ab: -1 } }, { key: { c: 1 }, sparse: true }],
    [{ key: { b: 1 }, unique: true }, { key: { 'ab.k': 1 } }],
  ),
});

/** The message of insertMany('c', docs, { ordered }) as the page would send it, for documents given field by field. */
function message(docs: Fields[], ordered: boolean): Uint8Array {
  return concat([Uint8Array.of(T_ARRAY), varint(3), encodeValue('c'), Uint8Array.of(T_ARRAY), varint(docs.length), ...docs.map((d) => encode({ o: d })), encodeValue({ ordered })]);
}

function dump(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k, v] of ks.range({})) out.push(`${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
  return out;
}

/** A fresh store with the indexes, then `f` in one batch (rolled back if it throws); returns what f returned or threw, the store and the events. */
function run(specs: Array<Record<string, unknown>>, f: (ctx: ViewContext) => unknown): { out: unknown; error?: string; stored: string[]; events: string } {
  const ks = Keyspace.create(engine, [...(docsView.pointTags ?? [])]);
  const setup = new WriteBatch(ks);
  m.createIndexes({ ks, batch: setup, now: 0, emit: () => {} }, 'c', specs.map((s, i) => ({ ...s, name: `ix${i}` })));
  const batch = new WriteBatch(ks);
  const events: unknown[] = [];
  const ctx: ViewContext = { ks, batch, now: 0, emit: (type, data) => void events.push({ type, data }) };
  let out: unknown;
  let error: string | undefined;
  try {
    out = f(ctx);
  } catch (e) {
    batch.rollback();
    error = isLarderError(e) ? `${e.code} ${e.message}` : String(e);
  }
  const stored = dump(ks);
  ks.free();
  return { out, error, stored, events: JSON.stringify(events, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)) };
}

describe('packed insertMany walk', () => {
  it('takes a message exactly when all its documents are valid, and then does what the ordinary method does', () => {
    const seen = { taken: 0, declined: 0, repeatedName: 0 };
    fc.assert(
      fc.property(messageArb, ({ template, docs: raw, ordered, indexes }) => {
        const docs = raw.map((d) => docOf(template, d));
        const bytes = message(docs, ordered);
        const valid = docs.every(validDoc);
        const fast = run(indexes, (ctx) => {
          const out = packed(ctx, bytes.slice());
          if (out === DECLINED) return out;
          const res = out instanceof Encoded ? decodeValue(out.bytes) : out;
          // The page adds the insertedIds the packed result leaves out, from its own documents.
          const [, pageDocs] = decodeValue(bytes) as [string, Array<Record<string, unknown>>];
          return withInsertedIds(res as Record<string, unknown>, pageDocs, ordered);
        });
        if (!valid) {
          seen.declined++;
          if (docs.some((d) => repeats({ o: d }))) seen.repeatedName++;
          expect(fast.error).toBeUndefined();
          expect(fast.out).toBe(DECLINED);
          expect(fast.stored).toEqual(run(indexes, () => null).stored);
          return;
        }
        seen.taken++;
        expect(fast.out).not.toBe(DECLINED);
        const [, decoded] = decodeValue(bytes) as [string, unknown[]];
        const slow = run(indexes, (ctx) => m.insertMany(ctx, 'c', decoded, { ordered }));
        const norm = (x: unknown) => JSON.stringify(encodeValue(x ?? null));
        expect(fast.error).toBe(slow.error);
        expect(norm(fast.out)).toBe(norm(slow.out));
        expect(fast.stored).toEqual(slow.stored);
        expect(fast.events).toBe(slow.events);
      }),
      { numRuns: 500 },
    );
    // Both outcomes, and names repeated after matching ones, are really exercised.
    expect(seen.taken).toBeGreaterThan(100);
    expect(seen.declined).toBeGreaterThan(50);
    expect(seen.repeatedName).toBeGreaterThan(10);
  });

  it('declines a name repeated after names equal to the previous document\'s, at any depth', () => {
    const cases: Array<[string, Fields[]]> = [
      ['top level, later', [[['_id', { s: 1 }], ['a', { s: 1 }], ['b', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['a', { s: 2 }]]]],
      ['top level, after a longer shape', [[['_id', { s: 1 }], ['a', { s: 1 }], ['b', { s: 1 }], ['c', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['b', { s: 1 }], ['c', { s: 1 }], ['b', { s: 1 }]]]],
      ['top level, after a shorter shape', [[['_id', { s: 1 }], ['a', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['a', { s: 1 }]]]],
      ['the _id', [[['_id', { s: 1 }], ['a', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['_id', { s: 3 }]]]],
      ['nested', [[['_id', { s: 1 }], ['o', { o: [['x', { s: 1 }], ['y', { s: 1 }]] }]], [['_id', { s: 2 }], ['o', { o: [['x', { s: 1 }], ['x', { s: 1 }]] }]]]],
      ['in an array', [[['_id', { s: 1 }], ['t', { a: [{ o: [['x', { s: 1 }], ['y', { s: 1 }]] }, { o: [['x', { s: 1 }], ['y', { s: 1 }], ['x', { s: 1 }]] }] }]]]],
      ['a name moved up, then again where it was', [[['_id', { s: 1 }], ['a', { s: 1 }], ['b', { s: 1 }], ['c', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['c', { s: 1 }], ['c', { s: 1 }]]]],
      ['after a shorter, different shape', [[['_id', { s: 1 }], ['a', { s: 1 }], ['c', { s: 1 }]], [['_id', { s: 2 }], ['c', { s: 1 }]], [['_id', { s: 3 }], ['c', { s: 1 }], ['c', { s: 1 }]]]],
      ['nested, a name moved up, then again where it was', [[['_id', { s: 1 }], ['o', { o: [['a', { s: 1 }], ['b', { s: 1 }], ['c', { s: 1 }]] }]], [['_id', { s: 2 }], ['o', { o: [['a', { s: 1 }], ['c', { s: 1 }], ['c', { s: 1 }]] }]]]],
      ['in an array, a name moved up, then again where it was', [[['_id', { s: 1 }], ['t', { a: [{ o: [['a', { s: 1 }], ['b', { s: 1 }], ['c', { s: 1 }]] }, { o: [['a', { s: 1 }], ['c', { s: 1 }], ['c', { s: 1 }]] }] }]]]],
      ['nested, after a shorter, different shape', [[['_id', { s: 1 }], ['o', { o: [['a', { s: 1 }], ['c', { s: 1 }]] }]], [['_id', { s: 2 }], ['o', { o: [['c', { s: 1 }]] }]], [['_id', { s: 3 }], ['o', { o: [['c', { s: 1 }], ['c', { s: 1 }]] }]]]],
      ['a $ name after matching ones', [[['_id', { s: 1 }], ['a', { s: 1 }], ['b', { s: 1 }]], [['_id', { s: 2 }], ['a', { s: 1 }], ['$b', { s: 1 }]]]],
    ];
    // Strings that are not well-formed UTF-8 (encodeValue never writes them).
    const raw = (bytes: number[]): V => ({ s: { raw: Uint8Array.of(0x07, bytes.length, ...bytes) } });
    for (const [what, b] of [['truncated', [0x61, 0xc3]], ['0xff', [0xff]], ['overlong', [0xc0, 0x80]], ['a surrogate', [0xed, 0xa0, 0x80]], ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]]] as const) {
      cases.push([`a string: ${what}`, [[['_id', { s: 1 }], ['a', { s: 'ok' }]], [['_id', { s: 2 }], ['a', raw([...b])]]]]);
    }
    for (const [what, docs] of cases) {
      const r = run([], (ctx) => packed(ctx, message(docs, true)));
      expect(r.out, what).toBe(DECLINED);
      expect(r.stored, what).toEqual(run([], () => null).stored);
    }
  });

  it('indexes a field found at another place than in the previous document', () => {
    // The walk remembers which field of the shape is which: a new order must be looked at again.
    const docs: Fields[] = [
      [['_id', { s: 1 }], ['a', { s: 1 }], ['b', { s: 'x' }]],
      [['_id', { s: 2 }], ['b', { s: 'y' }], ['a', { s: 2 }]],
      [['b', { s: 'z' }], ['_id', { s: 3 }], ['a', { s: 3 }]],
      [['_id', { s: 4 }], ['c', { s: 0 }], ['a', { s: 4 }]],
    ];
    const bytes = message(docs, true);
    const fast = run([{ key: { a: 1, b: -1 } }], (ctx) => packed(ctx, bytes.slice()));
    const slow = run([{ key: { a: 1, b: -1 } }], (ctx) => m.insertMany(ctx, 'c', (decodeValue(bytes) as unknown[])[1], { ordered: true }));
    expect(fast.out).not.toBe(DECLINED);
    expect(fast.stored).toEqual(slow.stored);
  });
});
