/**
 * Unsigned LEB128 varints up to 2^53 - 1, as the value codec and the wire format write them.
 * Readers stay with their formats: each reports a malformed varint its own way.
 */

/** Bytes `n` takes as a varint. */
export function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** Writes `n` at out[p] (room must be there); returns the position after it. */
export function putVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n & 0x7f) | 0x80; // `&` works modulo 2^32, so the low 7 bits are right even above 2^32
    n = n < 0x80000000 ? n >>> 7 : Math.floor(n / 128);
  }
  out[p++] = n;
  return p;
}
