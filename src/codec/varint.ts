/**
 * Unsigned LEB128 varints up to 2^53 - 1, as the value codec and the wire format write them.
 * Readers stay with their formats: each reports a malformed varint its own way (readVarint says
 * -1 and leaves the reporting to its caller).
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

/** Where the varint readVarint read last ended. */
let end = 0;

/**
 * The canonical varint (shortest form, at most 2^53 - 1) at b[p], or -1 when the bytes there are
 * not one (truncated, a trailing zero group, too long or too large). Where it ended is
 * lastVarintEnd(): a second result kept here, so callers walking bytes keep positions in locals.
 */
export function readVarint(b: Uint8Array, p: number): number {
  let x = b[p++];
  if (x === undefined) return -1;
  if (x < 0x80) {
    end = p;
    return x;
  }
  let result = x & 0x7f;
  let mul = 128;
  for (let i = 1; ; i++) {
    x = b[p++];
    if (x === undefined) return -1;
    result += (x & 0x7f) * mul;
    if (x < 0x80) {
      if (x === 0) return -1; // a trailing zero group: not the shortest form
      break;
    }
    if (i === 7) return -1;
    mul *= 128;
  }
  if (result > Number.MAX_SAFE_INTEGER) return -1;
  end = p;
  return result;
}

/** Where the varint readVarint read last ended. */
export function lastVarintEnd(): number {
  return end;
}
