/**
 * SCAN, HSCAN, SSCAN and ZSCAN (Redis's scanGenericCommand).
 *
 * SCAN walks the key directory, which is ordered by a 48-bit hash of the key: the cursor is the
 * next hash to visit, so it is stateless and survives reloads, and a key present for the whole
 * scan is returned at least once. A page always finishes the group of keys sharing its last
 * hash, the way Redis finishes a bucket.
 *
 * Member scans return a whole small container (<= SMALL_SCAN members) with cursor 0, as Redis
 * does for its compact encodings. Larger ones page in member order with a cursor id remembered in
 * the worker; a cursor the worker no longer knows (after a reload, or one of more than
 * MAX_CURSORS) restarts its scan, which SCAN's contract allows (elements may repeat).
 */
import { argInt, bkey, str, upper, utf8 } from './bytes.js';
import type { Db } from './db.js';
import { globMatch } from './glob.js';
import { TYPE_NAMES, memberPrefix, type Meta } from './layout.js';
import { E, rerr, syntax, type Reply } from './reply.js';
import { MAX_CURSORS } from './state.js';

/** Containers up to this many members are scanned in one reply. */
export const SMALL_SCAN = 128;

/** Parsed SCAN options. */
export interface ScanArgs {
  cursor: number;
  match?: Uint8Array;
  count: number;
  type?: string;
}

/** parseScanCursorOrReply: strtoul over the whole argument. */
export function parseCursor(b: Uint8Array): number {
  const s = str(b);
  if (!/^[+-]?\d*$/.test(s) || s.length > 20) throw rerr('SYNTAX', E.INVALID_CURSOR);
  const v = Number(s || '0');
  if (v > 18446744073709551615) throw rerr('SYNTAX', E.INVALID_CURSOR);
  return v < 0 ? Number.MAX_SAFE_INTEGER : v; // a negative cursor wraps to a huge one in C
}

/** Parses MATCH / COUNT / TYPE from argv[from..]. */
export function parseScanOptions(a: Uint8Array[], from: number, allowType: boolean, cursor: number): ScanArgs {
  const out: ScanArgs = { cursor, count: 10 };
  for (let i = from; i < a.length;) {
    const o = upper(a[i]);
    const left = a.length - i;
    if (o === 'COUNT' && left >= 2) {
      out.count = argInt(a[i + 1]);
      if (out.count < 1) throw syntax();
      i += 2;
    } else if (o === 'MATCH' && left >= 2) {
      const p = a[i + 1];
      out.match = p.length === 1 && p[0] === 0x2a ? undefined : p;
      i += 2;
    } else if (o === 'TYPE' && allowType && left >= 2) {
      out.type = str(a[i + 1]).toLowerCase();
      i += 2;
    } else throw syntax();
  }
  return out;
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. */
export function scan(db: Db, a: Uint8Array[]): Reply {
  const opts = parseScanOptions(a, 2, true, parseCursor(a[1]));
  const out: Reply[] = [];
  // A cursor past the table's end was never handed out: like Redis, answer "done" rather than fail.
  if (opts.cursor >= db.cursorEnd()) return [utf8('0'), out];
  const r = db.scanKeys(opts.cursor, opts.count);
  for (const { key, meta } of r.keys) {
    if (opts.match && !globMatch(opts.match, key)) continue;
    if (meta.exp && meta.exp < db.now) continue;
    if (opts.type !== undefined && TYPE_NAMES[meta.type] !== opts.type) continue;
    out.push(key);
  }
  return [utf8(String(r.cursor)), out];
}

/**
 * Scans the members of a container: `entries` yields [member, value-or-undefined] in member
 * order starting after `after` (or from the start); values are included for hashes and zsets.
 */
export function scanMembers(
  db: Db,
  a: Uint8Array[],
  type: number,
  entries: (m: Meta, after: Uint8Array | undefined) => Iterable<[Uint8Array, Uint8Array | undefined]>,
): Reply {
  const cursor = parseCursor(a[2]);
  const m = db.lookupType(a[1], type);
  if (!m) return [utf8('0'), []];
  const opts = parseScanOptions(a, 3, false, cursor);
  const small = m.count <= SMALL_SCAN;
  const ckey = bkey(a[1]);
  let after: Uint8Array | undefined;
  if (!small && cursor !== 0) {
    const c = db.st.cursors.get(cursor);
    if (c && c.key === ckey) after = c.after;
  }
  const out: Reply[] = [];
  let n = 0, last: Uint8Array | undefined, more = false;
  for (const [member, value] of entries(m, after)) {
    if (!small && n >= opts.count) { more = true; break; }
    n++;
    last = member;
    if (opts.match && !globMatch(opts.match, member)) continue;
    out.push(member);
    if (value !== undefined) out.push(value);
  }
  let next = 0;
  if (more && last) {
    next = ++db.st.cursorSeq;
    // A copy: scanned members are views into a whole scan batch, which the cursor must not pin.
    db.st.cursors.set(next, { key: ckey, after: last.slice() });
    if (db.st.cursors.size > MAX_CURSORS) db.st.cursors.delete(db.st.cursors.keys().next().value as number);
  }
  return [utf8(String(next)), out];
}

/** Member keys of `key` under `tag`, in order, strictly after `after` when given. */
export function memberRange(db: Db, tag: number, key: Uint8Array, after: Uint8Array | undefined): IterableIterator<[Uint8Array, Uint8Array]> {
  const prefix = memberPrefix(tag, key);
  if (!after) return db.range({ prefix });
  const gt = new Uint8Array(prefix.length + after.length);
  gt.set(prefix, 0);
  gt.set(after, prefix.length);
  return db.range({ prefix, gt });
}

