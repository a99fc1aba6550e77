/**
 * LarderError: the one error type every layer throws, with a stable `code` callers can switch on.
 * This module imports nothing, so every layer (core, persist, views, worker, client) may use it.
 */

/** Stable error codes; see DESIGN.md "Errors". */
export type LarderErrorCode =
  | 'WRONGTYPE'
  | 'SYNTAX'
  | 'DUPLICATE_KEY'
  | 'BAD_QUERY'
  | 'BAD_VALUE'
  | 'NOT_FOUND'
  | 'QUOTA_EXCEEDED'
  | 'CORRUPT'
  | 'CLOSED'
  | 'TOO_LARGE'
  | 'BAD_PASSPHRASE'
  | 'TIMEOUT'
  | 'UNKNOWN_OP'
  | 'INTERNAL';

/** An error with a stable `code`; rebuilt as a real Error subclass on the page side. */
export class LarderError extends Error {
  /** The stable code. */
  readonly code: LarderErrorCode;
  /** Optional structured detail (e.g. the offending key). */
  readonly details?: unknown;

  /** Creates an error with a code and a message that says what went wrong and where. */
  constructor(code: LarderErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'LarderError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** True when `e` is a LarderError (also across realms, where instanceof fails). */
export function isLarderError(e: unknown): e is LarderError {
  return e instanceof LarderError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'LarderError' && typeof (e as { code?: unknown }).code === 'string');
}
