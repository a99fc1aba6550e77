/**
 * Little binary helpers shared by the WAL record and page codecs: LEB128 varints for lengths,
 * little-endian u32 / u53 fields, a growable writer and a bounds-checked reader whose every
 * failure is LarderError('CORRUPT') naming what was being read.
 */

import { LarderError } from '../errors.js';

/** Largest sequence number a record may carry (Number.MAX_SAFE_INTEGER, 2^53 - 1). */
export const MAX_U53 = Number.MAX_SAFE_INTEGER;

/** Bytes an unsigned LEB128 varint of `n` (0 <= n < 2^32) takes: 1 to 5. */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes `n` (0 <= n < 2^32) as an unsigned LEB128 varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = n >>> 7;
  }
  buf[pos++] = n;
  return pos;
}

/**
 * Writes `b.length` as a varint and then the bytes of `b` at `pos` (room must be there); returns
 * the position after them.
 */
export function writeLengthPrefixed(buf: Uint8Array, pos: number, b: Uint8Array): number {
  return writeLengthPrefixedRange(buf, pos, b, 0, b.length);
}

/**
 * writeLengthPrefixed of `src[start, start + n)`, without a view of it. Short ranges (keys,
 * small values: most entries) are copied byte by byte: TypedArray.prototype.set, and the
 * subarray it needs, cost more than such a copy itself.
 */
export function writeLengthPrefixedRange(buf: Uint8Array, pos: number, src: Uint8Array, start: number, n: number): number {
  if (n < 0x80) buf[pos++] = n;
  else pos = writeVarint(buf, pos, n);
  if (n <= 48) for (let j = 0; j < n; j++) buf[pos + j] = src[start + j]!;
  else buf.set(start === 0 && n === src.length ? src : src.subarray(start, start + n), pos);
  return pos + n;
}

/** Writes a little-endian u32 at `pos`. */
export function writeU32(buf: Uint8Array, pos: number, n: number): void {
  buf[pos] = n & 0xff;
  buf[pos + 1] = (n >>> 8) & 0xff;
  buf[pos + 2] = (n >>> 16) & 0xff;
  buf[pos + 3] = (n >>> 24) & 0xff;
}

/** Reads a little-endian u32 at `pos` (the caller has checked bounds). */
export function readU32(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

/** Writes `n` (0 <= n <= 2^53 - 1) as a little-endian u64 at `pos`. */
export function writeU53(buf: Uint8Array, pos: number, n: number): void {
  writeU32(buf, pos, n >>> 0);
  writeU32(buf, pos + 4, Math.floor(n / 0x100000000));
}

/** Reads a little-endian u64 at `pos`; undefined when it exceeds 2^53 - 1. */
export function readU53(buf: Uint8Array, pos: number): number | undefined {
  const lo = readU32(buf, pos);
  const hi = readU32(buf, pos + 4);
  if (hi > 0x1fffff) return undefined;
  return hi * 0x100000000 + lo;
}

/** A cursor over a byte range that throws CORRUPT (prefixed with `what`) on any overrun. */
export class ByteReader {
  /** Current position. */
  pos: number;

  /** Reads `buf[start, end)`; `what` names the record in error messages. */
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.pos = start;
  }

  /** Throws LarderError('CORRUPT') with `what` and the current offset. */
  fail(message: string): never {
    throw new LarderError('CORRUPT', `${this.what}: ${message} at byte ${this.pos}`);
  }

  /** Reads one byte. */
  u8(): number {
    if (this.pos >= this.end) this.fail('truncated (expected a byte)');
    return this.buf[this.pos++]!;
  }

  /** Reads an unsigned LEB128 varint of at most 5 bytes that fits in 32 bits. */
  varint(): number {
    let n = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      if (i === 4 && b > 0x0f) this.fail('varint overflows 32 bits');
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
    return this.fail('varint longer than 5 bytes');
  }

  /** Returns a view (not a copy) of the next `len` bytes. */
  bytes(len: number): Uint8Array {
    const start = this.skip(len);
    return this.buf.subarray(start, start + len);
  }

  /** Steps over the next `len` bytes and returns where they start (bytes() without the view). */
  skip(len: number): number {
    if (len > this.end - this.pos) this.fail(`truncated (needs ${len} bytes, ${this.end - this.pos} left)`);
    const start = this.pos;
    this.pos += len;
    return start;
  }
}
