/**
 * Status codes returned by every export that can fail. Non-negative results are values
 * (a length, a count); negative ones are these codes, turned into messages by src/core/errors.ts.
 * The engine never traps on bad input: it checks and returns a code, leaving structures untouched.
 */
export const NOT_FOUND: i32 = -1;
/** The handle does not name a live structure of the expected kind (deleted, or never made). */
export const BAD_HANDLE: i32 = -2;
/** A key longer than MAX_KEY. */
export const KEY_TOO_LARGE: i32 = -3;
/** A value longer than MAX_VALUE. */
export const VALUE_TOO_LARGE: i32 = -4;
/** The scratch input is malformed: lengths that overrun what the caller wrote, or zero length. */
export const BAD_INPUT: i32 = -5;
/** Bulk load input is not in strictly increasing key order. */
export const NOT_SORTED: i32 = -6;
/** Too many live structures. */
export const TOO_MANY_HANDLES: i32 = -7;

/** Largest key in bytes (64 KiB). */
export const MAX_KEY: u32 = 65536;
/** Largest value in bytes (64 MiB). */
export const MAX_VALUE: u32 = 64 << 20;
