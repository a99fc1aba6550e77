// The read path's fast paths (issue 3, 100k concurrent reads): each must give exactly what the
// general path gives — the same bytes on the wire, the same values, the same errors.
import { describe, expect, it } from 'vitest';
import { ValueWriter, decodeValue, encodeValue } from '../src/codec/value.js';
import { CallQueue } from '../src/client/call-queue.js';
import { LarderError } from '../src/errors.js';
import { openStore } from '../src/index.js';
import type { Call, WireResult } from '../src/worker/protocol.js';
import { isPackedCalls, packCalls, packResults, unpackCalls } from '../src/worker/wire.js';

const ascii = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7) % 95))).join('');

describe('decoder fast paths', () => {
  it('strings of every short length, ASCII or not, one after another in any order', () => {
    // Per-length code arrays: a long string after a short one (and back) must not leak codes.
    const strs: string[] = [];
    for (let n = 0; n <= 70; n++) strs.push(ascii(n), ascii(70 - n), ascii(n) + 'é', '\u00ff'.repeat(n), ascii(n) + '\ud800');
    expect(decodeValue(encodeValue(strs))).toEqual(strs);
    for (const s of strs) expect(decodeValue(encodeValue(s))).toBe(s);
  });

  it('arrays at and around the exact-size limit keep lengths, holes and undefined', () => {
    for (const n of [0, 1, 2, 63, 64, 65, 200]) {
      const a: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) if (i % 3 !== 1) a[i] = i % 5 === 0 ? undefined : { i };
      const back = decodeValue(encodeValue(a)) as unknown[];
      expect(back.length).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(i in back).toBe(i in a);
        expect(back[i]).toEqual(a[i]);
      }
    }
  });
});

describe('ValueWriter.string', () => {
  it('writes exactly the bytes of encodeValue(s)', () => {
    const cases = ['', 'k', ascii(127), ascii(128), ascii(300), 'é', 'user:ü', '\ud800', 'a\udc00b', '\u{1F600}', ascii(126) + 'é'];
    for (const s of cases) {
      const w = new ValueWriter(16);
      w.byte(0x42); // not at offset 0
      w.string(s);
      expect(Array.from(w.slice(1))).toEqual(Array.from(encodeValue(s)));
    }
  });
});

describe('CallQueue framing', () => {
  /** A queue over a fake worker that answers each call with its decoded arguments. */
  function queue(sent: Array<Call[] | Uint8Array>): CallQueue {
    return new CallQueue(async (msg) => {
      sent.push(msg);
      const calls = isPackedCalls(msg) ? unpackCalls(msg) : msg;
      const results: WireResult[] = calls.map((c) => {
        const args = decodeValue(c.a as Uint8Array) as unknown[];
        return c.m === 'fail' ? [0, { code: 'WRONGTYPE', message: `no ${String(args[0])}` }] : [1, encodeValue({ m: c.m, tx: c.tx, args })];
      });
      return packResults(results)!;
    });
  }

  it('a tick of calls is the same message as packing each call encoded alone', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    // Repeated heads, a head change back and forth, one-string arguments (ASCII, not, long) and others.
    const calls: Array<[string, unknown[]]> = [
      ['get', ['a']], ['get', ['b']], ['has', ['a']], ['get', ['é']], ['get', [ascii(200)]],
      ['get', ['\ud800']], ['get', [1]], ['get', ['a', 'b']], ['get', []], ['get', [['a']]], ['has', ['c']],
    ];
    const r = await Promise.all(calls.map(([m, a]) => q.call('values', m, a)));
    expect(r).toEqual(calls.map(([m, a]) => ({ m, tx: undefined, args: a })));
    expect(sent.length).toBe(1);
    const expected = packCalls(calls.map(([m, a]) => ({ t: 'values', m, a: encodeValue(a) })))!;
    expect(Array.from(sent[0] as Uint8Array)).toEqual(Array.from(expected));
  });

  it('a head is not reused across transactions or targets', async () => {
    const sent: Array<Call[] | Uint8Array> = [];
    const q = queue(sent);
    const r = await Promise.all([q.call('a', 'x', ['k']), q.call('a', 'x', ['k'], 3), q.call('b', 'x', ['k'], 3), q.call('a', 'x', ['k'])]);
    expect(r).toEqual([
      { m: 'x', tx: undefined, args: ['k'] },
      { m: 'x', tx: 3, args: ['k'] },
      { m: 'x', tx: 3, args: ['k'] },
      { m: 'x', tx: undefined, args: ['k'] },
    ]);
    const sentCalls = sent.flatMap((m) => unpackCalls(m as Uint8Array).map((c) => [c.t, c.m, c.tx]));
    expect(sentCalls).toEqual([['a', 'x', undefined], ['a', 'x', 3], ['b', 'x', 3], ['a', 'x', undefined]]);
  });

  it('each call of a big tick settles with its own result or error', async () => {
    const q = queue([]);
    const ps = Array.from({ length: 5000 }, (_, i) => q.call('v', i % 7 === 3 ? 'fail' : 'get', [`k${i}`]));
    const r = await Promise.allSettled(ps);
    r.forEach((x, i) => {
      if (i % 7 === 3) expect(x.status === 'rejected' && (x.reason as LarderError).code).toBe('WRONGTYPE');
      else expect(x.status === 'fulfilled' && x.value).toEqual({ m: 'get', tx: undefined, args: [`k${i}`] });
    });
  });

  it('a whole-message error or a short reply still reaches every call', async () => {
    const whole = new CallQueue(async () => packResults([[0, { code: 'CLOSED', message: 'closed' }]])!);
    const r1 = await Promise.allSettled([whole.call('a', 'x', ['k']), whole.call('a', 'y', ['k'])]);
    expect(r1.map((x) => x.status === 'rejected' && (x.reason as LarderError).code)).toEqual(['CLOSED', 'CLOSED']);
    const short = new CallQueue(async () => packResults([[1, encodeValue(1)]])!);
    const r2 = await Promise.allSettled([short.call('a', 'x', ['k']), short.call('a', 'y', ['k'])]);
    expect(r2[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(r2[1].status === 'rejected' && (r2[1].reason as LarderError).code).toBe('INTERNAL');
  });
});

describe('values view reads', () => {
  it('get, has and getMany with ASCII, non-ASCII, long and missing keys, in any order', async () => {
    const s = await openStore(`read-path-${Date.now()}`, { worker: false, persist: false });
    const keys = ['a', 'ab', 'é', 'user:ü', '\ud800', ascii(127), ascii(128), ascii(256), ascii(257), 'x'.repeat(5000), '', 'k\u0000'];
    await s.setMany(keys.map((k, i) => [k, { i, k }]));
    const ask = [...keys, 'missing', ascii(255), 'a', 'é'];
    const one = await Promise.all(ask.map((k) => s.get(k)));
    const has = await Promise.all(ask.map((k) => s.has(k)));
    const many = await s.getMany(ask);
    const want = ask.map((k) => (keys.includes(k) ? { i: keys.indexOf(k), k } : undefined));
    expect(one).toEqual(want);
    expect(many).toEqual(want);
    expect(has).toEqual(want.map((v) => v !== undefined));
    await s.destroy();
  });

  it('getMany and get fail on a bad key as they always did', async () => {
    const s = await openStore(`read-path-err-${Date.now()}`, { worker: false, persist: false });
    await s.set('a', 1);
    const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e) => `${(e as LarderError).code}: ${(e as LarderError).message}`);
    expect(await code(s.getMany(['a', 5 as unknown as string]))).toBe('BAD_VALUE: key must be a string, got number');
    expect(await code(s.get(null as unknown as string))).toBe('BAD_VALUE: key must be a string, got null');
    expect(await code(s.has({} as unknown as string))).toBe('BAD_VALUE: key must be a string, got object');
    expect(await code(s.get('\u00e9'.repeat(40000)))).toMatch(/^TOO_LARGE: key is 80000 bytes/);
    expect(await code(s.getMany(['a', 'é'.repeat(40000)]))).toMatch(/^TOO_LARGE: key is 80000 bytes/);
    // A sparse key list takes the batched path, with its behaviour (a hole is not a key).
    // eslint-disable-next-line no-sparse-arrays
    expect(await code(s.getMany(['a', , 'a'] as string[]))).toMatch(/^INTERNAL: TypeError/);
    await s.destroy();
  });
});

describe('values.get read from the message bytes', () => {
  it('answers what the decoded path answers, and leaves every odd argument list to it', async () => {
    const { WorkerHost } = await import('../src/worker/host.js');
    const { resultSpans } = await import('../src/worker/wire.js');
    const { decodeValueAt } = await import('../src/codec/value.js');
    const host = new WorkerHost();
    const conn = await host.open(`read-path-packed-${Date.now()}`, { persist: false });
    const a = (...b: number[]): Uint8Array => new Uint8Array(b);
    const argLists: Uint8Array[] = [
      encodeValue(['a']), encodeValue(['ab']), encodeValue(['missing']), encodeValue(['é']), encodeValue([ascii(127)]), encodeValue([ascii(128)]),
      a(0x0e, 1, 7, 1, 0x61, 0), // trailing byte
      a(0x0e, 1, 7, 2, 0x61), // truncated
      a(0x0e, 1, 7, 1), // truncated
      a(0x0e, 2, 7, 1, 0x61, 0x80), // two arguments
      a(0x0e, 1, 8, 1, 0x61), // WTF-8 tag
      a(0x0e, 1, 7, 1, 0xff), // not UTF-8
      a(0x0e, 1, 0x81), // a number
      a(),
    ];
    await host.dispatch(conn, packCalls([{ t: 'values', m: 'setMany', a: encodeValue([[['a', encodeValue(1)], ['ab', encodeValue({ x: [2] })], ['é', encodeValue('e')], [ascii(127), encodeValue(127)], [ascii(128), encodeValue(128)]]]) }])!);
    const reply = (await host.dispatch(conn, packCalls(argLists.map((x) => ({ t: 'values', m: 'get', a: x })))!)) as Uint8Array;
    const spans = resultSpans(reply);
    const out = argLists.map((_, i) => [spans[3 * i], decodeValueAt(reply, spans[3 * i + 1], spans[3 * i + 2])]);
    const ok = (v: unknown) => [1, v];
    const err = (code: string) => [0, expect.objectContaining({ code })];
    expect(out).toEqual([
      ok(1), ok({ x: [2] }), ok(undefined), ok('e'), ok(127), ok(128),
      err('CORRUPT'), err('CORRUPT'), err('CORRUPT'), ok(1), ok(1), err('CORRUPT'), err('BAD_VALUE'), err('CORRUPT'),
    ]);
    await host.destroy(conn);
  });
});
