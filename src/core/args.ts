/**
 * Argument checks the Table and the Tree share: keys and values must be Uint8Arrays within the
 * engine's limits, batches must be arrays. Every failure is a LarderError naming the call and,
 * in a batch, the element (`what` carries that context: "Tree.putMany (entry 3)").
 */
import { LarderError } from '../errors.js';
import { MAX_KEY, MAX_VALUE } from './status.js';

/** A short description of a bad argument for an error message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object';
}

function notBytes(what: string, name: string, v: unknown): LarderError {
  return new LarderError('BAD_VALUE', `${what}: ${name} must be a Uint8Array, got ${describe(v)}`);
}

/** Length of a valid key (`name` says what it is: key, low, high...); BAD_VALUE / TOO_LARGE. */
export function checkKey(what: string, key: unknown, name = 'key'): number {
  if (!(key instanceof Uint8Array)) throw notBytes(what, name, key);
  const n = key.length;
  if (n > MAX_KEY) throw new LarderError('TOO_LARGE', `${what}: ${name} of ${n} bytes is longer than ${MAX_KEY} bytes`);
  return n;
}

/** Length of a valid value; throws like `checkKey`. */
export function checkValue(what: string, value: unknown): number {
  if (!(value instanceof Uint8Array)) throw notBytes(what, 'value', value);
  const n = value.length;
  if (n > MAX_VALUE) throw new LarderError('TOO_LARGE', `${what}: value of ${n} bytes is longer than ${MAX_VALUE} bytes`);
  return n;
}

function checkArray(what: string, list: unknown, of: string): number {
  if (list === null || typeof list !== 'object' || typeof (list as { length?: unknown }).length !== 'number') {
    throw new LarderError('BAD_VALUE', `${what}: expected an array of ${of}, got ${describe(list)}`);
  }
  return (list as ArrayLike<unknown>).length;
}

/** Validates a batch of keys (all of it, before anything is written); returns its length. */
export function checkKeys(what: string, keys: unknown): number {
  const n = checkArray(what, keys, 'keys');
  const ks = keys as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const k = ks[i];
    // The common case without building the error context (a string per key) up front.
    if (!(k instanceof Uint8Array && k.length <= MAX_KEY)) checkKey(`${what} (key ${i})`, k);
  }
  return n;
}

/** Validates a batch of [key, value] pairs (all of it, before anything is written); returns its length. */
export function checkEntries(what: string, entries: unknown): number {
  const n = checkArray(what, entries, '[key, value] pairs');
  const es = entries as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const e = es[i];
    if (e === null || typeof e !== 'object') throw new LarderError('BAD_VALUE', `${what}: entry ${i} must be a [key, value] pair, got ${describe(e)}`);
    const k = (e as ArrayLike<unknown>)[0];
    const v = (e as ArrayLike<unknown>)[1];
    if (k instanceof Uint8Array && k.length <= MAX_KEY && v instanceof Uint8Array && v.length <= MAX_VALUE) continue;
    checkKey(`${what} (entry ${i})`, k);
    checkValue(`${what} (entry ${i})`, v);
  }
  return n;
}
