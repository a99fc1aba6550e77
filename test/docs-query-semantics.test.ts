/**
 * Query operators checked against MongoDB's own behaviour (its jstests and matcher sources), for
 * shapes the differential test against mingo cannot check. Differences kept are listed in
 * docs/docs-differences.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

let store: Store;
let seq = 0;
beforeAll(async () => {
  store = await openStore('docs-query-semantics', { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

async function ids(docs: Record<string, unknown>[], filter: Record<string, unknown>): Promise<unknown[]> {
  const c = store.collection(`q${++seq}`);
  await c.insertMany(docs.map((d, i) => ({ _id: i, ...d })));
  return (await c.find(filter, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
}

async function fails(filter: Record<string, unknown>): Promise<string> {
  return (await failure(filter)).code;
}

async function failure(filter: Record<string, unknown>): Promise<{ code: string; mongo?: number }> {
  const c = store.collection(`q${++seq}`);
  await c.insertOne({ _id: 0, a: 1 });
  try {
    await c.find(filter).toArray();
  } catch (e) {
    const err = e as { code: string; details?: { code?: number } };
    return { code: err.code, mongo: err.details?.code };
  }
  return { code: 'no error' };
}

describe('$elemMatch on values tests each element as one value', () => {
  // jstests/core/query/elemmatch/elemmatch_value.js: an element that is an array is not looked into.
  const docs = [{ a: [5] }, { a: [3, 7] }, { a: [[5]] }, { a: [[3, 7]] }, { a: 5 }];
  it('comparisons, $type, $in and $eq do not see into nested arrays', async () => {
    expect(await ids(docs, { a: { $elemMatch: { $lt: 6, $gt: 4 } } })).toEqual([0]);
    expect(await ids(docs, { a: { $elemMatch: { $type: 'number' } } })).toEqual([0, 1]);
    expect(await ids(docs, { a: { $elemMatch: { $in: [5] } } })).toEqual([0]);
    expect(await ids(docs, { a: { $elemMatch: { $eq: 5 } } })).toEqual([0]);
    expect(await ids(docs, { a: { $elemMatch: { $type: 'array' } } })).toEqual([2, 3]);
  });
  it('$ne and $not are negations of the single-value test', async () => {
    // [5] is not equal to 5, so the element [5] of [[5]] satisfies $ne: 5.
    expect(await ids(docs, { a: { $elemMatch: { $ne: 5 } } })).toEqual([1, 2, 3]);
    expect(await ids(docs, { a: { $elemMatch: { $not: { $gt: 4 } } } })).toEqual([1, 2, 3]);
  });
  it('nested $elemMatch still reaches the inner elements', async () => {
    expect(await ids(docs, { a: { $elemMatch: { $elemMatch: { $lt: 6, $gt: 4 } } } })).toEqual([2]);
  });
  it('$size inside $elemMatch tests array elements', async () => {
    expect(await ids(docs, { a: { $elemMatch: { $size: 2 } } })).toEqual([3]);
  });
});

describe('operator arguments MongoDB refuses or accepts', () => {
  it('$all mixing $elemMatch and other items is refused', async () => {
    expect(await fails({ a: { $all: [{ $elemMatch: { x: 1 } }, 1] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $all: [1, { $elemMatch: { x: 1 } }] } })).toBe('BAD_QUERY');
    expect(await ids([{ a: [{ x: 1 }, { y: 2 }] }, { a: [{ x: 1 }] }], { a: { $all: [{ $elemMatch: { x: 1 } }, { $elemMatch: { y: 2 } }] } })).toEqual([0]);
  });
  it('$type accepts every BSON type code, including ones no JS value has', async () => {
    for (const code of [6, 12, 13, 14, 15, 17]) expect(await ids([{ a: 1 }], { a: { $type: code } })).toEqual([]);
    expect(await ids([{ a: 1 }], { a: { $type: [17, 'int'] } })).toEqual([0]);
    expect(await fails({ a: { $type: 'missing' } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $type: 20 } })).toBe('BAD_QUERY');
  });
  it('$mod refuses a NaN or infinite divisor or remainder', async () => {
    expect(await fails({ a: { $mod: [2, NaN] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $mod: [2, Infinity] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $mod: [NaN, 0] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $mod: [0, 0] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $mod: [2] } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $mod: [2, 1, 0] } })).toBe('BAD_QUERY');
  });
  it('$mod truncates divisor, remainder and value; the remainder has the sign of the value', async () => {
    expect(await ids([{ a: 5.9 }, { a: -7 }, { a: 4 }], { a: { $mod: [2.5, 1] } })).toEqual([0]);
    expect(await ids([{ a: 5.9 }, { a: -7 }, { a: 4 }], { a: { $mod: [3, -1] } })).toEqual([1]);
  });
  it('$size accepts a long and refuses a fraction or a negative', async () => {
    expect(await ids([{ a: [1, 2] }, { a: [[1, 2]] }], { a: { $size: 2n } })).toEqual([0]);
    expect(await fails({ a: { $size: 1.5 } })).toBe('BAD_QUERY');
    expect(await fails({ a: { $size: -1 } })).toBe('BAD_QUERY');
  });
});

describe('MongoDB error codes of malformed filters', () => {
  it('empty $and/$or/$nor and unknown operators are BadValue (code 2)', async () => {
    for (const f of [{ $and: [] }, { $or: [] }, { $nor: [] }, { $foo: 1 }, { a: { $foo: 1 } }, { a: { $mod: [0, 0] } }, { a: { $size: -1 } }, { a: { $type: 'missing' } }])
      expect(await failure(f)).toEqual({ code: 'BAD_QUERY', mongo: 2 });
  });
  it('$where and $text are refused', async () => {
    expect(await fails({ $where: 'true' })).toBe('BAD_QUERY');
    expect(await fails({ $text: { $search: 'x' } })).toBe('BAD_QUERY');
  });
});

describe('$regex', () => {
  const docs = [{ a: 'ABC' }, { a: 'x\nabc' }, { a: 'q' }];
  it('a RegExp as the $regex value takes its flags, or $options when it has none', async () => {
    expect(await ids(docs, { a: { $regex: /^abc/ } })).toEqual([]);
    expect(await ids(docs, { a: { $regex: /^abc/i } })).toEqual([0]);
    expect(await ids(docs, { a: { $regex: /^abc/, $options: 'mi' } })).toEqual([0, 1]);
    // expression_parser.cpp: "options set in both $regex and $options" (51075).
    expect(await failure({ a: { $regex: /a/i, $options: 'm' } })).toEqual({ code: 'BAD_QUERY', mongo: 51075 });
  });
  it('options i, m, s, x; an unknown option is refused', async () => {
    expect(await ids(docs, { a: { $regex: '^abc', $options: 'm' } })).toEqual([1]);
    expect(await ids(docs, { a: { $regex: 'x.a', $options: 's' } })).toEqual([1]);
    expect(await ids(docs, { a: { $regex: 'A B # comment', $options: 'x' } })).toEqual([0]);
    expect(await fails({ a: { $regex: 'a', $options: 'g' } })).toBe('BAD_QUERY');
  });
  it('$in with regexes, $not with a regex and with $in', async () => {
    expect(await ids([...docs, { a: ['zq'] }, {}], { a: { $in: [/^A/, /q$/] } })).toEqual([0, 2, 3]);
    expect(await ids([...docs, {}], { a: { $not: /b/ } })).toEqual([0, 2, 3]);
    expect(await ids([...docs, {}], { a: { $not: { $in: [/b/i, 'q'] } } })).toEqual([3]);
  });
});

describe('null, missing and arrays (already MongoDB behaviour; pinned)', () => {
  const docs = [{ a: [] }, { a: [null] }, {}, { a: null }, { a: [1] }];
  it('comparisons with null', async () => {
    expect(await ids(docs, { a: { $gte: null } })).toEqual([1, 2, 3]);
    expect(await ids(docs, { a: { $lte: null } })).toEqual([1, 2, 3]);
    expect(await ids(docs, { a: { $lt: null } })).toEqual([]);
    expect(await ids(docs, { a: { $gt: null } })).toEqual([]);
    expect(await ids(docs, { a: { $ne: null } })).toEqual([0, 4]);
    expect(await ids(docs, { a: { $in: [null] } })).toEqual([1, 2, 3]);
    expect(await ids(docs, { a: { $nin: [null] } })).toEqual([0, 4]);
    expect(await ids(docs, { a: { $nin: [[1]] } })).toEqual([0, 1, 2, 3]);
  });
  it('$exists on element paths', async () => {
    const d = [{ a: [{ x: 1 }] }, { a: [] }, { a: [1] }, { a: { '0': 1 } }, { a: [1, 2] }, { a: [{}] }];
    expect(await ids(d, { 'a.0': { $exists: true } })).toEqual([0, 2, 3, 4, 5]);
    expect(await ids(d, { 'a.x': { $exists: true } })).toEqual([0]);
    expect(await ids(d, { 'a.x': { $exists: false } })).toEqual([1, 2, 3, 4, 5]);
  });
  it('whole-array and element equality, numbers of different types, $all', async () => {
    expect(await ids([{ a: [1, 2] }, { a: [[1, 2]] }], { a: [1, 2] })).toEqual([0, 1]);
    expect(await ids([{ a: [1, 2] }, { a: [[1, 2]] }], { a: [[1, 2]] })).toEqual([1]);
    expect(await ids([{ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }], { a: { x: 1, y: 2 } })).toEqual([0]);
    expect(await ids([{ a: 1 }, { a: 1.0 }, { a: 1n }, { a: new Date(1) }], { a: 1n })).toEqual([0, 1, 2]);
    expect(await ids([{ a: [] }, { a: [1] }], { a: { $all: [] } })).toEqual([]);
    expect(await ids([{ a: 1 }, { a: [1] }], { a: { $all: [1] } })).toEqual([0, 1]);
    expect(await ids([{ a: [[1, 2], [3, 4]] }], { 'a.1': 3 })).toEqual([0]);
  });
});
