/**
 * Unit tests of the kv view and its facade: expiry with a controlled clock (lazy and active),
 * expiry across a reload, the node-redis-shaped typed methods, binary safety, MULTI/EXEC/WATCH,
 * pub/sub, keyspace notifications, bad input, and the cost shape of big containers. Redis
 * semantics command by command are covered by the differential test against redis-server.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LarderError, openStore, type ChangeEvent, type Store } from '../src/index.js';
import { globMatch } from '../src/views/kv/glob.js';
import { fmtDouble } from '../src/views/kv/bytes.js';
import { addLD, formatLD, parseLD } from '../src/views/kv/long-double.js';

const enc = new TextEncoder();
const open: Store[] = [];
let seq = 0;

async function mem(opts: Record<string, unknown> = {}): Promise<Store> {
  const s = await openStore(`kv-unit-${Date.now()}-${seq++}`, { worker: false, persist: false, ...opts });
  open.push(s);
  return s;
}

afterEach(async () => {
  while (open.length) await open.pop()!.close().catch(() => {});
});

const T0 = 1_700_000_000_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('expiry', () => {
  it('expires lazily on every read path once the clock passes the deadline', async () => {
    const s = await mem({ housekeepingMs: 1_000_000 });
    const kv = s.kv;
    await kv.debug.setClock(T0);
    await kv.set('a', '1', { PX: 1000 });
    await kv.hSet('h', 'f', 'v');
    await kv.pExpire('h', 1000);
    await kv.rPush('l', ['x', 'y']);
    await kv.expireAt('l', (T0 + 1000) / 1000);
    expect(await kv.pTTL('a')).toBe(1000);
    await kv.debug.setClock(T0 + 1000); // at the deadline the key still exists (Redis: now > when)
    expect(await kv.get('a')).toBe('1');
    expect(await kv.ttl('a')).toBe(0);
    await kv.debug.setClock(T0 + 1001);
    expect(await kv.get('a')).toBeNull();
    expect(await kv.hGetAll('h')).toEqual({});
    expect(await kv.lRange('l', 0, -1)).toEqual([]);
    expect(await kv.exists(['a', 'h', 'l'])).toBe(0);
    expect(await kv.keys('*')).toEqual([]);
    expect((await kv.scan(0)).keys).toEqual([]);
    expect(await kv.dbSize()).toBe(0);
    expect(await kv.ttl('a')).toBe(-2);
  });

  it('reclaims expired keys actively, without anyone reading them', async () => {
    const s = await mem({ housekeepingMs: 10 });
    const kv = s.kv;
    await kv.debug.setClock(T0);
    for (let i = 0; i < 500; i++) await kv.set(`k${i}`, 'v', { PX: 100 + i });
    await kv.set('keep', 'v', { EX: 1000 });
    await kv.set('forever', 'v');
    expect(await kv.dbSize()).toBe(502);
    expect((await kv.info()).expires).toBe(501);
    await kv.debug.setClock(T0 + 100_000);
    for (let i = 0; i < 100 && (await kv.dbSize()) > 2; i++) await sleep(20);
    expect(await kv.dbSize()).toBe(2);
    expect((await kv.info()).expires).toBe(1);
    expect((await kv.keys('*')).sort()).toEqual(['forever', 'keep']);
  });

  it('keeps absolute expire times across a reload', async () => {
    const name = `kv-persist-${Date.now()}`;
    let s = await openStore(name, { worker: false, persist: true, housekeepingMs: 1_000_000 });
    await s.kv.debug.setClock(T0);
    await s.kv.set('a', 'x', { EX: 100 });
    await s.kv.hSet('h', { f: '1' });
    await s.kv.expire('h', 50);
    await s.kv.set('p', 'y');
    await s.close();
    s = await openStore(name, { worker: false, persist: true, housekeepingMs: 1_000_000 });
    await s.kv.debug.setClock(T0 + 10_000);
    expect(await s.kv.ttl('a')).toBe(90);
    expect(await s.kv.pExpireTime('h')).toBe(T0 + 50_000);
    await s.kv.debug.setClock(T0 + 60_000);
    expect(await s.kv.hGetAll('h')).toEqual({});
    expect(await s.kv.get('a')).toBe('x');
    expect(await s.kv.ttl('p')).toBe(-1);
    await s.destroy();
  });
});

describe('facade (node-redis shapes)', () => {
  it('strings, options and numbers', async () => {
    const kv = (await mem()).kv;
    expect(await kv.set('k', 'v')).toBe('OK');
    expect(await kv.set('k', 'w', { NX: true })).toBeNull();
    expect(await kv.set('k', 'w', { XX: true, GET: true })).toBe('v');
    expect(await kv.set('k', 'x', { EX: 60, KEEPTTL: false })).toBe('OK');
    expect(await kv.ttl('k')).toBe(60);
    expect(await kv.set('k', 'y', { KEEPTTL: true })).toBe('OK');
    expect(await kv.ttl('k')).toBe(60);
    expect(await kv.incr('n')).toBe(1);
    expect(await kv.incrBy('n', 41)).toBe(42);
    expect(await kv.incrByFloat('f', 0.1)).toBe('0.1');
    expect(await kv.incrByFloat('f', 0.2)).toBe('0.3');
    await kv.mSet({ a: '1', b: '2' });
    expect(await kv.mGet(['a', 'b', 'zz'])).toEqual(['1', '2', null]);
    expect(await kv.sendCommand(['SET', 'c', 'v', 'EX', '60'])).toBe('OK');
    expect(await kv.sendCommand(['GET', 'nope'])).toBeNull();
    expect(await kv.sendCommand(['STRLEN', 'c'])).toBe(1);
  });

  it('hashes, lists, sets and sorted sets', async () => {
    const kv = (await mem()).kv;
    expect(await kv.hSet('h', 'a', '1')).toBe(1);
    expect(await kv.hSet('h', { b: '2', c: '3' })).toBe(2);
    expect(await kv.hGetAll('h')).toEqual({ a: '1', b: '2', c: '3' });
    expect(await kv.hIncrBy('h', 'a', 5)).toBe(6);
    expect(await kv.lPush('l', ['a', 'b'])).toBe(2);
    expect(await kv.rPush('l', 'c')).toBe(3);
    expect(await kv.lRange('l', 0, -1)).toEqual(['b', 'a', 'c']);
    expect(await kv.lPopCount('l', 2)).toEqual(['b', 'a']);
    expect(await kv.sAdd('s', ['x', 'y', 'x'])).toBe(2);
    expect((await kv.sMembers('s')).sort()).toEqual(['x', 'y']);
    expect(await kv.zAdd('z', [{ score: 1, value: 'a' }, { score: 2, value: 'b' }, { score: 3, value: 'c' }])).toBe(3);
    expect(await kv.zRange('z', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await kv.zRange('z', '(1', '+inf', { BY: 'SCORE' })).toEqual(['b', 'c']);
    expect(await kv.zRange('z', '+inf', '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 1, count: 1 } })).toEqual(['b']);
    expect(await kv.zRangeWithScores('z', 0, 1)).toEqual([{ value: 'a', score: 1 }, { value: 'b', score: 2 }]);
    expect(await kv.zScore('z', 'b')).toBe(2);
    expect(await kv.zIncrBy('z', 0.5, 'b')).toBe(2.5);
    expect(await kv.zPopMin('z')).toEqual({ value: 'a', score: 1 });
    expect(await kv.zRank('z', 'c')).toBe(1);
  });

  it('scan and scanIterator visit every key once', async () => {
    const kv = (await mem()).kv;
    for (let i = 0; i < 300; i++) await kv.set(`user:${i}`, String(i));
    await kv.hSet('other', 'f', 'v');
    const seen = new Set<string>();
    for await (const keys of kv.scanIterator({ MATCH: 'user:*', COUNT: 17 })) for (const k of keys) seen.add(k);
    expect(seen.size).toBe(300);
    const page = await kv.scan(0, { TYPE: 'hash', COUNT: 1000 });
    expect(page).toEqual({ cursor: '0', keys: ['other'] });
    // A big hash pages through HSCAN with cursors.
    await kv.hSet('big', Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, String(i)])));
    const fields = new Set<string>();
    let cursor = '0';
    do {
      const r = await kv.hScan('big', cursor, { COUNT: 50 });
      cursor = r.cursor;
      for (const e of r.entries) fields.add(e.field);
    } while (cursor !== '0');
    expect(fields.size).toBe(500);
  });


  it('SCAN returns each key present throughout exactly once while keys come and go; DBSIZE and RANDOMKEY follow', async () => {
    const s = await mem({ housekeepingMs: 1_000_000 });
    const kv = s.kv;
    await kv.debug.setClock(T0);
    await kv.mSet(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v'] as [string, string]));
    await kv.set('gone', 'v', { PX: 10 });
    expect(await kv.dbSize()).toBe(2001);
    await kv.debug.setClock(T0 + 100); // 'gone' has expired, not yet reclaimed: counted, never returned
    expect(await kv.dbSize()).toBe(2001);
    const seen = new Map<string, number>();
    let cursor = '0';
    let step = 0;
    do {
      const r = await kv.scan(cursor, { COUNT: 64 });
      for (const k of r.keys) seen.set(k, (seen.get(k) ?? 0) + 1);
      // Between steps: delete a key near the end, add a new one (positions get reused).
      await kv.del(`k${1999 - step}`);
      await kv.set(`new${step}`, 'v');
      cursor = r.cursor;
      step++;
    } while (cursor !== '0');
    expect(step).toBeGreaterThan(10);
    for (let i = 0; i < 2000 - step; i++) expect(seen.get(`k${i}`), `k${i}`).toBe(1);
    expect(seen.has('gone')).toBe(false);
    for (const n of seen.values()) expect(n).toBe(1);
    expect(await kv.dbSize()).toBe(2001);
    for (let i = 0; i < 50; i++) expect(await kv.randomKey()).toMatch(/^(k\d+|new\d+)$/);
    await kv.flushDb();
    expect(await kv.dbSize()).toBe(0);
    expect(await kv.randomKey()).toBeNull();
    expect(await kv.scan(0)).toEqual({ cursor: '0', keys: [] });
    expect(await kv.scan(123456789)).toEqual({ cursor: '0', keys: [] });
  });
  it('is binary safe, with bytes back out', async () => {
    const kv = (await mem()).kv;
    const bytes = new Uint8Array([0, 255, 128, 10, 13, 0xc3]);
    await kv.set(bytes, bytes);
    expect(await kv.getBuffer(bytes)).toEqual(bytes);
    expect(await kv.withBuffers().get(bytes)).toEqual(bytes);
    await kv.hSet('hb', bytes, bytes);
    expect(await kv.sendCommand(['HGET', 'hb', bytes], { returnBuffers: true })).toEqual(bytes);
    await kv.zAdd('zb', [{ score: 1, value: bytes }]);
    expect(await kv.withBuffers().zRange('zb', 0, -1)).toEqual([bytes]);
  });

  it('__proto__ is an ordinary key and field', async () => {
    const kv = (await mem()).kv;
    await kv.set('__proto__', 'v');
    expect(await kv.get('__proto__')).toBe('v');
    await kv.hSet('h', { constructor: 'c' });
    await kv.hSet('h', '__proto__', 'p');
    const all = await kv.hGetAll('h');
    expect(Object.keys(all).sort()).toEqual(['__proto__', 'constructor']);
    expect(all.__proto__).toBe('p');
    expect(({} as any).p).toBeUndefined();
  });
});

describe('bad input', () => {
  it('fails with Redis errors and changes nothing', async () => {
    const s = await mem();
    const kv = s.kv;
    await kv.set('n', '9223372036854775807');
    await kv.hSet('h', 'f', 'v');
    const before = await s.info();
    const err = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: LarderError) => e);
    let e = await err(kv.incr('n'));
    expect(e).toBeInstanceOf(LarderError);
    expect(e.code).toBe('BAD_VALUE');
    expect(e.message).toBe('ERR increment or decrement would overflow');
    e = await err(kv.get('h'));
    expect([e.code, e.message]).toEqual(['WRONGTYPE', 'WRONGTYPE Operation against a key holding the wrong kind of value']);
    e = await err(kv.sendCommand(['GET']));
    expect([e.code, e.message]).toEqual(['SYNTAX', "ERR wrong number of arguments for 'get' command"]);
    e = await err(kv.sendCommand(['FOO', 'a']));
    expect(e.message).toBe("ERR unknown command 'FOO', with args beginning with: 'a' ");
    e = await err(kv.sendCommand(['INCRBY', 'n', 'x']));
    expect(e.message).toBe('ERR value is not an integer or out of range');
    e = await err(kv.sendCommand(['SETRANGE', 'big', String(64 * 1024 * 1024), 'x']));
    expect([e.code, e.message]).toEqual(['TOO_LARGE', 'ERR string exceeds maximum allowed size (proto-max-bulk-len)']);
    e = await err(kv.sendCommand(['SET', 'k', { not: 'bytes' } as any]));
    expect(e.code).toBe('BAD_VALUE');
    e = await err(kv.hSet('h', 'g', 'x'.repeat(100) as any).then(() => kv.sendCommand(['HSET', 'h', 'a', '1', 'b'])));
    expect(e.message).toBe("ERR wrong number of arguments for 'hset' command");
    expect(await kv.hGet('h', 'a')).toBeNull();
    expect(await kv.get('n')).toBe('9223372036854775807');
    expect(await kv.exists(['big', 'k'])).toBe(0);
    const after = await s.info();
    expect(after.entries).toBe(before.entries + 1); // only the valid HSET of field g
  });
});

describe('MULTI / EXEC / WATCH', () => {
  it('runs queued commands atomically as one commit', async () => {
    const s = await mem();
    const kv = s.kv;
    const c0 = (await s.info()).commits;
    const r = await kv.multi().set('a', '1').incr('a').hSet('h', { f: 'v' }).get('a').exec();
    expect(r).toEqual(['OK', 2, 1, '2']);
    expect((await s.info()).commits).toBe(c0 + 1);
  });

  it('keeps running after a runtime error, like Redis; aborts on a bad command', async () => {
    const kv = (await mem()).kv;
    await kv.hSet('h', 'f', 'v');
    const r = (await kv.multi().set('a', '1').incr('h').incr('a').exec())!;
    expect(r[0]).toBe('OK');
    expect(r[1]).toBeInstanceOf(LarderError);
    expect((r[1] as LarderError).message).toMatch(/^WRONGTYPE/);
    expect(r[2]).toBe(2);
    await expect(kv.multi().set('b', '1').addCommand(['NOSUCH']).exec()).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    expect(await kv.get('b')).toBeNull();
  });

  it('execAsPipeline runs each command on its own: a bad one fails alone, the rest apply', async () => {
    const s = await mem();
    const kv = s.kv;
    let messages = 0;
    const r = await kv.multi().set('p', '1').incr('p').addCommand(['NOSUCH']).hSet('ph', 'f', 'v').get('p').execAsPipeline();
    expect(r.slice(0, 2)).toEqual(['OK', 2]);
    expect(r[2]).toBeInstanceOf(LarderError);
    expect((r[2] as LarderError).message).toMatch(/^ERR unknown command 'NOSUCH'/);
    expect(r.slice(3)).toEqual([1, '2']);
    // One message for the whole pipeline: one commit, one change event.
    s.on('change', () => void messages++);
    await kv.multi().set('q1', '1').set('q2', '2').set('q3', '3').execAsPipeline();
    await new Promise((res) => setTimeout(res, 20));
    expect(messages).toBe(1);
    expect(await kv.mGet(['q1', 'q2', 'q3'])).toEqual(['1', '2', '3']);
  });

  it('WATCH: EXEC returns null when a watched key changed', async () => {
    const s = await mem();
    const a = s.kv.duplicate(), b = s.kv.duplicate();
    await a.set('w', '1');
    await a.watch('w');
    await b.set('w', '2');
    expect(await a.multi().set('w', '3').exec()).toBeNull();
    expect(await a.get('w')).toBe('2');
    await a.watch('w');
    expect(await a.multi().set('w', '3').exec()).toEqual(['OK']);
    // Raw commands keep the connection state too.
    expect(await a.sendCommand(['WATCH', 'w'])).toBe('OK');
    expect(await a.sendCommand(['MULTI'])).toBe('OK');
    expect(await a.sendCommand(['INCR', 'w'])).toBe('QUEUED');
    expect(await a.sendCommand(['EXEC'])).toEqual([4]);
    await expect(a.sendCommand(['EXEC'])).rejects.toThrow('ERR EXEC without MULTI');
  });

  it('WATCH fails when the key expires in between', async () => {
    const s = await mem({ housekeepingMs: 1_000_000 });
    const kv = s.kv;
    await kv.debug.setClock(T0);
    await kv.set('t', 'v', { PX: 10 });
    await kv.watch('t');
    await kv.debug.setClock(T0 + 20);
    expect(await kv.multi().set('x', '1').exec()).toBeNull();
  });
});

describe('pub/sub and keyspace notifications', () => {
  it('delivers messages and counts subscribers', async () => {
    const s = await mem();
    const sub = s.kv.duplicate(), pub = s.kv.duplicate();
    const got: Array<[string, string]> = [];
    await sub.subscribe('news', (m, c) => got.push([c, m]));
    await sub.pSubscribe('n*', (m, c) => got.push([`p:${c}`, m]));
    expect(await pub.publish('news', 'hello')).toBe(2);
    expect(await pub.publish('nope', 'x')).toBe(1);
    expect(await pub.publish('other', 'x')).toBe(0);
    await sleep(10);
    expect(got).toEqual([['news', 'hello'], ['p:news', 'hello'], ['p:nope', 'x']]);
    await sub.unsubscribe('news');
    await sub.pUnsubscribe();
    expect(await pub.publish('news', 'again')).toBe(0);
  });

  it('notifies key changes by pattern, expiry included', async () => {
    const s = await mem({ housekeepingMs: 10 });
    const kv = s.kv;
    const events: string[] = [];
    const stop = await kv.onKeyspace('user:*', (e) => events.push(`${e.event} ${e.key}`));
    await kv.debug.setClock(T0);
    await kv.set('user:1', 'a');
    await kv.hSet('user:2', 'f', 'v');
    await kv.set('other', 'x');
    await kv.set('user:3', 'v', { PX: 5 });
    await kv.del('user:1');
    await kv.debug.setClock(T0 + 100);
    for (let i = 0; i < 50 && !events.includes('expired user:3'); i++) await sleep(10);
    expect(events).toEqual(['set user:1', 'hset user:2', 'set user:3', 'del user:1', 'expired user:3']);
    await stop();
    await kv.set('user:9', 'x');
    await sleep(10);
    expect(events.length).toBe(5);
  });
});

describe('cost shape', () => {
  it('HSET on a big hash writes one field entry (and no meta when the field exists)', async () => {
    const s = await mem();
    const kv = s.kv;
    for (let i = 0; i < 20; i++) await kv.hSet('big', Object.fromEntries(Array.from({ length: 1000 }, (_, j) => [`f${i}-${j}`, 'v'])));
    expect(await kv.hLen('big')).toBe(20_000);
    const changes: ChangeEvent['changes'][] = [];
    s.on('change', (e) => changes.push(e.changes));
    await kv.hSet('big', 'f3-3', 'new');
    await kv.hSet('big', 'brand-new', 'v');
    await sleep(10);
    expect(changes.map((c) => c.length)).toEqual([1, 2]);
    await kv.lPush('list', Array.from({ length: 5000 }, (_, i) => String(i)));
    changes.length = 0;
    await kv.rPush('list', 'x');
    await kv.lSet('list', 100, 'y');
    await sleep(10);
    expect(changes.map((c) => c.length)).toEqual([2, 1]);
  });
});

describe('glob (Redis stringmatchlen rules)', () => {
  const m = (p: string, s: string) => globMatch(enc.encode(p), enc.encode(s));
  it('matches the documented cases', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*', '', false] /* Redis's own quirk: the loop never runs on an empty string */, ['*', 'abc', true], ['a*', 'abc', true], ['a*', 'bac', false], ['*c', 'abc', true],
      ['?', 'a', true], ['?', '', false], ['a?c', 'abc', true], ['a?c', 'ac', false],
      ['[abc]', 'b', true], ['[abc]', 'd', false], ['[^abc]', 'd', true], ['[^abc]', 'a', false],
      ['[a-c]x', 'bx', true], ['[c-a]x', 'bx', true], ['[a-c]', 'd', false],
      ['\\*', '*', true], ['\\*', 'a', false], ['a\\?', 'a?', true], ['[\\]]', ']', true], ['[\\-]', '-', true],
      ['h[ae]llo', 'hello', true], ['h[ae]llo', 'hallo', true], ['h[ae]llo', 'hillo', false],
      ['[', '[', false], ['[a', 'a', true], ['a[', 'a', false], ['**a', 'xa', true], ['a\\', 'a\\', true],
      ['user:*:name', 'user:42:name', true], ['user:*:name', 'user:42:age', false],
    ];
    for (const [p, s, want] of cases) expect(m(p, s), `${p} ~ ${s}`).toBe(want);
  });

  it('agrees with a regex model on patterns of literals, * and ?', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }), (pat, str) => {
        const p = pat.join(''), s = str.join('');
        if (s === '') return true; // Redis: a non-empty pattern never matches an empty string
        const re = new RegExp(`^${p.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        return m(p, s) === re.test(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('number formats', () => {
  it('prints doubles like printf %.17g (Redis 7.0 score replies)', () => {
    expect(fmtDouble(0.1)).toBe('0.10000000000000001');
    expect(fmtDouble(1.5e-7)).toBe('1.4999999999999999e-07');
    expect(fmtDouble(1e20)).toBe('1e+20');
    expect(fmtDouble(3)).toBe('3');
    expect(fmtDouble(-2.5)).toBe('-2.5');
    expect(fmtDouble(Infinity)).toBe('inf');
    expect(fmtDouble(123456789012345680)).toBe('1.2345678901234568e+17');
  });

  it('adds like an 80-bit long double (INCRBYFLOAT)', () => {
    const add = (a: string, b: string) => formatLD(addLD(parseLD(a)!, parseLD(b)!)!);
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(add('0', '1e20')).toBe('100000000000000000000');
    expect(add('10.5', '0.1')).toBe('10.6');
    expect(add('5', '1.0e3')).toBe('1005');
    expect(add('1', '-1')).toBe('0');
    expect(add('0', '1e-20')).toBe('0');
    expect(parseLD('abc')).toBeUndefined();
    expect(parseLD('1e5000')).toBeUndefined();
  });
});
