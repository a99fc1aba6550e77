/**
 * Snapshot cursors. A cursor materialises its whole result (the projected documents) when it is
 * opened, inside one synchronous call, and then hands it out in batches. So paging through a
 * result while other calls update, move or delete documents neither skips nor repeats a document
 * that matched when the cursor was opened: it sees the result as of that moment (MongoDB's
 * snapshot read concern, simplified). Cursors idle for 10 minutes are dropped, like MongoDB's;
 * at most MAX_CURSORS stay open (the oldest goes first).
 */
import { LarderError } from '../../errors.js';
import type { Keyspace } from '../../keyspace/keyspace.js';

/** Idle time after which a cursor is dropped (MongoDB's default cursorTimeoutMillis). */
export const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;
/** Most open cursors per worker. */
export const MAX_CURSORS = 1000;

interface OpenCursor {
  ks: Keyspace;
  docs: unknown[];
  pos: number;
  touched: number;
}

const cursors = new Map<number, OpenCursor>();
let nextId = 1;

function sweep(now: number): void {
  for (const [id, c] of cursors) if (now - c.touched > CURSOR_TIMEOUT_MS) cursors.delete(id);
  while (cursors.size >= MAX_CURSORS) cursors.delete(cursors.keys().next().value as number);
}

/** A batch: documents and the cursor id to ask for more (0 when exhausted). */
export interface Batch {
  id: number;
  batch: unknown[];
}

/** Opens a cursor over `docs` and returns the first batch. */
export function openCursor(ks: Keyspace, docs: unknown[], batchSize: number, now: number): Batch {
  sweep(now);
  const n = batchSize > 0 ? batchSize : docs.length;
  if (docs.length <= n) return { id: 0, batch: docs };
  const id = nextId++;
  cursors.set(id, { ks, docs, pos: n, touched: now });
  return { id, batch: docs.slice(0, n) };
}

/** The next batch of an open cursor. */
export function getMore(ks: Keyspace, id: unknown, batchSize: unknown, now: number): Batch {
  const c = typeof id === 'number' ? cursors.get(id) : undefined;
  if (!c || c.ks !== ks) throw new LarderError('NOT_FOUND', `cursor id ${String(id)} not found (exhausted, killed or timed out)`, { code: 43 });
  const n = typeof batchSize === 'number' && batchSize > 0 ? batchSize : c.docs.length;
  const batch = c.docs.slice(c.pos, c.pos + n);
  c.pos += batch.length;
  c.touched = now;
  if (c.pos >= c.docs.length) {
    cursors.delete(id as number);
    return { id: 0, batch };
  }
  return { id: id as number, batch };
}

/** Closes cursors; returns how many were open. */
export function killCursors(ks: Keyspace, ids: unknown): number {
  let n = 0;
  for (const id of Array.isArray(ids) ? ids : [ids]) {
    const c = cursors.get(id as number);
    if (c && c.ks === ks) {
      cursors.delete(id as number);
      n++;
    }
  }
  return n;
}
