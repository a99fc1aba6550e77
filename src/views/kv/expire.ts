/**
 * Expiry (Redis's expire.c): EXPIRE and friends, TTL queries, and the active expiry cycle.
 *
 * Expire times are absolute ms since the epoch, stored in the key's meta and mirrored in the 'X'
 * queue ordered by time, so they survive reloads and the active cycle is a walk from the queue's
 * start: it stops at the first entry in the future and does at most ACTIVE_EXPIRE_MAX keys per
 * tick, so a burst of expiring keys is reclaimed over a few ticks without a long pause. Reads
 * never depend on the cycle: Db.lookup expires lazily, so an expired key is never returned.
 */
import { LarderError } from '../../errors.js';
import { argI64, upper, str } from './bytes.js';
import type { CommandTable } from './command.js';
import type { Db } from './db.js';
import { TAG, getOrdered } from './layout.js';
import { rerr, type Reply } from './reply.js';

/** Keys reclaimed per housekeeping tick at most. */
export const ACTIVE_EXPIRE_MAX = 200;

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const X_START = Uint8Array.of(TAG.X);

function expireGeneric(db: Db, a: Uint8Array[], base: number, seconds: boolean): Reply {
  const cmd = str(a[0]).toLowerCase();
  let nx = false, xx = false, gt = false, lt = false;
  for (let j = 3; j < a.length; j++) {
    const o = upper(a[j]);
    if (o === 'NX') nx = true;
    else if (o === 'XX') xx = true;
    else if (o === 'GT') gt = true;
    else if (o === 'LT') lt = true;
    else throw rerr('SYNTAX', `ERR Unsupported option ${str(a[j])}`);
  }
  if (nx && (xx || gt || lt)) throw rerr('SYNTAX', 'ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) throw rerr('SYNTAX', 'ERR GT and LT options at the same time are not compatible');
  let when = BigInt(argI64(a[2]));
  const bad = (): LarderError => rerr('SYNTAX', `ERR invalid expire time in '${cmd}' command`);
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) throw bad();
    when *= 1000n;
  }
  const b = BigInt(Math.floor(base));
  if (when > LLONG_MAX - b) throw bad();
  when += b;
  const m = db.lookup(a[1]);
  if (!m) return 0;
  const at = Number(when);
  const cur = m.exp || -1;
  if (nx && cur !== -1) return 0;
  if (xx && cur === -1) return 0;
  if (gt && (at <= cur || cur === -1)) return 0;
  if (lt && cur !== -1 && at >= cur) return 0;
  if (at <= db.now) {
    db.remove(a[1], m, 'del');
    return 1;
  }
  // An expire time of 0 would read as "no expire": anything <= now was handled above.
  db.setExpire(a[1], m, at);
  return 1;
}

function ttlGeneric(db: Db, key: Uint8Array, ms: boolean): Reply {
  const m = db.lookup(key);
  if (!m) return -2;
  if (!m.exp) return -1;
  const ttl = Math.max(0, m.exp - db.now);
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

function expiretimeGeneric(db: Db, key: Uint8Array, ms: boolean): Reply {
  const m = db.lookup(key);
  if (!m) return -2;
  if (!m.exp) return -1;
  return ms ? m.exp : Math.floor(m.exp / 1000);
}

function persist(db: Db, a: Uint8Array[]): Reply {
  const m = db.lookup(a[1]);
  if (!m || !m.exp) return 0;
  db.setExpire(a[1], m, 0);
  return 1;
}

/**
 * The active expiry cycle: removes keys whose time has passed, oldest first, at most
 * ACTIVE_EXPIRE_MAX per call. Returns how many keys it removed.
 */
export function activeExpire(db: Db): number {
  const due: Uint8Array[] = [];
  for (const [k] of db.range({ prefix: X_START, keysOnly: true, limit: ACTIVE_EXPIRE_MAX })) {
    if (!(getOrdered(k, 1) < db.now)) break;
    due.push(k);
  }
  let n = 0;
  for (const k of due) {
    const key = k.subarray(9);
    const m = db.rawMeta(key);
    // An entry whose key has since vanished or changed its expire time is stale: just drop it.
    if (m && m.exp === getOrdered(k, 1)) {
      db.remove(key, m, 'expired');
      n++;
    } else db.del(k);
  }
  return n;
}

/** Expiry commands. */
export const expireCommands: CommandTable = {
  expire: { fn: (db, a) => expireGeneric(db, a, db.now, true), arity: -3 },
  pexpire: { fn: (db, a) => expireGeneric(db, a, db.now, false), arity: -3 },
  expireat: { fn: (db, a) => expireGeneric(db, a, 0, true), arity: -3 },
  pexpireat: { fn: (db, a) => expireGeneric(db, a, 0, false), arity: -3 },
  ttl: { fn: (db, a) => ttlGeneric(db, a[1], false), arity: 2 },
  pttl: { fn: (db, a) => ttlGeneric(db, a[1], true), arity: 2 },
  expiretime: { fn: (db, a) => expiretimeGeneric(db, a[1], false), arity: 2 },
  pexpiretime: { fn: (db, a) => expiretimeGeneric(db, a[1], true), arity: 2 },
  persist: { fn: persist, arity: 2 },
};

