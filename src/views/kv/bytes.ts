/**
 * Byte-string helpers for the kv view. Redis values are binary strings, so every argument becomes
 * a Uint8Array on arrival and stays one until the reply is shaped for the page. Numbers follow
 * Redis's own parsers (string2ll, strtod) exactly, because the error a bad number gets is part of
 * the command's contract.
 */
import { concatBytes } from '../../bytes.js';
import { LarderError } from '../../errors.js';
import { rerr, E } from './reply.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** An argument as the page sent it (string, bytes, or a number from a typed method) as bytes. */
export function toBytes(a: unknown): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (typeof a === 'string') return utf8(a);
  if (typeof a === 'number' || typeof a === 'bigint') return utf8(String(a));
  throw new LarderError('BAD_VALUE', `kv arguments must be strings, numbers or Uint8Array, got ${a === null ? 'null' : typeof a}`);
}

/**
 * UTF-8 bytes of a JS string. Short ASCII strings (command names, most keys and values) are
 * copied by a loop: TextEncoder.encode costs several times more for them and was the largest
 * single cost of a SET or GET.
 */
export function utf8(s: string): Uint8Array {
  const n = s.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return enc.encode(s);
      out[i] = c;
    }
    return out;
  }
  return enc.encode(s);
}

/** A byte string as a JS string (UTF-8; invalid sequences become U+FFFD). */
export function str(b: Uint8Array): string {
  return dec.decode(b);
}

/** An ASCII-only, upper-cased view of a short argument, for option and command names. */
export function upper(b: Uint8Array): string {
  if (b.length > 32) return '';
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s.toUpperCase();
}

/** memcmp order, like Redis's sdscmp. */
export function cmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Byte equality. */
export function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenation of byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** A Map/Set key for bytes (latin1: one char per byte, exact and reversible). */
export function bkey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/** The bytes of a bkey string. */
export function unbkey(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/**
 * Redis's string2ll: an optional '-', then digits with no leading zero (just "0" for zero), no
 * '+', no spaces, within int64. Returns undefined when the bytes are not such an integer.
 * Small values come back as numbers; values beyond 2^53 as bigint so arithmetic stays exact.
 */
export function parseI64(b: Uint8Array): number | bigint | undefined {
  const n = b.length;
  if (n === 0 || n > 20) return undefined;
  if (n === 1 && b[0] === 0x30) return 0;
  let i = 0;
  const neg = b[0] === 0x2d;
  if (neg) { i = 1; if (n === 1) return undefined; }
  if (b[i] < 0x31 || b[i] > 0x39) return undefined;
  for (let j = i; j < n; j++) if (b[j] < 0x30 || b[j] > 0x39) return undefined;
  if (n - i <= 15) {
    let v = 0;
    for (let j = i; j < n; j++) v = v * 10 + (b[j] - 0x30);
    return neg ? -v : v;
  }
  let s = '';
  for (let j = 0; j < n; j++) s += String.fromCharCode(b[j]);
  const v = BigInt(s);
  if (v < I64_MIN || v > I64_MAX) return undefined;
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

/** An int64 argument, or Redis's "value is not an integer or out of range". */
export function argInt(b: Uint8Array): number {
  const v = parseI64(b);
  if (v === undefined) throw rerr('BAD_VALUE', E.NOT_INT);
  // Beyond 2^53 a count or index is only compared against lengths, so a rounded double is fine.
  return typeof v === 'bigint' ? Number(v) : v;
}

/** An int64 argument kept exact (for INCRBY and friends). */
export function argI64(b: Uint8Array): bigint | number {
  const v = parseI64(b);
  if (v === undefined) throw rerr('BAD_VALUE', E.NOT_INT);
  return v;
}

/** Adds two int64 values exactly, or throws Redis's overflow error. */
export function addI64(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (r < I64_MIN || r > I64_MAX) throw rerr('BAD_VALUE', E.OVERFLOW);
  return Number.isSafeInteger(Number(r)) ? Number(r) : r;
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(inity)?$/i;

/**
 * Redis's strtod-based parse (getDoubleFromObject): the whole string must be a number, no leading
 * space, no NaN, no overflow to infinity and no underflow to zero. "inf"/"-inf" are accepted.
 */
export function parseDouble(b: Uint8Array): number | undefined {
  if (b.length === 0 || b.length > 400) return undefined;
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (!FLOAT_RE.test(s)) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v)) return undefined; // ERANGE overflow
  if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return undefined; // ERANGE underflow
  return v;
}

/** A float argument, or "value is not a valid float". */
export function argDouble(b: Uint8Array): number {
  const v = parseDouble(b);
  if (v === undefined) throw rerr('BAD_VALUE', E.NOT_FLOAT);
  return v;
}

/**
 * C's printf("%.17g"), which Redis 7.0 uses for every double reply (scores): 17 significant
 * digits, trailing zeros dropped, exponent form below 1e-4 and from 1e17.
 */
export function fmtDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const e = d.toExponential(16); // 17 significant digits: "d.dddddddddddddddde±x"
  const [mant, expS] = e.split('e');
  const x = Number(expS);
  if (x < -4 || x >= 17) {
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ax = Math.abs(x);
    return `${m}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  const digits = mant.replace('-', '').replace('.', '');
  const neg = d < 0 ? '-' : '';
  let out: string;
  if (x >= 0) {
    const intPart = digits.slice(0, x + 1);
    const frac = digits.slice(x + 1);
    out = frac.length ? `${intPart}.${frac}` : intPart;
  } else {
    out = `0.${'0'.repeat(-x - 1)}${digits}`;
  }
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return neg + out;
}

/**
 * Redis's getRangeLongFromObjectOrReply: an integer within [min, max]. With `msg`, both a
 * non-integer and an out-of-range value get `msg` (as in Redis); without it the usual texts.
 */
export function argRange(b: Uint8Array, min: number, max: number, msg?: string): number {
  const v = parseI64(b);
  if (v === undefined) throw rerr('BAD_VALUE', msg ?? E.NOT_INT);
  const n = Number(v);
  if (n < min || n > max) {
    throw rerr('BAD_VALUE', msg ?? `ERR value is out of range, value must between ${min === -LONG_MAX ? '-9223372036854775807' : min} and 9223372036854775807`);
  }
  return n;
}

/** LONG_MAX as a double (only used for range checks). */
export const LONG_MAX = 9223372036854775807;

/** A count that must be >= 0 (getPositiveLongFromObjectOrReply). */
export function argPositive(b: Uint8Array, msg: string = E.POSITIVE): number {
  return argRange(b, 0, LONG_MAX, msg);
}

/**
 * strtod as ZRANGEBYSCORE's range parser uses it (no full-string validation beyond the end):
 * leading spaces allowed, "" is 0, overflow gives +-inf. Undefined for garbage or NaN.
 */
export function parseStrtod(s: string): number | undefined {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (t === '') return s === '' || t === '' ? 0 : undefined;
  if (INF_RE.test(t)) return t[0] === '-' ? -Infinity : Infinity;
  if (!FLOAT_RE.test(t)) return undefined;
  return Number(t);
}
