/**
 * The peers, used in the page's main thread the way apps use them: Dexie (a table keyed by `id`),
 * idb-keyval (a custom store so every run has its own database), and raw IndexedDB (one
 * object store, one transaction per put). Helpers here open, close and delete their databases so
 * runs never see each other's data.
 */
import Dexie, { type Table } from 'dexie';
import { createStore, type UseStore } from 'idb-keyval';
import type { UserRecord } from './records.js';

/** A Dexie database with one table, `users`, keyed by `id`. */
export class UsersDb extends Dexie {
  users!: Table<UserRecord, string>;

  /** Declares (does not open) the database `name`. */
  constructor(name: string) {
    super(name);
    this.version(1).stores({ users: 'id' });
  }
}

/** Deletes a Dexie database (closing our connection first, which Dexie does itself). */
export async function deleteDexie(name: string): Promise<void> {
  await Dexie.delete(name);
}

/** An idb-keyval store in its own database, and a way to close its connection. */
export interface KeyvalDb {
  store: UseStore;
  /** idb-keyval keeps its connection open forever; deleting the database needs it closed. */
  close(): Promise<void>;
}

/** Opens (creating) an idb-keyval store in database `name`. */
export function openKeyval(name: string): KeyvalDb {
  const store = createStore(name, 'keyval');
  return {
    store,
    close: () => store('readonly', (s) => {
      s.transaction.db.close();
      return Promise.resolve();
    }),
  };
}

/** Resolves when IndexedDB has deleted `name` (rejects on error, not on "blocked"). */
export function deleteIdb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}

/** Opens a raw IndexedDB database with one object store, `kv` (out-of-line keys). */
export function openRawIdb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('kv');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * One put in its own readwrite transaction, resolved on `complete` (when IndexedDB reports the
 * write committed) — the cheapest durable write an app can make without a library.
 */
export function rawPut(db: IDBDatabase, key: string, value: unknown, durability: IDBTransactionDurability): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('kv', 'readwrite', { durability });
    tx.objectStore('kv').put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}
