/**
 * Turns the engine's negative status codes (assembly/errors.ts) into LarderErrors with a message
 * that names the operation.
 */
import { LarderError } from '../errors.js';

/** Status codes, mirrored from assembly/errors.ts. */
export const STATUS = {
  NOT_FOUND: -1,
  BAD_HANDLE: -2,
  KEY_TOO_LARGE: -3,
  VALUE_TOO_LARGE: -4,
  BAD_INPUT: -5,
  NOT_SORTED: -6,
  TOO_MANY_HANDLES: -7,
} as const;

/** Largest key in bytes, as enforced by the engine. */
export const MAX_KEY = 65536;
/** Largest value in bytes, as enforced by the engine. */
export const MAX_VALUE = 64 * 1024 * 1024;

/** Throws the LarderError for a negative status returned by `what`. */
export function throwStatus(status: number, what: string): never {
  switch (status) {
    case STATUS.BAD_HANDLE:
      throw new LarderError('CLOSED', `${what}: the structure was freed (stale handle)`);
    case STATUS.KEY_TOO_LARGE:
      throw new LarderError('TOO_LARGE', `${what}: key longer than ${MAX_KEY} bytes`);
    case STATUS.VALUE_TOO_LARGE:
      throw new LarderError('TOO_LARGE', `${what}: value longer than ${MAX_VALUE} bytes`);
    case STATUS.BAD_INPUT:
      throw new LarderError('BAD_VALUE', `${what}: malformed input (lengths overrun the scratch, or empty batch buffer)`);
    case STATUS.NOT_SORTED:
      throw new LarderError('BAD_VALUE', `${what}: bulk load input must be strictly ascending and after the current last key`);
    case STATUS.TOO_MANY_HANDLES:
      throw new LarderError('TOO_LARGE', `${what}: too many live tables and trees (65535 at most)`);
    default:
      throw new LarderError('INTERNAL', `${what}: engine returned unknown status ${status}`);
  }
}
