/**
 * Sorted-set commands (Redis's t_zset.c). Each element has two entries: 'Z' len key score member
 * (ordered by score then member bytes, like Redis's skiplist: ranges by score are a seek and a
 * walk) and 'Y' len key member -> score (ZSCORE, ZADD's "is it there" check). Rank operations walk
 * from the nearer end: O(rank) rather than Redis's O(log N).
 */
import { argDouble, argInt, argPositive, bkey, fmtDouble, str, unbkey, upper, utf8 } from './bytes.js';
import type { CommandTable } from './command.js';
import { newMeta, type Db } from './db.js';
import { MAX_KEY, T, TAG, getF64, memberKey, memberPrefix, putF64, zScoreKey, type Meta } from './layout.js';
import { rerr, syntax, wrongType, type Reply } from './reply.js';
import { memberRange, scanMembers } from './scan.js';
import { members as setMembers } from './t_set.js';
import { mapIter } from './t_hash.js';
import { lexRange, limit, parseLexRange, parseScoreRange, scoreRange, walk, type ZEntry } from './zrange.js';

const EMPTY = new Uint8Array(0);

function lookup(db: Db, key: Uint8Array): Meta | undefined {
  return db.lookupType(key, T.zset);
}

/** The score of `member`, or undefined. */
function scoreOf(db: Db, key: Uint8Array, member: Uint8Array): number | undefined {
  const v = db.get(memberKey(TAG.Y, key, member));
  return v === undefined ? undefined : getF64(v, 0);
}

/** Writes `member` with `score`, replacing its old score entry. */
function put(db: Db, key: Uint8Array, member: Uint8Array, score: number, old: number | undefined): void {
  if (key.length + member.length + 8 > MAX_KEY) throw rerr('TOO_LARGE', `ERR sorted set member too large: key and member together must stay within ${MAX_KEY - 8} bytes`);
  // Redis's compact encoding turns -0 into 0 on the way in (small sets are all compact encodings).
  if (score === 0) score = 0;
  if (old !== undefined) db.del(zScoreKey(key, old, member));
  db.put(zScoreKey(key, score, member), EMPTY);
  const v = new Uint8Array(8);
  putF64(v, 0, score);
  db.put(memberKey(TAG.Y, key, member), v);
}

function delMember(db: Db, key: Uint8Array, member: Uint8Array, score: number): void {
  db.del(zScoreKey(key, score, member));
  db.del(memberKey(TAG.Y, key, member));
}

/** Saves the meta after removals, deleting the key when it emptied. */
function save(db: Db, key: Uint8Array, m: Meta, event: string): void {
  if (m.count === 0) db.remove(key, m, event);
  else db.setMeta(key, m, event);
}

function score(d: number): Uint8Array {
  return utf8(fmtDouble(d));
}

/** ZADD and ZINCRBY (zaddGenericCommand): options, then all scores parsed before any write. */
function zaddGeneric(db: Db, a: Uint8Array[], incrCmd: boolean): Reply {
  let nx = false, xx = false, gt = false, lt = false, ch = false, incr = incrCmd;
  let i = 2;
  for (; i < a.length; i++) {
    const o = upper(a[i]);
    if (o === 'NX') nx = true;
    else if (o === 'XX') xx = true;
    else if (o === 'CH') ch = true;
    else if (o === 'INCR') incr = true;
    else if (o === 'GT') gt = true;
    else if (o === 'LT') lt = true;
    else break;
  }
  const n = a.length - i;
  if (n % 2 || !n) throw syntax();
  if (nx && xx) throw rerr('SYNTAX', 'ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw rerr('SYNTAX', 'ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && n > 2) throw rerr('SYNTAX', 'ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = i; j < a.length; j += 2) scores.push(argDouble(a[j]));
  const key = a[1];
  let m = lookup(db, key);
  let added = 0, updated = 0, processed = 0, last = 0;
  if (!m && xx) return incr ? null : 0;
  const created = !m;
  m ??= newMeta(T.zset);
  for (let j = 0; j < scores.length; j++) {
    let s = scores[j];
    const member = a[i + 1 + j * 2];
    const cur = created && j === 0 ? undefined : scoreOf(db, key, member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (Number.isNaN(s)) throw rerr('BAD_VALUE', 'ERR resulting score is not a number (NaN)');
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      last = s;
      processed++;
      if (s !== cur) {
        put(db, key, member, s, cur);
        updated++;
      }
    } else if (!xx) {
      put(db, key, member, s, undefined);
      added++;
      processed++;
      last = s;
    }
  }
  m.count += added;
  const ev = incr ? 'zincr' : 'zadd';
  if (created) { if (added) db.add(key, m, ev); }
  else if (added) db.setMeta(key, m, ev);
  else if (updated) db.touch(key, ev);
  if (incr) return processed ? score(last) : null;
  return ch ? added + updated : added;
}

function zrem(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  if (!m) return 0;
  let n = 0;
  for (let i = 2; i < a.length; i++) {
    const s = scoreOf(db, a[1], a[i]);
    if (s === undefined) continue;
    delMember(db, a[1], a[i], s);
    n++;
  }
  if (!n) return 0;
  m.count -= n;
  save(db, a[1], m, 'zrem');
  return n;
}

function zscore(db: Db, a: Uint8Array[]): Reply {
  if (!lookup(db, a[1])) return null;
  const s = scoreOf(db, a[1], a[2]);
  return s === undefined ? null : score(s);
}

function zmscore(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  return a.slice(2).map((x) => {
    const s = m ? scoreOf(db, a[1], x) : undefined;
    return s === undefined ? null : score(s);
  });
}

function zcard(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1])?.count ?? 0;
}

function zcount(db: Db, a: Uint8Array[]): Reply {
  const r = parseScoreRange(a[2], a[3]);
  if (!lookup(db, a[1])) return 0;
  let n = 0;
  for (const _ of scoreRange(db, a[1], r)) n++;
  return n;
}

function zlexcount(db: Db, a: Uint8Array[]): Reply {
  const r = parseLexRange(a[2], a[3]);
  if (!lookup(db, a[1])) return 0;
  let n = 0;
  for (const _ of lexRange(db, a[1], r)) n++;
  return n;
}

/** Sanitizes rank bounds like Redis; undefined when the range is empty. */
function rankBounds(start: number, end: number, n: number): [number, number] | undefined {
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (start > end || start >= n) return undefined;
  if (end >= n) end = n - 1;
  return [start, end];
}

/** Elements with ranks start..end (inclusive), from the low end or (reverse) the high end. */
function* rankRange(db: Db, key: Uint8Array, start: number, end: number, reverse: boolean): IterableIterator<ZEntry> {
  let i = 0;
  for (const e of walk(db, key, reverse)) {
    if (i > end) return;
    if (i >= start) yield e;
    i++;
  }
}

type RangeKind = 'auto' | 'rank' | 'score' | 'lex';

/** zrangeGenericCommand: ZRANGE and its older forms, which preset the kind and direction. */
function zrangeGeneric(db: Db, a: Uint8Array[], kind0: RangeKind, rev0: boolean | undefined): Reply {
  let kind = kind0;
  let rev = rev0;
  let withScores = false, offset = 0, count = -1, hasLimit = false;
  for (let j = 4; j < a.length; j++) {
    const o = upper(a[j]);
    const left = a.length - j - 1;
    if (o === 'WITHSCORES') withScores = true;
    else if (o === 'LIMIT' && left >= 2) {
      offset = argInt(a[j + 1]);
      count = argInt(a[j + 2]);
      hasLimit = true;
      j += 2;
    } else if (rev === undefined && o === 'REV') rev = true;
    else if (kind === 'auto' && o === 'BYLEX') kind = 'lex';
    else if (kind === 'auto' && o === 'BYSCORE') kind = 'score';
    else throw syntax();
  }
  rev ??= false;
  if (kind === 'auto') kind = 'rank';
  // Redis tests the count against its "no limit" default, so LIMIT x -1 passes with a rank range.
  if (hasLimit && count !== -1 && kind === 'rank') throw rerr('SYNTAX', 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && kind === 'lex') throw rerr('SYNTAX', 'ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  let [minArg, maxArg] = [a[2], a[3]];
  if (rev && kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  let it: Iterable<ZEntry>;
  const key = a[1];
  if (kind === 'rank') {
    const start = argInt(minArg), end = argInt(maxArg);
    const m = lookup(db, key);
    if (!m) return [];
    const b = rankBounds(start, end, m.count);
    if (!b) return [];
    it = rankRange(db, key, b[0], b[1], rev);
  } else if (kind === 'score') {
    const r = parseScoreRange(minArg, maxArg);
    if (!lookup(db, key)) return [];
    it = limit(scoreRange(db, key, r, rev), offset, count);
  } else {
    const r = parseLexRange(minArg, maxArg);
    if (!lookup(db, key)) return [];
    it = limit(lexRange(db, key, r, rev), offset, count);
  }
  const out: Reply[] = [];
  for (const e of it) {
    out.push(e.member);
    if (withScores) out.push(score(e.score));
  }
  return out;
}

function zrankGeneric(db: Db, a: Uint8Array[], reverse: boolean): Reply {
  const m = lookup(db, a[1]);
  if (!m) return null;
  const s = scoreOf(db, a[1], a[2]);
  if (s === undefined) return null;
  // Count the elements before it: a walk bounded by its own entry.
  const self = zScoreKey(a[1], s, a[2]);
  let before = 0;
  for (const _ of db.range({ prefix: memberPrefix(TAG.Z, a[1]), lt: self, keysOnly: true })) before++;
  return reverse ? m.count - 1 - before : before;
}

function zpop(db: Db, a: Uint8Array[], max: boolean): Reply {
  if (a.length > 3) throw syntax();
  const count = a.length === 3 ? argPositive(a[2]) : -1;
  const m = lookup(db, a[1]);
  if (!m) return [];
  if (count === 0) return [];
  const n = count < 0 ? 1 : count;
  const popped: ZEntry[] = [];
  for (const e of walk(db, a[1], max)) {
    if (popped.length >= n) break;
    popped.push(e);
  }
  const out: Reply[] = [];
  for (const e of popped) {
    delMember(db, a[1], e.member, e.score);
    out.push(e.member, score(e.score));
  }
  m.count -= popped.length;
  save(db, a[1], m, max ? 'zpopmax' : 'zpopmin');
  return out;
}

function removeEntries(db: Db, key: Uint8Array, m: Meta, list: ZEntry[], event: string): number {
  for (const e of list) delMember(db, key, e.member, e.score);
  if (list.length) {
    m.count -= list.length;
    save(db, key, m, event);
  }
  return list.length;
}

function zremrangebyscore(db: Db, a: Uint8Array[]): Reply {
  const r = parseScoreRange(a[2], a[3]);
  const m = lookup(db, a[1]);
  if (!m) return 0;
  return removeEntries(db, a[1], m, [...scoreRange(db, a[1], r)], 'zremrangebyscore');
}

function zremrangebylex(db: Db, a: Uint8Array[]): Reply {
  const r = parseLexRange(a[2], a[3]);
  const m = lookup(db, a[1]);
  if (!m) return 0;
  return removeEntries(db, a[1], m, [...lexRange(db, a[1], r)], 'zremrangebylex');
}

function zremrangebyrank(db: Db, a: Uint8Array[]): Reply {
  const start = argInt(a[2]), end = argInt(a[3]);
  const m = lookup(db, a[1]);
  if (!m) return 0;
  const b = rankBounds(start, end, m.count);
  if (!b) return 0;
  return removeEntries(db, a[1], m, [...rankRange(db, a[1], b[0], b[1], false)], 'zremrangebyrank');
}

/** One input of ZUNIONSTORE/ZINTERSTORE: its elements by member (sets score 1). */
interface Source {
  map: Map<string, number>;
  weight: number;
}

function aggregate(target: number, v: number, how: string): number {
  if (how === 'SUM') {
    const s = target + v;
    return Number.isNaN(s) ? 0 : s;
  }
  if (how === 'MIN') return v < target ? v : target;
  return v > target ? v : target;
}

/** zunionInterDiffGenericCommand for the STORE forms. */
function zsetOpStore(db: Db, a: Uint8Array[], union: boolean): Reply {
  const name = str(a[0]).toLowerCase();
  const setnum = argInt(a[2]);
  if (setnum < 1) throw rerr('SYNTAX', `ERR at least 1 input key is needed for '${name}' command`);
  if (setnum > a.length - 3) throw syntax();
  const src: Source[] = [];
  for (let i = 0; i < setnum; i++) {
    const key = a[3 + i];
    const m = db.lookup(key);
    const map = new Map<string, number>();
    if (m && m.type === T.zset) for (const e of walk(db, key)) map.set(bkey(e.member), e.score);
    else if (m && m.type === T.set) for (const x of setMembers(db, key)) map.set(bkey(x), 1);
    else if (m) throw wrongType();
    src.push({ map, weight: 1 });
  }
  let how = 'SUM';
  for (let j = 3 + setnum; j < a.length;) {
    const o = upper(a[j]);
    const remaining = a.length - j;
    if (o === 'WEIGHTS' && remaining > setnum) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        src[i].weight = parseWeight(a[j]);
      }
    } else if (o === 'AGGREGATE' && remaining >= 2) {
      how = upper(a[j + 1]);
      if (how !== 'SUM' && how !== 'MIN' && how !== 'MAX') throw syntax();
      j += 2;
    } else throw syntax();
  }
  const sorted = src.slice().sort((x, y) => x.map.size - y.map.size);
  const acc = new Map<string, number>();
  const weighted = (s: number, w: number): number => {
    const v = s * w;
    return Number.isNaN(v) ? 0 : v;
  };
  if (union) {
    for (const s of sorted) {
      for (const [k, v] of s.map) {
        const val = weighted(v, s.weight);
        const cur = acc.get(k);
        acc.set(k, cur === undefined ? val : aggregate(cur, val, how));
      }
    }
  } else if (sorted[0].map.size > 0) {
    for (const [k, v] of sorted[0].map) {
      let sc = weighted(v, sorted[0].weight);
      let all = true;
      for (let j = 1; j < sorted.length; j++) {
        const o = sorted[j].map.get(k);
        if (o === undefined) { all = false; break; }
        sc = aggregate(sc, o * sorted[j].weight, how);
      }
      if (all) acc.set(k, sc);
    }
  }
  const dst = a[1];
  const old = db.lookup(dst);
  if (old) db.remove(dst, old);
  if (acc.size) {
    for (const [k, v] of acc) put(db, dst, unbkey(k), v, undefined);
    const m = newMeta(T.zset);
    m.count = acc.size;
    db.add(dst, m, union ? 'zunionstore' : 'zinterstore');
  }
  return acc.size;
}

function parseWeight(b: Uint8Array): number {
  try {
    return argDouble(b);
  } catch {
    throw rerr('BAD_VALUE', 'ERR weight value is not a float');
  }
}

function zscan(db: Db, a: Uint8Array[]): Reply {
  const p = memberPrefix(TAG.Y, a[1]).length;
  return scanMembers(db, a, T.zset, (_m, after) => mapIter(memberRange(db, TAG.Y, a[1], after), ([k, v]) => [k.subarray(p), score(getF64(v, 0))]));
}

/** Sorted-set commands. */
export const zsetCommands: CommandTable = {
  zadd: { fn: (db, a) => zaddGeneric(db, a, false), arity: -4 },
  zincrby: { fn: (db, a) => zaddGeneric(db, a, true), arity: 4 },
  zrem: { fn: zrem, arity: -3 },
  zscore: { fn: zscore, arity: 3 },
  zmscore: { fn: zmscore, arity: -3 },
  zcard: { fn: zcard, arity: 2 },
  zcount: { fn: zcount, arity: 4 },
  zlexcount: { fn: zlexcount, arity: 4 },
  zrange: { fn: (db, a) => zrangeGeneric(db, a, 'auto', undefined), arity: -4 },
  zrangebyscore: { fn: (db, a) => zrangeGeneric(db, a, 'score', false), arity: -4 },
  zrevrangebyscore: { fn: (db, a) => zrangeGeneric(db, a, 'score', true), arity: -4 },
  zrangebylex: { fn: (db, a) => zrangeGeneric(db, a, 'lex', false), arity: -4 },
  zrevrangebylex: { fn: (db, a) => zrangeGeneric(db, a, 'lex', true), arity: -4 },
  zrevrange: { fn: (db, a) => zrangeGeneric(db, a, 'rank', true), arity: -4 },
  zrank: { fn: (db, a) => zrankGeneric(db, a, false), arity: 3 },
  zrevrank: { fn: (db, a) => zrankGeneric(db, a, true), arity: 3 },
  zpopmin: { fn: (db, a) => zpop(db, a, false), arity: -2 },
  zpopmax: { fn: (db, a) => zpop(db, a, true), arity: -2 },
  zremrangebyscore: { fn: zremrangebyscore, arity: 4 },
  zremrangebyrank: { fn: zremrangebyrank, arity: 4 },
  zremrangebylex: { fn: zremrangebylex, arity: 4 },
  zunionstore: { fn: (db, a) => zsetOpStore(db, a, true), arity: -4 },
  zinterstore: { fn: (db, a) => zsetOpStore(db, a, false), arity: -4 },
  zscan: { fn: zscan, arity: -3 },
};

