/**
 * The plain-values API (`store.get/set/delete…`), shared by the store and by a transaction:
 * the same methods, only the transaction id differs.
 */
import { ByteArena, encodeValue, type ValueWriter } from '../codec/value.js';
import { LarderError, isLarderError } from '../errors.js';
import type { CallQueue } from './call-queue.js';

/**
 * Encodes a value for the values view here on the page (the worker stores the bytes as they are),
 * into `arena` when given (many values encoded for one call: no ArrayBuffer each).
 */
export function encodeStored(value: unknown, what: string, arena?: ByteArena): Uint8Array {
  refuseUndefined(value, what);
  try {
    return encodeValue(value, arena);
  } catch (e) {
    throw named(e, what);
  }
}

/**
 * Appends `encodeStored(value, what + index)` to `w` as a binary value: the same bytes as writing
 * the Uint8Array encodeStored returns, and the same errors. The name is put together only for an
 * error (a string, or a closure, per entry was a measurable share of a 100k-entry setMany).
 */
function writeStored(w: ValueWriter, value: unknown, what: string, index?: number): void {
  refuseUndefined(value, what, index);
  try {
    w.encodedBytes(value);
  } catch (e) {
    throw named(e, what, index);
  }
}

/** The values view stores no undefined: deleting is delete(). */
function refuseUndefined(value: unknown, what: string, index?: number): void {
  if (value === undefined) throw new LarderError('BAD_VALUE', `${what}${index ?? ''}: value is undefined; use delete() to remove a key`);
}

/** An encoding error renamed after the value that failed (`what`, with `index` appended). */
function named(e: unknown, what: string, index?: number): unknown {
  return isLarderError(e) ? new LarderError(e.code, `${what}${index ?? ''}: ${e.message}`, e.details) : e;
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

  /** A call whose one argument is `key`: with no list per call when it is a string (see callKey). */
  private k<T>(m: string, key: string): Promise<T> {
    return typeof key === 'string' ? this.q.callKey<T>('values', m, key, this.tx) : this.c<T>(m, [key]);
  }

  /** The value at `key`, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.k('get', key);
  }

  /** Stores `value` at `key` (strings, numbers, booleans, null, Date, Uint8Array, bigint, arrays, plain objects). */
  set(key: string, value: unknown): Promise<void> {
    try {
      // The arguments `[key, encodeValue(value)]` written straight into the message (no buffer
      // of its own for the value); a key that is not a string takes the general path and fails
      // there exactly as it always did.
      if (typeof key === 'string') return this.q.call('values', 'set', (w) => { w.arrayHeader(2); w.string(key); writeStored(w, value, 'values.set'); }, this.tx);
      return this.c('set', [key, encodeStored(value, 'values.set')]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Removes `key`; true when it existed. */
  delete(key: string): Promise<boolean> {
    return this.k('delete', key);
  }

  /** True when `key` exists. */
  has(key: string): Promise<boolean> {
    return this.k('has', key);
  }

  /** Values of many keys (undefined where absent), in one call. */
  getMany<T = unknown>(keys: string[]): Promise<(T | undefined)[]> {
    return this.c('getMany', [keys]);
  }

  /** Stores many entries atomically in one call. */
  setMany(entries: Array<[string, unknown]>): Promise<number> {
    try {
      if (!Array.isArray(entries)) throw new LarderError('BAD_VALUE', 'setMany takes an array of [key, value] pairs');
      let plain = true;
      for (let i = 0; i < entries.length && plain; i++) {
        const e = entries[i];
        plain = Array.isArray(e) && e.length === 2 && typeof e[0] === 'string';
      }
      if (plain) {
        // The arguments `[[[key, encodeValue(value)], ...]]` written straight into the message:
        // no buffer per value, no list of pairs, no second copy of every value.
        return this.q.call('values', 'setMany', (w) => {
          w.arrayHeader(1);
          w.arrayHeader(entries.length);
          const start = w.pos;
          for (let i = 0; i < entries.length; i++) {
            // Room for the rest at the size of the first entries: no doubling through a big call.
            if (i === 32) w.presize(start, i, entries.length);
            const e = entries[i] as [string, unknown];
            w.arrayHeader(2);
            w.string(e[0]);
            writeStored(w, e[1], 'values.setMany entry ', i);
          }
        }, this.tx);
      }
      // Entries that are not all [string, value] pairs: the general path, and its errors.
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
