/**
 * Keyspace commands (Redis's db.c): DEL, EXISTS, TYPE, RENAME, COPY, KEYS, RANDOMKEY, DBSIZE,
 * FLUSHDB. Moving or copying a container rewrites each of its members under the new key, so
 * RENAME and COPY cost O(members), as COPY does in Redis (RENAME is O(1) there).
 */
import { argInt, eq, upper } from './bytes.js';
import type { CommandTable } from './command.js';
import { noSuchKey, type Db } from './db.js';
import { globMatch } from './glob.js';
import { T, TAG, TYPE_NAMES, memberPrefix, type Meta } from './layout.js';
import { OK, Status, rerr, syntax, type Reply } from './reply.js';
import { scan } from './scan.js';

const X_START = Uint8Array.of(TAG.X);

/** The member tags a type owns. */
export function tagsOf(type: number): number[] {
  return type === T.hash ? [TAG.H] : type === T.list ? [TAG.L] : type === T.set ? [TAG.S] : type === T.zset ? [TAG.Z, TAG.Y] : [];
}

/** Writes a copy of `src`'s value under `dst` (which must not exist), with expire time `exp`. */
function copyValue(db: Db, src: Uint8Array, meta: Meta, dst: Uint8Array, exp: number, event: string): void {
  for (const tag of tagsOf(meta.type)) {
    const from = memberPrefix(tag, src);
    const to = memberPrefix(tag, dst);
    const moved: Array<[Uint8Array, Uint8Array]> = [];
    for (const [k, v] of db.range({ prefix: from })) {
      const nk = new Uint8Array(to.length + k.length - from.length);
      nk.set(to, 0);
      nk.set(k.subarray(from.length), to.length);
      moved.push([nk, v]);
    }
    for (const [k, v] of moved) db.put(k, v);
  }
  db.add(dst, { ...meta, exp }, event);
}

function del(db: Db, a: Uint8Array[]): Reply {
  let n = 0;
  for (let i = 1; i < a.length; i++) {
    const m = db.lookup(a[i]);
    if (m) { db.remove(a[i], m); n++; }
  }
  return n;
}

function exists(db: Db, a: Uint8Array[]): Reply {
  let n = 0;
  for (let i = 1; i < a.length; i++) if (db.lookup(a[i])) n++;
  return n;
}

function type(db: Db, a: Uint8Array[]): Reply {
  const m = db.lookup(a[1]);
  return new Status(m ? TYPE_NAMES[m.type] : 'none');
}

function renameGeneric(db: Db, a: Uint8Array[], nx: boolean): Reply {
  const same = eq(a[1], a[2]);
  const m = db.lookup(a[1]);
  if (!m) throw noSuchKey();
  if (same) return nx ? 0 : OK;
  const dm = db.lookup(a[2]);
  if (dm) {
    if (nx) return 0;
    db.remove(a[2], dm);
  }
  copyValue(db, a[1], m, a[2], m.exp, 'rename_to');
  db.remove(a[1], m, 'rename_from');
  return nx ? 1 : OK;
}

function copy(db: Db, a: Uint8Array[]): Reply {
  let replace = false;
  for (let j = 3; j < a.length; j++) {
    const o = upper(a[j]);
    if (o === 'REPLACE') replace = true;
    else if (o === 'DB' && j + 1 < a.length) {
      // One database per store: DB 0 is this one, any other index does not exist.
      if (argInt(a[++j]) !== 0) throw rerr('SYNTAX', 'ERR DB index is out of range');
    } else throw syntax();
  }
  if (eq(a[1], a[2])) throw rerr('SYNTAX', 'ERR source and destination objects are the same');
  const m = db.lookup(a[1]);
  if (!m) return 0;
  const dm = db.lookup(a[2]);
  if (dm) {
    if (!replace) return 0;
    db.remove(a[2], dm);
  }
  copyValue(db, a[1], m, a[2], m.exp, 'copy_to');
  return 1;
}

function keys(db: Db, a: Uint8Array[]): Reply {
  const all = a[1].length === 1 && a[1][0] === 0x2a;
  const out: Reply[] = [];
  for (const { key, meta } of db.allKeys()) {
    if ((all || globMatch(a[1], key)) && !(meta.exp && meta.exp < db.now)) out.push(key.slice());
  }
  return out;
}

function randomkey(db: Db): Reply {
  // A random cursor, then the first key from there on (wrapping to the start): Redis too picks a
  // random bucket, then a key in it. An expired pick is reclaimed and another one drawn.
  for (let tries = 0; tries < 100; tries++) {
    if (db.count() === 0) return null;
    let hit = firstKeyFrom(db, Math.floor(Math.random() * db.cursorEnd()));
    hit ??= firstKeyFrom(db, 0);
    if (!hit) return null;
    const key = hit.slice();
    if (db.lookup(key)) return key;
  }
  return null;
}

/** The first key at or after scan cursor `cursor`, or undefined when none is left before the end. */
function firstKeyFrom(db: Db, cursor: number): Uint8Array | undefined {
  do {
    const r = db.scanKeys(cursor, 1);
    if (r.keys.length) return r.keys[0].key;
    cursor = r.cursor;
  } while (cursor !== 0);
  return undefined;
}

function flushdb(db: Db, a: Uint8Array[]): Reply {
  if (a.length > 2 || (a.length === 2 && upper(a[1]) !== 'SYNC' && upper(a[1]) !== 'ASYNC')) throw syntax();
  const all = [...db.allKeys()];
  for (const { key, meta } of all) db.remove(key.slice(), meta, 'del');
  const stale: Uint8Array[] = [];
  for (const [k] of db.range({ prefix: X_START, keysOnly: true })) stale.push(k);
  for (const k of stale) db.del(k);
  return OK;
}

/** Keyspace commands. */
export const keyCommands: CommandTable = {
  del: { fn: del, arity: -2 },
  unlink: { fn: del, arity: -2 },
  exists: { fn: exists, arity: -2 },
  touch: { fn: exists, arity: -2 },
  type: { fn: type, arity: 2 },
  rename: { fn: (db, a) => renameGeneric(db, a, false), arity: 3 },
  renamenx: { fn: (db, a) => renameGeneric(db, a, true), arity: 3 },
  copy: { fn: copy, arity: -3 },
  keys: { fn: keys, arity: 2 },
  scan: { fn: scan, arity: -2 },
  randomkey: { fn: randomkey, arity: 1 },
  dbsize: { fn: (db) => db.count(), arity: 1 },
  flushdb: { fn: flushdb, arity: -1 },
  flushall: { fn: flushdb, arity: -1 },
  ping: { fn: (_db, a) => (a.length > 2 ? (() => { throw rerr('SYNTAX', "ERR wrong number of arguments for 'ping' command"); })() : a.length === 2 ? a[1] : new Status('PONG')), arity: -1 },
  echo: { fn: (_db, a) => a[1], arity: 2 },
};

