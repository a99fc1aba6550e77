/**
 * Hash commands (Redis's t_hash.c). Each field is its own entry 'H' len key field -> value and the
 * meta keeps the field count, so HSET on a 100,000-field hash touches one field entry and, only
 * when a field is added or removed, the meta: the hash is never rewritten whole. Fields come back
 * in byte order (Redis: insertion order when small, arbitrary when large).
 */
import { addI64, argI64, parseI64, str, upper, utf8, argRange, LONG_MAX } from './bytes.js';
import type { CommandTable } from './command.js';
import { newMeta, type Db } from './db.js';
import { MAX_KEY, T, TAG, memberKey, memberPrefix, type Meta } from './layout.js';
import { addLD, formatLD, isInfLD, parseLD } from './long-double.js';
import { E, OK, arityError, rerr, syntax, type Reply } from './reply.js';
import { memberRange, scanMembers } from './scan.js';
import { checkLength } from './t_string.js';

/** The hash meta of `key` (WRONGTYPE for other types). */
function lookup(db: Db, key: Uint8Array): Meta | undefined {
  return db.lookupType(key, T.hash);
}

function fieldKey(key: Uint8Array, field: Uint8Array): Uint8Array {
  if (3 + key.length + field.length > MAX_KEY + 3) throw rerr('TOO_LARGE', `ERR hash field too large: key and field together must stay within ${MAX_KEY} bytes`);
  return memberKey(TAG.H, key, field);
}

/**
 * Sets fields on the hash at `key` (created if needed); returns how many were new. Used by HSET,
 * HMSET, HSETNX and the increment commands.
 */
function setFields(db: Db, key: Uint8Array, pairs: Array<[Uint8Array, Uint8Array]>, event: string): number {
  let m = lookup(db, key);
  const created = !m;
  m ??= newMeta(T.hash);
  let added = 0;
  for (const [f, v] of pairs) {
    const k = fieldKey(key, f);
    if (db.get(k) === undefined) added++;
    db.put(k, v);
  }
  m.count += added;
  if (created) db.add(key, m, event);
  else if (added) db.setMeta(key, m, event);
  else db.touch(key, event);
  return added;
}

function hset(db: Db, a: Uint8Array[]): Reply {
  if (a.length % 2 === 1) throw arityError(str(a[0]));
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 2; i < a.length; i += 2) {
    checkLength(a[i + 1].length);
    pairs.push([a[i], a[i + 1]]);
  }
  const n = setFields(db, a[1], pairs, 'hset');
  return upper(a[0]) === 'HMSET' ? OK : n;
}

function hsetnx(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  if (m && db.get(fieldKey(a[1], a[2])) !== undefined) return 0;
  checkLength(a[3].length);
  setFields(db, a[1], [[a[2], a[3]]], 'hset');
  return 1;
}

function hget(db: Db, a: Uint8Array[]): Reply {
  if (!lookup(db, a[1])) return null;
  return db.get(fieldKey(a[1], a[2])) ?? null;
}

function hmget(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  const out: Reply[] = [];
  for (let i = 2; i < a.length; i++) out.push(m ? db.get(fieldKey(a[1], a[i])) ?? null : null);
  return out;
}

function hdel(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  if (!m) return 0;
  let n = 0;
  for (let i = 2; i < a.length; i++) if (db.del(fieldKey(a[1], a[i]))) n++;
  if (!n) return 0;
  m.count -= n;
  if (m.count === 0) db.remove(a[1], m, 'hdel');
  else db.setMeta(a[1], m, 'hdel');
  return n;
}

function hexists(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) && db.get(fieldKey(a[1], a[2])) !== undefined ? 1 : 0;
}

function hlen(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1])?.count ?? 0;
}

/** Every [field, value] of the hash at `key`, in field order. */
function entries(db: Db, key: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  const p = memberPrefix(TAG.H, key).length;
  for (const [k, v] of db.range({ prefix: memberPrefix(TAG.H, key) })) out.push([k.subarray(p), v]);
  return out;
}

function hkeys(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) ? entries(db, a[1]).map((e) => e[0]) : [];
}

function hvals(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) ? entries(db, a[1]).map((e) => e[1]) : [];
}

function hgetall(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) ? entries(db, a[1]).flat() : [];
}

function hincrby(db: Db, a: Uint8Array[]): Reply {
  const by = argI64(a[3]);
  const cur = lookup(db, a[1]) ? db.get(fieldKey(a[1], a[2])) : undefined;
  let v: number | bigint = 0;
  if (cur !== undefined) {
    const p = parseI64(cur);
    if (p === undefined) throw rerr('BAD_VALUE', E.HASH_NOT_INT);
    v = p;
  }
  const next = addI64(v, by);
  setFields(db, a[1], [[a[2], utf8(String(next))]], 'hincrby');
  return Number(next);
}

function hincrbyfloat(db: Db, a: Uint8Array[]): Reply {
  const by = parseLD(str(a[3]));
  if (!by) throw rerr('BAD_VALUE', E.NOT_FLOAT);
  if (by.inf) throw rerr('BAD_VALUE', 'ERR value is NaN or Infinity');
  const cur = lookup(db, a[1]) ? db.get(fieldKey(a[1], a[2])) : undefined;
  const v = cur === undefined ? parseLD('0') : parseLD(str(cur));
  if (!v) throw rerr('BAD_VALUE', E.HASH_NOT_FLOAT);
  const sum = addLD(v!, by);
  if (!sum || isInfLD(sum)) throw rerr('BAD_VALUE', E.NAN_INF);
  const out = utf8(formatLD(sum));
  setFields(db, a[1], [[a[2], out]], 'hincrbyfloat');
  return out;
}

function hstrlen(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) ? db.get(fieldKey(a[1], a[2]))?.length ?? 0 : 0;
}

function hrandfield(db: Db, a: Uint8Array[]): Reply {
  if (a.length === 2) {
    const m = lookup(db, a[1]);
    if (!m) return null;
    const all = entries(db, a[1]);
    return all[Math.floor(Math.random() * all.length)][0];
  }
  const count = argRange(a[2], -LONG_MAX, LONG_MAX);
  let withValues = false;
  if (a.length > 4 || (a.length === 4 && upper(a[3]) !== 'WITHVALUES')) throw syntax();
  if (a.length === 4) {
    withValues = true;
    if (count < -LONG_MAX / 2 || count > LONG_MAX / 2) throw rerr('BAD_VALUE', 'ERR value is out of range');
  }
  const m = lookup(db, a[1]);
  if (!m || count === 0) return [];
  const all = entries(db, a[1]);
  const picked = pickRandom(all, count);
  return withValues ? picked.flat() : picked.map((e) => e[0]);
}

/**
 * SRANDMEMBER/HRANDFIELD selection: count >= 0 gives distinct elements (all of them when count
 * is at least the size), count < 0 gives |count| picks with repetition.
 */
export function pickRandom<X>(all: X[], count: number): X[] {
  if (count < 0) {
    const out: X[] = [];
    for (let i = 0; i < -count; i++) out.push(all[Math.floor(Math.random() * all.length)]);
    return out;
  }
  if (count >= all.length) return all;
  const copy = all.slice();
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, count);
}

function hscan(db: Db, a: Uint8Array[]): Reply {
  const p = memberPrefix(TAG.H, a[1]).length;
  return scanMembers(db, a, T.hash, (_m, after) => mapIter(memberRange(db, TAG.H, a[1], after), ([k, v]) => [k.subarray(p), v]));
}

/** Maps an iterator lazily. */
export function* mapIter<A, B>(it: Iterable<A>, f: (a: A) => B): IterableIterator<B> {
  for (const x of it) yield f(x);
}

/** Hash commands. */
export const hashCommands: CommandTable = {
  hset: { fn: hset, arity: -4 },
  hmset: { fn: hset, arity: -4 },
  hsetnx: { fn: hsetnx, arity: 4 },
  hget: { fn: hget, arity: 3 },
  hmget: { fn: hmget, arity: -3 },
  hdel: { fn: hdel, arity: -3 },
  hexists: { fn: hexists, arity: 3 },
  hlen: { fn: hlen, arity: 2 },
  hkeys: { fn: hkeys, arity: 2 },
  hvals: { fn: hvals, arity: 2 },
  hgetall: { fn: hgetall, arity: 2 },
  hincrby: { fn: hincrby, arity: 4 },
  hincrbyfloat: { fn: hincrbyfloat, arity: 4 },
  hstrlen: { fn: hstrlen, arity: 3 },
  hrandfield: { fn: hrandfield, arity: -2 },
  hscan: { fn: hscan, arity: -3 },
};
