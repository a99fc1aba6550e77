/**
 * How Redis values sit in the keyspace. Every composite key carries the Redis key behind a 2-byte
 * big-endian length, so the members of key "a" can never be mistaken for those of key "ab" and a
 * key's members are one contiguous range:
 *
 *   K key                              -> meta: type, flags, [expire-at], payload   (hash table)
 *   H len key field                    -> value                                    (hash field)
 *   L len key pos                      -> item      pos: f64, order-preserving     (list item)
 *   S len key member                   -> empty                                    (set member)
 *   Z len key score member             -> empty     score: f64, order-preserving   (zset by score)
 *   Y len key member                   -> score (f64 LE)                           (zset by member)
 *   X expire-at key                    -> empty     expire-at: f64 order-preserving (TTL queue)
 *
 * K is a point tag, so the keyspace keeps its keys in a hash table of their own: that table is
 * Redis's main dictionary. DBSIZE is its size and SCAN walks it with the table's cursor (a
 * position that never moves while its entry lives), so a key present for the whole scan is
 * returned, exactly once, as Redis promises at least once.
 *
 * Meta payload by type: string -> the bytes; hash/set/zset -> f64 LE member count; list -> f64 LE
 * head and tail positions (items occupy head..tail-1; LPUSH writes head-1, RPUSH writes tail).
 */

/** Keyspace tags of the kv view. */
export const TAG = { K: 0x4b, H: 0x48, L: 0x4c, S: 0x53, Z: 0x5a, Y: 0x59, X: 0x58 } as const;

/** Redis types as stored in the meta's first byte. */
export const T = { string: 0, list: 1, set: 2, zset: 3, hash: 4 } as const;
/** Type names as TYPE reports them, by type byte. */
export const TYPE_NAMES = ['string', 'list', 'set', 'zset', 'hash'] as const;

/** Largest Redis key in bytes: composite keys must stay within the engine's 64 KiB key limit. */
export const MAX_KEY = 65000;

/** A key's meta, decoded. */
export interface Meta {
  type: number;
  /** Absolute expire time in ms, 0 when the key is persistent. */
  exp: number;
  /** String value (type string). */
  str?: Uint8Array;
  /** Member count (hash, set, zset). */
  count: number;
  /** List head and tail positions. */
  head: number;
  tail: number;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** Writes `v` as 8 order-preserving bytes (big-endian bits, sign flipped; -0 as 0). */
export function putOrdered(out: Uint8Array, at: number, v: number): void {
  f64[0] = v === 0 ? 0 : v;
  const neg = (f64b[7] & 0x80) !== 0;
  for (let i = 0; i < 8; i++) {
    const b = f64b[7 - i];
    out[at + i] = neg ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
  }
}

/** Reads a number written by putOrdered. */
export function getOrdered(b: Uint8Array, at: number): number {
  const neg = (b[at] & 0x80) === 0;
  for (let i = 0; i < 8; i++) {
    const x = b[at + i];
    f64b[7 - i] = neg ? ~x & 0xff : i === 0 ? x ^ 0x80 : x;
  }
  return f64[0];
}

/** f64 little-endian into 8 bytes. */
export function putF64(out: Uint8Array, at: number, v: number): void {
  f64[0] = v;
  out.set(f64b, at);
}

/** f64 little-endian from 8 bytes. */
export function getF64(b: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) f64b[i] = b[at + i];
  return f64[0];
}

/** 'K' + key. */
export function metaKey(key: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + key.length);
  k[0] = TAG.K;
  k.set(key, 1);
  return k;
}

/** tag + len + key: the prefix of every member of `key` under `tag`. */
export function memberPrefix(tag: number, key: Uint8Array): Uint8Array {
  const k = new Uint8Array(3 + key.length);
  k[0] = tag;
  k[1] = key.length >> 8;
  k[2] = key.length & 0xff;
  k.set(key, 3);
  return k;
}

/** tag + len + key + member. */
export function memberKey(tag: number, key: Uint8Array, member: Uint8Array): Uint8Array {
  const k = new Uint8Array(3 + key.length + member.length);
  k[0] = tag;
  k[1] = key.length >> 8;
  k[2] = key.length & 0xff;
  k.set(key, 3);
  k.set(member, 3 + key.length);
  return k;
}

/** The member part of a composite key made by memberKey. */
export function memberOf(k: Uint8Array, key: Uint8Array, extra = 0): Uint8Array {
  return k.subarray(3 + key.length + extra);
}

/** 'L' + len + key + pos. */
export function listKey(key: Uint8Array, pos: number): Uint8Array {
  const k = new Uint8Array(11 + key.length);
  k[0] = TAG.L;
  k[1] = key.length >> 8;
  k[2] = key.length & 0xff;
  k.set(key, 3);
  putOrdered(k, 3 + key.length, pos);
  return k;
}

/** 'Z' + len + key + score + member. */
export function zScoreKey(key: Uint8Array, score: number, member: Uint8Array): Uint8Array {
  const k = new Uint8Array(11 + key.length + member.length);
  k[0] = TAG.Z;
  k[1] = key.length >> 8;
  k[2] = key.length & 0xff;
  k.set(key, 3);
  putOrdered(k, 3 + key.length, score);
  k.set(member, 11 + key.length);
  return k;
}

/** 'Z' + len + key + score: the start of a score range. */
export function zScorePrefix(key: Uint8Array, score: number): Uint8Array {
  const k = new Uint8Array(11 + key.length);
  k.set(memberPrefix(TAG.Z, key), 0);
  putOrdered(k, 3 + key.length, score);
  return k;
}

/** 'X' + expire-at + key. */
export function expireKey(at: number, key: Uint8Array): Uint8Array {
  const k = new Uint8Array(9 + key.length);
  k[0] = TAG.X;
  putOrdered(k, 1, at);
  k.set(key, 9);
  return k;
}

/** Encodes a meta value. */
export function encodeMeta(m: Meta): Uint8Array {
  if (m.type === T.string) return encodeStringMeta(m.str!, m.exp);
  const hdr = m.exp ? 10 : 2;
  const out = new Uint8Array(hdr + (m.type === T.list ? 16 : 8));
  out[0] = m.type;
  out[1] = m.exp ? 1 : 0;
  if (m.exp) putF64(out, 2, m.exp);
  if (m.type === T.list) { putF64(out, hdr, m.head); putF64(out, hdr + 8, m.tail); }
  else putF64(out, hdr, m.count);
  return out;
}

/** The meta value of a string (what encodeMeta gives, without a Meta to build first: SET's path). */
export function encodeStringMeta(value: Uint8Array, exp: number): Uint8Array {
  const hdr = exp ? 10 : 2;
  const out = new Uint8Array(hdr + value.length);
  out[0] = T.string;
  out[1] = exp ? 1 : 0;
  if (exp) putF64(out, 2, exp);
  out.set(value, hdr);
  return out;
}

/**
 * Decodes a meta value (the result holds no reference to `v`). `withString` false leaves a
 * string's `str` undefined, for callers that only need its type and expiry (SET replacing it).
 */
export function decodeMeta(v: Uint8Array, withString = true): Meta {
  const exp = v[1] & 1 ? getF64(v, 2) : 0;
  const hdr = exp ? 10 : 2;
  // Every meta gets the same shape (str included). The string is a copy, so `v` may be a
  // transient view of engine memory (Db.rawMeta reads it without a copy of its own).
  const m: Meta = { type: v[0], exp, str: undefined, count: 0, head: 0, tail: 0 };
  if (m.type === T.string) m.str = withString ? v.slice(hdr) : undefined;
  else if (m.type === T.list) { m.head = getF64(v, hdr); m.tail = getF64(v, hdr + 8); m.count = m.tail - m.head; }
  else m.count = getF64(v, hdr);
  return m;
}
