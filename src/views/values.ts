/**
 * The plain-values view: `store.get/set/delete` of structured values under string keys, like
 * idb-keyval but in the engine. Keys live under tag 'V' in the B+tree, so `keys()` is ordered and
 * a prefix listing is a seek plus a walk. Values are encoded with the value codec, which rejects
 * what cannot be stored (functions, symbols, cycles) with BAD_VALUE.
 */
import { Encoded, EncodedArrayWriter } from '../codec/value.js';
import { LarderError } from '../errors.js';
import { prefixSuccessor } from '../keys/encode.js';
import { MAX_BYTES_PER_UNIT, readWtf8, writeWtf8 } from '../codec/wtf8.js';
import type { View, ViewContext } from './view.js';

/** Keyspace tag of plain values. */
export const VALUES_TAG = 0x56; // 'V'

/** Largest key in UTF-8 bytes (the engine's key limit less the tag). */
export const MAX_VALUE_KEY = 65535;

/** The keyspace key of a plain value. */
export function valueKey(key: unknown): Uint8Array {
  if (typeof key !== 'string') throw new LarderError('BAD_VALUE', `key must be a string, got ${describe(key)}`);
  const n = key.length;
  if (n <= 256) {
    // ASCII (most keys): the exact bytes in one allocation.
    const k = new Uint8Array(1 + n);
    k[0] = VALUES_TAG;
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) break;
      k[i + 1] = c;
    }
    if (i === n) return k;
  }
  // WTF-8, not TextEncoder: distinct strings (even with lone surrogates) must stay distinct keys.
  const buf = new Uint8Array(1 + key.length * MAX_BYTES_PER_UNIT);
  buf[0] = VALUES_TAG;
  const end = writeWtf8(key, buf, 1);
  if (end - 1 > MAX_VALUE_KEY) throw new LarderError('TOO_LARGE', `key is ${end - 1} bytes; at most ${MAX_VALUE_KEY}`);
  return buf.slice(0, end);
}

/** The string key of a keyspace key made by valueKey. */
export function keyOfValueKey(k: Uint8Array): string {
  return readWtf8(k, 1, k.length, 'key');
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * Values arrive already encoded by the page (src/client/values.ts), so the worker stores the
 * bytes as they are and returns them as they are (wrapped in Encoded): one encode on the way in,
 * one decode on the way out, none in the worker. A page that sends bytes it did not get from
 * encodeValue only hurts itself: reading them back fails with CORRUPT.
 */
function encoded(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0) throw new LarderError('BAD_VALUE', `${what}: the value must arrive encoded (use the store API)`);
  return value;
}

function wrap(v: Uint8Array | undefined): Encoded | undefined {
  return v === undefined ? undefined : new Encoded(v);
}

function get(ctx: ViewContext, key: unknown): unknown {
  // No copy: the engine encodes a call's result before its next engine call (store-engine.ts).
  return wrap(ctx.ks.getView(valueKey(key)));
}

function set(ctx: ViewContext, key: unknown, value: unknown): void {
  ctx.batch.put(valueKey(key), encoded(value, 'set'));
}

function del(ctx: ViewContext, key: unknown): boolean {
  return ctx.batch.del(valueKey(key));
}

function has(ctx: ViewContext, key: unknown): boolean {
  return ctx.ks.has(valueKey(key));
}

function getMany(ctx: ViewContext, keys: unknown): unknown {
  if (!Array.isArray(keys)) throw new LarderError('BAD_VALUE', 'getMany takes an array of keys');
  // The reply is assembled from the stored encodings directly: the same bytes as encoding an
  // array of Encoded/undefined, without an object per value.
  const w = new EncodedArrayWriter();
  for (const v of ctx.ks.getMany(keys.map(valueKey))) {
    w.item();
    if (v === undefined) w.undefinedValue();
    else w.raw(v, 0, v.length);
  }
  return w.finish();
}

function setMany(ctx: ViewContext, entries: unknown): number {
  if (!Array.isArray(entries)) throw new LarderError('BAD_VALUE', 'setMany takes an array of [key, value] pairs');
  // Check everything first so a bad entry fails the call before anything is written.
  const pairs = entries.map((e, i) => {
    if (!Array.isArray(e) || e.length !== 2) throw new LarderError('BAD_VALUE', `setMany entry ${i} is not a [key, value] pair`);
    return [valueKey(e[0]), encoded(e[1], `setMany entry ${i}`)] as const;
  });
  ctx.batch.putMany(pairs);
  return pairs.length;
}

function deleteMany(ctx: ViewContext, keys: unknown): number {
  if (!Array.isArray(keys)) throw new LarderError('BAD_VALUE', 'deleteMany takes an array of keys');
  let n = 0;
  for (const k of keys.map(valueKey)) if (ctx.batch.del(k)) n++;
  return n;
}

function rangeOf(prefix: unknown): { gte: Uint8Array; lt?: Uint8Array } {
  const p = valueKey(prefix ?? '');
  const hi = prefixSuccessor(p);
  return hi ? { gte: p, lt: hi } : { gte: p };
}

/** A `limit` option as the listing methods apply it: stop once the output holds that many. */
function limitOf(opts: { limit?: number } | undefined): number {
  return opts?.limit ?? Infinity;
}

// keys/entries/count walk the tree without copying entries out (forEachRaw) and write the reply's
// encoding straight from engine memory: a 100k-entry listing makes no JS object per entry.

function keys(ctx: ViewContext, opts?: { prefix?: string; limit?: number }): unknown {
  const w = new EncodedArrayWriter();
  const limit = limitOf(opts);
  ctx.ks.forEachRaw({ ...rangeOf(opts?.prefix), keysOnly: true }, (mem, ko, kl) => {
    if (w.count >= limit) return false;
    w.item();
    w.wtf8String(mem, ko + 1, ko + kl, 'key');
  });
  return w.finish();
}

function entries(ctx: ViewContext, opts?: { prefix?: string; limit?: number }): unknown {
  const w = new EncodedArrayWriter();
  const limit = limitOf(opts);
  ctx.ks.forEachRaw(rangeOf(opts?.prefix), (mem, ko, kl, vo, vl) => {
    if (w.count >= limit) return false;
    w.item();
    w.tuple(2);
    w.wtf8String(mem, ko + 1, ko + kl, 'key');
    w.raw(mem, vo, vo + vl);
  });
  return w.finish();
}

function count(ctx: ViewContext, opts?: { prefix?: string }): number {
  return ctx.ks.forEachRaw({ ...rangeOf(opts?.prefix), keysOnly: true }, () => {});
}

function clear(ctx: ViewContext): number {
  const all: Uint8Array[] = [];
  for (const [k] of ctx.ks.range({ ...rangeOf(''), keysOnly: true })) all.push(k);
  for (const k of all) ctx.batch.del(k);
  return all.length;
}

/** The plain-values view. */
export const valuesView: View = {
  name: 'values',
  tag: VALUES_TAG,
  methods: { get, set, delete: del, has, getMany, setMany, deleteMany, keys, entries, count, clear },
  describeKey: keyOfValueKey,
};
