/**
 * Differential test of the kv view against a real redis-server 7: the same command sequences go
 * to both and every reply is compared, then the whole final state. Random picks (SPOP,
 * SRANDMEMBER, HRANDFIELD, RANDOMKEY), SCAN order and TTL clocks are compared by invariant; every
 * other reply must be identical, error texts included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { openStore, type Store } from '../src/index.js';
import type { KvApi } from '../src/client/kv.js';

const REDIS = '/usr/bin/redis-server';
let server: ChildProcess | undefined;
let redis: ReturnType<typeof createClient>;
let store: Store;
let kv: KvApi;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((res) => {
      const c = new Socket();
      c.once('error', () => res(false));
      c.connect(port, '127.0.0.1', () => { c.destroy(); res(true); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

beforeAll(async () => {
  if (!existsSync(REDIS)) throw new Error(`${REDIS} is missing: the kv differential test needs a real redis-server 7 (apt-get install redis-server)`);
  const port = await freePort();
  server = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(port);
  redis = createClient({ socket: { host: '127.0.0.1', port }, RESP: 2 });
  redis.on('error', () => {});
  await redis.connect();
  store = await openStore(`kv-diff-${Date.now()}`, { worker: false, persist: false });
  kv = store.kv;
});

afterAll(async () => {
  await redis?.close().catch(() => {});
  server?.kill('SIGKILL');
  await store?.close();
});

type Out = { ok: unknown } | { err: string };

async function both(args: string[]): Promise<[Out, Out]> {
  const [a, b] = await Promise.all([settle(redis.sendCommand(args)), settle(kv.sendCommand(args))]);
  return [a, b];
}

function settle(p: Promise<unknown>): Promise<Out> {
  return p.then((ok) => ({ ok }), (e: Error) => ({ err: e.message }));
}

// ---- random command generation ----

/** A small seeded PRNG so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'bh', 'bl', 'bS', 'bz'];
/** Keys each type's commands prefer (most commands hit a key of their type; some hit WRONGTYPE). */
const FAMILY: Record<string, string[]> = { s: ['k0', 'k1'], h: ['k2', 'k3', 'bh'], l: ['k4', 'k5', 'bl'], S: ['k6', 'k7', 'bS'], z: ['k8', 'k9', 'bz'] };
/** Members for the big containers (bh, bl, bS, bz) that cross Redis's compact-encoding sizes. */
const BIG = Array.from({ length: 400 }, (_, i) => `m${i}`);
const VALUES = ['a', 'b', 'c', 'hello', '', '1', '2', '-3', '10', '0', '00', '1.5', '0.1', 'x y', '9223372036854775807', '-9223372036854775808', 'abc', 'e', '12345678901234567890'];
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'aa', 'ab', 'b\u00e9', '1', '2', '10', ''];
const INTS = ['0', '1', '2', '3', '-1', '-2', '5', '10', '-10', '100'];
const BAD_INTS = ['abc', '1.5', '', ' 1', '+1', '01', '9223372036854775808', '-0'];
const SCORES = ['0', '1', '2', '-1', '1.5', '-2.5', '3', '10', '0.1', '+inf', '-inf', '1e2', '-0'];
const BAD_SCORES = ['nan', 'abc', '', '1e400', '1.5.2'];
const RANGE_SCORES = ['-inf', '+inf', '0', '1', '(1', '2', '(2', '-1', '(0', '1.5', '10', 'x', '(x', '', '('];
const LEX = ['-', '+', '[a', '(a', '[b', '(b', '[c', '[aa', '(ab', '[', '(', 'a', '[d'];
const FLOATS = ['0.1', '0.2', '1', '-1', '2.5', '1e3', '-0.3', '3.0e-2', '10.5', 'abc', 'inf', '', '1e400'];

function generator(r: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number): boolean => r() < p;
  let fam = 's';
  const key = (): string => (fam !== 'any' && chance(0.9) ? pick(FAMILY[fam]) : pick(KEYS));
  const int = (): string => (chance(0.05) ? pick(BAD_INTS) : pick(INTS));
  const val = (): string => pick(VALUES);
  const mem = (): string => pick(MEMBERS);
  const some = <T>(f: () => T, max = 4): T[] => Array.from({ length: 1 + Math.floor(r() * max) }, f);
  const score = (): string => (chance(0.03) ? pick(BAD_SCORES) : pick(SCORES));
  const expiry = (): string[] => pick([[], [], ['EX', pick(['100', '1000', '0', '-1', 'x'])], ['PX', pick(['200000', '0'])], ['EXAT', String(Math.floor(Date.now() / 1000) + 5000)], ['PXAT', String(Date.now() + 500000)], ['KEEPTTL']]);
  const cmds: Array<[number, () => string[]]> = [
    // strings
    [6, () => ['SET', key(), val(), ...expiry(), ...(chance(0.2) ? [pick(['NX', 'XX'])] : []), ...(chance(0.15) ? ['GET'] : []), ...(chance(0.03) ? [pick(['EX', 'FOO', 'NX', 'PERSIST'])] : [])]],
    [5, () => ['GET', key()]],
    [1, () => ['SETNX', key(), val()]],
    [1, () => ['SETEX', key(), pick(['100', '0', '-5', 'x', '1000']), val()]],
    [1, () => ['PSETEX', key(), pick(['100000', '0', 'x']), val()]],
    [1, () => ['GETSET', key(), val()]],
    [1, () => ['GETDEL', key()]],
    [1, () => ['GETEX', key(), ...pick([[], ['PERSIST'], ['EX', '500'], ['PX', '900000'], ['EXAT', '1'], ['PXAT', String(Date.now() + 999999)], ['EX', '0'], ['KEEPTTL'], ['EX']])]],
    [2, () => ['MGET', ...some(key)]],
    [2, () => ['MSET', ...some(() => [key(), val()], 3).flat(), ...(chance(0.05) ? ['odd'] : [])]],
    [1, () => ['MSETNX', ...some(() => [key(), val()], 3).flat()]],
    [2, () => ['APPEND', key(), val()]],
    [1, () => ['STRLEN', key()]],
    [2, () => ['GETRANGE', key(), int(), int()]],
    [1, () => ['SETRANGE', key(), pick(['0', '1', '3', '-1', 'x', '10']), val()]],
    [3, () => ['INCR', key()]],
    [1, () => ['DECR', key()]],
    [2, () => ['INCRBY', key(), pick([...INTS, '9223372036854775807', '-9223372036854775808', 'x'])]],
    [1, () => ['DECRBY', key(), pick([...INTS, '-9223372036854775808', 'x'])]],
    [3, () => ['INCRBYFLOAT', key(), pick(FLOATS)]],
    // keys
    [2, () => ['DEL', ...some(key, 2)]],
    [1, () => ['UNLINK', key()]],
    [2, () => ['EXISTS', ...some(key)]],
    [3, () => ['TYPE', key()]],
    [1, () => ['RENAME', key(), key()]],
    [1, () => ['RENAMENX', key(), key()]],
    [2, () => ['EXPIRE', key(), pick(['100', '500', '-1', '0', 'x', '9223372036854775807']), ...(chance(0.4) ? [pick(['NX', 'XX', 'GT', 'LT', 'FOO'])] : []), ...(chance(0.1) ? [pick(['NX', 'GT', 'LT'])] : [])]],
    [1, () => ['PEXPIRE', key(), pick(['100000', '900000', '-5']), ...(chance(0.3) ? [pick(['NX', 'XX', 'GT', 'LT'])] : [])]],
    [1, () => ['EXPIREAT', key(), pick([String(Math.floor(Date.now() / 1000) + 1000), '1', '0']), ...(chance(0.3) ? [pick(['NX', 'XX', 'GT', 'LT'])] : [])]],
    [1, () => ['PEXPIREAT', key(), pick([String(Date.now() + 2000000), '5'])]],
    [2, () => ['TTL', key()]],
    [1, () => ['PTTL', key()]],
    [1, () => ['EXPIRETIME', key()]],
    [1, () => ['PERSIST', key()]],
    [1, () => ['DBSIZE']],
    [1, () => ['KEYS', pick(['*', 'k[0-3]', 'k?', 'k[^1]*', '*1', 'x*', 'k\\1', '[', 'k[1-'])]],
    [1, () => ['COPY', key(), key(), ...(chance(0.5) ? ['REPLACE'] : []), ...(chance(0.05) ? ['DB', '0'] : [])]],
    [0.3, () => ['FLUSHDB']],
    // hashes
    [5, () => ['HSET', key(), ...some(() => [mem(), val()], 3).flat(), ...(chance(0.03) ? ['odd'] : [])]],
    [1, () => ['HSETNX', key(), mem(), val()]],
    [3, () => ['HGET', key(), mem()]],
    [1, () => ['HMGET', key(), ...some(mem)]],
    [2, () => ['HDEL', key(), ...some(mem, 3)]],
    [1, () => ['HEXISTS', key(), mem()]],
    [1, () => ['HLEN', key()]],
    [1, () => ['HKEYS', key()]],
    [1, () => ['HVALS', key()]],
    [2, () => ['HGETALL', key()]],
    [2, () => ['HINCRBY', key(), mem(), pick([...INTS, '9223372036854775807', 'x'])]],
    [2, () => ['HINCRBYFLOAT', key(), mem(), pick(FLOATS)]],
    [1, () => ['HSTRLEN', key(), mem()]],
    // lists
    [5, () => ['LPUSH', key(), ...some(mem)]],
    [5, () => ['RPUSH', key(), ...some(mem)]],
    [1, () => ['LPUSHX', key(), ...some(mem)]],
    [1, () => ['RPUSHX', key(), mem()]],
    [2, () => ['LPOP', key(), ...(chance(0.4) ? [pick(['0', '1', '2', '5', '-1', 'x'])] : [])]],
    [2, () => ['RPOP', key(), ...(chance(0.4) ? [pick(['0', '1', '3'])] : [])]],
    [1, () => ['LLEN', key()]],
    [3, () => ['LRANGE', key(), int(), int()]],
    [2, () => ['LINDEX', key(), int()]],
    [1, () => ['LSET', key(), int(), mem()]],
    [2, () => ['LINSERT', key(), pick(['BEFORE', 'AFTER', 'after', 'middle']), mem(), mem()]],
    [2, () => ['LREM', key(), pick(['0', '1', '-1', '2', '-2', 'x']), mem()]],
    [1, () => ['LTRIM', key(), int(), int()]],
    [2, () => ['LPOS', key(), mem(), ...(chance(0.4) ? ['RANK', pick(['1', '2', '-1', '-2', '0', 'x'])] : []), ...(chance(0.4) ? ['COUNT', pick(['0', '1', '2', '-1'])] : []), ...(chance(0.3) ? ['MAXLEN', pick(['0', '1', '3', '-1'])] : []), ...(chance(0.03) ? ['BOGUS'] : [])]],
    [2, () => ['LMOVE', key(), key(), pick(['LEFT', 'RIGHT', 'left', 'UP']), pick(['LEFT', 'RIGHT'])]],
    // sets
    [5, () => ['SADD', key(), ...some(mem)]],
    [2, () => ['SREM', key(), ...some(mem)]],
    [2, () => ['SISMEMBER', key(), mem()]],
    [1, () => ['SMISMEMBER', key(), ...some(mem)]],
    [2, () => ['SMEMBERS', key()]],
    [1, () => ['SCARD', key()]],
    [1, () => ['SMOVE', key(), key(), mem()]],
    [1, () => ['SINTER', ...some(key, 3)]],
    [1, () => ['SUNION', ...some(key, 3)]],
    [1, () => ['SDIFF', ...some(key, 3)]],
    [1, () => ['SINTERSTORE', key(), ...some(key, 3)]],
    [1, () => ['SUNIONSTORE', key(), ...some(key, 3)]],
    [1, () => ['SDIFFSTORE', key(), ...some(key, 3)]],
    [1, () => { const ks = some(key, 3); return ['SINTERCARD', pick([String(ks.length), String(ks.length), '0', '9']), ...ks, ...(chance(0.4) ? ['LIMIT', pick(['0', '1', '2', '-1'])] : [])]; }],
    // sorted sets
    [6, () => ['ZADD', key(), ...(chance(0.3) ? [pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'])] : []), ...(chance(0.15) ? [pick(['NX', 'XX', 'GT', 'LT', 'CH'])] : []), ...some(() => [score(), mem()], 3).flat()]],
    [2, () => ['ZINCRBY', key(), pick([...SCORES, 'nan']), mem()]],
    [2, () => ['ZREM', key(), ...some(mem)]],
    [2, () => ['ZSCORE', key(), mem()]],
    [1, () => ['ZMSCORE', key(), ...some(mem)]],
    [1, () => ['ZCARD', key()]],
    [2, () => ['ZCOUNT', key(), pick(RANGE_SCORES), pick(RANGE_SCORES)]],
    [2, () => ['ZLEXCOUNT', key(), pick(LEX), pick(LEX)]],
    [4, () => {
      const by = pick(['', '', 'BYSCORE', 'BYLEX']);
      const bounds = by === 'BYLEX' ? [pick(LEX), pick(LEX)] : by === 'BYSCORE' ? [pick(RANGE_SCORES), pick(RANGE_SCORES)] : [int(), int()];
      return ['ZRANGE', key(), ...bounds, ...(by ? [by] : []), ...(chance(0.3) ? ['REV'] : []), ...(chance(0.3) ? ['LIMIT', pick(['0', '1', '-1', '2']), pick(['1', '2', '-1', '0'])] : []), ...(chance(0.3) ? ['WITHSCORES'] : [])];
    }],
    [2, () => ['ZRANGEBYSCORE', key(), pick(RANGE_SCORES), pick(RANGE_SCORES), ...(chance(0.3) ? ['WITHSCORES'] : []), ...(chance(0.3) ? ['LIMIT', pick(['0', '1', '-1']), pick(['1', '2', '-1'])] : [])]],
    [1, () => ['ZREVRANGE', key(), int(), int(), ...(chance(0.3) ? ['WITHSCORES'] : [])]],
    [1, () => ['ZREVRANGEBYSCORE', key(), pick(RANGE_SCORES), pick(RANGE_SCORES)]],
    [1, () => ['ZRANGEBYLEX', key(), pick(LEX), pick(LEX)]],
    [2, () => ['ZRANK', key(), mem()]],
    [1, () => ['ZREVRANK', key(), mem()]],
    [2, () => ['ZPOPMIN', key(), ...(chance(0.5) ? [pick(['0', '1', '2', '-1', 'x'])] : [])]],
    [1, () => ['ZPOPMAX', key(), ...(chance(0.5) ? [pick(['0', '1', '3'])] : [])]],
    [1, () => ['ZREMRANGEBYSCORE', key(), pick(RANGE_SCORES), pick(RANGE_SCORES)]],
    [1, () => ['ZREMRANGEBYRANK', key(), int(), int()]],
    [1, () => {
      const ks = some(key, 3);
      return [pick(['ZUNIONSTORE', 'ZINTERSTORE']), key(), pick([String(ks.length), String(ks.length), '0', '5']), ...ks,
        ...(chance(0.3) ? ['WEIGHTS', ...ks.map(() => pick(['1', '2', '0', '-1', 'x']))] : []), ...(chance(0.3) ? ['AGGREGATE', pick(['SUM', 'MIN', 'MAX', 'AVG'])] : [])];
    }],
    // equal scores (what lex ranges are for) and big containers (paged scans, long lists)
    [2, () => ['ZADD', key(), ...some(() => ['0', mem()], 4).flat()]],
    [2, () => {
      const t = pick(['SADD', 'HSET', 'ZADD', 'RPUSH', 'LPUSH']);
      const items = Array.from({ length: 20 }, () => pick(BIG));
      const args = t === 'HSET' ? items.flatMap((m) => [m, val()]) : t === 'ZADD' ? items.flatMap((m) => [pick(['0', '1', '2', '5']), m]) : items;
      return [t, { SADD: 'bS', HSET: 'bh', ZADD: 'bz', RPUSH: 'bl', LPUSH: 'bl' }[t]!, ...args];
    }],
    [1, () => ['LREM', 'bl', pick(['0', '2', '-3']), pick(BIG)]],
    [1, () => ['LINSERT', 'bl', pick(['BEFORE', 'AFTER']), pick(BIG), mem()]],
    [1, () => ['ZRANGE', 'bz', pick(LEX.concat(['[m1', '(m2', '[m3'])), pick(LEX.concat(['[m5', '(m9'])), 'BYLEX', ...(chance(0.3) ? ['REV'] : [])]],
    // arity and unknown commands
    [0.5, () => pick([['GET'], ['SET', 'k1'], ['HSET', 'k1', 'f'], ['LPUSH', 'k1'], ['ZADD', 'k1', '1'], ['NOSUCHCMD', 'a', 'b'], ['hget', 'k1'], ['EXISTS'], ['LPOP', 'k1', '1', '2']])],
  ];
  const total = cmds.reduce((s, c) => s + c[0], 0);
  return (): string[] => {
    let x = r() * total;
    for (const [w, f] of cmds) {
      x -= w;
      if (x <= 0) {
        fam = 'any';
        const probe = f();
        fam = familyOf(probe[0].toUpperCase());
        return fam === 'any' ? probe : f();
      }
    }
    return cmds[0][1]();
  };
}

// ---- comparison ----

const STRING_CMDS = new Set(['GET', 'SET', 'SETNX', 'SETEX', 'PSETEX', 'GETSET', 'GETDEL', 'GETEX', 'MGET', 'MSET', 'MSETNX', 'APPEND', 'STRLEN', 'GETRANGE', 'SETRANGE', 'INCR', 'DECR', 'INCRBY', 'DECRBY', 'INCRBYFLOAT']);

/** Which keys a command prefers: its type's family, or any key for keyspace commands. */
function familyOf(name: string): string {
  if (STRING_CMDS.has(name)) return 's';
  if (name === 'RENAME' || name === 'RENAMENX') return 'any';
  const f = ({ H: 'h', L: 'l', R: 'l', S: 'S', Z: 'z' } as Record<string, string>)[name[0]];
  return f ?? 'any';
}

const SORTED = new Set(['KEYS', 'SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'HKEYS', 'HVALS']);

function normalize(cmd: string, o: Out): Out {
  if (!('ok' in o)) return o;
  const v = o.ok;
  // Integer replies beyond 2^53 are not exact in JS; node-redis and Number(bigint) round differently.
  if (typeof v === 'number' && !Number.isSafeInteger(v)) return { ok: v.toPrecision(14) };
  if (SORTED.has(cmd) && Array.isArray(v)) return { ok: [...v].sort() };
  if (cmd === 'HGETALL' && Array.isArray(v)) {
    const pairs: string[] = [];
    for (let i = 0; i < v.length; i += 2) pairs.push(`${v[i]}\u0000${v[i + 1]}`);
    return { ok: pairs.sort() };
  }
  return o;
}

function closeEnough(cmd: string, a: Out, b: Out): boolean {
  if (!('ok' in a) || !('ok' in b)) return false;
  const x = a.ok as number, y = b.ok as number;
  if (typeof x !== 'number' || typeof y !== 'number') return false;
  if (x < 0 || y < 0) return x === y;
  const tol = cmd === 'PTTL' || cmd === 'PEXPIRETIME' ? 1500 : 2;
  return Math.abs(x - y) <= tol;
}

/** Full state of a side, by the same commands on both. */
async function dump(send: (a: string[]) => Promise<unknown>): Promise<Record<string, unknown>> {
  const keys = ((await send(['KEYS', '*'])) as string[]).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const t = (await send(['TYPE', k])) as string;
    let v: unknown;
    if (t === 'string') v = await send(['GET', k]);
    else if (t === 'hash') v = normalize('HGETALL', { ok: await send(['HGETALL', k]) });
    else if (t === 'list') v = await send(['LRANGE', k, '0', '-1']);
    else if (t === 'set') v = ((await send(['SMEMBERS', k])) as string[]).sort();
    else v = await send(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
    const ttl = (await send(['TTL', k])) as number;
    out[k] = { t, v, ttl: ttl > 0 ? 'ttl' : ttl };
  }
  out.$dbsize = await send(['DBSIZE']);
  return out;
}

async function fullScan(send: (a: string[]) => Promise<unknown>, args: string[], cursorAt: number): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  let rounds = 0;
  do {
    const a = args.slice();
    a[cursorAt] = cursor;
    const [c, items] = (await send(a)) as [string, string[]];
    cursor = c;
    // For HSCAN/ZSCAN keep field/value pairs together.
    if (a[0] === 'HSCAN' || a[0] === 'ZSCAN') for (let i = 0; i < items.length; i += 2) seen.add(`${items[i]}=${items[i + 1]}`);
    else for (const x of items) seen.add(x);
    if (++rounds > 10000) throw new Error('scan did not terminate');
  } while (cursor !== '0');
  return [...seen].sort();
}

/** Commands compared by invariant, run one at a time between pipelined batches. */
async function special(gen: () => number, key: string, log: string[]): Promise<void> {
  const k = key;
  const pick = <T>(xs: T[]): T => xs[Math.floor(gen() * xs.length)];
  const kind = pick(['SPOP', 'SRANDMEMBER', 'HRANDFIELD', 'RANDOMKEY', 'SCAN', 'HSCAN', 'SSCAN', 'ZSCAN']);
  const rs = (a: string[]) => redis.sendCommand(a);
  const ls = (a: string[]) => kv.sendCommand(a);
  if (kind === 'SCAN' || kind === 'HSCAN' || kind === 'SSCAN' || kind === 'ZSCAN') {
    const opts = [...(gen() < 0.5 ? ['MATCH', pick(['*', 'k[12]', 'a*', '?', '*b*'])] : []), ...(gen() < 0.5 ? ['COUNT', pick(['1', '2', '5', '100'])] : []), ...(kind === 'SCAN' && gen() < 0.4 ? ['TYPE', pick(['string', 'hash', 'list', 'set', 'zset', 'none', 'HASH'])] : [])];
    const args = kind === 'SCAN' ? ['SCAN', '0', ...opts] : [kind, k, '0', ...opts];
    const at = kind === 'SCAN' ? 1 : 2;
    const [a, b] = await Promise.all([settle(fullScan(rs, args, at)), settle(fullScan(ls, args, at))]);
    log.push(args.join(' '));
    expect(b, args.join(' ')).toEqual(a);
    return;
  }
  if (kind === 'RANDOMKEY') {
    const b = await settle(ls(['RANDOMKEY']));
    const size = await rs(['DBSIZE']);
    if ('ok' in b && b.ok !== null) expect(await rs(['EXISTS', b.ok as string])).toBe(1);
    else expect(size).toBe(0);
    return;
  }
  const count = gen() < 0.6 ? [pick(['0', '1', '2', '3', '10', '-2', '-5', 'x'])] : [];
  if (kind === 'SPOP' && count[0]?.startsWith('-')) count[0] = count[0].slice(1);
  const args = [kind, k, ...count, ...(kind === 'HRANDFIELD' && count.length && gen() < 0.5 ? ['WITHVALUES'] : [])];
  log.push(args.join(' '));
  const b = await settle(ls(args));
  if (kind === 'SPOP') {
    // Apply exactly what ours popped to Redis, so both stay equal (SREM proves they were members).
    if ('err' in b) return void expect(b).toEqual(await settle(rs(args)));
    const popped = b.ok === null ? [] : Array.isArray(b.ok) ? (b.ok as string[]) : [b.ok as string];
    if (popped.length) expect(await rs(['SREM', k, ...popped])).toBe(popped.length);
    else if (count[0] !== '0') expect(await settle(rs(['SCARD', k]))).toEqual({ ok: 0 });
    expect(await rs(['SCARD', k])).toBe(await ls(['SCARD', k]));
    return;
  }
  const a = await settle(rs(args));
  if ('err' in a || 'err' in b) return void expect(b).toEqual(a);
  if (a.ok === null || b.ok === null || !Array.isArray(a.ok)) {
    // Single pick: both nil, or both a member.
    expect(b.ok === null).toBe(a.ok === null);
    return;
  }
  const n = Number(count[0]);
  expect((b.ok as unknown[]).length, args.join(' ')).toBe((a.ok as unknown[]).length);
  if (n > 0 && (b.ok as unknown[]).length < n * (args.includes('WITHVALUES') ? 2 : 1)) {
    // Asked for at least as many as there are: the whole collection, compared as a set.
    expect([...(b.ok as string[])].sort()).toEqual([...(a.ok as string[])].sort());
  }
}

describe('kv differential vs redis-server', () => {
  const SEEDS = Number(process.env.KV_DIFF_SEEDS ?? 24);
  const PER_SEED = Number(process.env.KV_DIFF_COMMANDS ?? 2500);

  it(`matches redis-server on ${SEEDS} x ${PER_SEED} random commands`, async () => {
    let total = 0, errors = 0;
    const errHist = new Map<string, number>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed * 7919);
      const next = generator(r);
      await redis.sendCommand(['FLUSHALL']);
      await kv.sendCommand(['FLUSHDB']);
      const log: string[] = [];
      let done = 0;
      while (done < PER_SEED) {
        const batch = Array.from({ length: 1 + Math.floor(r() * 40) }, next);
        const ra = batch.map((a) => settle(redis.sendCommand(a)));
        const la = batch.map((a) => settle(kv.sendCommand(a)));
        const [rr, lr] = await Promise.all([Promise.all(ra), Promise.all(la)]);
        for (let i = 0; i < batch.length; i++) {
          const cmd = batch[i][0].toUpperCase();
          log.push(batch[i].join(' '));
          const a = normalize(cmd, rr[i]), b = normalize(cmd, lr[i]);
          if ('err' in a) { errors++; errHist.set(`${cmd}: ${a.err.slice(0, 40)}`, (errHist.get(`${cmd}: ${a.err.slice(0, 40)}`) ?? 0) + 1); }
          if (['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME'].includes(cmd) && closeEnough(cmd, a, b)) continue;
          if (JSON.stringify(a) !== JSON.stringify(b)) {
            throw new Error(`seed ${seed}: divergence at command ${done + i}: ${batch[i].map((x) => JSON.stringify(x)).join(' ')}\n  redis: ${JSON.stringify(a)}\n  larder: ${JSON.stringify(b)}\n  last commands:\n    ${log.slice(-25).join('\n    ')}`);
          }
        }
        done += batch.length;
        if (process.env.KV_DIFF_PARANOID) {
          const [da, db] = await Promise.all([dump((a) => redis.sendCommand(a)), dump((a) => kv.sendCommand(a))]);
          expect(db, `seed ${seed}: state after ${log.slice(-batch.length).join('\n')}`).toEqual(da);
        }
        if (r() < 0.15) {
          await special(r, pick(r, KEYS), log);
          done++;
        }
      }
      total += done;
      const [da, db] = await Promise.all([dump((a) => redis.sendCommand(a)), dump((a) => kv.sendCommand(a))]);
      expect(db, `seed ${seed}: final state`).toEqual(da);
    }
    if (process.env.KV_DIFF_ERRORS) console.log([...errHist].sort((x, y) => y[1] - x[1]).slice(0, 30));
    console.log(`kv differential: ${total} commands over ${SEEDS} seeds (${errors} error replies), every reply and final state equal`);
  });
});

describe('kv edge cases vs redis-server', () => {
  /** Every command with no arguments and with one too many: the arity errors must match. */
  it('arity errors and unknown commands match', async () => {
    const { COMMANDS } = await import('../src/views/kv/commands.js');
    await redis.sendCommand(['FLUSHALL']);
    await kv.sendCommand(['FLUSHDB']);
    let n = 0;
    for (const [name, c] of Object.entries(COMMANDS)) {
      if (['info', 'flushall', 'flushdb', 'randomkey', 'dbsize', 'keys', 'scan'].includes(name)) continue;
      const tries = [[name], [name, 'k'], ...(c.arity > 0 ? [[name, ...Array(c.arity).fill('1')]] : [])];
      for (const t of tries) {
        const [a, b] = await both(t);
        expect(normalize(name.toUpperCase(), b), t.join(' ')).toEqual(normalize(name.toUpperCase(), a));
        n++;
      }
    }
    for (const t of [['nosuch'], ['nosuch', 'a', 'b'], ['NoSuch', 'x'.repeat(200), 'y']]) {
      const [a, b] = await both(t);
      expect(b, t.join(' ')).toEqual(a);
    }
    expect(n).toBeGreaterThan(150);
  });

  it('bad input gets Redis errors and changes nothing', async () => {
    await redis.sendCommand(['FLUSHALL']);
    await kv.sendCommand(['FLUSHDB']);
    const cases: string[][] = [
      ['SET', 'n', '9223372036854775807'], ['INCR', 'n'], ['INCRBY', 'n', '1'], ['DECRBY', 'n', '-9223372036854775808'],
      ['SET', 'm', '-9223372036854775808'], ['DECR', 'm'], ['INCRBY', 'm', '-1'], ['INCRBY', 'x', 'nope'], ['INCRBY', 'x', '1.0'],
      ['SET', 'f', '1.5'], ['INCR', 'f'], ['INCRBYFLOAT', 'f', '1e400'], ['INCRBYFLOAT', 'f', 'inf'], ['INCRBYFLOAT', 'f', '0.1'],
      ['HSET', 'h', '__proto__', 'x', 'constructor', 'y'], ['HGETALL', 'h'], ['HINCRBY', 'h', '__proto__', '1'], ['HINCRBYFLOAT', 'h', 'z', 'inf'],
      ['SET', '__proto__', 'v'], ['GET', '__proto__'], ['TYPE', '__proto__'], ['EXISTS', '__proto__', 'toString'],
      ['SET', 'k', 'v', 'EX', '10', 'PX', '10'], ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'KEEPTTL', 'EX', '1'], ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'PX', '-1'], ['SET', 'k', 'v', 'EX', '10', 'EX', '20'], ['TTL', 'k'],
      ['LPUSH', 'l', 'a'], ['LSET', 'l', '5', 'x'], ['LSET', 'nol', '0', 'x'], ['LINDEX', 'l', 'x'], ['LPOP', 'l', '-1'], ['LPOP', 'l', 'x'],
      ['LPOS', 'l', 'a', 'RANK', '0'], ['LPOS', 'l', 'a', 'COUNT', 'x'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
      ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], ['ZINCRBY', 'z', 'x', 'a'],
      ['ZADD', 'z', '+inf', 'a'], ['ZINCRBY', 'z', '-inf', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z', '(', '(', 'BYSCORE'], ['ZRANGE', 'z', '', '', 'BYSCORE'], ['ZRANGE', 'z', ' 1', '2', 'BYSCORE'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'], ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'REV'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZUNIONSTORE', 'd', '1', 'z', 'WEIGHTS'], ['ZUNIONSTORE', 'd', '2', 'z', 'z', 'WEIGHTS', '0', 'inf'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['SETRANGE', 's', '-1', 'x'], ['SETRANGE', 's', '536870912', 'x'], ['APPEND', 'n', ''], ['GETRANGE', 'n', '0', 'x'],
      ['EXPIRE', 'k', '10', 'NX', 'XX'], ['EXPIRE', 'k', '10', 'GT', 'LT'], ['EXPIRE', 'k', 'x'], ['EXPIRE', 'k', '9223372036854775807'],
      ['PEXPIRE', 'k', '9223372036854775807'], ['EXPIRE', 'k', '10', 'nope'], ['SCAN', 'x'], ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'FOO', 'x'],
      ['HSCAN', 'h', 'x'], ['HSCAN', 'nokey', '0', 'BAD'], ['HSCAN', 'h', '0', 'TYPE', 'string'],
      ['RENAME', 'nokey', 'x'], ['RENAME', 'n', 'n'], ['RENAMENX', 'n', 'n'], ['COPY', 'n', 'n'], ['COPY', 'n', 'n2', 'BAD'],
      ['SINTERCARD', '0', 'a'], ['SINTERCARD', '3', 'a'], ['SINTERCARD', '1', 'a', 'LIMIT', '-1'], ['SINTERCARD', '1', 'a', 'BAD'],
      ['HRANDFIELD', 'h', '1', 'BAD'], ['HRANDFIELD', 'h', 'x'], ['SRANDMEMBER', 'h', '1', '2'], ['SPOP', 'n', '1'],
      ['FLUSHDB', 'BAD'], ['GETEX', 'n', 'KEEPTTL'], ['GETEX', 'n', 'EX', '0'], ['GETEX', 'n', 'PERSIST', 'EX', '5'],
      ['MSET', 'a'], ['MSET', 'a', '1', 'b'], ['HSET', 'h', 'f'], ['HMSET', 'h', 'f', 'v'], ['PING'], ['ECHO', 'hi'],
      ['DBSIZE'], ['KEYS', '*'],
    ];
    for (const t of cases) {
      const [a, b] = await both(t);
      const cmd = t[0].toUpperCase();
      if (cmd === 'TTL' && closeEnough(cmd, a, b)) continue;
      expect(normalize(cmd, b), t.join(' ')).toEqual(normalize(cmd, a));
    }
    const [da, db] = await Promise.all([dump((a) => redis.sendCommand(a)), dump((a) => kv.sendCommand(a))]);
    expect(db).toEqual(da);
  });
});

function pick<T>(r: () => number, xs: T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

