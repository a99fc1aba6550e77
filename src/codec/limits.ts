/**
 * Limits shared by the value codec and the key encoding.
 *
 * A hard nesting limit keeps recursion far away from the JS stack limit (which differs between
 * engines and worker stack sizes), turns cyclic structures into a clear BAD_VALUE instead of a
 * RangeError, and bounds the work a malicious byte string can make the decoder do.
 */

/** Deepest nesting of arrays/objects accepted: a value at depth 200 is fine, 201 is rejected. */
export const MAX_DEPTH = 200;
