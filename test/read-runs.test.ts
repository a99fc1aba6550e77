// The worker's run path for consecutive reads (View.packedRuns: 100k `values.get` in one packed
// message) and its results writer must answer exactly as the general path does: the same bytes,
// values and errors, for every call of a message, whatever surrounds it.
import { describe, expect, it } from 'vitest';
import { Encoded, decodeValue, encodeValue } from '../src/codec/value.js';
import { WorkerHost } from '../src/worker/host.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { MessageCalls, ResultsWriter, isPackedResults, packCalls, packResults, unpackCalls, unpackResults } from '../src/worker/wire.js';
import { LarderError } from '../src/errors.js';

const get = (...args: unknown[]): Call => ({ t: 'values', m: 'get', a: encodeValue(args) });
const set = (key: string, value: unknown): Call => ({ t: 'values', m: 'set', a: encodeValue([key, encodeValue(value)]) });

/** Results as comparable plain data: [ok, decoded value or WireError]. */
function plain(reply: WireResult[] | Uint8Array): Array<[number, unknown]> {
  const list = isPackedResults(reply) ? unpackResults(reply) : reply;
  return list.map((r) => (r[0] === 1 ? [1, decodeValue(r[1])] : [0, r[1]]));
}

/** A fresh in-memory store with some values; returns the host and the connection. */
async function store(name: string): Promise<{ host: WorkerHost; conn: number }> {
  const host = new WorkerHost();
  const conn = await host.open(name, { persist: false });
  const seed = [set('a', 1), set('b', { x: [1, 'two'] }), set('é', 'non-ascii'), set('k'.repeat(200), 'long'), set('', 'empty key')];
  await host.dispatch(conn, packCalls(seed)!);
  return { host, conn };
}

/**
 * Runs `calls` packed (the run path) and as a list (the general path: a list never takes it) on
 * two stores seeded alike, and checks both answer the same.
 */
async function same(calls: Call[]): Promise<Array<[number, unknown]>> {
  const A = await store(`runs-a-${Math.random()}`);
  const B = await store(`runs-b-${Math.random()}`);
  const packed = await A.host.dispatch(A.conn, packCalls(calls)!);
  const listed = await B.host.dispatch(B.conn, calls.map((c) => ({ ...c })));
  expect(isPackedResults(packed)).toBe(true);
  expect(Array.isArray(listed)).toBe(true);
  const p = plain(packed);
  expect(p).toEqual(plain(listed));
  // Byte for byte: the ok results' encodings are the general path's.
  const pl = unpackResults(packed as Uint8Array);
  (listed as WireResult[]).forEach((r, i) => { if (r[0] === 1) expect(Array.from(pl[i][1] as Uint8Array)).toEqual(Array.from(r[1])); });
  await A.host.destroy(A.conn);
  await B.host.destroy(B.conn);
  return p;
}

describe('values.get runs', () => {
  it('hits, misses and every declined key give what the general path gives', async () => {
    const r = await same([get('a'), get('missing'), get('b'), get('é'), get('k'.repeat(200)), get(''), get('k'.repeat(127)), get('a')]);
    expect(r.map((x) => x[1])).toEqual([1, undefined, { x: [1, 'two'] }, 'non-ascii', 'long', 'empty key', undefined, 1]);
  });

  it('a bad call inside a run fails alone, with the general path error', async () => {
    const r = await same([get('a'), get(42), get('b'), get(), get('a', 'extra'), get(null), get('a')]);
    expect(r.map((x) => x[0])).toEqual([1, 0, 1, 0, 1, 0, 1]);
    expect((r[1][1] as { code: string }).code).toBe('BAD_VALUE');
  });

  it('reads in a message see the writes made before them in the same message', async () => {
    const r = await same([get('n'), set('n', 'new'), get('n'), { t: 'values', m: 'delete', a: encodeValue(['n']) }, get('n'), get('a')]);
    expect(r.map((x) => x[1])).toEqual([undefined, undefined, 'new', true, undefined, 1]);
  });

  it('runs next to other methods and views, and unknown methods', async () => {
    await same([get('a'), { t: 'values', m: 'has', a: encodeValue(['a']) }, get('b'), { t: 'kv', m: 'cmd', a: encodeValue([['SET', 'x', '1']]) }, get('a'), { t: 'values', m: 'nope', a: encodeValue([]) }, get('b'), { t: 'store', m: 'ping', a: encodeValue([7]) }]);
  });

  it('a long run (5,000 gets, random hits and misses)', async () => {
    const calls: Call[] = [];
    for (let i = 0; i < 5000; i++) calls.push(get((i * 7919) % 3 === 0 ? 'a' : (i * 31) % 5 === 0 ? 'b' : `m${i}`));
    await same(calls);
  });

  it('gets inside a transaction answer as outside, and see the transaction writes', async () => {
    const { host, conn } = await store(`runs-tx-${Math.random()}`);
    const begin = plain(await host.dispatch(conn, packCalls([{ t: 'store', m: 'txBegin', a: encodeValue([]) }])!));
    const id = begin[0][1] as number;
    const inTx = (c: Call): Call => ({ ...c, tx: id });
    const r = plain(await host.dispatch(conn, packCalls([get('a'), set('t', 5), get('t'), get(42), get('missing')].map(inTx))!));
    expect(r).toEqual([[1, 1], [1, undefined], [1, 5], r[3], [1, undefined]]);
    expect((r[3][1] as { code: string }).code).toBe('BAD_VALUE');
    // A message mixing transaction and plain gets fails the plain ones, as before.
    const mixed = plain(await host.dispatch(conn, packCalls([inTx(get('a')), get('a')])!));
    expect(mixed[0]).toEqual([1, 1]);
    expect((mixed[1][1] as { code: string }).code).toBe('BAD_VALUE');
    await host.dispatch(conn, packCalls([inTx({ t: 'store', m: 'txRollback', a: encodeValue([]) })])!);
    expect(plain(await host.dispatch(conn, packCalls([get('t'), get('a')])!))).toEqual([[1, undefined], [1, 1]]);
    await host.destroy(conn);
  });

  it('a closed store answers every get of a message with CLOSED', async () => {
    const { host, conn } = await store(`runs-closed-${Math.random()}`);
    await host.close(conn);
    const r = await host.dispatch(conn, packCalls([get('a'), get('b'), get('a')])!);
    // Refused whole: one error for the message (the page gives it to every call).
    expect(plain(r).map((x) => (x[1] as { code: string }).code)).toEqual(['CLOSED']);
  });

  it('a txBegin among gets answers with its id after them', async () => {
    const r = await same([get('a'), { t: 'store', m: 'txBegin', a: encodeValue([]) }, get('b')]);
    expect(typeof r[1][1]).toBe('number');
  });
});

describe('MessageCalls', () => {
  it('gives the calls unpackCalls gives, and refuses what it refuses', () => {
    const calls: Call[] = [get('a'), { ...get('b'), tx: 3 }, { t: 'kv', m: 'cmd', a: encodeValue([['GET', 'x']]) }];
    const bytes = packCalls(calls)!;
    const c = MessageCalls.fromPacked(bytes);
    expect(c.length).toBe(3);
    for (let i = 0; i < 3; i++) expect(c.call(i)).toEqual(unpackCalls(bytes)[i]);
    expect(Array.from(c.txPlusOne)).toEqual([0, 4, 0]);
    expect(() => MessageCalls.fromPacked(bytes.subarray(0, bytes.length - 1))).toThrow(LarderError);
    expect(() => MessageCalls.fromPacked(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
  });
});

describe('ResultsWriter', () => {
  const results: WireResult[] = [
    [1, encodeValue('x')],
    [0, { code: 'WRONGTYPE', message: 'no' }],
    [1, encodeValue(undefined)],
    [1, encodeValue({ a: [1, 2n, new Date(5)] })],
    [0, { code: 'BAD_VALUE', message: 'm', details: { at: 3 } }],
  ];

  function write(w: ResultsWriter): void {
    w.value('x');
    w.error({ code: 'WRONGTYPE', message: 'no' });
    w.undefined();
    w.value(new Encoded(encodeValue({ a: [1, 2n, new Date(5)] })));
    w.error({ code: 'BAD_VALUE', message: 'm', details: { at: 3 } });
  }

  it('writes the bytes packResults makes', () => {
    const w = new ResultsWriter(results.length);
    write(w);
    expect(Array.from(w.finish() as Uint8Array)).toEqual(Array.from(packResults(results)!));
  });

  it('turned into a list midway, and changed, still ends as packResults of that list', () => {
    const w = new ResultsWriter(results.length + 1);
    write(w);
    const list = w.list();
    expect(plain(list)).toEqual(plain(results));
    list[1] = [1, encodeValue(7)];
    w.value('after');
    const want = [...results.slice(0, 1), [1, encodeValue(7)] as WireResult, ...results.slice(2), [1, encodeValue('after')] as WireResult];
    expect(Array.from(w.finish() as Uint8Array)).toEqual(Array.from(packResults(want)!));
  });

  it('an error whose details the codec cannot carry makes the results a list, as packResults would', () => {
    const w = new ResultsWriter(2);
    w.value(1);
    const odd = { code: 'INTERNAL', message: 'x', details: { f: () => 1 } };
    w.error(odd);
    const out = w.finish();
    expect(Array.isArray(out)).toBe(true);
    expect((out as WireResult[])[1]).toEqual([0, odd]);
    expect(decodeValue((out as WireResult[])[0][1] as Uint8Array)).toBe(1);
  });

  it('a value the codec cannot carry throws and writes nothing', () => {
    const w = new ResultsWriter(2);
    expect(() => w.value({ f: () => 1 })).toThrow();
    expect(w.count).toBe(0);
    w.value(1);
    w.value(2);
    expect(plain(w.finish())).toEqual([[1, 1], [1, 2]]);
  });

  it('refuses to finish with a result missing', () => {
    const w = new ResultsWriter(2);
    w.value(1);
    expect(() => w.finish()).toThrow(/1 results for 2 calls/);
  });
});
