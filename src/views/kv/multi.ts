/**
 * MULTI/EXEC and WATCH (Redis's multi.c). The facade queues a transaction's commands and sends
 * them as one call, so they run back to back in the single writer (nothing can interleave) and
 * their writes form one batch: one WAL record. As in Redis there is no rollback of commands that
 * ran: a command that fails at run time (WRONGTYPE...) undoes only itself and its error takes its
 * place in the reply; a command that is unknown or has the wrong arity fails the whole EXEC with
 * EXECABORT before anything runs.
 *
 * WATCH returns a token with each key's modification version (state.ts); EXEC compares them and
 * answers null, running nothing, when any watched key was changed (by anyone, in any tab) or has
 * expired since. Versions live in worker memory; after a restart every old token fails safe.
 */
import { LarderError, isLarderError } from '../../errors.js';
import { bkey, unbkey } from './bytes.js';
import { resolve } from './commands.js';
import type { Db } from './db.js';
import { E, rerr, type Reply } from './reply.js';
import { trackVersion } from './state.js';
import { undoMark, undoTo } from '../view.js';

/** A WATCH token: the store's version epoch and [key, version, was live] per watched key. */
export interface WatchToken {
  e: number;
  k: Array<[string, number, 0 | 1]>;
}

/** Records the versions of `keys` now. */
export function watch(db: Db, keys: Uint8Array[], into?: WatchToken): WatchToken {
  const t: WatchToken = into && into.e === db.st.epoch ? into : { e: db.st.epoch, k: into ? into.k : [] };
  for (const key of keys) {
    const k = bkey(key);
    if (t.k.some((w) => w[0] === k)) continue;
    t.k.push([k, trackVersion(db.st, k), db.isLive(key) ? 1 : 0]);
  }
  return t;
}

/** True when no watched key changed since the token was taken. */
export function watchHolds(db: Db, t: WatchToken | null | undefined): boolean {
  if (!t) return true;
  if (!t || typeof t !== 'object' || !Array.isArray(t.k) || t.e !== db.st.epoch) return false;
  for (const [k, v, live] of t.k) {
    if (typeof k !== 'string') return false;
    if (db.st.versions.get(k) !== v) return false;
    if (live && !db.isLive(unbkey(k))) return false;
  }
  return true;
}

/** EXEC: runs the queued commands, or null when a WATCH failed. */
export function exec(db: Db, cmds: Uint8Array[][], token: WatchToken | null | undefined): Reply[] | null {
  for (const argv of cmds) {
    try {
      resolve(argv);
    } catch (e) {
      throw isLarderError(e) ? rerr('SYNTAX', E.EXECABORT) : e;
    }
  }
  if (!watchHolds(db, token)) return null;
  const out: Reply[] = [];
  for (const argv of cmds) {
    const mark = undoMark(db.ctx);
    try {
      out.push(resolve(argv).fn(db, argv));
    } catch (e) {
      if (!isLarderError(e)) throw e;
      undoTo(db.ctx, mark); // its writes and its keyspace notifications
      out.push(e as LarderError);
    }
  }
  return out;
}
