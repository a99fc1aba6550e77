/**
 * INCRBYFLOAT and HINCRBYFLOAT arithmetic as redis-server does it on x86-64: parse with strtold
 * into an 80-bit long double (64-bit significand), add, and print with "%.17Lf" minus trailing
 * zeros. Doing it in doubles would differ visibly (0.1 + 0.2 gives "0.3" in Redis, not
 * "0.30000000000000004"), so values are exact rationals rounded to 64 significant bits with
 * BigInt. Only decimal input and inf are understood (strtold's hex floats are not).
 */

/** A finite extended-precision value m * 2^e (m < 2^64, sign apart), or an infinity. */
export interface LD {
  neg: boolean;
  m: bigint;
  e: number;
  inf?: boolean;
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)inf(inity)?$/i;
const BITS = 64n;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds num/den (both > 0) to 64 significant bits, half to even. */
function roundRatio(neg: boolean, num: bigint, den: bigint): LD {
  // Pick a shift s so that q = num * 2^-s / den has exactly 64 bits.
  let s = bitLength(num) - bitLength(den) - 64;
  for (;;) {
    const n = s < 0 ? num << BigInt(-s) : num;
    const d = s > 0 ? den << BigInt(s) : den;
    let q = n / d;
    const r = n - q * d;
    const bl = bitLength(q);
    if (bl < 64) { s--; continue; }
    if (bl > 64) { s++; continue; }
    const twice = r * 2n;
    if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
    if (q >> BITS) return { neg, m: q >> 1n, e: s + 1 };
    return { neg, m: q, e: s };
  }
}

/** strtold as Redis's string2ld uses it; undefined when the text is not a valid long double. */
export function parseLD(text: string): LD | undefined {
  if (text.length === 0 || text.length >= 5120) return undefined;
  const inf = INF_RE.exec(text);
  if (inf) return { neg: inf[1] === '-', m: 0n, e: 0, inf: true };
  const g = DEC_RE.exec(text);
  if (!g) return undefined;
  const intPart = g[2], frac = g[3] ?? '';
  if (intPart.length === 0 && frac.length === 0) return undefined;
  const neg = g[1] === '-';
  const digits = (intPart + frac).replace(/^0+/, '');
  if (digits.length === 0) return { neg, m: 0n, e: 0 };
  const exp = Number(g[4] ?? 0) - frac.length;
  const mag = exp + digits.length; // decimal magnitude of the value
  if (mag > 4933) return undefined; // overflows to inf: ERANGE
  if (mag < -4950) return undefined; // underflows to zero: ERANGE
  const d = BigInt(digits);
  return exp >= 0 ? roundRatio(neg, d * 10n ** BigInt(exp), 1n) : roundRatio(neg, d, 10n ** BigInt(-exp));
}

/** a + b in extended precision (undefined for inf - inf, i.e. NaN). */
export function addLD(a: LD, b: LD): LD | undefined {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return undefined;
    return a.inf ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sa = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const sb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = sa + sb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  if (bitLength(abs) <= 64) return { neg, m: abs, e };
  return e >= 0 ? roundRatio(neg, abs << BigInt(e), 1n) : roundRatio(neg, abs, 1n << BigInt(-e));
}

/** True for an infinity (the caller reports "would produce NaN or Infinity"). */
export function isInfLD(v: LD): boolean {
  return !!v.inf || v.e + bitLength(v.m) > 16384;
}

/** "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" printed as "0": LD_STR_HUMAN. */
export function formatLD(v: LD): string {
  if (v.m === 0n) return '0';
  let q: bigint;
  const scaled = v.m * 10n ** 17n;
  if (v.e >= 0) q = scaled << BigInt(v.e);
  else {
    const den = 1n << BigInt(-v.e);
    q = scaled / den;
    const twice = (scaled - q * den) * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString().padStart(18, '0');
  s = `${s.slice(0, -17)}.${s.slice(-17)}`.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '0') return '0';
  return v.neg ? `-${s}` : s;
}
