/**
 * `store.kv`: Redis for the browser (issue 4). Method names and shapes follow node-redis; every
 * method is one `kv.cmd` call carrying the raw command, with at most a reshaping of the reply
 * (hGetAll's flat array into an object, scores into numbers), so each command is implemented once,
 * in the worker (src/views/kv). A KvApi is also a connection: it holds WATCH and MULTI state and
 * pub/sub subscriptions, like a node-redis client (use `duplicate()` for an independent one).
 *
 * Replies: integers are numbers, bulk strings are strings (or Uint8Array through `withBuffers()`
 * / `sendCommand(args, { returnBuffers: true })`), nil is null. Errors reject with LarderError
 * carrying Redis's message text (`WRONGTYPE ...`, `ERR ...`).
 */
import { LarderError, type LarderErrorCode } from '../errors.js';
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';
import type { KvInfo } from '../views/kv/info.js';

/** A command argument: strings and bytes as Redis sees them; numbers are sent as decimal text. */
export type RedisArg = string | Uint8Array | number;
/** A bulk-string reply: a string, or bytes when buffers were asked for. */
export type Bulk = string;

/** SET's options (node-redis style). */
export interface SetOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
  KEEPTTL?: boolean;
  NX?: boolean;
  XX?: boolean;
  GET?: boolean;
}

/** GETEX's options. */
export type GetExOptions = { EX: number } | { PX: number } | { EXAT: number } | { PXAT: number } | { PERSIST: true };

/** SCAN's options. */
export interface ScanOptions {
  MATCH?: string;
  COUNT?: number;
  TYPE?: string;
}

/** ZADD's options. */
export interface ZAddOptions {
  NX?: boolean;
  XX?: boolean;
  GT?: boolean;
  LT?: boolean;
  CH?: boolean;
}

/** ZRANGE's options. */
export interface ZRangeOptions {
  BY?: 'SCORE' | 'LEX';
  REV?: boolean;
  LIMIT?: { offset: number; count: number };
}

/** A sorted-set element. */
export interface ZMember {
  score: number;
  value: RedisArg;
}

/** A keyspace notification: the key and Redis's event name ('set', 'hset', 'expired', 'del'...). */
export interface KeyspaceEvent {
  key: string;
  event: string;
}

/** What INFO-like `kv.info()` returns: the view's stats, as the worker computes them. */
export type { KvInfo } from '../views/kv/info.js';

type Listener = (message: any, channel: string) => void;
type Transform = (r: any) => any;

const num = (r: any): number | null => (r === null ? null : Number(r));
const dec = new TextDecoder();

function toObject(flat: any[]): Record<string, any> {
  const o: Record<string, any> = Object.create(null);
  for (let i = 0; i < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
}

function pairs(flat: any[]): Array<{ value: any; score: number }> {
  const out: Array<{ value: any; score: number }> = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ value: flat[i], score: Number(flat[i + 1]) });
  return out;
}

function list<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

/** Rebuilds errors carried inside an EXEC reply ({ $err: [code, message] }). */
function rehydrate(r: any): any {
  if (r && typeof r === 'object' && !Array.isArray(r) && !(r instanceof Uint8Array) && Array.isArray(r.$err)) {
    return new LarderError(r.$err[0] as LarderErrorCode, r.$err[1]);
  }
  return r;
}

/** The key-value API, bound to a store or a transaction. */
export class KvApi {
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;
  /** @internal Bulk replies as Uint8Array. */
  protected buffers = false;
  private watchToken: unknown = null;
  private queued: Array<{ args: RedisArg[]; t?: Transform }> | null = null;
  private readonly subs = { channel: new Map<string, Set<Listener>>(), pattern: new Map<string, Set<Listener>>(), keyspace: new Map<string, Set<(e: KeyspaceEvent) => void>>() };
  private unfeed?: () => void;

  /** @internal Use store.kv. */
  constructor(q: CallQueue, feed: Feed, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.tx = tx;
  }

  /** @internal Runs one command; subclasses (multi) queue instead. */
  protected run(args: RedisArg[], t?: Transform): any {
    const p = this.q.call<any>('kv', 'cmd', this.buffers ? [args, true] : [args], this.tx);
    return t ? p.then(t) : p;
  }

  /** An independent connection (its own WATCH, MULTI and subscriptions) on the same store. */
  duplicate(): KvApi {
    const k = new KvApi(this.q, this.feed, this.tx);
    k.buffers = this.buffers;
    return k;
  }

  /** The same API with bulk replies as Uint8Array (binary-safe reads). */
  withBuffers(): KvApi {
    const k = this.duplicate();
    k.buffers = true;
    return k;
  }

  /**
   * Runs a raw command with Redis's reply semantics: `sendCommand(['SET', 'k', 'v', 'EX', '60'])`.
   * MULTI / EXEC / DISCARD / WATCH / UNWATCH work as on a connection; use subscribe() for pub/sub.
   */
  async sendCommand(args: RedisArg[], opts?: { returnBuffers?: boolean }): Promise<any> {
    if (!Array.isArray(args)) throw new LarderError('BAD_VALUE', 'sendCommand takes an array of arguments');
    const name = typeof args[0] === 'string' ? args[0].toUpperCase() : '';
    const buffers = opts?.returnBuffers ?? this.buffers;
    const fail = (m: string): never => { throw new LarderError('SYNTAX', m); };
    switch (name) {
      case 'MULTI':
        if (args.length !== 1) fail("ERR wrong number of arguments for 'multi' command");
        if (this.queued) fail('ERR MULTI calls can not be nested');
        this.queued = [];
        return 'OK';
      case 'EXEC': {
        if (!this.queued) fail('ERR EXEC without MULTI');
        const cmds = this.queued!;
        this.queued = null;
        return this.execQueued(cmds, buffers);
      }
      case 'DISCARD':
        if (!this.queued) fail('ERR DISCARD without MULTI');
        this.queued = null;
        this.watchToken = null;
        return 'OK';
      case 'WATCH':
        if (this.queued) fail('ERR WATCH inside MULTI is not allowed');
        if (args.length < 2) fail("ERR wrong number of arguments for 'watch' command");
        await this.watch(args.slice(1) as string[]);
        return 'OK';
      case 'UNWATCH':
        await this.unwatch();
        return 'OK';
    }
    if (this.queued) {
      this.queued.push({ args });
      return 'QUEUED';
    }
    return this.q.call('kv', 'cmd', buffers ? [args, true] : [args], this.tx);
  }

  private async execQueued(cmds: Array<{ args: RedisArg[]; t?: Transform }>, buffers = this.buffers): Promise<any[] | null> {
    const token = this.watchToken;
    this.watchToken = null;
    const r = await this.q.call<any[] | null>('kv', 'exec', [cmds.map((c) => c.args), token, buffers], this.tx);
    if (r === null) return null;
    return r.map((x, i) => {
      const v = rehydrate(x);
      return v instanceof LarderError || !cmds[i].t ? v : cmds[i].t!(v);
    });
  }

  /**
   * Starts a transaction: chain commands, then `exec()` runs them atomically as one call and one
   * WAL record. `exec()` resolves with one reply per command (a failed command's slot holds its
   * LarderError, as Redis replies), or null when a WATCHed key changed.
   */
  multi(): KvMulti {
    const m = new KvMultiImpl(this.q, this.feed, this.tx);
    m.cmds = [];
    m.parent = this;
    m.buffers = this.buffers;
    return m as unknown as KvMulti;
  }

  /** WATCH: EXEC (or multi().exec()) on this connection returns null if any key changes first. */
  async watch(keys: RedisArg | RedisArg[]): Promise<'OK'> {
    this.watchToken = await this.q.call('kv', 'watch', [list(keys), this.watchToken], this.tx);
    return 'OK';
  }

  /** Forgets every WATCHed key. */
  async unwatch(): Promise<'OK'> {
    this.watchToken = null;
    return 'OK';
  }

  /** @internal Used by KvMulti. */
  execWith(cmds: Array<{ args: RedisArg[]; t?: Transform }>): Promise<any[] | null> {
    return this.execQueued(cmds);
  }

  /**
   * @internal Used by KvMulti.execAsPipeline: every command as its own call, all issued in this
   * tick, so they travel in one message; a failed command's slot holds its LarderError.
   */
  pipelineWith(cmds: Array<{ args: RedisArg[]; t?: Transform }>): Promise<any[]> {
    return Promise.all(cmds.map((c) => (this.run(c.args, c.t) as Promise<any>).catch((e: unknown) => e)));
  }

  // ---- pub/sub and keyspace notifications ----

  private ensureFeed(): void {
    if (this.unfeed) return;
    this.unfeed = this.feed((e) => {
      for (const ev of e.events ?? []) {
        if (ev.type === 'message') this.deliver(ev.data as { channel: Uint8Array; message: Uint8Array; patterns: string[] });
        else if (ev.type === 'keyspace') {
          const d = ev.data as { key: string; event: string; patterns: string[] };
          for (const p of d.patterns) for (const cb of this.subs.keyspace.get(p) ?? []) cb({ key: d.key, event: d.event });
        }
      }
    });
  }

  private deliver(d: { channel: Uint8Array; message: Uint8Array; patterns: string[] }): void {
    const channel = dec.decode(d.channel);
    const message = this.buffers ? d.message : dec.decode(d.message);
    for (const l of this.subs.channel.get(channel) ?? []) l(message, channel);
    for (const p of d.patterns) for (const l of this.subs.pattern.get(p) ?? []) l(message, channel);
  }

  private async addListener(kind: 'channel' | 'pattern' | 'keyspace', names: string[], l: any): Promise<void> {
    this.ensureFeed();
    const fresh: string[] = [];
    for (const n of names) {
      let set = this.subs[kind].get(n) as Set<any> | undefined;
      if (!set) {
        set = new Set();
        (this.subs[kind] as Map<string, Set<any>>).set(n, set);
        fresh.push(n);
      }
      set.add(l);
    }
    if (fresh.length) await this.q.call('kv', 'pubsub', [kind, fresh, 1]);
  }

  private async removeListener(kind: 'channel' | 'pattern' | 'keyspace', names: string[] | undefined, l?: any): Promise<void> {
    const map = this.subs[kind] as Map<string, Set<any>>;
    const gone: string[] = [];
    for (const n of names ?? [...map.keys()]) {
      const set = map.get(n);
      if (!set) continue;
      if (l) set.delete(l);
      else set.clear();
      if (set.size === 0) {
        map.delete(n);
        gone.push(n);
      }
    }
    if (gone.length) await this.q.call('kv', 'pubsub', [kind, gone, -1]);
  }

  /** SUBSCRIBE: `listener(message, channel)` for messages published to `channels`, from any tab. */
  subscribe(channels: string | string[], listener: Listener): Promise<void> {
    return this.addListener('channel', list(channels), listener);
  }

  /** PSUBSCRIBE: `listener(message, channel)` for channels matching the glob `patterns`. */
  pSubscribe(patterns: string | string[], listener: Listener): Promise<void> {
    return this.addListener('pattern', list(patterns), listener);
  }

  /** UNSUBSCRIBE: removes `listener` (or every listener) from `channels` (or every channel). */
  unsubscribe(channels?: string | string[], listener?: Listener): Promise<void> {
    return this.removeListener('channel', channels === undefined ? undefined : list(channels), listener);
  }

  /** PUNSUBSCRIBE. */
  pUnsubscribe(patterns?: string | string[], listener?: Listener): Promise<void> {
    return this.removeListener('pattern', patterns === undefined ? undefined : list(patterns), listener);
  }

  /** PUBLISH: how many subscriptions (across tabs) received the message. */
  publish(channel: RedisArg, message: RedisArg): Promise<number> {
    return this.run(['PUBLISH', channel, message]);
  }

  /**
   * Keyspace notifications: `cb({ key, event })` after every committed change to a key matching
   * the glob `pattern`, from any tab ('set', 'del', 'expired', 'hset', 'lpush'... as Redis names
   * them). Resolves to a function that stops listening.
   */
  async onKeyspace(pattern: string, cb: (e: KeyspaceEvent) => void): Promise<() => Promise<void>> {
    await this.addListener('keyspace', [pattern], cb);
    return () => this.removeListener('keyspace', [pattern], cb);
  }

  /** INFO-like statistics of the kv keyspace. */
  info(): Promise<KvInfo> {
    return this.q.call('kv', 'info', [], this.tx);
  }

  /** Test hooks. Not for applications. */
  get debug(): { setClock(ms: number | null): Promise<void> } {
    return { setClock: (ms) => this.q.call('kv', 'debugSetClock', [ms], this.tx) };
  }

  // ---- strings ----

  /** GET */
  get(key: RedisArg): Promise<string | null> { return this.run(['GET', key]); }
  /** GET returning bytes. */
  getBuffer(key: RedisArg): Promise<Uint8Array | null> { return this.q.call('kv', 'cmd', [['GET', key], true], this.tx); }
  /** SET with node-redis options; resolves 'OK', null (NX/XX not met) or the old value (GET). */
  set(key: RedisArg, value: RedisArg, o: SetOptions = {}): Promise<string | null> {
    const a: RedisArg[] = ['SET', key, value];
    for (const k of ['EX', 'PX', 'EXAT', 'PXAT'] as const) if (o[k] !== undefined) a.push(k, o[k]!);
    for (const k of ['KEEPTTL', 'NX', 'XX', 'GET'] as const) if (o[k]) a.push(k);
    return this.run(a);
  }
  /** SETNX */
  setNX(key: RedisArg, value: RedisArg): Promise<number> { return this.run(['SETNX', key, value]); }
  /** SETEX */
  setEx(key: RedisArg, seconds: number, value: RedisArg): Promise<string> { return this.run(['SETEX', key, seconds, value]); }
  /** PSETEX */
  pSetEx(key: RedisArg, ms: number, value: RedisArg): Promise<string> { return this.run(['PSETEX', key, ms, value]); }
  /** GETSET */
  getSet(key: RedisArg, value: RedisArg): Promise<string | null> { return this.run(['GETSET', key, value]); }
  /** GETDEL */
  getDel(key: RedisArg): Promise<string | null> { return this.run(['GETDEL', key]); }
  /** GETEX */
  getEx(key: RedisArg, o: GetExOptions): Promise<string | null> {
    const [k, v] = Object.entries(o)[0] ?? [];
    return this.run(k === 'PERSIST' ? ['GETEX', key, 'PERSIST'] : k ? ['GETEX', key, k, v as number] : ['GETEX', key]);
  }
  /** MGET */
  mGet(keys: RedisArg[]): Promise<Array<string | null>> { return this.run(['MGET', ...keys]); }
  /** MSET from [key, value] pairs or an object. */
  mSet(entries: Array<[RedisArg, RedisArg]> | Record<string, RedisArg>): Promise<string> { return this.run(['MSET', ...flatEntries(entries)]); }
  /** MSETNX */
  mSetNX(entries: Array<[RedisArg, RedisArg]> | Record<string, RedisArg>): Promise<number> { return this.run(['MSETNX', ...flatEntries(entries)]); }
  /** APPEND */
  append(key: RedisArg, value: RedisArg): Promise<number> { return this.run(['APPEND', key, value]); }
  /** STRLEN */
  strLen(key: RedisArg): Promise<number> { return this.run(['STRLEN', key]); }
  /** GETRANGE */
  getRange(key: RedisArg, start: number, end: number): Promise<string> { return this.run(['GETRANGE', key, start, end]); }
  /** SETRANGE */
  setRange(key: RedisArg, offset: number, value: RedisArg): Promise<number> { return this.run(['SETRANGE', key, offset, value]); }
  /** INCR */
  incr(key: RedisArg): Promise<number> { return this.run(['INCR', key]); }
  /** INCRBY */
  incrBy(key: RedisArg, n: number | bigint): Promise<number> { return this.run(['INCRBY', key, String(n)]); }
  /** DECR */
  decr(key: RedisArg): Promise<number> { return this.run(['DECR', key]); }
  /** DECRBY */
  decrBy(key: RedisArg, n: number | bigint): Promise<number> { return this.run(['DECRBY', key, String(n)]); }
  /** INCRBYFLOAT (the new value as a string, as Redis replies) */
  incrByFloat(key: RedisArg, n: number | string): Promise<string> { return this.run(['INCRBYFLOAT', key, String(n)]); }

  // ---- keys ----

  /** DEL */
  del(keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['DEL', ...list(keys)]); }
  /** UNLINK */
  unlink(keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['UNLINK', ...list(keys)]); }
  /** EXISTS */
  exists(keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['EXISTS', ...list(keys)]); }
  /** TYPE */
  type(key: RedisArg): Promise<string> { return this.run(['TYPE', key]); }
  /** RENAME */
  rename(key: RedisArg, newKey: RedisArg): Promise<string> { return this.run(['RENAME', key, newKey]); }
  /** RENAMENX */
  renameNX(key: RedisArg, newKey: RedisArg): Promise<number> { return this.run(['RENAMENX', key, newKey]); }
  /** EXPIRE (mode NX | XX | GT | LT) */
  expire(key: RedisArg, seconds: number, mode?: 'NX' | 'XX' | 'GT' | 'LT'): Promise<number> { return this.run(['EXPIRE', key, seconds, ...(mode ? [mode] : [])]); }
  /** PEXPIRE */
  pExpire(key: RedisArg, ms: number, mode?: 'NX' | 'XX' | 'GT' | 'LT'): Promise<number> { return this.run(['PEXPIRE', key, ms, ...(mode ? [mode] : [])]); }
  /** EXPIREAT (seconds since the epoch, or a Date) */
  expireAt(key: RedisArg, at: number | Date, mode?: 'NX' | 'XX' | 'GT' | 'LT'): Promise<number> {
    return this.run(['EXPIREAT', key, at instanceof Date ? Math.floor(at.getTime() / 1000) : at, ...(mode ? [mode] : [])]);
  }
  /** PEXPIREAT (ms since the epoch, or a Date) */
  pExpireAt(key: RedisArg, at: number | Date, mode?: 'NX' | 'XX' | 'GT' | 'LT'): Promise<number> {
    return this.run(['PEXPIREAT', key, at instanceof Date ? at.getTime() : at, ...(mode ? [mode] : [])]);
  }
  /** TTL */
  ttl(key: RedisArg): Promise<number> { return this.run(['TTL', key]); }
  /** PTTL */
  pTTL(key: RedisArg): Promise<number> { return this.run(['PTTL', key]); }
  /** EXPIRETIME */
  expireTime(key: RedisArg): Promise<number> { return this.run(['EXPIRETIME', key]); }
  /** PEXPIRETIME */
  pExpireTime(key: RedisArg): Promise<number> { return this.run(['PEXPIRETIME', key]); }
  /** PERSIST */
  persist(key: RedisArg): Promise<number> { return this.run(['PERSIST', key]); }
  /** SCAN: one page, `{ cursor, keys }`; the scan is over when cursor is '0'. */
  scan(cursor: string | number, o: ScanOptions = {}): Promise<{ cursor: string; keys: string[] }> {
    return this.run(['SCAN', String(cursor), ...scanArgs(o)], ([c, keys]) => ({ cursor: c, keys }));
  }
  /** Every page of a SCAN (node-redis v5 style: yields arrays of keys). */
  async *scanIterator(o: ScanOptions = {}): AsyncIterableIterator<string[]> {
    let cursor = '0';
    do {
      const r = await this.scan(cursor, o);
      cursor = r.cursor;
      if (r.keys.length) yield r.keys;
    } while (cursor !== '0');
  }
  /** KEYS */
  keys(pattern: string): Promise<string[]> { return this.run(['KEYS', pattern]); }
  /** DBSIZE */
  dbSize(): Promise<number> { return this.run(['DBSIZE']); }
  /** FLUSHDB: removes every kv key (other models are untouched). */
  flushDb(mode?: 'ASYNC' | 'SYNC'): Promise<string> { return this.run(['FLUSHDB', ...(mode ? [mode] : [])]); }
  /** RANDOMKEY */
  randomKey(): Promise<string | null> { return this.run(['RANDOMKEY']); }
  /** COPY */
  copy(source: RedisArg, destination: RedisArg, o: { DB?: number; REPLACE?: boolean } = {}): Promise<number> {
    return this.run(['COPY', source, destination, ...(o.DB !== undefined ? ['DB', o.DB] : []), ...(o.REPLACE ? ['REPLACE'] : [])]);
  }

  // ---- hashes ----

  /** HSET key field value, or HSET key { field: value, ... } / Map / [field, value][]. */
  hSet(key: RedisArg, field: RedisArg | Record<string, RedisArg> | Map<RedisArg, RedisArg> | Array<[RedisArg, RedisArg]>, value?: RedisArg): Promise<number> {
    const a = typeof field === 'object' && !(field instanceof Uint8Array) ? flatEntries(field) : [field as RedisArg, value as RedisArg];
    return this.run(['HSET', key, ...a]);
  }
  /** HSETNX */
  hSetNX(key: RedisArg, field: RedisArg, value: RedisArg): Promise<number> { return this.run(['HSETNX', key, field, value]); }
  /** HGET */
  hGet(key: RedisArg, field: RedisArg): Promise<string | null> { return this.run(['HGET', key, field]); }
  /** HMGET */
  hmGet(key: RedisArg, fields: RedisArg[]): Promise<Array<string | null>> { return this.run(['HMGET', key, ...fields]); }
  /** HDEL */
  hDel(key: RedisArg, fields: RedisArg | RedisArg[]): Promise<number> { return this.run(['HDEL', key, ...list(fields)]); }
  /** HEXISTS */
  hExists(key: RedisArg, field: RedisArg): Promise<number> { return this.run(['HEXISTS', key, field]); }
  /** HLEN */
  hLen(key: RedisArg): Promise<number> { return this.run(['HLEN', key]); }
  /** HKEYS */
  hKeys(key: RedisArg): Promise<string[]> { return this.run(['HKEYS', key]); }
  /** HVALS */
  hVals(key: RedisArg): Promise<string[]> { return this.run(['HVALS', key]); }
  /** HGETALL as an object (null prototype, so a field named __proto__ is just a field). */
  hGetAll(key: RedisArg): Promise<Record<string, string>> { return this.run(['HGETALL', key], toObject); }
  /** HINCRBY */
  hIncrBy(key: RedisArg, field: RedisArg, n: number | bigint): Promise<number> { return this.run(['HINCRBY', key, field, String(n)]); }
  /** HINCRBYFLOAT */
  hIncrByFloat(key: RedisArg, field: RedisArg, n: number | string): Promise<string> { return this.run(['HINCRBYFLOAT', key, field, String(n)]); }
  /** HSTRLEN */
  hStrLen(key: RedisArg, field: RedisArg): Promise<number> { return this.run(['HSTRLEN', key, field]); }
  /** HRANDFIELD */
  hRandField(key: RedisArg): Promise<string | null> { return this.run(['HRANDFIELD', key]); }
  /** HRANDFIELD key count */
  hRandFieldCount(key: RedisArg, count: number): Promise<string[]> { return this.run(['HRANDFIELD', key, count]); }
  /** HRANDFIELD key count WITHVALUES, as [{ field, value }] */
  hRandFieldCountWithValues(key: RedisArg, count: number): Promise<Array<{ field: string; value: string }>> {
    return this.run(['HRANDFIELD', key, count, 'WITHVALUES'], (r: any[]) => r.flatMap((x, i) => (i % 2 ? [] : [{ field: x, value: r[i + 1] }])));
  }
  /** HSCAN: `{ cursor, entries: [{ field, value }] }` */
  hScan(key: RedisArg, cursor: string | number, o: Omit<ScanOptions, 'TYPE'> = {}): Promise<{ cursor: string; entries: Array<{ field: string; value: string }> }> {
    return this.run(['HSCAN', key, String(cursor), ...scanArgs(o)], ([c, r]) => ({ cursor: c, entries: (r as any[]).flatMap((x, i) => (i % 2 ? [] : [{ field: x, value: r[i + 1] }])) }));
  }

  // ---- lists ----

  /** LPUSH */
  lPush(key: RedisArg, elements: RedisArg | RedisArg[]): Promise<number> { return this.run(['LPUSH', key, ...list(elements)]); }
  /** RPUSH */
  rPush(key: RedisArg, elements: RedisArg | RedisArg[]): Promise<number> { return this.run(['RPUSH', key, ...list(elements)]); }
  /** LPUSHX */
  lPushX(key: RedisArg, elements: RedisArg | RedisArg[]): Promise<number> { return this.run(['LPUSHX', key, ...list(elements)]); }
  /** RPUSHX */
  rPushX(key: RedisArg, elements: RedisArg | RedisArg[]): Promise<number> { return this.run(['RPUSHX', key, ...list(elements)]); }
  /** LPOP */
  lPop(key: RedisArg): Promise<string | null> { return this.run(['LPOP', key]); }
  /** RPOP */
  rPop(key: RedisArg): Promise<string | null> { return this.run(['RPOP', key]); }
  /** LPOP key count */
  lPopCount(key: RedisArg, count: number): Promise<string[] | null> { return this.run(['LPOP', key, count]); }
  /** RPOP key count */
  rPopCount(key: RedisArg, count: number): Promise<string[] | null> { return this.run(['RPOP', key, count]); }
  /** LLEN */
  lLen(key: RedisArg): Promise<number> { return this.run(['LLEN', key]); }
  /** LRANGE */
  lRange(key: RedisArg, start: number, stop: number): Promise<string[]> { return this.run(['LRANGE', key, start, stop]); }
  /** LINDEX */
  lIndex(key: RedisArg, index: number): Promise<string | null> { return this.run(['LINDEX', key, index]); }
  /** LSET */
  lSet(key: RedisArg, index: number, element: RedisArg): Promise<string> { return this.run(['LSET', key, index, element]); }
  /** LINSERT */
  lInsert(key: RedisArg, position: 'BEFORE' | 'AFTER', pivot: RedisArg, element: RedisArg): Promise<number> { return this.run(['LINSERT', key, position, pivot, element]); }
  /** LREM */
  lRem(key: RedisArg, count: number, element: RedisArg): Promise<number> { return this.run(['LREM', key, count, element]); }
  /** LTRIM */
  lTrim(key: RedisArg, start: number, stop: number): Promise<string> { return this.run(['LTRIM', key, start, stop]); }
  /** LPOS */
  lPos(key: RedisArg, element: RedisArg, o: { RANK?: number; MAXLEN?: number } = {}): Promise<number | null> {
    return this.run(['LPOS', key, element, ...(o.RANK !== undefined ? ['RANK', o.RANK] : []), ...(o.MAXLEN !== undefined ? ['MAXLEN', o.MAXLEN] : [])]);
  }
  /** LPOS ... COUNT */
  lPosCount(key: RedisArg, element: RedisArg, count: number, o: { RANK?: number; MAXLEN?: number } = {}): Promise<number[]> {
    return this.run(['LPOS', key, element, ...(o.RANK !== undefined ? ['RANK', o.RANK] : []), 'COUNT', count, ...(o.MAXLEN !== undefined ? ['MAXLEN', o.MAXLEN] : [])]);
  }
  /** LMOVE */
  lMove(source: RedisArg, destination: RedisArg, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT'): Promise<string | null> { return this.run(['LMOVE', source, destination, from, to]); }

  // ---- sets ----

  /** SADD */
  sAdd(key: RedisArg, members: RedisArg | RedisArg[]): Promise<number> { return this.run(['SADD', key, ...list(members)]); }
  /** SREM */
  sRem(key: RedisArg, members: RedisArg | RedisArg[]): Promise<number> { return this.run(['SREM', key, ...list(members)]); }
  /** SISMEMBER */
  sIsMember(key: RedisArg, member: RedisArg): Promise<number> { return this.run(['SISMEMBER', key, member]); }
  /** SMISMEMBER */
  smIsMember(key: RedisArg, members: RedisArg[]): Promise<number[]> { return this.run(['SMISMEMBER', key, ...members]); }
  /** SMEMBERS */
  sMembers(key: RedisArg): Promise<string[]> { return this.run(['SMEMBERS', key]); }
  /** SCARD */
  sCard(key: RedisArg): Promise<number> { return this.run(['SCARD', key]); }
  /** SPOP */
  sPop(key: RedisArg): Promise<string | null> { return this.run(['SPOP', key]); }
  /** SPOP key count */
  sPopCount(key: RedisArg, count: number): Promise<string[]> { return this.run(['SPOP', key, count]); }
  /** SRANDMEMBER */
  sRandMember(key: RedisArg): Promise<string | null> { return this.run(['SRANDMEMBER', key]); }
  /** SRANDMEMBER key count */
  sRandMemberCount(key: RedisArg, count: number): Promise<string[]> { return this.run(['SRANDMEMBER', key, count]); }
  /** SMOVE */
  sMove(source: RedisArg, destination: RedisArg, member: RedisArg): Promise<number> { return this.run(['SMOVE', source, destination, member]); }
  /** SINTER */
  sInter(keys: RedisArg | RedisArg[]): Promise<string[]> { return this.run(['SINTER', ...list(keys)]); }
  /** SUNION */
  sUnion(keys: RedisArg | RedisArg[]): Promise<string[]> { return this.run(['SUNION', ...list(keys)]); }
  /** SDIFF */
  sDiff(keys: RedisArg | RedisArg[]): Promise<string[]> { return this.run(['SDIFF', ...list(keys)]); }
  /** SINTERSTORE */
  sInterStore(destination: RedisArg, keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['SINTERSTORE', destination, ...list(keys)]); }
  /** SUNIONSTORE */
  sUnionStore(destination: RedisArg, keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['SUNIONSTORE', destination, ...list(keys)]); }
  /** SDIFFSTORE */
  sDiffStore(destination: RedisArg, keys: RedisArg | RedisArg[]): Promise<number> { return this.run(['SDIFFSTORE', destination, ...list(keys)]); }
  /** SINTERCARD */
  sInterCard(keys: RedisArg | RedisArg[], o: { LIMIT?: number } = {}): Promise<number> {
    const k = list(keys);
    return this.run(['SINTERCARD', k.length, ...k, ...(o.LIMIT !== undefined ? ['LIMIT', o.LIMIT] : [])]);
  }
  /** SSCAN: `{ cursor, members }` */
  sScan(key: RedisArg, cursor: string | number, o: Omit<ScanOptions, 'TYPE'> = {}): Promise<{ cursor: string; members: string[] }> {
    return this.run(['SSCAN', key, String(cursor), ...scanArgs(o)], ([c, members]) => ({ cursor: c, members }));
  }

  // ---- sorted sets ----

  /** ZADD key [{ score, value }] (or one member) with NX / XX / GT / LT / CH. */
  zAdd(key: RedisArg, members: ZMember | ZMember[], o: ZAddOptions = {}): Promise<number> {
    return this.run(['ZADD', key, ...zAddFlags(o), ...list(members).flatMap((m) => [String(m.score), m.value])]);
  }
  /** ZADD ... INCR: the new score, or null when NX/XX/GT/LT stopped it. */
  zAddIncr(key: RedisArg, member: ZMember, o: ZAddOptions = {}): Promise<number | null> {
    return this.run(['ZADD', key, ...zAddFlags(o), 'INCR', String(member.score), member.value], num);
  }
  /** ZREM */
  zRem(key: RedisArg, members: RedisArg | RedisArg[]): Promise<number> { return this.run(['ZREM', key, ...list(members)]); }
  /** ZSCORE as a number (or null) */
  zScore(key: RedisArg, member: RedisArg): Promise<number | null> { return this.run(['ZSCORE', key, member], num); }
  /** ZMSCORE */
  zmScore(key: RedisArg, members: RedisArg[]): Promise<Array<number | null>> { return this.run(['ZMSCORE', key, ...members], (r: any[]) => r.map(num)); }
  /** ZINCRBY: the new score */
  zIncrBy(key: RedisArg, increment: number, member: RedisArg): Promise<number> { return this.run(['ZINCRBY', key, String(increment), member], Number); }
  /** ZCARD */
  zCard(key: RedisArg): Promise<number> { return this.run(['ZCARD', key]); }
  /** ZCOUNT (min/max as numbers or Redis range strings such as '(1' and '+inf') */
  zCount(key: RedisArg, min: number | string, max: number | string): Promise<number> { return this.run(['ZCOUNT', key, bound(min), bound(max)]); }
  /** ZLEXCOUNT */
  zLexCount(key: RedisArg, min: string, max: string): Promise<number> { return this.run(['ZLEXCOUNT', key, min, max]); }
  /** ZRANGE with BY SCORE | LEX, REV and LIMIT. */
  zRange(key: RedisArg, min: number | string, max: number | string, o: ZRangeOptions = {}): Promise<string[]> {
    return this.run(['ZRANGE', key, bound(min), bound(max), ...zRangeArgs(o)]);
  }
  /** ZRANGE ... WITHSCORES as [{ value, score }] */
  zRangeWithScores(key: RedisArg, min: number | string, max: number | string, o: ZRangeOptions = {}): Promise<Array<{ value: string; score: number }>> {
    return this.run(['ZRANGE', key, bound(min), bound(max), ...zRangeArgs(o), 'WITHSCORES'], pairs);
  }
  /** ZRANGEBYSCORE */
  zRangeByScore(key: RedisArg, min: number | string, max: number | string, o: { LIMIT?: { offset: number; count: number } } = {}): Promise<string[]> {
    return this.run(['ZRANGEBYSCORE', key, bound(min), bound(max), ...(o.LIMIT ? ['LIMIT', o.LIMIT.offset, o.LIMIT.count] : [])]);
  }
  /** ZREVRANGE */
  zRevRange(key: RedisArg, start: number, stop: number): Promise<string[]> { return this.run(['ZREVRANGE', key, start, stop]); }
  /** ZRANK */
  zRank(key: RedisArg, member: RedisArg): Promise<number | null> { return this.run(['ZRANK', key, member]); }
  /** ZREVRANK */
  zRevRank(key: RedisArg, member: RedisArg): Promise<number | null> { return this.run(['ZREVRANK', key, member]); }
  /** ZPOPMIN: `{ value, score }` or null */
  zPopMin(key: RedisArg): Promise<{ value: string; score: number } | null> { return this.run(['ZPOPMIN', key], (r) => pairs(r)[0] ?? null); }
  /** ZPOPMAX */
  zPopMax(key: RedisArg): Promise<{ value: string; score: number } | null> { return this.run(['ZPOPMAX', key], (r) => pairs(r)[0] ?? null); }
  /** ZPOPMIN key count */
  zPopMinCount(key: RedisArg, count: number): Promise<Array<{ value: string; score: number }>> { return this.run(['ZPOPMIN', key, count], pairs); }
  /** ZPOPMAX key count */
  zPopMaxCount(key: RedisArg, count: number): Promise<Array<{ value: string; score: number }>> { return this.run(['ZPOPMAX', key, count], pairs); }
  /** ZREMRANGEBYSCORE */
  zRemRangeByScore(key: RedisArg, min: number | string, max: number | string): Promise<number> { return this.run(['ZREMRANGEBYSCORE', key, bound(min), bound(max)]); }
  /** ZREMRANGEBYRANK */
  zRemRangeByRank(key: RedisArg, start: number, stop: number): Promise<number> { return this.run(['ZREMRANGEBYRANK', key, start, stop]); }
  /** ZREMRANGEBYLEX */
  zRemRangeByLex(key: RedisArg, min: string, max: string): Promise<number> { return this.run(['ZREMRANGEBYLEX', key, min, max]); }
  /** ZUNIONSTORE */
  zUnionStore(destination: RedisArg, keys: RedisArg | RedisArg[], o: { WEIGHTS?: number[]; AGGREGATE?: 'SUM' | 'MIN' | 'MAX' } = {}): Promise<number> {
    return this.run(['ZUNIONSTORE', destination, ...zStoreArgs(list(keys), o)]);
  }
  /** ZINTERSTORE */
  zInterStore(destination: RedisArg, keys: RedisArg | RedisArg[], o: { WEIGHTS?: number[]; AGGREGATE?: 'SUM' | 'MIN' | 'MAX' } = {}): Promise<number> {
    return this.run(['ZINTERSTORE', destination, ...zStoreArgs(list(keys), o)]);
  }
  /** ZSCAN: `{ cursor, members: [{ value, score }] }` */
  zScan(key: RedisArg, cursor: string | number, o: Omit<ScanOptions, 'TYPE'> = {}): Promise<{ cursor: string; members: Array<{ value: string; score: number }> }> {
    return this.run(['ZSCAN', key, String(cursor), ...scanArgs(o)], ([c, r]) => ({ cursor: c, members: pairs(r) }));
  }
}

/** Commands chained on a transaction; `exec()` sends them as one atomic call. */
export type KvMulti = {
  [K in keyof KvApi as KvApi[K] extends (...a: any[]) => Promise<any> ? K : never]: KvApi[K] extends (...a: infer A) => Promise<any> ? (...a: A) => KvMulti : never;
} & {
  /** Queues a raw command. */
  addCommand(args: RedisArg[]): KvMulti;
  /** Runs the queued commands atomically; null when a WATCHed key changed. */
  exec(): Promise<any[] | null>;
  /**
   * Sends the queued commands together but not as a transaction (node-redis's execAsPipeline):
   * one message to the worker, each command run on its own; a failed command's slot holds its
   * LarderError. WATCH does not apply.
   */
  execAsPipeline(): Promise<any[]>;
  /** Drops the queued commands. */
  discard(): void;
};

/** The chaining class behind KvMulti: KvApi's typed methods call run(), which here queues. */
class KvMultiImpl extends KvApi {
  declare cmds: Array<{ args: RedisArg[]; t?: Transform }>;
  declare parent: KvApi;
  protected override run(args: RedisArg[], t?: Transform): any {
    this.cmds.push({ args, t });
    return this;
  }
  addCommand(args: RedisArg[]): this {
    this.cmds.push({ args });
    return this;
  }
  exec(): Promise<any[] | null> {
    const cmds = this.cmds;
    this.cmds = [];
    return this.parent.execWith(cmds);
  }
  execAsPipeline(): Promise<any[]> {
    const cmds = this.cmds;
    this.cmds = [];
    return this.parent.pipelineWith(cmds);
  }
  discard(): void {
    this.cmds = [];
  }
}

function flatEntries(e: Array<[RedisArg, RedisArg]> | Record<string, RedisArg> | Map<RedisArg, RedisArg>): RedisArg[] {
  const it = e instanceof Map ? [...e] : Array.isArray(e) ? e : Object.entries(e);
  return it.flat();
}

function scanArgs(o: ScanOptions): RedisArg[] {
  return [...(o.MATCH !== undefined ? ['MATCH', o.MATCH] : []), ...(o.COUNT !== undefined ? ['COUNT', o.COUNT] : []), ...(o.TYPE !== undefined ? ['TYPE', o.TYPE] : [])];
}

function zAddFlags(o: ZAddOptions): string[] {
  return (['NX', 'XX', 'GT', 'LT', 'CH'] as const).filter((k) => o[k]);
}

function bound(v: number | string): string {
  if (v === Infinity) return '+inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

function zRangeArgs(o: ZRangeOptions): RedisArg[] {
  return [...(o.BY ? [`BY${o.BY}`] : []), ...(o.REV ? ['REV'] : []), ...(o.LIMIT ? ['LIMIT', o.LIMIT.offset, o.LIMIT.count] : [])];
}

function zStoreArgs(keys: RedisArg[], o: { WEIGHTS?: number[]; AGGREGATE?: string }): RedisArg[] {
  return [keys.length, ...keys, ...(o.WEIGHTS ? ['WEIGHTS', ...o.WEIGHTS.map(String)] : []), ...(o.AGGREGATE ? ['AGGREGATE', o.AGGREGATE] : [])];
}
