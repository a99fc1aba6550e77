/**
 * Byte-string helpers every layer shares. Like errors.ts this module imports nothing, so the
 * core, the key encoding and the views all use the one definition of memcmp order.
 */

/** memcmp: lexicographic byte order, shorter first on a tie; returns -1, 0 or 1. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The smallest byte string greater than every byte string that starts with `prefix`, or
 * undefined when there is none (empty prefix or all 0xFF). A prefix scan is then the range
 * [prefix, prefixSuccessor(prefix)).
 */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  let n = prefix.length;
  while (n > 0 && prefix[n - 1] === 0xff) n--;
  if (n === 0) return undefined;
  const out = prefix.slice(0, n);
  out[n - 1]!++;
  return out;
}

/** The byte strings one after another, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * `buf` with room for `need` bytes after its first `used`: `buf` itself when it has them, else a
 * copy of those bytes in an array at least twice as large (so appending n bytes in pieces copies
 * O(n) bytes in all).
 */
export function withRoom(buf: Uint8Array<ArrayBuffer>, used: number, need: number): Uint8Array<ArrayBuffer> {
  if (used + need <= buf.length) return buf;
  let cap = Math.max(buf.length * 2, 16);
  while (cap < used + need) cap *= 2;
  const next = new Uint8Array(cap);
  next.set(buf.subarray(0, used));
  return next;
}
