/**
 * String commands (Redis's t_string.c). A string lives whole in its meta entry: small values are
 * one hash-table lookup away. Integer and float commands store their result as decimal text, as
 * Redis replies with it.
 */
import { LarderError } from '../../errors.js';
import { addI64, argI64, argInt, concat, parseI64, str, upper, utf8 } from './bytes.js';
import type { CommandTable } from './command.js';
import type { Db } from './db.js';
import { T } from './layout.js';
import { addLD, formatLD, isInfLD, parseLD } from './long-double.js';
import { E, OK, type Reply, rerr, syntax, arityError } from './reply.js';

/** Largest string value: the engine's value limit less the meta header (TOO_LARGE beyond). */
export const MAX_STRING = 64 * 1024 * 1024 - 16;

const EMPTY = new Uint8Array(0);

const F = { NX: 1, XX: 2, GET: 4, KEEPTTL: 8, PERSIST: 16, EX: 32, PX: 64, EXAT: 128, PXAT: 256 } as const;
const EXPIRY = F.EX | F.PX | F.EXAT | F.PXAT;

/** The string value of `key` (WRONGTYPE for other types), or undefined. */
export function getString(db: Db, key: Uint8Array): Uint8Array | undefined {
  const m = db.lookupType(key, T.string);
  return m?.str;
}

/** Checks a string length against the limit (Redis's checkStringLength). */
export function checkLength(n: number): void {
  if (n > MAX_STRING) throw rerr('TOO_LARGE', E.TOO_BIG);
}

/**
 * Parses SET's / GETEX's options (parseExtendedStringArgumentsOrReply): repeated flags are
 * allowed, conflicting ones are a syntax error, an expiry flag needs a following argument.
 */
function parseOptions(a: Uint8Array[], from: number, forSet: boolean): { flags: number; expire?: Uint8Array } {
  let flags = 0;
  let expire: Uint8Array | undefined;
  for (let j = from; j < a.length; j++) {
    const o = upper(a[j]);
    const hasNext = j < a.length - 1;
    if (o === 'NX' && forSet && !(flags & F.XX)) flags |= F.NX;
    else if (o === 'XX' && forSet && !(flags & F.NX)) flags |= F.XX;
    else if (o === 'GET' && forSet) flags |= F.GET;
    else if (o === 'KEEPTTL' && forSet && !(flags & (F.PERSIST | EXPIRY))) flags |= F.KEEPTTL;
    else if (o === 'PERSIST' && !forSet && !(flags & (EXPIRY | F.KEEPTTL))) flags |= F.PERSIST;
    else if ((o === 'EX' || o === 'PX' || o === 'EXAT' || o === 'PXAT') && hasNext && !(flags & (F.KEEPTTL | F.PERSIST | (EXPIRY & ~F[o])))) {
      flags |= F[o];
      expire = a[++j];
    } else throw syntax();
  }
  return { flags, expire };
}

/** getExpireMillisecondsOrReply: the absolute expire time in ms, or "invalid expire time". */
function expireAt(db: Db, arg: Uint8Array, flags: number, cmd: string): number {
  const v = argI64(arg);
  const bad = (): LarderError => rerr('SYNTAX', `ERR invalid expire time in '${cmd}' command`);
  let ms = BigInt(v);
  const seconds = (flags & (F.EX | F.EXAT)) !== 0;
  if (ms <= 0n || (seconds && ms > 9223372036854775n)) throw bad();
  if (seconds) ms *= 1000n;
  if (flags & (F.EX | F.PX)) ms += BigInt(Math.floor(db.now));
  if (ms <= 0n || ms > 9223372036854775807n) throw bad();
  return Number(ms);
}

function set(db: Db, a: Uint8Array[]): Reply {
  const { flags, expire } = parseOptions(a, 3, true);
  return setGeneric(db, flags, a[1], a[2], expire, 'set');
}

function setGeneric(db: Db, flags: number, key: Uint8Array, value: Uint8Array, expire: Uint8Array | undefined, cmd: string, okReply: Reply = OK, abortReply: Reply = null): Reply {
  checkLength(value.length);
  const at = expire ? expireAt(db, expire, flags, cmd) : 0;
  let old: Reply = null;
  if (flags & F.GET) old = getString(db, key) ?? null;
  // Only the old value's type and expiry matter here (GET read the value above).
  const cur = db.lookup(key, false);
  if ((flags & F.NX && cur) || (flags & F.XX && !cur)) return flags & F.GET ? old : abortReply;
  const exp = at || (flags & F.KEEPTTL && cur ? cur.exp : 0);
  db.setString(key, value, exp, 'set', cur);
  return flags & F.GET ? old : okReply;
}

function setnx(db: Db, a: Uint8Array[]): Reply {
  return setGeneric(db, F.NX, a[1], a[2], undefined, 'setnx', 1, 0);
}

function setex(db: Db, a: Uint8Array[]): Reply {
  return setGeneric(db, F.EX, a[1], a[3], a[2], 'setex');
}

function psetex(db: Db, a: Uint8Array[]): Reply {
  return setGeneric(db, F.PX, a[1], a[3], a[2], 'psetex');
}

function get(db: Db, a: Uint8Array[]): Reply {
  return getString(db, a[1]) ?? null;
}

function getset(db: Db, a: Uint8Array[]): Reply {
  checkLength(a[2].length);
  const old = getString(db, a[1]) ?? null;
  db.setString(a[1], a[2], 0);
  return old;
}

function getdel(db: Db, a: Uint8Array[]): Reply {
  const m = db.lookupType(a[1], T.string);
  if (!m) return null;
  db.remove(a[1], m);
  return m.str!;
}

function getex(db: Db, a: Uint8Array[]): Reply {
  const { flags, expire } = parseOptions(a, 2, false);
  const m = db.lookupType(a[1], T.string);
  if (!m) return null;
  const at = expire ? expireAt(db, expire, flags, 'getex') : 0;
  const value = m.str!;
  if (flags & (F.EXAT | F.PXAT) && at <= db.now) db.remove(a[1], m, 'del');
  else if (at) db.setExpire(a[1], m, at);
  else if (flags & F.PERSIST && m.exp) db.setExpire(a[1], m, 0);
  return value;
}

function mget(db: Db, a: Uint8Array[]): Reply {
  const out: Reply[] = [];
  for (let i = 1; i < a.length; i++) {
    const m = db.lookup(a[i]);
    out.push(m && m.type === T.string ? m.str! : null);
  }
  return out;
}

function mset(db: Db, a: Uint8Array[]): Reply {
  if (a.length % 2 === 0) throw arityError(str(a[0]));
  for (let i = 2; i < a.length; i += 2) checkLength(a[i].length);
  for (let i = 1; i < a.length; i += 2) db.setString(a[i], a[i + 1], 0);
  return OK;
}

function msetnx(db: Db, a: Uint8Array[]): Reply {
  if (a.length % 2 === 0) throw arityError(str(a[0]));
  for (let i = 2; i < a.length; i += 2) checkLength(a[i].length);
  for (let i = 1; i < a.length; i += 2) if (db.lookup(a[i])) return 0;
  for (let i = 1; i < a.length; i += 2) db.setString(a[i], a[i + 1], 0);
  return 1;
}

function append(db: Db, a: Uint8Array[]): Reply {
  const m = db.lookupType(a[1], T.string);
  if (!m) {
    checkLength(a[2].length);
    db.setString(a[1], a[2], 0, 'append');
    return a[2].length;
  }
  checkLength(m.str!.length + a[2].length);
  m.str = concat(m.str!, a[2]);
  db.setMeta(a[1], m, 'append');
  return m.str.length;
}

function strlen(db: Db, a: Uint8Array[]): Reply {
  return getString(db, a[1])?.length ?? 0;
}

function getrange(db: Db, a: Uint8Array[]): Reply {
  let start = argInt(a[2]);
  let end = argInt(a[3]);
  const v = getString(db, a[1]);
  if (!v) return EMPTY;
  const n = v.length;
  if (start < 0 && end < 0 && start > end) return EMPTY;
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= n) end = n - 1;
  if (start > end || n === 0) return EMPTY;
  return v.slice(start, end + 1);
}

function setrange(db: Db, a: Uint8Array[]): Reply {
  const offset = argInt(a[2]);
  if (offset < 0) throw rerr('BAD_VALUE', 'ERR offset is out of range');
  const value = a[3];
  const m = db.lookupType(a[1], T.string);
  if (!m) {
    if (value.length === 0) return 0;
    checkLength(offset + value.length);
    const s = new Uint8Array(offset + value.length);
    s.set(value, offset);
    db.setString(a[1], s, 0, 'setrange');
    return s.length;
  }
  const old = m.str!;
  if (value.length === 0) return old.length;
  checkLength(offset + value.length);
  const s = new Uint8Array(Math.max(old.length, offset + value.length));
  s.set(old, 0);
  s.set(value, offset);
  m.str = s;
  db.setMeta(a[1], m, 'setrange');
  return s.length;
}

function incrDecr(db: Db, key: Uint8Array, by: number | bigint): Reply {
  const m = db.lookupType(key, T.string);
  let cur: number | bigint = 0;
  if (m) {
    const v = parseI64(m.str!);
    if (v === undefined) throw rerr('BAD_VALUE', E.NOT_INT);
    cur = v;
  }
  const next = addI64(cur, by);
  const bytes = utf8(String(next));
  if (m) {
    m.str = bytes;
    db.setMeta(key, m, 'incrby');
  } else db.setString(key, bytes, 0, 'incrby');
  return Number(next);
}

function incr(db: Db, a: Uint8Array[]): Reply {
  return incrDecr(db, a[1], 1);
}

function decr(db: Db, a: Uint8Array[]): Reply {
  return incrDecr(db, a[1], -1);
}

function incrby(db: Db, a: Uint8Array[]): Reply {
  return incrDecr(db, a[1], argI64(a[2]));
}

function decrby(db: Db, a: Uint8Array[]): Reply {
  const by = argI64(a[2]);
  if (typeof by === 'bigint' && by === -(2n ** 63n)) throw rerr('BAD_VALUE', 'ERR decrement would overflow');
  return incrDecr(db, a[1], -by);
}

function incrbyfloat(db: Db, a: Uint8Array[]): Reply {
  const m = db.lookupType(a[1], T.string);
  const cur = m ? parseLD(str(m.str!)) : parseLD('0');
  if (!cur) throw rerr('BAD_VALUE', E.NOT_FLOAT);
  const by = parseLD(str(a[2]));
  if (!by) throw rerr('BAD_VALUE', E.NOT_FLOAT);
  const sum = addLD(cur, by);
  if (!sum || isInfLD(sum)) throw rerr('BAD_VALUE', E.NAN_INF);
  const bytes = utf8(formatLD(sum));
  if (m) {
    m.str = bytes;
    db.setMeta(a[1], m, 'incrbyfloat');
  } else db.setString(a[1], bytes, 0, 'incrbyfloat');
  return bytes;
}

/** String commands. */
export const stringCommands: CommandTable = {
  get: { fn: get, arity: 2 },
  set: { fn: set, arity: -3 },
  setnx: { fn: setnx, arity: 3 },
  setex: { fn: setex, arity: 4 },
  psetex: { fn: psetex, arity: 4 },
  getset: { fn: getset, arity: 3 },
  getdel: { fn: getdel, arity: 2 },
  getex: { fn: getex, arity: -2 },
  mget: { fn: mget, arity: -2 },
  mset: { fn: mset, arity: -3 },
  msetnx: { fn: msetnx, arity: -3 },
  append: { fn: append, arity: 3 },
  strlen: { fn: strlen, arity: 2 },
  getrange: { fn: getrange, arity: 4 },
  substr: { fn: getrange, arity: 4 },
  setrange: { fn: setrange, arity: 4 },
  incr: { fn: incr, arity: 2 },
  decr: { fn: decr, arity: 2 },
  incrby: { fn: incrby, arity: 3 },
  decrby: { fn: decrby, arity: 3 },
  incrbyfloat: { fn: incrbyfloat, arity: 3 },
};

