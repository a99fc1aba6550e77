/**
 * Db: one command's handle on the Redis keyspace (Redis's db.c). Every read of a key goes through
 * `lookup`, which expires the key lazily, so an expired key is never returned. Every creation and
 * removal of a key goes through `add` / `remove`, which write its meta entry in the K table (that
 * table is the key directory: DBSIZE is its size, SCAN walks it), and every change calls `touch`, which bumps the WATCH version and queues a
 * keyspace notification. Member-level writes go straight to the call's WriteBatch.
 *
 * The clock is `ctx.now` unless a test froze it (debugSetClock), so a call sees one time.
 */
import type { RangeOptions } from '../../core/tree.js';
import type { ViewContext } from '../view.js';
import { bkey, str, unbkey } from './bytes.js';
import { globMatch } from './glob.js';
import { E, rerr, wrongType } from './reply.js';
import { bumpVersion, stateOf, type KvState } from './state.js';
import {
  MAX_KEY, T, TAG, decodeMeta, encodeMeta, encodeStringMeta, expireKey, memberPrefix, metaKey, type Meta,
} from './layout.js';

const EMPTY = new Uint8Array(0);
/** Keys per step of allKeys (KEYS, FLUSHDB). */
const SCAN_STEP = 1024;
/** setString's "look the key up yourself". */
const LOOKUP: unique symbol = Symbol('lookup');

/** A command's view of the Redis keyspace. */
export class Db {
  /** The call's context. */
  readonly ctx: ViewContext;
  /** The call's clock (ms since epoch). */
  readonly now: number;
  /** The store's kv memory (versions, subscriptions, cursors). */
  readonly st: KvState;
  private lastKey: Uint8Array | undefined;
  private lastMetaKey: Uint8Array | undefined;

  /** Wraps a call's context. */
  constructor(ctx: ViewContext) {
    this.ctx = ctx;
    this.st = stateOf(ctx.ks);
    this.now = this.st.clock ?? ctx.now;
  }

  /**
   * The meta entry's key for `key`. A command looks a key up and then writes it: the last one
   * is kept (by identity: argv buffers are never changed), so that is one allocation, not two.
   */
  private metaKeyOf(key: Uint8Array): Uint8Array {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastMetaKey = metaKey(key);
    }
    return this.lastMetaKey!;
  }

  /**
   * The meta of `key`, expired or not (the active cycle and SCAN look without expiring);
   * `withString` false: a string's value is not copied out (see decodeMeta).
   */
  rawMeta(key: Uint8Array, withString = true): Meta | undefined {
    // A view, not a copy: decodeMeta copies what it keeps before any other engine call.
    const v = this.ctx.ks.getView(this.metaKeyOf(key));
    return v === undefined ? undefined : decodeMeta(v, withString);
  }

  /** The live meta of `key` (an expired key is removed first and reads as absent). */
  lookup(key: Uint8Array, withString = true): Meta | undefined {
    if (key.length > MAX_KEY) return undefined;
    const m = this.rawMeta(key, withString);
    if (m && m.exp && m.exp < this.now) {
      this.remove(key, m, 'expired');
      return undefined;
    }
    return m;
  }

  /** The live meta of `key` when it has `type`; WRONGTYPE when it holds another type. */
  lookupType(key: Uint8Array, type: number): Meta | undefined {
    const m = this.lookup(key);
    if (m && m.type !== type) throw wrongType();
    return m;
  }

  /** True when `key` exists and has not expired (no side effects: for SCAN and KEYS). */
  isLive(key: Uint8Array): boolean {
    const m = this.rawMeta(key);
    return !!m && !(m.exp && m.exp < this.now);
  }

  /** Creates `key` with `meta` (the key must not exist). */
  add(key: Uint8Array, meta: Meta, event?: string): void {
    this.addEncoded(key, encodeMeta(meta), meta.exp, event);
  }

  /** Creates `key` with an encoded meta whose expiry is `exp` (the key must not exist). */
  private addEncoded(key: Uint8Array, meta: Uint8Array, exp: number, event?: string): void {
    if (key.length > MAX_KEY) throw rerr('TOO_LARGE', `ERR key is ${key.length} bytes; at most ${MAX_KEY}`);
    // The key is absent (callers looked it up), so its meta needs no undo read. The meta entry is
    // all a key needs: the K table is the key directory (count, SCAN, KEYS, RANDOMKEY).
    this.ctx.batch.putNew(this.metaKeyOf(key), meta);
    if (exp) this.ctx.batch.put(expireKey(exp, key), EMPTY);
    this.touch(key, event);
  }

  /** Rewrites the meta of an existing key (count, list ends, string value). */
  setMeta(key: Uint8Array, meta: Meta, event?: string): void {
    this.ctx.batch.put(this.metaKeyOf(key), encodeMeta(meta));
    this.touch(key, event);
  }

  /**
   * Writes a whole string value, creating the key or replacing any value (SET semantics). A
   * caller that has just looked the key up passes what `lookup` returned as `current`, which
   * saves a second lookup (a repeated lookup returns the same: the first one already expired).
   */
  setString(key: Uint8Array, value: Uint8Array, exp: number, event = 'set', current: Meta | undefined | typeof LOOKUP = LOOKUP): void {
    const old = current === LOOKUP ? this.lookup(key, false) : current;
    if (old && old.type !== T.string) this.remove(key, old);
    const meta = encodeStringMeta(value, exp);
    if (old && old.type === T.string) {
      if (old.exp !== exp) {
        if (old.exp) this.ctx.batch.del(expireKey(old.exp, key));
        if (exp) this.ctx.batch.put(expireKey(exp, key), EMPTY);
      }
      this.ctx.batch.put(this.metaKeyOf(key), meta);
      this.touch(key, event);
    } else this.addEncoded(key, meta, exp, event);
  }

  /** Removes `key` and everything it owns. */
  remove(key: Uint8Array, meta: Meta, event = 'del'): void {
    const b = this.ctx.batch;
    if (meta.type !== T.string) {
      const tags = meta.type === T.hash ? [TAG.H] : meta.type === T.list ? [TAG.L] : meta.type === T.set ? [TAG.S] : [TAG.Z, TAG.Y];
      for (const tag of tags) {
        const keys: Uint8Array[] = [];
        for (const [k] of this.ctx.ks.range({ prefix: memberPrefix(tag, key), keysOnly: true })) keys.push(k);
        for (const k of keys) b.del(k);
      }
    }
    if (meta.exp) b.del(expireKey(meta.exp, key));
    b.del(this.metaKeyOf(key));
    this.touch(key, event);
  }

  /** Sets (at > 0) or clears (0) the expire time of an existing key. */
  setExpire(key: Uint8Array, meta: Meta, at: number, event = at ? 'expire' : 'persist'): void {
    if (meta.exp === at) { this.touch(key, event); return; }
    if (meta.exp) this.ctx.batch.del(expireKey(meta.exp, key));
    if (at) this.ctx.batch.put(expireKey(at, key), EMPTY);
    meta.exp = at;
    this.setMeta(key, meta, event);
  }

  /** Number of keys (expired ones not yet reclaimed included, as in Redis). */
  count(): number {
    return this.ctx.ks.pointCount(TAG.K);
  }

  /**
   * One step of a walk over every key and its raw meta (expired ones included): up to `count`
   * from `cursor` (0 starts; 0 back means done). A key present for the whole walk comes back
   * exactly once, whatever is written between steps. Keys are copies.
   */
  scanKeys(cursor: number, count: number): { cursor: number; keys: Array<{ key: Uint8Array; meta: Meta }> } {
    const r = this.ctx.ks.scanPoint(TAG.K, cursor, count);
    return { cursor: r.cursor, keys: r.entries.map(([k, v]) => ({ key: k.subarray(1), meta: decodeMeta(v) })) };
  }

  /** Every key and its raw meta (expired ones included), walked in steps of SCAN_STEP. */
  *allKeys(): IterableIterator<{ key: Uint8Array; meta: Meta }> {
    let cursor = 0;
    do {
      const r = this.scanKeys(cursor, SCAN_STEP);
      yield* r.keys;
      cursor = r.cursor;
    } while (cursor !== 0);
  }

  /** Every scan cursor lies below this (a random cursor under it is a random pick). */
  cursorEnd(): number {
    return this.ctx.ks.pointCursorEnd(TAG.K);
  }

  /** Records a change of `key`: WATCH version, and a keyspace notification when anyone listens. */
  touch(key: Uint8Array, event?: string): void {
    bumpVersion(this.st, key, bkey);
    if (event && this.st.keyspacePatterns.size) {
      const patterns: string[] = [];
      for (const p of this.st.keyspacePatterns.keys()) if (globMatch(unbkey(p), key)) patterns.push(str(unbkey(p)));
      if (patterns.length) this.ctx.emit('keyspace', { key: str(key), event, patterns });
    }
  }

  // ---- member-level access (composite keys) ----

  /** The value at a composite key. */
  get(k: Uint8Array): Uint8Array | undefined {
    return this.ctx.ks.get(k);
  }

  /** Writes a composite key. */
  put(k: Uint8Array, v: Uint8Array = EMPTY): void {
    this.ctx.batch.put(k, v);
  }

  /** Deletes a composite key; true when it existed. */
  del(k: Uint8Array): boolean {
    return this.ctx.batch.del(k);
  }

  /** An ordered range of composite keys. */
  range(opts: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    return this.ctx.ks.range(opts);
  }
}

/** A fresh meta for a container type. */
export function newMeta(type: number): Meta {
  return { type, exp: 0, count: 0, head: 0, tail: 0 };
}

/** The "no such key" error. */
export function noSuchKey(): Error {
  return rerr('SYNTAX', E.NO_KEY);
}
