/**
 * WTF-8: UTF-8 extended so that lone surrogates (U+D800..U+DFFF not part of a pair) are encoded
 * as ordinary 3-byte sequences (ED A0 80 .. ED BF BF).
 *
 * Why: a JS string is a sequence of UTF-16 code units and may contain lone surrogates, which
 * UTF-8 cannot express (TextEncoder silently turns them into U+FFFD). WTF-8 is a bijection
 * between JS strings and byte strings, and its byte order is the order of (generalised) code
 * points, which is what MongoDB's string comparison and our key encoding need. For well-formed
 * strings WTF-8 is exactly UTF-8.
 *
 * Canonical form: a high surrogate followed by a low surrogate is always a pair in JS, so it must
 * be encoded as one 4-byte sequence; the decoder rejects the two-3-byte-sequences form so that
 * every string has exactly one encoding.
 */
import { LarderError } from '../errors.js';

/** Worst-case WTF-8 bytes per UTF-16 code unit (a BMP char takes 3 bytes, a pair 4 bytes for 2 units). */
export const MAX_BYTES_PER_UNIT = 3;

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
// In unicode mode a surrogate range only matches unpaired surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `s` has no lone surrogates, i.e. UTF-8 (TextEncoder) can encode it losslessly. */
export function isWellFormed(s: string): boolean {
  return hasIsWellFormed ? (s as string & { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(s);
}

/**
 * Writes `s` as WTF-8 into `out` at `pos` and returns the end position. The caller guarantees
 * room for `s.length * 3` bytes.
 */
export function writeWtf8(s: string, out: Uint8Array, pos: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[pos++] = 0xf0 | (c >> 18);
          out[pos++] = 0x80 | ((c >> 12) & 63);
          out[pos++] = 0x80 | ((c >> 6) & 63);
          out[pos++] = 0x80 | (c & 63);
          continue;
        }
      }
      // BMP char or lone surrogate: both are 3 bytes in WTF-8.
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 63);
      out[pos++] = 0x80 | (c & 63);
    }
  }
  return pos;
}

function corrupt(what: string): never {
  throw new LarderError('CORRUPT', `invalid WTF-8 in ${what}`);
}

/**
 * Decodes WTF-8 bytes `b[start..end)` strictly: overlong forms, code points above U+10FFFF,
 * truncated sequences and a surrogate pair spelled as two 3-byte sequences all throw
 * LarderError('CORRUPT'), so a byte string decodes to a string only if it is the canonical
 * encoding of that string.
 */
export function readWtf8(b: Uint8Array, start: number, end: number, what = 'string'): string {
  let s = '';
  let chunk: number[] = [];
  let prevHigh = false; // last decoded unit was an encoded lone high surrogate
  for (let i = start; i < end; ) {
    const c = b[i]!;
    let cp: number;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if (c >= 0xc2 && c < 0xe0) {
      if (i + 1 >= end) corrupt(what);
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80) corrupt(what);
      cp = ((c & 31) << 6) | (c1 & 63);
      i += 2;
    } else if (c >= 0xe0 && c < 0xf0) {
      if (i + 2 >= end) corrupt(what);
      const c1 = b[i + 1]!;
      const c2 = b[i + 2]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) corrupt(what);
      cp = ((c & 15) << 12) | ((c1 & 63) << 6) | (c2 & 63);
      if (cp < 0x800) corrupt(what);
      i += 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      if (i + 3 >= end) corrupt(what);
      const c1 = b[i + 1]!;
      const c2 = b[i + 2]!;
      const c3 = b[i + 3]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) corrupt(what);
      cp = ((c & 7) << 18) | ((c1 & 63) << 12) | ((c2 & 63) << 6) | (c3 & 63);
      if (cp < 0x10000 || cp > 0x10ffff) corrupt(what);
      i += 4;
    } else {
      corrupt(what);
    }
    if (cp >= 0xdc00 && cp <= 0xdfff && prevHigh) corrupt(what); // pair must use the 4-byte form
    prevHigh = cp >= 0xd800 && cp <= 0xdbff;
    if (cp < 0x10000) {
      chunk.push(cp);
    } else {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    }
    // Flush in slices so String.fromCharCode.apply never sees a huge argument list.
    if (chunk.length >= 4096) {
      s += String.fromCharCode.apply(null, chunk);
      chunk = [];
    }
  }
  return chunk.length ? s + String.fromCharCode.apply(null, chunk) : s;
}
