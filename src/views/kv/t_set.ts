/**
 * Set commands (Redis's t_set.c). Each member is an entry 'S' len key member -> empty and the
 * meta keeps the count, so SADD/SREM/SISMEMBER touch one entry whatever the set's size. Members
 * come back in byte order. Random picks (SPOP, SRANDMEMBER) read the whole set: O(N).
 */
import { argPositive, argRange, bkey, unbkey, upper, LONG_MAX } from './bytes.js';
import type { CommandTable } from './command.js';
import { newMeta, type Db } from './db.js';
import { MAX_KEY, T, TAG, memberKey, memberPrefix, type Meta } from './layout.js';
import { rerr, syntax, type Reply } from './reply.js';
import { memberRange, scanMembers } from './scan.js';
import { mapIter, pickRandom } from './t_hash.js';

const EMPTY = new Uint8Array(0);

function lookup(db: Db, key: Uint8Array): Meta | undefined {
  return db.lookupType(key, T.set);
}

function mkey(key: Uint8Array, member: Uint8Array): Uint8Array {
  if (key.length + member.length > MAX_KEY) throw rerr('TOO_LARGE', `ERR set member too large: key and member together must stay within ${MAX_KEY} bytes`);
  return memberKey(TAG.S, key, member);
}

/** Every member of the set at `key` (which must exist), in byte order. */
export function members(db: Db, key: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const p = memberPrefix(TAG.S, key);
  for (const [k] of db.range({ prefix: p, keysOnly: true })) out.push(k.slice(p.length));
  return out;
}

/** Adds members to the set at `key`, creating it; returns how many were new. */
function addMembers(db: Db, key: Uint8Array, list: Uint8Array[], event = 'sadd'): number {
  let m = lookup(db, key);
  const created = !m;
  m ??= newMeta(T.set);
  let added = 0;
  for (const x of list) {
    const k = mkey(key, x);
    if (db.get(k) === undefined) { db.put(k, EMPTY); added++; }
  }
  if (!added) return 0;
  m.count += added;
  if (created) db.add(key, m, event);
  else db.setMeta(key, m, event);
  return added;
}

/** Removes members from an existing set; deletes the key when it empties. */
function removeMembers(db: Db, key: Uint8Array, m: Meta, list: Uint8Array[], event = 'srem'): number {
  let n = 0;
  for (const x of list) if (db.del(mkey(key, x))) n++;
  if (!n) return 0;
  m.count -= n;
  if (m.count === 0) db.remove(key, m, event);
  else db.setMeta(key, m, event);
  return n;
}

function sadd(db: Db, a: Uint8Array[]): Reply {
  return addMembers(db, a[1], a.slice(2));
}

function srem(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  return m ? removeMembers(db, a[1], m, a.slice(2)) : 0;
}

function sismember(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) && db.get(mkey(a[1], a[2])) !== undefined ? 1 : 0;
}

function smismember(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  return a.slice(2).map((x) => (m && db.get(mkey(a[1], x)) !== undefined ? 1 : 0));
}

function smembers(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1]) ? members(db, a[1]) : [];
}

function scard(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1])?.count ?? 0;
}

function spop(db: Db, a: Uint8Array[]): Reply {
  if (a.length > 3) throw syntax();
  if (a.length === 2) {
    const m = lookup(db, a[1]);
    if (!m) return null;
    const [x] = pickRandom(members(db, a[1]), 1);
    removeMembers(db, a[1], m, [x], 'spop');
    return x;
  }
  const count = argPositive(a[2]);
  const m = lookup(db, a[1]);
  if (!m || count === 0) return [];
  const picked = pickRandom(members(db, a[1]), count);
  removeMembers(db, a[1], m, picked, 'spop');
  return picked;
}

function srandmember(db: Db, a: Uint8Array[]): Reply {
  if (a.length > 3) throw syntax();
  if (a.length === 2) {
    if (!lookup(db, a[1])) return null;
    return pickRandom(members(db, a[1]), 1)[0];
  }
  const count = argRange(a[2], -LONG_MAX, LONG_MAX);
  const m = lookup(db, a[1]);
  if (!m || count === 0) return [];
  return pickRandom(members(db, a[1]), count);
}

function smove(db: Db, a: Uint8Array[]): Reply {
  const sm = db.lookup(a[1]);
  const dm = db.lookup(a[2]);
  if (!sm) return 0;
  if (sm.type !== T.set || (dm && dm.type !== T.set)) throw rerr('WRONGTYPE', 'WRONGTYPE Operation against a key holding the wrong kind of value');
  const has = db.get(mkey(a[1], a[3])) !== undefined;
  if (bkey(a[1]) === bkey(a[2])) return has ? 1 : 0;
  if (!has) return 0;
  removeMembers(db, a[1], sm, [a[3]]);
  addMembers(db, a[2], [a[3]]);
  return 1;
}

/** The sets named by `keys` (undefined for a missing key), type-checked all first. */
function loadSets(db: Db, keys: Uint8Array[]): Array<Set<string> | undefined> {
  const metas = keys.map((k) => lookup(db, k));
  return metas.map((m, i) => (m ? new Set(members(db, keys[i]).map(bkey)) : undefined));
}

function inter(sets: Array<Set<string> | undefined>, limit = 0): string[] {
  if (sets.some((s) => !s)) return [];
  const sorted = (sets as Set<string>[]).slice().sort((x, y) => x.size - y.size);
  const out: string[] = [];
  for (const x of sorted[0]) {
    if (sorted.every((s) => s.has(x))) {
      out.push(x);
      if (limit && out.length >= limit) break;
    }
  }
  return out;
}

function union(sets: Array<Set<string> | undefined>): string[] {
  const out = new Set<string>();
  for (const s of sets) if (s) for (const x of s) out.add(x);
  return [...out];
}

function diff(sets: Array<Set<string> | undefined>): string[] {
  const [first, ...rest] = sets;
  if (!first) return [];
  return [...first].filter((x) => !rest.some((s) => s?.has(x)));
}

/** Replaces `dst` with a set of `result` (deleting it when empty); returns the cardinality. */
function store(db: Db, dst: Uint8Array, result: string[]): number {
  const old = db.lookup(dst);
  if (old) db.remove(dst, old);
  if (result.length) addMembers(db, dst, result.map(unbkey), 'sinterstore');
  return result.length;
}

function sorted(result: string[]): Uint8Array[] {
  return result.sort().map(unbkey);
}

function sintercard(db: Db, a: Uint8Array[]): Reply {
  const numkeys = argRange(a[1], 1, LONG_MAX, 'ERR numkeys should be greater than 0');
  if (numkeys > a.length - 2) throw rerr('SYNTAX', "ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let i = 2 + numkeys; i < a.length; i++) {
    if (upper(a[i]) === 'LIMIT' && a.length - 1 - i > 0) limit = argPositive(a[++i], "ERR LIMIT can't be negative");
    else throw syntax();
  }
  return inter(loadSets(db, a.slice(2, 2 + numkeys)), limit).length;
}

function sscan(db: Db, a: Uint8Array[]): Reply {
  const p = memberPrefix(TAG.S, a[1]).length;
  return scanMembers(db, a, T.set, (_m, after) => mapIter(memberRange(db, TAG.S, a[1], after), ([k]) => [k.subarray(p), undefined]));
}

/** Set commands. */
export const setCommands: CommandTable = {
  sadd: { fn: sadd, arity: -3 },
  srem: { fn: srem, arity: -3 },
  sismember: { fn: sismember, arity: 3 },
  smismember: { fn: smismember, arity: -3 },
  smembers: { fn: smembers, arity: 2 },
  scard: { fn: scard, arity: 2 },
  spop: { fn: spop, arity: -2 },
  srandmember: { fn: srandmember, arity: -2 },
  smove: { fn: smove, arity: 4 },
  sinter: { fn: (db, a) => sorted(inter(loadSets(db, a.slice(1)))), arity: -2 },
  sunion: { fn: (db, a) => sorted(union(loadSets(db, a.slice(1)))), arity: -2 },
  sdiff: { fn: (db, a) => sorted(diff(loadSets(db, a.slice(1)))), arity: -2 },
  sinterstore: { fn: (db, a) => store(db, a[1], inter(loadSets(db, a.slice(2)))), arity: -3 },
  sunionstore: { fn: (db, a) => store(db, a[1], union(loadSets(db, a.slice(2)))), arity: -3 },
  sdiffstore: { fn: (db, a) => store(db, a[1], diff(loadSets(db, a.slice(2)))), arity: -3 },
  sintercard: { fn: sintercard, arity: -3 },
  sscan: { fn: sscan, arity: -3 },
};

