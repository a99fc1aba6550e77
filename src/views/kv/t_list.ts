/**
 * List commands (Redis's t_list.c). Items are entries 'L' len key pos -> item with contiguous
 * positions head..tail-1 kept in the meta: LPUSH writes head-1, RPUSH writes tail, LINDEX/LSET are
 * one point lookup and LRANGE a seek plus a walk. Commands that remove or insert in the middle
 * (LREM, LINSERT) renumber the items on one side of the change, so they cost O(N) as in Redis.
 */
import { argInt, argPositive, eq, upper } from './bytes.js';
import type { CommandTable } from './command.js';
import { newMeta, noSuchKey, type Db } from './db.js';
import { MAX_KEY, T, listKey, type Meta } from './layout.js';
import { E, OK as OKREPLY, arityError, rerr, syntax, type Reply } from './reply.js';
import { checkLength } from './t_string.js';

function lookup(db: Db, key: Uint8Array): Meta | undefined {
  return db.lookupType(key, T.list);
}

function item(db: Db, key: Uint8Array, pos: number): Uint8Array {
  return db.get(listKey(key, pos))!;
}

/** Items [from, to] (indexes, inclusive) of the list, in order. */
function items(db: Db, key: Uint8Array, m: Meta, from = 0, to = m.count - 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (from > to) return out;
  for (const [, v] of db.range({ gte: listKey(key, m.head + from), lte: listKey(key, m.head + to) })) out.push(v);
  return out;
}

/** Saves the meta after a change, removing the key when the list became empty. */
function save(db: Db, key: Uint8Array, m: Meta, event: string): void {
  m.count = m.tail - m.head;
  if (m.count === 0) db.remove(key, m, event);
  else db.setMeta(key, m, event);
}

/** Pushes values at the head (left) or tail; creates the list unless `onlyExisting`. */
function push(db: Db, a: Uint8Array[], left: boolean, onlyExisting: boolean): Reply {
  let m = lookup(db, a[1]);
  if (!m && onlyExisting) return 0;
  if (a[1].length > MAX_KEY) throw rerr('TOO_LARGE', `ERR key is ${a[1].length} bytes; at most ${MAX_KEY}`);
  for (let i = 2; i < a.length; i++) checkLength(a[i].length);
  const created = !m;
  m ??= newMeta(T.list);
  for (let i = 2; i < a.length; i++) {
    if (left) db.put(listKey(a[1], --m.head), a[i]);
    else db.put(listKey(a[1], m.tail++), a[i]);
  }
  m.count = m.tail - m.head;
  const ev = left ? 'lpush' : 'rpush';
  if (created) db.add(a[1], m, ev);
  else db.setMeta(a[1], m, ev);
  return m.count;
}

/** Pops one item from an existing, non-empty list. */
function popOne(db: Db, key: Uint8Array, m: Meta, left: boolean): Uint8Array {
  const pos = left ? m.head++ : --m.tail;
  const k = listKey(key, pos);
  const v = db.get(k)!;
  db.del(k);
  return v;
}

function pop(db: Db, a: Uint8Array[], left: boolean): Reply {
  if (a.length > 3) throw arityError(left ? 'lpop' : 'rpop');
  const hasCount = a.length === 3;
  const count = hasCount ? argPositive(a[2]) : 1;
  const m = lookup(db, a[1]);
  if (!m) return null;
  if (hasCount && count === 0) return [];
  const out: Uint8Array[] = [];
  const n = Math.min(count, m.count);
  for (let i = 0; i < n; i++) out.push(popOne(db, a[1], m, left));
  save(db, a[1], m, left ? 'lpop' : 'rpop');
  return hasCount ? out : out[0];
}

function llen(db: Db, a: Uint8Array[]): Reply {
  return lookup(db, a[1])?.count ?? 0;
}

function lrange(db: Db, a: Uint8Array[]): Reply {
  let start = argInt(a[2]), end = argInt(a[3]);
  const m = lookup(db, a[1]);
  if (!m) return [];
  const n = m.count;
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (start > end || start >= n) return [];
  if (end >= n) end = n - 1;
  return items(db, a[1], m, start, end);
}

function lindex(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  if (!m) return null;
  let i = argInt(a[2]);
  if (i < 0) i = m.count + i;
  if (i < 0 || i >= m.count) return null;
  return item(db, a[1], m.head + i);
}

function lset(db: Db, a: Uint8Array[]): Reply {
  const m = lookup(db, a[1]);
  if (!m) throw noSuchKey();
  let i = argInt(a[2]);
  checkLength(a[3].length);
  if (i < 0) i = m.count + i;
  if (i < 0 || i >= m.count) throw rerr('BAD_VALUE', E.INDEX_RANGE);
  db.put(listKey(a[1], m.head + i), a[3]);
  db.touch(a[1], 'lset');
  return OKREPLY;
}

/**
 * Replaces the list's items from index `from` on with `rest`, renumbering that side only; the
 * items before `from` keep their positions.
 */
function replaceTail(db: Db, key: Uint8Array, m: Meta, from: number, rest: Uint8Array[]): void {
  const oldTail = m.tail;
  let pos = m.head + from;
  for (const v of rest) db.put(listKey(key, pos++), v);
  for (let p = pos; p < oldTail; p++) db.del(listKey(key, p));
  m.tail = pos;
}

function linsert(db: Db, a: Uint8Array[]): Reply {
  const where = upper(a[2]);
  if (where !== 'BEFORE' && where !== 'AFTER') throw syntax();
  const m = lookup(db, a[1]);
  if (!m) return 0;
  checkLength(a[4].length);
  const all = items(db, a[1], m);
  const i = all.findIndex((v) => eq(v, a[3]));
  if (i < 0) return -1;
  const at = where === 'BEFORE' ? i : i + 1;
  if (at >= all.length / 2) {
    replaceTail(db, a[1], m, at, [a[4], ...all.slice(at)]);
  } else {
    // Shift the head side one place left: items [0, at) move to head-1.., the new item follows.
    m.head--;
    for (let j = 0; j < at; j++) db.put(listKey(a[1], m.head + j), all[j]);
    db.put(listKey(a[1], m.head + at), a[4]);
  }
  save(db, a[1], m, 'linsert');
  return m.count;
}

function lrem(db: Db, a: Uint8Array[]): Reply {
  const toRemove = argInt(a[2]);
  const m = lookup(db, a[1]);
  if (!m) return 0;
  const all = items(db, a[1], m);
  const drop = new Uint8Array(all.length);
  let removed = 0;
  const limit = toRemove === 0 ? Infinity : Math.abs(toRemove);
  if (toRemove >= 0) {
    for (let i = 0; i < all.length && removed < limit; i++) if (eq(all[i], a[3])) { drop[i] = 1; removed++; }
  } else {
    for (let i = all.length - 1; i >= 0 && removed < limit; i--) if (eq(all[i], a[3])) { drop[i] = 1; removed++; }
  }
  if (!removed) return 0;
  const first = drop.indexOf(1);
  replaceTail(db, a[1], m, first, all.slice(first).filter((_, j) => !drop[first + j]));
  save(db, a[1], m, 'lrem');
  return removed;
}

function ltrim(db: Db, a: Uint8Array[]): Reply {
  let start = argInt(a[2]), end = argInt(a[3]);
  const m = lookup(db, a[1]);
  if (!m) return OKREPLY;
  const n = m.count;
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  let ltrimN: number, rtrimN: number;
  if (start > end || start >= n) { ltrimN = n; rtrimN = 0; }
  else {
    if (end >= n) end = n - 1;
    ltrimN = start;
    rtrimN = n - end - 1;
  }
  for (let i = 0; i < ltrimN; i++) db.del(listKey(a[1], m.head++));
  for (let i = 0; i < rtrimN; i++) db.del(listKey(a[1], --m.tail));
  if (ltrimN || rtrimN) save(db, a[1], m, 'ltrim');
  return OKREPLY;
}

function lpos(db: Db, a: Uint8Array[]): Reply {
  let rank = 1, count = -1, maxlen = 0;
  for (let j = 3; j < a.length; j++) {
    const o = upper(a[j]);
    const more = a.length - 1 - j;
    if (o === 'RANK' && more) {
      rank = argInt(a[++j]);
      if (rank === 0) throw rerr('BAD_VALUE', "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
    } else if (o === 'COUNT' && more) {
      count = argPositive(a[++j], "ERR COUNT can't be negative");
    } else if (o === 'MAXLEN' && more) {
      maxlen = argPositive(a[++j], "ERR MAXLEN can't be negative");
    } else throw syntax();
  }
  const m = lookup(db, a[1]);
  if (!m) return count >= 0 ? [] : null;
  const fromTail = rank < 0;
  // -LLONG_MIN overflows back to a negative rank in C, which every first match satisfies.
  if (fromTail) rank = rank <= -9223372036854775808 ? 1 : -rank;
  const out: Reply[] = [];
  let matches = 0, index = 0;
  const it = db.range({ gte: listKey(a[1], m.head), lt: listKey(a[1], m.tail), reverse: fromTail });
  for (const [, v] of it) {
    if (maxlen !== 0 && index >= maxlen) break;
    if (eq(v, a[2])) {
      matches++;
      if (matches >= rank) {
        const at = fromTail ? m.count - index - 1 : index;
        if (count < 0) return at;
        out.push(at);
        if (count && matches - rank + 1 >= count) break;
      }
    }
    index++;
  }
  return count < 0 ? null : out;
}

function side(b: Uint8Array): boolean {
  const s = upper(b);
  if (s === 'LEFT') return true;
  if (s === 'RIGHT') return false;
  throw syntax();
}

/** LMOVE's core: pops from `src` and pushes onto `dst`; null when `src` is empty. */
function move(db: Db, src: Uint8Array, dst: Uint8Array, fromLeft: boolean, toLeft: boolean): Reply {
  const sm = lookup(db, src);
  if (!sm) return null;
  lookup(db, dst); // WRONGTYPE before anything moves
  const v = popOne(db, src, sm, fromLeft);
  if (eq(src, dst)) {
    // A rotation: the list never becomes empty in between, so it keeps its TTL (as in Redis).
    if (toLeft) db.put(listKey(src, --sm.head), v);
    else db.put(listKey(src, sm.tail++), v);
    save(db, src, sm, toLeft ? 'lpush' : 'rpush');
    return v;
  }
  save(db, src, sm, fromLeft ? 'lpop' : 'rpop');
  push(db, [new Uint8Array(0), dst, v], toLeft, false);
  return v;
}

function lmove(db: Db, a: Uint8Array[]): Reply {
  const from = side(a[3]), to = side(a[4]);
  return move(db, a[1], a[2], from, to);
}

/** List commands. */
export const listCommands: CommandTable = {
  lpush: { fn: (db, a) => push(db, a, true, false), arity: -3 },
  rpush: { fn: (db, a) => push(db, a, false, false), arity: -3 },
  lpushx: { fn: (db, a) => push(db, a, true, true), arity: -3 },
  rpushx: { fn: (db, a) => push(db, a, false, true), arity: -3 },
  lpop: { fn: (db, a) => pop(db, a, true), arity: -2 },
  rpop: { fn: (db, a) => pop(db, a, false), arity: -2 },
  llen: { fn: llen, arity: 2 },
  lrange: { fn: lrange, arity: 4 },
  lindex: { fn: lindex, arity: 3 },
  lset: { fn: lset, arity: 4 },
  linsert: { fn: linsert, arity: 5 },
  lrem: { fn: lrem, arity: 4 },
  ltrim: { fn: ltrim, arity: 4 },
  lpos: { fn: lpos, arity: -3 },
  lmove: { fn: lmove, arity: 5 },
  rpoplpush: { fn: (db, a) => move(db, a[1], a[2], false, true), arity: 3 },
};
