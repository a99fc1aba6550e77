/**
 * Order-preserving key encoding: typed values -> bytes whose memcmp order is compareValues order.
 *
 * Every index, range query and sort rides on this, so the invariants are spelled out:
 *
 *  (1) Order:        sign(memcmp(enc(a), enc(b))) === sign(compareValues(a, b)).
 *  (2) Canonical:    compareValues(a, b) === 0  <=>  enc(a) and enc(b) are the same bytes
 *                    (-0 is written as 0, every NaN alike, undefined as null).
 *  (3) Prefix-free:  no encoding is a proper prefix of another encoding.
 *
 * (3) is what makes compound keys work: concatenating components compares component by component,
 * because the first differing byte always falls inside the first differing component (neither
 * component can end early while the other goes on). It is also what makes descending components
 * simple: a descending component is the ascending encoding with every byte inverted (x ^ 0xFF).
 * For two prefix-free byte strings the first differing byte lies within both, and inverting it
 * reverses the comparison, so the inverted encodings sort in exactly reverse order and stay
 * prefix-free. No special terminator is needed for descending strings: the ascending terminator
 * 00 00 becomes FF FF, which sorts after any continuation, as a descending order wants.
 *
 * Layout: one type byte per BSON class (gaps leave room for future types, and 0x00 is never a
 * type byte so it can terminate objects and arrays), then a self-delimiting body:
 *
 *   type  class      body
 *   0x0A  MinKey     -
 *   0x14  null       -              (undefined, i.e. a missing field, encodes as null)
 *   0x1E  number     8 bytes: the f64 bits big-endian, sign bit flipped for positives and all bits
 *                    flipped for negatives, so byte order is numeric order; -0 is written as 0;
 *                    NaN is 8 zero bytes, below -Infinity (00 0F FF..). bigint is accepted when it
 *                    is exactly representable as a double (and then decodes as a number); larger
 *                    bigints are rejected rather than indexed with the wrong order.
 *   0x28  string     WTF-8 (UTF-8 plus lone surrogates, which keeps code point order), each 0x00
 *                    byte escaped as 00 FF, terminated by 00 00
 *   0x32  object     per field: the value's type byte, the field name as a string body, the value's
 *                    body; then 00. (Type, then name, then value: MongoDB's object order.)
 *   0x3C  array      per element: type byte + body; then 00
 *   0x46  binary     4-byte big-endian length, then the bytes (BSON: length first)
 *   0x50  ObjectId   the 12 bytes
 *   0x5A  boolean    00 or 01
 *   0x64  date       8 bytes: getTime() as i64 with the sign bit flipped, big-endian; an invalid
 *                    Date is 8 zero bytes (below every valid time, which is within ±8.64e15)
 *   0xF0  MaxKey     -
 *
 * Decoding gives back values that compare equal (compareValues === 0) and have the same type
 * class; it does not keep what the order ignores: int vs double vs bigint, -0, undefined vs null.
 */
import { LarderError } from '../errors.js';
import { MAX_DEPTH } from '../codec/limits.js';
import { ObjectId } from '../codec/object-id.js';
import { formatPath } from '../codec/path.js';
import { readWtf8, writeWtf8 } from '../codec/wtf8.js';
import { MaxKey, MinKey, TypeClass, typeClassOf } from './compare.js';

/** Sort direction of one key component: 1 ascending, -1 descending. */
export type Direction = 1 | -1;

/** The type byte written for each class (see the table at the top of this file). */
export const KeyType = {
  MinKey: 0x0a,
  Null: 0x14,
  Number: 0x1e,
  String: 0x28,
  Object: 0x32,
  Array: 0x3c,
  Binary: 0x46,
  ObjectId: 0x50,
  Boolean: 0x5a,
  Date: 0x64,
  MaxKey: 0xf0,
} as const;

const TYPE_BYTE: readonly number[] = [
  KeyType.MinKey,
  KeyType.Null,
  KeyType.Number,
  KeyType.String,
  KeyType.Object,
  KeyType.Array,
  KeyType.Binary,
  KeyType.ObjectId,
  KeyType.Boolean,
  KeyType.Date,
  KeyType.MaxKey,
];

const TWO_32 = 4294967296;
const MAX_DATE_MS = 8.64e15;

/** Carries the path of a rejected part while the recursion unwinds. */
class KeyFail {
  readonly segments: (string | number)[] = [];
  constructor(readonly reason: string) {}
}

// Shared 8-byte scratch for float <-> bits conversion.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/**
 * A growable byte buffer for building keys: a model tag, a namespace, encoded components, an _id.
 * Reuse one builder (reset()) to build many keys without allocating.
 */
export class KeyBuilder {
  /** The underlying buffer; bytes [0, length) are the key built so far. */
  buf: Uint8Array;
  /** Number of bytes written. */
  length = 0;

  /** Creates a builder with `capacity` bytes to start with (it grows as needed). */
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  /** Forgets the bytes written so far, keeping the buffer. */
  reset(): this {
    this.length = 0;
    return this;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2 || 64;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one raw byte (e.g. the keyspace tag 'I'). */
  byte(b: number): this {
    this.ensure(1);
    this.buf[this.length++] = b;
    return this;
  }

  /** Appends raw bytes (e.g. an already-encoded prefix). */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /**
   * Appends one order-preserving key component. Throws LarderError('BAD_VALUE') naming the path
   * of an unsupported part; on failure the builder is left as it was before the call.
   */
  add(v: unknown, direction: Direction = 1): this {
    const start = this.length;
    try {
      this.component(v, 0);
    } catch (e) {
      this.length = start;
      if (e instanceof KeyFail) {
        const path = formatPath(e.segments.reverse());
        throw new LarderError('BAD_VALUE', `cannot encode key at ${path}: ${e.reason}`, { path });
      }
      throw e;
    }
    if (direction === -1) {
      const b = this.buf;
      for (let i = start; i < this.length; i++) b[i] = ~b[i]! & 0xff;
    } else if (direction !== 1) {
      this.length = start;
      throw new LarderError('BAD_VALUE', `key direction must be 1 or -1, got ${String(direction)}`);
    }
    return this;
  }

  /**
   * Appends the string component whose UTF-8 bytes are `src[start, end)` (well-formed UTF-8,
   * as a value-codec string holds): exactly what add() appends for that string, without making
   * the string (a bulk insert builds its keys from the documents' encoded bytes).
   */
  addUtf8(src: Uint8Array, start: number, end: number, direction: Direction = 1): this {
    if (direction !== 1 && direction !== -1) throw new LarderError('BAD_VALUE', `key direction must be 1 or -1, got ${String(direction)}`);
    // UTF-8 of well-formed text is its WTF-8; each 00 is escaped as 00 FF, then 00 00 ends it.
    this.ensure(2 * (end - start) + 3);
    const b = this.buf;
    const first = this.length;
    let p = first;
    b[p++] = KeyType.String;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      b[p++] = c;
      if (c === 0) b[p++] = 0xff;
    }
    b[p++] = 0;
    b[p++] = 0;
    if (direction === -1) for (let i = first; i < p; i++) b[i] = ~b[i]! & 0xff;
    this.length = p;
    return this;
  }

  /**
   * Appends the number component of `x`: exactly what add() appends for a number, without its
   * type dispatch (a bulk insert builds its keys from the documents' encoded numbers).
   */
  addNumber(x: number, direction: Direction = 1): this {
    if (direction !== 1 && direction !== -1) throw new LarderError('BAD_VALUE', `key direction must be 1 or -1, got ${String(direction)}`);
    const first = this.length;
    this.byte(KeyType.Number);
    this.number(x);
    if (direction === -1) {
      const b = this.buf;
      for (let i = first; i < this.length; i++) b[i] = ~b[i]! & 0xff;
    }
    return this;
  }

  /** A view of the bytes built so far; valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes built so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private classOf(v: unknown): TypeClass {
    try {
      return typeClassOf(v);
    } catch (e) {
      if (e instanceof LarderError) throw new KeyFail(e.message.replace('cannot compare a value', 'unsupported value'));
      throw e;
    }
  }

  private component(v: unknown, depth: number): void {
    const cls = this.classOf(v);
    this.byte(TYPE_BYTE[cls]!);
    this.body(v, cls, depth);
  }

  private body(v: unknown, cls: TypeClass, depth: number): void {
    switch (cls) {
      case TypeClass.MinKey:
      case TypeClass.MaxKey:
      case TypeClass.Null:
        return;
      case TypeClass.Number: {
        let x: number;
        if (typeof v === 'bigint') {
          x = Number(v);
          if (BigInt(x) !== v) throw new KeyFail(`bigint ${v} is not exactly representable as a double, so it cannot be ordered in a key`);
        } else {
          x = v as number;
        }
        return this.number(x);
      }
      case TypeClass.String:
        return this.string(v as string);
      case TypeClass.Boolean:
        this.byte(v ? 1 : 0);
        return;
      case TypeClass.Date:
        return this.date((v as Date).getTime());
      case TypeClass.Binary: {
        const b = v as Uint8Array;
        this.ensure(4 + b.length);
        const n = b.length;
        const out = this.buf;
        let p = this.length;
        out[p++] = n >>> 24;
        out[p++] = (n >>> 16) & 0xff;
        out[p++] = (n >>> 8) & 0xff;
        out[p++] = n & 0xff;
        out.set(b, p);
        this.length = p + n;
        return;
      }
      case TypeClass.ObjectId:
        this.bytes((v as ObjectId).id);
        return;
      case TypeClass.Array: {
        if (depth >= MAX_DEPTH) throw new KeyFail(`nesting deeper than ${MAX_DEPTH} levels (or a cyclic reference)`);
        const a = v as unknown[];
        let i = 0;
        try {
          for (; i < a.length; i++) this.component(a[i], depth + 1);
        } catch (e) {
          if (e instanceof KeyFail) e.segments.push(i);
          throw e;
        }
        this.byte(0);
        return;
      }
      case TypeClass.Object: {
        if (depth >= MAX_DEPTH) throw new KeyFail(`nesting deeper than ${MAX_DEPTH} levels (or a cyclic reference)`);
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        let k = '';
        try {
          for (let i = 0; i < keys.length; i++) {
            k = keys[i]!;
            const x = o[k];
            const c = this.classOf(x);
            this.byte(TYPE_BYTE[c]!);
            this.string(k);
            this.body(x, c, depth + 1);
          }
        } catch (e) {
          if (e instanceof KeyFail) e.segments.push(k);
          throw e;
        }
        this.byte(0);
        return;
      }
    }
  }

  /** 8 bytes: f64 bits made order-preserving (see the file header). */
  private number(x: number): void {
    this.ensure(8);
    let hi: number;
    let lo: number;
    if (x !== x) {
      hi = 0;
      lo = 0;
    } else {
      f64[0] = x === 0 ? 0 : x; // -0 -> 0
      hi = u32[HI]!;
      lo = u32[LO]!;
      if (hi & 0x80000000) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      } else {
        hi = (hi | 0x80000000) >>> 0;
      }
    }
    this.u64(hi, lo);
  }

  /** 8 bytes: milliseconds as i64 with the sign bit flipped; invalid Date = all zero. */
  private date(ms: number): void {
    this.ensure(8);
    if (ms !== ms) return this.u64(0, 0);
    const hi = Math.floor(ms / TWO_32);
    const lo = ms - hi * TWO_32;
    this.u64(((hi | 0) ^ 0x80000000) >>> 0, lo >>> 0);
  }

  private u64(hi: number, lo: number): void {
    const b = this.buf;
    let p = this.length;
    b[p++] = hi >>> 24;
    b[p++] = (hi >>> 16) & 0xff;
    b[p++] = (hi >>> 8) & 0xff;
    b[p++] = hi & 0xff;
    b[p++] = lo >>> 24;
    b[p++] = (lo >>> 16) & 0xff;
    b[p++] = (lo >>> 8) & 0xff;
    b[p++] = lo & 0xff;
    this.length = p;
  }

  /** WTF-8 with 00 -> 00 FF, then 00 00, so a string component ends unambiguously. */
  private string(s: string): void {
    const n = s.length;
    this.ensure(n * 4 + 2); // worst case: every unit a zero (2 bytes) or 3 WTF-8 bytes
    const b = this.buf;
    const start = this.length;
    let p = writeWtf8(s, b, start);
    if (s.indexOf('\0') >= 0) {
      // Rare: escape each 00 as 00 FF, moving bytes right from the end so nothing is overwritten.
      let zeros = 0;
      for (let i = start; i < p; i++) if (b[i] === 0) zeros++;
      for (let i = p - 1, j = p - 1 + zeros; i >= start; i--) {
        if (b[i] === 0) {
          b[j--] = 0xff;
          b[j--] = 0;
        } else b[j--] = b[i];
      }
      p += zeros;
    }
    b[p++] = 0;
    b[p++] = 0;
    this.length = p;
  }
}

// One shared builder for the convenience functions; a nested call (a getter that builds a key
// while a key is being built) gets its own.
const shared = new KeyBuilder(256);
let sharedBusy = false;

function withBuilder<T>(f: (b: KeyBuilder) => T): T {
  if (sharedBusy) return f(new KeyBuilder());
  sharedBusy = true;
  try {
    return f(shared.reset());
  } finally {
    sharedBusy = false;
    if (shared.buf.length > 1 << 16) shared.buf = new Uint8Array(256);
  }
}

function directionAt(directions: readonly Direction[] | undefined, i: number): Direction {
  return directions === undefined ? 1 : (directions[i] ?? 1);
}

/** Encodes one value as an order-preserving key component (ascending unless `direction` is -1). */
export function encodeKey(v: unknown, direction: Direction = 1): Uint8Array {
  return withBuilder((b) => b.add(v, direction).finish());
}

/**
 * Encodes a compound key: the components concatenated, each ascending or (direction -1)
 * inverted. Byte order is the order of the tuples, component by component, each in its direction.
 */
export function encodeCompound(values: readonly unknown[], directions?: readonly Direction[]): Uint8Array {
  return withBuilder((b) => {
    for (let i = 0; i < values.length; i++) b.add(values[i], directionAt(directions, i));
    return b.finish();
  });
}

/**
 * Encodes a compound key straight into `target` at `offset` (e.g. the engine's scratch region)
 * and returns the end offset. If it does not fit, throws LarderError('TOO_LARGE') with
 * `details.needed` (bytes from `offset`) so the caller can grow the target and retry.
 */
export function encodeKeyInto(target: Uint8Array, offset: number, values: readonly unknown[], directions?: readonly Direction[]): number {
  return withBuilder((b) => {
    for (let i = 0; i < values.length; i++) b.add(values[i], directionAt(directions, i));
    if (offset + b.length > target.length) {
      throw new LarderError('TOO_LARGE', `key of ${b.length} bytes does not fit in ${target.length - offset} bytes`, { needed: b.length });
    }
    target.set(b.view(), offset);
    return offset + b.length;
  });
}

// ---------------------------------------------------------------------------------------------
// Decoding. Reads with an XOR mask (0 ascending, 0xFF descending) instead of copying.

let kb: Uint8Array = new Uint8Array(0);
let kp = 0;
let mask = 0;

function bad(why: string): never {
  throw new LarderError('CORRUPT', `cannot decode key: ${why} at byte ${kp}`);
}

function rd(): number {
  if (kp >= kb.length) bad('truncated key');
  return kb[kp++]! ^ mask;
}

function rdU32(): number {
  if (kp + 4 > kb.length) bad('truncated key');
  const b = kb;
  const p = kp;
  kp += 4;
  return (((b[p]! ^ mask) << 24) | ((b[p + 1]! ^ mask) << 16) | ((b[p + 2]! ^ mask) << 8) | (b[p + 3]! ^ mask)) >>> 0;
}

let strScratch = new Uint8Array(64);

function rdString(): string {
  // Unescape into a scratch buffer, then decode strictly as WTF-8.
  let n = 0;
  for (;;) {
    const c = rd();
    if (c === 0) {
      const d = rd();
      if (d === 0) break;
      if (d !== 0xff) bad('bad string escape');
    }
    if (n === strScratch.length) {
      const next = new Uint8Array(n * 2);
      next.set(strScratch);
      strScratch = next;
    }
    strScratch[n++] = c;
  }
  return readWtf8(strScratch, 0, n, 'key string');
}

function rdNumber(): number {
  const hi = rdU32();
  const lo = rdU32();
  if (hi === 0 && lo === 0) return NaN;
  if (hi & 0x80000000) {
    u32[HI] = (hi & 0x7fffffff) >>> 0;
    u32[LO] = lo;
  } else {
    u32[HI] = ~hi >>> 0;
    u32[LO] = ~lo >>> 0;
  }
  const x = f64[0]!;
  if (x !== x || Object.is(x, -0)) bad('non-canonical number');
  return x;
}

function rdDate(): Date {
  const hi = rdU32();
  const lo = rdU32();
  if (hi === 0 && lo === 0) return new Date(NaN);
  const ms = ((hi ^ 0x80000000) | 0) * TWO_32 + lo;
  if (Math.abs(ms) > MAX_DATE_MS) bad('date out of range');
  return new Date(ms);
}

function rdBody(type: number, depth: number): unknown {
  switch (type) {
    case KeyType.MinKey:
      return MinKey;
    case KeyType.MaxKey:
      return MaxKey;
    case KeyType.Null:
      return null;
    case KeyType.Number:
      return rdNumber();
    case KeyType.String:
      return rdString();
    case KeyType.Boolean: {
      const b = rd();
      if (b > 1) bad('bad boolean');
      return b === 1;
    }
    case KeyType.Date:
      return rdDate();
    case KeyType.Binary: {
      const n = rdU32();
      if (kp + n > kb.length) bad('truncated binary');
      const out = kb.slice(kp, kp + n);
      if (mask) for (let i = 0; i < n; i++) out[i] ^= 0xff;
      kp += n;
      return out;
    }
    case KeyType.ObjectId: {
      if (kp + 12 > kb.length) bad('truncated ObjectId');
      const id = kb.slice(kp, kp + 12);
      if (mask) for (let i = 0; i < 12; i++) id[i] ^= 0xff;
      kp += 12;
      return new ObjectId(id);
    }
    case KeyType.Array: {
      if (depth >= MAX_DEPTH) bad('nesting too deep');
      const a: unknown[] = [];
      for (;;) {
        const t = rd();
        if (t === 0) return a;
        a.push(rdBody(t, depth + 1));
      }
    }
    case KeyType.Object: {
      if (depth >= MAX_DEPTH) bad('nesting too deep');
      const o: Record<string, unknown> = {};
      for (;;) {
        const t = rd();
        if (t === 0) return o;
        const k = rdString();
        const v = rdBody(t, depth + 1);
        // Never assign __proto__: that would replace the prototype instead of adding a field.
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
        else o[k] = v;
      }
    }
    default:
      return bad(`unknown type byte 0x${type.toString(16)}`);
  }
}

/**
 * Decodes one key component at `offset` written in `direction`; returns the value and the offset
 * just past it. Throws LarderError('CORRUPT') on malformed bytes.
 */
export function decodeKeyComponent(bytes: Uint8Array, offset = 0, direction: Direction = 1): { value: unknown; offset: number } {
  const [sb, sp, sm] = [kb, kp, mask];
  kb = bytes;
  kp = offset;
  mask = direction === -1 ? 0xff : 0;
  try {
    const value = rdBody(rd(), 0);
    return { value, offset: kp };
  } finally {
    kb = sb;
    kp = sp;
    mask = sm;
  }
}

/** Options for decodeKey. */
export interface DecodeKeyOptions {
  /** Where to start (default 0), e.g. past a keyspace tag and namespace. */
  offset?: number;
  /** Direction of each component (default all ascending). */
  directions?: readonly Direction[];
  /** How many components to read (default: directions.length if given, else up to the end). */
  count?: number;
}

/**
 * Decodes the components of a (compound) key. Numbers come back as numbers (int/double/bigint and
 * -0 are not kept), undefined comes back as null. Returns the values and the offset reached, so a
 * caller can read a trailing _id or suffix itself.
 */
export function decodeKey(bytes: Uint8Array, options: DecodeKeyOptions = {}): { values: unknown[]; offset: number } {
  let offset = options.offset ?? 0;
  const dirs = options.directions;
  const count = options.count ?? (dirs ? dirs.length : Infinity);
  const values: unknown[] = [];
  for (let i = 0; i < count && offset < bytes.length; i++) {
    const r = decodeKeyComponent(bytes, offset, directionAt(dirs, i));
    values.push(r.value);
    offset = r.offset;
  }
  if (count !== Infinity && values.length < count) {
    throw new LarderError('CORRUPT', `cannot decode key: expected ${count} components, found ${values.length}`);
  }
  return { values, offset };
}

export { compareBytes, prefixSuccessor } from '../bytes.js';

/** Advances `kp` past one component body of `type` without building its value. */
function skipBody(type: number, depth: number): void {
  switch (type) {
    case KeyType.MinKey:
    case KeyType.MaxKey:
    case KeyType.Null:
      return;
    case KeyType.Number:
    case KeyType.Date:
      if (kp + 8 > kb.length) bad('truncated key');
      kp += 8;
      return;
    case KeyType.String:
      // Escaped bytes: 00 FF stands for a 00 inside the string, 00 00 ends it.
      for (;;) {
        if (rd() !== 0) continue;
        const d = rd();
        if (d === 0) return;
        if (d !== 0xff) bad('bad string escape');
      }
    case KeyType.Boolean:
      rd();
      return;
    case KeyType.Binary: {
      const n = rdU32();
      if (kp + n > kb.length) bad('truncated binary');
      kp += n;
      return;
    }
    case KeyType.ObjectId:
      if (kp + 12 > kb.length) bad('truncated ObjectId');
      kp += 12;
      return;
    case KeyType.Array:
    case KeyType.Object: {
      if (depth >= MAX_DEPTH) bad('nesting too deep');
      for (;;) {
        const t = rd();
        if (t === 0) return;
        if (type === KeyType.Object) skipBody(KeyType.String, depth + 1); // the field name
        skipBody(t, depth + 1);
      }
    }
    default:
      bad(`unknown type byte 0x${type.toString(16)}`);
  }
}

/**
 * The offset just past `count` components starting at `offset` (directions as in decodeKey),
 * without decoding them: where an index key's trailing _id starts. `bytes` may be a view of
 * engine memory with `end` the key's end. Throws LarderError('CORRUPT') on malformed bytes.
 */
export function skipKeyComponents(bytes: Uint8Array, offset: number, directions: readonly Direction[], end = bytes.length): number {
  const [sb, sp, sm] = [kb, kp, mask];
  // No subarray to bound the reads (one allocation per index entry): a component running past
  // `end` is caught after the walk instead.
  kb = bytes;
  kp = offset;
  try {
    for (let i = 0; i < directions.length; i++) {
      mask = directions[i] === -1 ? 0xff : 0;
      skipBody(rd(), 0);
    }
    if (kp > end) bad('truncated key');
    return kp;
  } finally {
    kb = sb;
    kp = sp;
    mask = sm;
  }
}
