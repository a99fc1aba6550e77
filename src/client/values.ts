/**
 * The plain-values API (`store.get/set/delete…`), shared by the store and by a transaction:
 * the same methods, only the transaction id differs.
 */
import { ByteArena, encodeValue } from '../codec/value.js';
import { LarderError, isLarderError } from '../errors.js';
import type { CallQueue } from './call-queue.js';

/**
 * Encodes a value for the values view here on the page (the worker stores the bytes as they are),
 * into `arena` when given (many values encoded for one call: no ArrayBuffer each).
 */
export function encodeStored(value: unknown, what: string, arena?: ByteArena): Uint8Array {
  if (value === undefined) throw new LarderError('BAD_VALUE', `${what}: value is undefined; use delete() to remove a key`);
  try {
    return encodeValue(value, arena);
  } catch (e) {
    throw isLarderError(e) ? new LarderError(e.code, `${what}: ${e.message}`, e.details) : e;
  }
}

/** Options for listing keys or entries. */
export interface ListOptions {
  /** Only keys starting with this string. */
  prefix?: string;
  /** At most this many. */
  limit?: number;
}

/** One operation of an atomic batch (`store.batch([...])`). */
export type BatchOp = { op: 'set'; key: string; value: unknown } | { op: 'delete'; key: string };

/** get/set/delete of structured values under string keys. */
export class ValuesApi {
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;

  /** @internal */
  constructor(q: CallQueue, tx?: number) {
    this.q = q;
    this.tx = tx;
  }

  private c<T>(m: string, a: unknown[]): Promise<T> {
    return this.q.call<T>('values', m, a, this.tx);
  }

  /** The value at `key`, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.c('get', [key]);
  }

  /** Stores `value` at `key` (strings, numbers, booleans, null, Date, Uint8Array, bigint, arrays, plain objects). */
  set(key: string, value: unknown): Promise<void> {
    try {
      return this.c('set', [key, encodeStored(value, 'values.set')]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Removes `key`; true when it existed. */
  delete(key: string): Promise<boolean> {
    return this.c('delete', [key]);
  }

  /** True when `key` exists. */
  has(key: string): Promise<boolean> {
    return this.c('has', [key]);
  }

  /** Values of many keys (undefined where absent), in one call. */
  getMany<T = unknown>(keys: string[]): Promise<(T | undefined)[]> {
    return this.c('getMany', [keys]);
  }

  /** Stores many entries atomically in one call. */
  setMany(entries: Array<[string, unknown]>): Promise<number> {
    try {
      if (!Array.isArray(entries)) throw new LarderError('BAD_VALUE', 'setMany takes an array of [key, value] pairs');
      // The encodings only live until the call's arguments are encoded (copied) just below.
      const arena = new ByteArena();
      return this.c('setMany', [entries.map((e, i) => {
        if (!Array.isArray(e) || e.length !== 2) throw new LarderError('BAD_VALUE', `setMany entry ${i} is not a [key, value] pair`);
        return [e[0], encodeStored(e[1], `values.setMany entry ${i}`, arena)];
      })]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Deletes many keys atomically; returns how many existed. */
  deleteMany(keys: string[]): Promise<number> {
    return this.c('deleteMany', [keys]);
  }

  /** Keys in order (optionally by prefix, up to a limit). */
  keys(opts?: ListOptions): Promise<string[]> {
    return this.c('keys', [opts]);
  }

  /** Entries in key order (optionally by prefix, up to a limit). */
  entries<T = unknown>(opts?: ListOptions): Promise<Array<[string, T]>> {
    return this.c('entries', [opts]);
  }

  /** Number of keys (optionally with a prefix). */
  count(opts?: { prefix?: string }): Promise<number> {
    return this.c('count', [opts]);
  }

  /** Removes every plain value; returns how many there were. */
  clear(): Promise<number> {
    return this.c('clear', []);
  }
}
