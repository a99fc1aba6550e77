/**
 * Replies and errors with Redis's shapes. A command returns a Reply: a number (integer reply), a
 * Status (simple string such as OK), a Uint8Array (bulk string), null (nil), or an array of those.
 * Bulk strings stay bytes until `shape` turns them into strings for the page, or keeps them as
 * bytes when the caller asked for buffers. Errors carry Redis's exact text as the message.
 */
import { LarderError, type LarderErrorCode } from '../../errors.js';

/** A simple-string reply ("+OK"), kept apart from bulk strings until shaping. */
export class Status {
  constructor(readonly text: string) {}
}

/** The shared OK reply. */
export const OK = new Status('OK');

/** What a command returns before shaping. */
export type Reply = number | Status | Uint8Array | null | Reply[] | LarderError;

/** Redis's error texts, kept in one place so they match redis-server byte for byte. */
export const E = {
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NOT_INT: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  OVERFLOW: 'ERR increment or decrement would overflow',
  SYNTAX: 'ERR syntax error',
  NO_KEY: 'ERR no such key',
  INDEX_RANGE: 'ERR index out of range',
  POSITIVE: 'ERR value is out of range, must be positive',
  NAN_INF: 'ERR increment would produce NaN or Infinity',
  MINMAX_FLOAT: 'ERR min or max is not a float',
  MINMAX_LEX: 'ERR min or max not valid string range item',
  TOO_BIG: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  HASH_NOT_INT: 'ERR hash value is not an integer',
  HASH_NOT_FLOAT: 'ERR hash value is not a float',
  INVALID_CURSOR: 'ERR invalid cursor',
  EXECABORT: 'EXECABORT Transaction discarded because of previous errors.',
} as const;

/** A LarderError carrying Redis's message text. */
export function rerr(code: LarderErrorCode, message: string): LarderError {
  return new LarderError(code, message);
}

/** "ERR wrong number of arguments for 'cmd' command". */
export function arityError(name: string): LarderError {
  return rerr('SYNTAX', `ERR wrong number of arguments for '${name.toLowerCase()}' command`);
}

/** The generic syntax error. */
export function syntax(): LarderError {
  return rerr('SYNTAX', E.SYNTAX);
}

/** The WRONGTYPE error. */
export function wrongType(): LarderError {
  return rerr('WRONGTYPE', E.WRONGTYPE);
}

const dec = new TextDecoder();

/**
 * Turns a Reply into what crosses to the page: numbers, strings (bulk decoded as UTF-8, or kept
 * as Uint8Array when `buffers`), null, arrays; an error inside an array (EXEC) becomes
 * `{ $err: [code, message] }`, which the facade rebuilds into a LarderError.
 */
export function shape(r: Reply, buffers: boolean): unknown {
  if (r === null || typeof r === 'number') return r;
  if (r instanceof Uint8Array) return buffers ? r : dec.decode(r);
  if (r instanceof Status) return r.text;
  if (r instanceof LarderError) return { $err: [r.code, r.message] };
  return r.map((x) => shape(x, buffers));
}
