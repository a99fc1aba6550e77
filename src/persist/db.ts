/**
 * The IndexedDB side of persistence: the typed schema, opening and deleting a store's database
 * through `idb` with a caller-chosen IDBFactory, the meta records, and mapping DOM errors to
 * LarderError codes. Knows nothing about WAL or page contents.
 *
 * `idb` checks values against the global IDB classes (IDBRequest, IDBTransaction, ...), so those
 * globals must exist: they do in browsers and workers; in Node import `fake-indexeddb/auto` first
 * (a `new IDBFactory()` from fake-indexeddb may then be passed per store for isolation).
 */

import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { LarderError, isLarderError } from '../errors.js';
import { isPageCount } from './page.js';

/** The schema version of the IndexedDB database (object stores), not of the record formats. */
export const DB_VERSION = 1;

/** Meta record `format`: written once when the store is created. */
export interface FormatMeta {
  /** Always "larder". */
  magic: 'larder';
  /** On-disk format version; 1. */
  version: number;
  /** Creation time, ms since the epoch. */
  createdAt: number;
}

/** Meta record `crypto`: present exactly when the store is encrypted. */
export interface CryptoMeta {
  /** Always "PBKDF2-SHA-256/AES-GCM-256". */
  scheme: 'PBKDF2-SHA-256/AES-GCM-256';
  /** PBKDF2 iteration count the key was derived with. */
  iterations: number;
  /** PBKDF2 salt. */
  salt: Uint8Array;
  /** VERIFIER_PLAINTEXT sealed under the key (see crypto.ts). */
  verifier: Uint8Array;
}

/** One page directory row: `[pageId, storedBytes, entryCount]`. */
export type PageDirRow = [pageId: number, bytes: number, entries: number];

/** Meta record `checkpoint`: which state the `pages` store holds. */
export interface CheckpointMeta {
  /** Every WAL record with seq <= this is reflected in the pages (and deleted from `wal`). */
  seq: number;
  /** Number of pages the keyspace is partitioned into (power of two). */
  pageCount: number;
  /** When the checkpoint was taken, ms since the epoch; 0 before the first one. */
  time: number;
  /** Every page record that exists, with its stored size and entry count. Pages not listed are empty. */
  pages: PageDirRow[];
}

/** The typed schema of a store's IndexedDB database. */
export interface LarderDB extends DBSchema {
  meta: { key: string; value: FormatMeta | CryptoMeta | CheckpointMeta };
  wal: { key: number; value: Uint8Array };
  pages: { key: number; value: Uint8Array };
}

/** A store's open database. */
export type Db = IDBPDatabase<LarderDB>;

/** The IndexedDB database name of store `name`. */
export function dbNameOf(name: string): string {
  return `larder:${name}`;
}

/** Returns `factory`, or the global one; throws INTERNAL when there is none or idb cannot work here. */
export function resolveFactory(factory: IDBFactory | undefined): IDBFactory {
  const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new LarderError('INTERNAL', 'IndexedDB is not available in this context (pass options.indexedDB)');
  if (typeof (globalThis as { IDBRequest?: unknown }).IDBRequest === 'undefined') {
    throw new LarderError('INTERNAL', 'the IndexedDB globals (IDBRequest, IDBTransaction, ...) are missing; in Node import "fake-indexeddb/auto"');
  }
  return f;
}

/**
 * Opens (creating if needed) the database `dbName` at DB_VERSION with object stores `meta`,
 * `wal` and `pages` (out-of-line keys). `onGone` runs when another connection wants to delete or
 * upgrade the database (we close at once so it is never blocked) or the browser closes it.
 */
export async function openDatabase(factory: IDBFactory, dbName: string, onGone: (why: string) => void): Promise<Db> {
  let request: IDBOpenDBRequest;
  try {
    request = factory.open(dbName, DB_VERSION);
  } catch (e) {
    throw toLarderError(e, `opening IndexedDB database "${dbName}"`);
  }
  request.addEventListener('upgradeneeded', () => {
    const raw = request.result;
    for (const s of ['meta', 'wal', 'pages']) if (!raw.objectStoreNames.contains(s)) raw.createObjectStore(s);
  });
  let db: Db;
  try {
    db = (await wrap(request)) as unknown as Db;
  } catch (e) {
    throw toLarderError(e, `opening IndexedDB database "${dbName}"`);
  }
  db.addEventListener('versionchange', () => onGone('another connection is deleting or upgrading the database'));
  db.addEventListener('close', () => onGone('the browser closed the database connection'));
  return db;
}

/** Deletes the database `dbName`; resolves once it is gone. */
export function deleteDatabase(factory: IDBFactory, dbName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = factory.deleteDatabase(dbName);
    } catch (e) {
      reject(toLarderError(e, `deleting IndexedDB database "${dbName}"`));
      return;
    }
    req.onsuccess = () => resolve();
    req.onerror = () => reject(toLarderError(req.error, `deleting IndexedDB database "${dbName}"`));
  });
}

/**
 * Maps anything thrown by IndexedDB (a DOMException, a transaction's error, null for a bare
 * abort) to a LarderError: QuotaExceededError -> QUOTA_EXCEEDED, everything else -> INTERNAL
 * (callers that know their connection is gone report CLOSED themselves). LarderErrors pass through unchanged.
 */
export function toLarderError(e: unknown, context: string): LarderError {
  if (isLarderError(e)) return e;
  const name = (e as { name?: unknown } | null)?.name;
  const message = (e as { message?: unknown } | null)?.message;
  const detail = typeof message === 'string' && message ? `: ${message}` : '';
  if (name === 'QuotaExceededError') return new LarderError('QUOTA_EXCEEDED', `${context}: storage quota exceeded${detail}`, { cause: name });
  if (e === null || e === undefined) return new LarderError('INTERNAL', `${context}: transaction aborted`);
  return new LarderError('INTERNAL', `${context}: ${typeof name === 'string' ? name : 'error'}${detail}`, { cause: name });
}

/** Validates the `checkpoint` meta record; throws CORRUPT naming the problem. */
export function checkCheckpointMeta(m: unknown, where: string): CheckpointMeta {
  const bad = (why: string): never => {
    throw new LarderError('CORRUPT', `${where}: meta "checkpoint" ${why}`, { objectStore: 'meta', key: 'checkpoint' });
  };
  if (m === null || typeof m !== 'object') return bad('is missing');
  const c = m as CheckpointMeta;
  if (!Number.isSafeInteger(c.seq) || c.seq < 0) bad(`has a bad seq ${String(c.seq)}`);
  if (!isPageCount(c.pageCount)) bad(`has a bad page count ${String(c.pageCount)}`);
  if (typeof c.time !== 'number') bad('has a bad time');
  if (!Array.isArray(c.pages)) bad('has no page directory');
  const seen = new Set<number>();
  for (const row of c.pages) {
    if (!Array.isArray(row) || row.length !== 3 || !row.every((x) => Number.isSafeInteger(x) && x >= 0)) bad('has a malformed page directory row');
    if (row[0] >= c.pageCount || seen.has(row[0])) bad(`lists page ${row[0]} twice or out of range`);
    seen.add(row[0]);
  }
  return c;
}

/** Validates the `crypto` meta record; throws CORRUPT naming the problem. */
export function checkCryptoMeta(m: unknown, where: string): CryptoMeta {
  const c = m as CryptoMeta;
  if (
    c === null ||
    typeof c !== 'object' ||
    c.scheme !== 'PBKDF2-SHA-256/AES-GCM-256' ||
    !Number.isSafeInteger(c.iterations) ||
    c.iterations < 1 ||
    !(c.salt instanceof Uint8Array) ||
    !(c.verifier instanceof Uint8Array)
  ) {
    throw new LarderError('CORRUPT', `${where}: meta "crypto" is malformed`, { objectStore: 'meta', key: 'crypto' });
  }
  return c;
}
