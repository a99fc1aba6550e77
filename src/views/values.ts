/**
 * The plain-values view: `store.get/set/delete` of structured values under string keys, like
 * idb-keyval but in the engine. Keys live under tag 'V' in the B+tree, so `keys()` is ordered and
 * a prefix listing is a seek plus a walk. Values are encoded with the value codec, which rejects
 * what cannot be stored (functions, symbols, cycles) with BAD_VALUE.
 */
import { Encoded, EncodedArrayWriter, keyBytePairOffsets } from '../codec/value.js';
import { LarderError } from '../errors.js';
import { prefixSuccessor } from '../keys/encode.js';
import { MAX_BYTES_PER_UNIT, readWtf8, writeWtf8 } from '../codec/wtf8.js';
import { DECLINED, type RunResults, type View, type ViewContext } from './view.js';
import { packRecords } from '../core/records.js';
import { T_ARRAY, T_STR } from '../codec/tags.js';

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

/**
 * One reused key buffer per length, for lookups (see lookupKey); made on first use.
 * Index n holds a Uint8Array of exactly n bytes (1 + key length).
 */
const lookupBufs: (Uint8Array | undefined)[] = [];

/** The reused lookup buffer for a key of `n` bytes, its tag byte written. */
function lookupBuf(n: number): Uint8Array {
  const k = (lookupBufs[n + 1] ??= new Uint8Array(n + 1));
  k[0] = VALUES_TAG;
  return k;
}

/**
 * valueKey(key) for a lookup that does not keep the key (get, has, getMany): the same bytes and
 * errors, but an ASCII key of up to 256 characters is written into a reused buffer instead of a
 * new Uint8Array (making one was about a fifth of a 100k-key read's time in the worker). The bytes
 * are valid only until the next lookupKey call: the engine copies a key in and never keeps it.
 */
function lookupKey(key: unknown): Uint8Array {
  if (typeof key !== 'string' || key.length > 256) return valueKey(key);
  const n = key.length;
  const k = lookupBuf(n);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return valueKey(key);
    k[i + 1] = c;
  }
  return k;
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
  return wrap(ctx.ks.getView(lookupKey(key)));
}

function set(ctx: ViewContext, key: unknown, value: unknown): void {
  ctx.batch.put(valueKey(key), encoded(value, 'set'));
}

function del(ctx: ViewContext, key: unknown): boolean {
  return ctx.batch.del(valueKey(key));
}

function has(ctx: ViewContext, key: unknown): boolean {
  return ctx.ks.has(lookupKey(key));
}

function getMany(ctx: ViewContext, keys: unknown): unknown {
  if (!Array.isArray(keys)) throw new LarderError('BAD_VALUE', 'getMany takes an array of keys');
  // The reply is assembled from the stored encodings directly: the same bytes as encoding an
  // array of Encoded/undefined, without an object per value. One lookup per key, each value
  // copied out of engine memory before the next: no key array, and no view per value (the
  // batched ks.getMany made both, and took longer for 100k keys).
  const w = new EncodedArrayWriter();
  const ks = ctx.ks;
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    // A sparse list (holes) keeps the batched path's behaviour exactly; never seen in practice.
    if (key === undefined && !(i in keys)) return getManyBatched(ks, keys);
    const v = ks.getView(lookupKey(key));
    w.item();
    if (v === undefined) w.undefinedValue();
    else w.raw(v, 0, v.length);
  }
  return w.finish();
}

/** getMany through the keyspace's batched lookup (for a sparse key list, see getMany). */
function getManyBatched(ks: ViewContext['ks'], keys: unknown[]): unknown {
  const w = new EncodedArrayWriter();
  for (const v of ks.getMany(keys.map(valueKey))) {
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

/** T_ARRAY, length 1, T_STR: how the page's `[key]` argument list starts. */
const ONE_STRING_ARG = [T_ARRAY, 0x01, T_STR] as const;

/**
 * The lookup key of a packed `get`/`has` argument list, `bytes[start, end)`, when it is the page's
 * usual call, `[key]` with an ASCII key under 128 characters: copied straight from the message
 * into the reused lookup buffer (see lookupKey), with no argument array or key string decoded
 * first. Undefined for anything else, which takes the ordinary path (which reports errors).
 */
function packedLookupKey(bytes: Uint8Array, start: number, end: number): Uint8Array | undefined {
  const n = end - start - 4;
  if (n < 0 || bytes[start] !== ONE_STRING_ARG[0] || bytes[start + 1] !== ONE_STRING_ARG[1] || bytes[start + 2] !== ONE_STRING_ARG[2] || bytes[start + 3] !== n || n >= 0x80) return undefined;
  const k = lookupBuf(n);
  const from = start + 4;
  for (let i = 0; i < n; i++) {
    const c = bytes[from + i]!;
    if (c >= 0x80) return undefined;
    k[i + 1] = c;
  }
  return k;
}

/** get's fast path for one call (see packedLookupKey). */
function getPacked(ctx: ViewContext, args: Uint8Array): unknown {
  const k = packedLookupKey(args, 0, args.length);
  return k === undefined ? DECLINED : wrap(ctx.ks.getView(k));
}

/**
 * get's fast path for a run of calls (see PackedRun): each stored encoding is copied from engine
 * memory into the reply as it is found, with no call object, context, wrapper or result array
 * per key.
 */
function getRun(ctx: ViewContext, bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array, from: number, to: number, out: RunResults): number {
  const ks = ctx.ks;
  for (let i = from; i < to; i++) {
    const k = packedLookupKey(bytes, starts[i], ends[i]);
    if (k === undefined) return i;
    const v = ks.getView(k);
    if (v === undefined) out.undefined();
    else out.encoded(v, 0, v.length);
  }
  return to;
}

/**
 * setMany's fast path for the page's usual message, ASCII keys of up to 256 characters: the
 * pairs go from the message bytes into one record list (core/records.ts) and into the engine,
 * with no string, key array or pair per entry (decoding 100k keys to strings, encoding them back
 * and the objects in between were most of a 100k-entry setMany's time in the worker).
 */
function setManyPacked(ctx: ViewContext, args: Uint8Array): unknown {
  const at = keyBytePairOffsets(args, 256);
  if (at === undefined) return DECLINED;
  for (let i = 2; i < at.length; i += 4) if (at[i] === at[i + 1]) return DECLINED; // an empty value: not encoded
  const list = packRecords(args, at, VALUES_TAG);
  ctx.batch.putRecords(list);
  return list.count;
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
  packedMethods: { setMany: setManyPacked, get: getPacked },
  packedRuns: { get: getRun },
  describeKey: keyOfValueKey,
};
