/**
 * The value codec: any supported JS value <-> compact bytes, with an exact round trip.
 *
 * Used for document bodies, Redis values and graph properties. It is not order-preserving (that
 * is src/keys/); it is small and fast.
 *
 * Format: one tag byte, then a body. Lengths and integers are unsigned LEB128 varints (7 bits per
 * byte, low group first, at most 8 bytes, value <= 2^53 - 1).
 *
 *   tag        value                     body
 *   0x00       null                      -
 *   0x01       undefined                 -
 *   0x02/0x03  false / true              -
 *   0x04       integer 128..2^53-1       varint
 *   0x05       integer -(2^53-1)..-1     varint of the magnitude
 *   0x06       any other number          8 bytes IEEE-754 little-endian (-0, NaN, ±Infinity,
 *                                        fractions, |n| >= 2^53)
 *   0x07       string (well-formed)      varint byte length, UTF-8
 *   0x08       string with lone          varint byte length, WTF-8 (see wtf8.ts); kept apart so
 *              surrogates                the common tag can be decoded by TextDecoder
 *   0x09/0x0A  bigint >= 0 / < 0         varint byte length, magnitude big-endian, no leading
 *                                        zero byte (0n is 0x09 0x00)
 *   0x0B       Date                      8 bytes f64 LE of getTime() (NaN = invalid Date)
 *   0x0C       Uint8Array                varint length, bytes
 *   0x0D       ObjectId                  12 bytes
 *   0x0E       array                     varint length, then each element
 *   0x0F       plain object              varint count, then (varint key length, UTF-8/WTF-8 key,
 *                                        value) per own enumerable string key, in Object.keys order
 *   0x10       array hole                - (only inside arrays: `[1,,3]` keeps its hole)
 *   0x80..0xFF integer 0..127            - (the value is tag & 0x7f)
 *
 * Decisions:
 * - Object keys are written as WTF-8 without a tag; a key with lone surrogates round-trips too.
 * - Only plain objects (prototype Object.prototype or null) and the types above are accepted.
 *   Null-prototype objects decode as ordinary `{}`. Map, Set, RegExp, Error, class instances,
 *   typed arrays other than Uint8Array, ArrayBuffer, functions, symbols (as values or as keys of
 *   an object) are rejected with BAD_VALUE naming the path (`a.b[3]`). Node's Buffer is a
 *   Uint8Array and decodes as a plain Uint8Array. Non-index properties of arrays and
 *   non-enumerable properties are not stored.
 * - Nesting deeper than MAX_DEPTH (200) is rejected; a cycle is reported as a cycle.
 * - Decoded objects are built with Object.prototype and a key named `__proto__` is defined as an
 *   own data property, so decoding can never change a prototype (no prototype pollution).
 * - Malformed input (bad tag, truncation, overlong varint, invalid UTF-8, trailing bytes, a Date
 *   outside the valid range, non-canonical bigint, nesting too deep) throws CORRUPT. A flipped bit
 *   inside a number or string body can still decode to a different valid value: integrity is the
 *   persistence layer's checksum's job.
 */
import { withRoom } from '../bytes.js';
import { LarderError } from '../errors.js';
import { MAX_DEPTH } from './limits.js';
import { ObjectId } from './object-id.js';
import { formatPath } from './path.js';
import { isWellFormed, readWtf8, writeWtf8 } from './wtf8.js';
import { putVarint, varintSize } from './varint.js';
import { StringCache } from './string-cache.js';
import { T_ARRAY, T_BIGNEG, T_BIGPOS, T_BYTES, T_DATE, T_F64, T_FALSE, T_HOLE, T_NINT, T_NULL, T_OBJECT, T_OID, T_SMALL, T_STR, T_TRUE, T_UINT, T_UNDEFINED, T_WTF8 } from './tags.js';


/** The largest valid Date time value (ECMAScript: ±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

// ---------------------------------------------------------------------------------------------
// Encoder: the methods of ValueWriter (below), whose buffer and position are fields, so a value
// appended to a message is written where it lies, with no state to swap in and out per value.
// encodeValue borrows one module-level writer (a re-entrant call gets one of its own), so
// encoding a value allocates nothing but the final copy.

const INITIAL = 8192;
const SHRINK_ABOVE = 1 << 20;

const textEncoder = new TextEncoder();

/** A long array reserves room for the rest (ValueWriter.presize) after this many elements. */
const PRESIZE_AFTER = 32;
/** The most presize reserves ahead of writing. */
const PRESIZE_MAX = 32 << 20;

/**
 * Strings from this length go to TextEncoder.encodeInto, shorter ones to a JS loop. In Node,
 * encodeInto already wins at 64 ASCII chars (2x) and by 8x at 256; in the browser the call goes
 * through Blink's bindings and costs more, so the switch is made only where it surely pays.
 */
const ENCODE_INTO_MIN = 256;

/** Internal failure carrying the path segments collected while the recursion unwinds. */
class EncodeFail {
  readonly segments: (string | number)[] = [];
  /**
   * For a nesting overflow: the containers on the path, innermost first, collected while the
   * recursion unwinds (no stack of ancestors is kept while encoding), to tell a cycle apart.
   */
  readonly containers: object[] | null;
  constructor(
    readonly reason: string,
    overflowAt?: object,
  ) {
    this.containers = overflowAt === undefined ? null : [overflowAt];
  }

  /** Adds the container that held the failing part, and the failing part's key or index in it. */
  unwound(container: object, segment: string | number): void {
    this.segments.push(segment);
    if (this.containers !== null) this.containers.push(container);
  }
}

function describe(v: object): string {
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  const name = ctor && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'exotic object';
  return `unsupported object type ${name}`;
}

/** Throws for an enumerable symbol key among `syms` (own symbol keys of `o`). */
function refuseSymbolKeys(o: object, syms: symbol[]): void {
  for (let j = 0; j < syms.length; j++) {
    if (Object.prototype.propertyIsEnumerable.call(o, syms[j]!)) throw new EncodeFail(`symbol key ${String(syms[j])} is not supported`);
  }
}

/**
 * A value already encoded by `encodeValue`: `encodeValue` copies its bytes verbatim wherever it
 * stands. The worker returns stored values this way, so a read is a copy and one decode on the
 * page instead of decode, re-encode and decode. Only for bytes that encodeValue produced.
 */
export class Encoded {
  /** The encoding of one value. */
  readonly bytes: Uint8Array;

  /** Wraps bytes produced by encodeValue. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/**
 * Builds the encoding of an array straight from bytes, for results assembled from stored
 * encodings (the values view's entries/keys/getMany): no JS value per element is made and
 * re-encoded. Each element is opened with `item()` and then written with the methods below; the
 * output is byte for byte what encodeValue gives for the equivalent array.
 */
export class EncodedArrayWriter {
  /** The current chunk of the elements' bytes (the array header is written by finish, once the count is known). */
  private w = new ValueWriter(4096);
  /** The chunks before `w`, full. */
  private readonly chunks: Uint8Array[] = [];
  /** Bytes in `chunks`. */
  private chunkBytes = 0;
  /** Elements so far. */
  count = 0;

  /** Starts the next element. */
  item(): void {
    this.count++;
    if (this.w.pos >= ARRAY_CHUNK) this.nextChunk();
  }

  /**
   * Closes the current chunk: a big listing is written in chunks and copied once, by finish(),
   * instead of doubling one buffer through it (100k entries: ~12 MB copied and ~30 MB zeroed in
   * growth alone, a fifth of the worker's time for `entries()`).
   */
  private nextChunk(): void {
    this.chunks.push(this.w.buf.subarray(0, this.w.pos));
    this.chunkBytes += this.w.pos;
    this.w = new ValueWriter(ARRAY_CHUNK + (ARRAY_CHUNK >> 3));
  }

  /** Writes an array header of `n` elements (the elements follow). */
  tuple(n: number): void {
    this.w.arrayHeader(n);
  }

  /** Writes `undefined`. */
  undefinedValue(): void {
    this.w.byte(T_UNDEFINED);
  }

  /** Writes an already encoded value: `mem[start, end)`. */
  raw(mem: Uint8Array, start: number, end: number): void {
    this.w.rawRange(mem, start, end);
  }

  /**
   * Writes the string whose WTF-8 bytes are `mem[start, end)`. ASCII is copied as it is; anything
   * else goes through a string, so it is checked and tagged exactly as encodeValue tags it
   * (throws CORRUPT for invalid WTF-8, like readWtf8).
   */
  wtf8String(mem: Uint8Array, start: number, end: number, what = 'string'): void {
    let i = start;
    while (i < end && mem[i] < 0x80) i++;
    if (i < end) {
      this.w.raw(encodeValue(readWtf8(mem, start, end, what)));
      return;
    }
    this.w.byte(T_STR);
    this.w.varint(end - start);
    this.w.raw(mem.subarray(start, end));
  }

  /** The encoding of the whole array. */
  finish(): Encoded {
    const last = this.w.buf.subarray(0, this.w.pos);
    const out = new Uint8Array(1 + varintSize(this.count) + this.chunkBytes + last.length);
    out[0] = T_ARRAY;
    let at = putVarint(out, 1, this.count);
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(last, at);
    return new Encoded(out);
  }
}

/** An EncodedArrayWriter starts a new chunk at the next element once its chunk holds this many bytes. */
const ARRAY_CHUNK = 1 << 20;

/**
 * A bump allocator for many small encodings that die together (the results of one message):
 * each is a view into a shared chunk, so encoding 100k results allocates a few chunks instead of
 * 100k ArrayBuffers. A view keeps its whole chunk alive, so use one only for short-lived bytes.
 */
export class ByteArena {
  private chunk: Uint8Array | undefined;
  private used = 0;
  /** Size of the next chunk: small first (most messages carry one call), doubling up to the max. */
  private next = 1024;

  /** An arena allocating chunks of at most `maxChunk` bytes. */
  constructor(private readonly maxChunk = 64 * 1024) {}

  /** A copy of `bytes` inside the arena. */
  copy(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    let c = this.chunk;
    if (c === undefined || n > c.length - this.used) {
      // Large values get a buffer of their own; the current chunk keeps serving small ones.
      if (n > this.maxChunk >>> 2) return bytes.slice();
      while (this.next < n) this.next *= 2;
      c = this.chunk = new Uint8Array(this.next);
      if (this.next < this.maxChunk) this.next *= 2;
      this.used = 0;
    }
    const out = c.subarray(this.used, this.used + n);
    out.set(bytes);
    this.used += n;
    return out;
  }
}

/** The BAD_VALUE error for an encoding failure (an EncodeFail); anything else is rethrown as it is. */
function encodeError(e: unknown): unknown {
  if (!(e instanceof EncodeFail)) return e;
  const segs = e.segments.reverse();
  let reason = e.reason;
  let keep = segs.length;
  if (e.containers !== null) {
    // A cycle also ends in a nesting overflow: find the first container that repeats one above
    // it on the path, so the message points at the cyclic reference.
    const path = e.containers.reverse();
    search: for (let i = 1; i < path.length; i++) {
      for (let j = 0; j < i; j++) {
        if (path[j] === path[i]) {
          reason = 'cyclic reference';
          keep = i;
          break search;
        }
      }
    }
  }
  const path = formatPath(keep < segs.length ? segs.slice(0, keep) : segs);
  return new LarderError('BAD_VALUE', `cannot encode value at ${path}: ${reason}`, { path });
}

/**
 * A growable buffer that many encodings are appended to: a message of many calls' arguments, or
 * an argument holding many values, in one allocation instead of a Uint8Array each (a typed array
 * over 64 bytes has a backing store of its own, and 100k of them cost more than the encoding).
 * `value` writes exactly the bytes encodeValue returns, so the result can be framed and decoded
 * as usual. `buf` may be replaced as it grows: read it after writing.
 *
 * The encoder is this class's private methods: each reads and writes `buf`/`pos` directly and
 * checks room before each write, and nothing is allocated per value but what the JS API forces
 * (an object's key list).
 */
export class ValueWriter {
  /** The bytes written are `buf[0, pos)`. */
  buf: Uint8Array<ArrayBuffer>;
  /** The write position. */
  pos = 0;
  private dv: DataView<ArrayBuffer>;
  /** Varint size of the last binary value's length: the guess reserved for the next one. */
  private lenGuess = 1;

  /** A writer with `capacity` bytes to start with. */
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.dv = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.grow(n);
  }

  // Kept out of room() so the check inlines into the encoder's methods and this does not.
  private grow(n: number): void {
    this.buf = withRoom(this.buf, this.pos, n);
    this.dv = new DataView(this.buf.buffer);
  }

  /**
   * Reserves room for `total - done` more items of a run, at the average size of the `done`
   * items written since `start` (plus a tenth, up to PRESIZE_MAX): one allocation for the rest of
   * a big array or call instead of doubling through it, which copied every byte written so far
   * each time and was a quarter of encoding 100k documents.
   */
  presize(start: number, done: number, total: number): void {
    if (done <= 0 || total <= done) return;
    this.room(Math.min(PRESIZE_MAX, Math.ceil(((this.pos - start) / done) * (total - done) * 1.1)));
  }

  /** Appends one byte. */
  byte(b: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  /** Appends an unsigned varint (the codec's and the wire format's, at most 2^53 - 1). */
  varint(n: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** Appends `b` as it is. */
  raw(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n <= 32) for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[i]!;
    else this.buf.set(b, this.pos);
    this.pos += n;
  }

  /** Appends the encoding of the string `s`: the bytes `value(s)` writes. */
  string(s: string): void {
    this.str(s);
  }

  /** Appends `mem[start, end)` as it is (no view of it is made). */
  rawRange(mem: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n <= 32) for (let i = 0; i < n; i++) this.buf[this.pos + i] = mem[start + i]!;
    else this.buf.set(mem.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** Appends the header of an array of `n` elements; the caller appends the elements. */
  arrayHeader(n: number): void {
    if (this.pos + 9 > this.buf.length) this.grow(9);
    this.buf[this.pos++] = T_ARRAY;
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /**
   * Appends the header of an object of `n` fields; the caller appends each field as its key
   * (objectKey) and then its value.
   */
  objectHeader(n: number): void {
    if (this.pos + 9 > this.buf.length) this.grow(9);
    this.buf[this.pos++] = T_OBJECT;
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** Appends an object field's key (its length and bytes, without a tag). */
  objectKey(k: string): void {
    this.key(k);
  }

  /**
   * Reserves room for a varint length of what is written next; `endLength` with the returned
   * mark fills it in. Room is reserved at the size the last length took, and what was written
   * moves when the length needs another size (rarely: lengths in a run tend to be alike).
   */
  beginLength(): number {
    const guess = this.lenGuess;
    if (this.pos + guess > this.buf.length) this.grow(guess);
    const at = this.pos;
    this.pos += guess;
    return at * 16 + guess;
  }

  /** Writes the length of everything appended since `beginLength` returned `mark`. */
  endLength(mark: number): void {
    const guess = mark % 16;
    const at = (mark - guess) / 16;
    const len = this.pos - at - guess;
    const size = len < 0x80 ? 1 : varintSize(len);
    if (size !== guess) {
      if (size > guess) this.room(size - guess);
      this.buf.copyWithin(at + size, at + guess, this.pos);
      this.pos += size - guess;
      this.lenGuess = size;
    }
    if (len < 0x80) this.buf[at] = len;
    else putVarint(this.buf, at, len);
  }

  /**
   * Appends the encoding of `v`: the bytes encodeValue(v) returns. Throws BAD_VALUE as encodeValue
   * does, and then leaves the writer as it was.
   */
  value(v: unknown): void {
    const start = this.pos;
    try {
      this.any(v, 0);
    } catch (e) {
      this.pos = start;
      throw encodeError(e);
    }
  }

  /**
   * Appends the encoding of the Uint8Array that encodeValue(v) returns: the same bytes as
   * `value(encodeValue(v))`, without making that Uint8Array. Throws like `value`.
   */
  encodedBytes(v: unknown): void {
    const start = this.pos;
    try {
      // T_BYTES, the length, then the value's encoding.
      if (this.pos + 1 > this.buf.length) this.grow(1);
      this.buf[this.pos++] = T_BYTES;
      const mark = this.beginLength();
      this.any(v, 0);
      this.endLength(mark);
    } catch (e) {
      this.pos = start;
      throw encodeError(e);
    }
  }

  /** A copy of `buf[start, end)`. */
  slice(start = 0, end = this.pos): Uint8Array {
    return this.buf.slice(start, end);
  }

  // ---- the encoder

  private any(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        return this.str(v);
      case 'number':
        return this.num(v);
      case 'boolean':
        return this.byte(v ? T_TRUE : T_FALSE);
      case 'undefined':
        return this.byte(T_UNDEFINED);
      case 'bigint':
        return this.bigint(v);
      case 'object': {
        if (v === null) return this.byte(T_NULL);
        if (Array.isArray(v)) return this.array(v, depth);
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) return this.object(v as Record<string, unknown>, depth);
        // First of the classes: a worker's answer can be thousands of stored documents.
        if (v instanceof Encoded) return this.raw(v.bytes);
        if (v instanceof Date) return this.f64(T_DATE, v.getTime());
        if (v instanceof Uint8Array) return this.bytes(T_BYTES, v, true);
        if (v instanceof ObjectId) return this.bytes(T_OID, v.id, false);
        throw new EncodeFail(describe(v));
      }
      case 'function':
        throw new EncodeFail('functions are not supported');
      case 'symbol':
        throw new EncodeFail('symbols are not supported');
      default:
        throw new EncodeFail(`unsupported type ${typeof v}`);
    }
  }

  /**
   * A string: T_STR, its UTF-8 byte length and bytes; T_WTF8 instead when it has lone
   * surrogates. An ASCII string under 128 characters (nearly every key, name and field value) is
   * written in one pass here; anything else goes to strBody.
   */
  private str(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      if (this.pos + n + 2 > this.buf.length) this.grow(n + 2);
      const b = this.buf;
      const p = this.pos + 2;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p + i] = c;
      }
      if (i === n) {
        b[p - 2] = T_STR;
        b[p - 1] = n;
        this.pos = p + n;
        return;
      }
    }
    const tagAt = this.pos;
    this.byte(T_STR);
    if (!this.strBody(s, false)) {
      this.pos = tagAt;
      this.byte(T_WTF8);
      this.strBody(s, true);
    }
  }

  /**
   * An object key: its byte length and UTF-8 bytes (WTF-8 for lone surrogates), no tag. ASCII
   * keys under 128 characters are written in one pass, as in str.
   */
  private key(k: string): void {
    const n = k.length;
    if (n < 0x80) {
      if (this.pos + n + 1 > this.buf.length) this.grow(n + 1);
      const b = this.buf;
      const p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = k.charCodeAt(i);
        if (c >= 0x80) break;
        b[p + i] = c;
      }
      if (i === n) {
        b[p - 1] = n;
        this.pos = p + n;
        return;
      }
    }
    this.strBody(k, true);
  }

  /**
   * Writes varint byte length + string bytes, returning false for a string with lone surrogates
   * when `allowWtf8` is false (the caller then tags it as WTF-8). Room for the worst case (3 bytes
   * per unit) is reserved, with its varint, and the bytes are moved when the length turns out
   * shorter.
   */
  private strBody(s: string, allowWtf8: boolean): boolean {
    const n = s.length;
    const maxBytes = n * 3;
    const lenSize = varintSize(maxBytes);
    if (this.pos + lenSize + maxBytes > this.buf.length) this.grow(lenSize + maxBytes);
    const b = this.buf;
    const start = this.pos + lenSize;
    let p = start;
    let i = 0;
    if (n < ENCODE_INTO_MIN) {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
    }
    if (i < n) {
      if (isWellFormed(s)) {
        p = start + textEncoder.encodeInto(s, b.subarray(start)).written;
      } else {
        if (!allowWtf8) return false;
        p = writeWtf8(s, b, start);
      }
    }
    const len = p - start;
    const actual = varintSize(len);
    if (actual !== lenSize) b.copyWithin(this.pos + actual, start, p);
    this.pos = putVarint(b, this.pos, len) + len;
    return true;
  }

  private num(x: number): void {
    // 0..127 in one byte: `(x & 0x7f) === x` holds for exactly those integers and -0, which is
    // not an integer here.
    if ((x & 0x7f) === x && (x !== 0 || 1 / x > 0)) return this.byte(T_SMALL | x);
    // Integers (not -0: +0 was taken above) as varints, everything else as a float.
    if (Number.isSafeInteger(x) && x !== 0) {
      if (this.pos + 9 > this.buf.length) this.grow(9);
      const b = this.buf;
      if (x > 0) {
        b[this.pos] = T_UINT;
        this.pos = putVarint(b, this.pos + 1, x);
      } else {
        b[this.pos] = T_NINT;
        this.pos = putVarint(b, this.pos + 1, -x);
      }
      return;
    }
    this.f64(T_F64, x);
  }

  private f64(tag: number, x: number): void {
    if (this.pos + 9 > this.buf.length) this.grow(9);
    this.buf[this.pos] = tag;
    this.dv.setFloat64(this.pos + 1, x, true);
    this.pos += 9;
  }

  private bigint(x: bigint): void {
    const neg = x < 0n;
    let hex = (neg ? -x : x).toString(16);
    if (hex === '0') hex = '';
    if (hex.length & 1) hex = '0' + hex;
    const len = hex.length >>> 1;
    if (this.pos + 9 + len > this.buf.length) this.grow(9 + len);
    const b = this.buf;
    b[this.pos] = neg ? T_BIGNEG : T_BIGPOS;
    let p = putVarint(b, this.pos + 1, len);
    for (let i = 0; i < len; i++) b[p++] = parseInt(hex.substr(2 * i, 2), 16);
    this.pos = p;
  }

  private bytes(tag: number, bytes: Uint8Array, withLength: boolean): void {
    const n = bytes.length;
    if (this.pos + 9 + n > this.buf.length) this.grow(9 + n);
    const b = this.buf;
    b[this.pos] = tag;
    const p = withLength ? putVarint(b, this.pos + 1, n) : this.pos + 1;
    b.set(bytes, p);
    this.pos = p + n;
  }

  private array(a: unknown[], depth: number): void {
    // A cycle always ends in an overflow too; encodeError tells the two apart.
    if (depth >= MAX_DEPTH) throw new EncodeFail(`nesting deeper than ${MAX_DEPTH} levels`, a);
    const n = a.length;
    this.arrayHeader(n);
    const start = this.pos;
    let i = 0;
    try {
      for (; i < n; i++) {
        if (i === PRESIZE_AFTER && n > 2 * PRESIZE_AFTER) this.presize(start, i, n);
        const x = a[i];
        if (x === undefined && !(i in a)) this.byte(T_HOLE);
        else this.any(x, depth + 1);
      }
    } catch (e) {
      if (e instanceof EncodeFail) e.unwound(a, i);
      throw e;
    }
  }

  private object(o: Record<string, unknown>, depth: number): void {
    if (depth >= MAX_DEPTH) throw new EncodeFail(`nesting deeper than ${MAX_DEPTH} levels`, o);
    const keys = Object.keys(o);
    const syms = Object.getOwnPropertySymbols(o);
    if (syms.length > 0) refuseSymbolKeys(o, syms);
    const n = keys.length;
    this.objectHeader(n);
    let k = '';
    try {
      for (let i = 0; i < n; i++) {
        k = keys[i]!;
        this.key(k);
        this.any(o[k], depth + 1);
      }
    } catch (e) {
      if (e instanceof EncodeFail) e.unwound(o, k);
      throw e;
    }
  }
}

/** The writer encodeValue uses, or null while it is in use (a getter encoding re-entrantly). */
let shared: ValueWriter | null = new ValueWriter(INITIAL);

/**
 * Encodes a value into a new Uint8Array (see the format table at the top of this file), or into
 * `arena` when given. Throws LarderError('BAD_VALUE') naming the path of the first unsupported part.
 */
export function encodeValue(v: unknown, arena?: ByteArena): Uint8Array {
  // A getter inside the value may call encodeValue again: the inner call gets a writer of its own.
  const w = shared ?? new ValueWriter(256);
  const own = w === shared;
  shared = null;
  w.pos = 0;
  try {
    w.value(v);
    return arena === undefined ? w.buf.slice(0, w.pos) : arena.copy(w.buf.subarray(0, w.pos));
  } finally {
    if (own) shared = w.buf.length > SHRINK_ABOVE ? new ValueWriter(INITIAL) : w;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder. Module-level cursor state: decoding runs no user code, so it cannot re-enter.

let src: Uint8Array = new Uint8Array(0);
// Made on first use: most values hold no float, and a DataView per decoded value is measurable
// when a message carries 100k small results.
let sdv: DataView | null = null;
let at = 0;
/** Decoded Uint8Arrays are views into `src` instead of copies (see decodeValue's `shareBytes`). */
let shareBytes = false;
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function corrupt(why: string): never {
  throw new LarderError('CORRUPT', `cannot decode value: ${why} at byte ${at}`);
}

function readUvarint(): number {
  let b = src[at];
  if (b === undefined) corrupt('truncated varint');
  at++;
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let mul = 128;
  for (let i = 1; ; i++) {
    b = src[at];
    if (b === undefined) corrupt('truncated varint');
    at++;
    result += (b & 0x7f) * mul;
    if (b < 0x80) break;
    if (i === 7) corrupt('varint too long');
    mul *= 128;
  }
  if (result > Number.MAX_SAFE_INTEGER) corrupt('varint too large');
  return result;
}

function need(n: number): void {
  if (n > src.length - at) corrupt('truncated input');
}

/** Strings up to this many bytes take the ASCII fast path in readStr. */
const SHORT_STR = 64;
/**
 * One reused code array per length (readStr): setting a shared array's length each time made V8
 * reallocate its backing store whenever a longer string followed a shorter one, a quarter of the
 * time spent building 100k records' short strings.
 */
const shortCodes: number[][] = Array.from({ length: SHORT_STR + 1 }, (_, n) => new Array<number>(n).fill(0));

/** Strings up to this many bytes are made by fewAscii. */
const FEW_CHARS = 12;

/**
 * The string of the `len` (0 to FEW_CHARS) ASCII bytes at b[p]: String.fromCharCode with the codes
 * as arguments, about twice as fast as applying it to an array of them.
 */
function fewAscii(b: Uint8Array, p: number, len: number): string {
  const f = String.fromCharCode;
  switch (len) {
    case 0: return '';
    case 1: return f(b[p]!);
    case 2: return f(b[p]!, b[p + 1]!);
    case 3: return f(b[p]!, b[p + 1]!, b[p + 2]!);
    case 4: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    case 5: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!);
    case 6: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!);
    case 7: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!);
    case 8: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    case 9: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!);
    case 10: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!);
    case 11: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!);
    default: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!, b[p + 8]!, b[p + 9]!, b[p + 10]!, b[p + 11]!);
  }
}

/**
 * Reads a varint length and that many string bytes. `wtf8` says the bytes may hold encoded lone
 * surrogates: tagged WTF-8 strings go straight to the strict WTF-8 reader; object keys (untagged)
 * try TextDecoder first and fall back to it, since almost every key is plain UTF-8.
 */
function readStr(wtf8: 'no' | 'maybe' | 'yes'): string {
  const len = readUvarint();
  need(len);
  const start = at;
  const end = start + len;
  at = end;
  if (wtf8 === 'yes') return readWtf8(src, start, end);
  if (len <= FEW_CHARS) {
    // The commonest strings (ids, names, tags): the codes passed as arguments, no array at all.
    let i = start;
    while (i < end && src[i]! < 0x80) i++;
    if (i === end) return fewAscii(src, start, len);
  } else if (len <= SHORT_STR) {
    // Short ASCII strings: the codes gathered in a reused array and made into one string at once
    // beat a TextDecoder call, and unlike `s += char` leave no intermediate string per char.
    const codes = shortCodes[len]!;
    let i = 0;
    for (; i < len; i++) {
      const c = src[start + i]!;
      if (c >= 0x80) break;
      codes[i] = c;
    }
    if (i === len) return String.fromCharCode.apply(null, codes);
  }
  try {
    return textDecoder.decode(src.subarray(start, end));
  } catch {
    if (wtf8 === 'maybe') return readWtf8(src, start, end, 'object key');
    at = start;
    return corrupt('invalid UTF-8');
  }
}

// Object keys repeat across documents: a cache of their strings lets a repeated key skip string
// building and reuse an already-internalised string, which also makes the property store faster.
// (A cache for short string values too, tags and cities, measured slower in Chromium: hashing
// every value string cost more than the strings it saved.)
const KEY_CACHE_MAX_LEN = 24;
const keyCache = new StringCache(4096, KEY_CACHE_MAX_LEN);
/**
 * The last key read at each place (field i of an object at nesting depth d, both folded into a
 * few bits): documents of one shape repeat their keys at the same places, so a key is first
 * compared with the one read there last, and only a different one is hashed for keyCache.
 */
const placeCache = new StringCache(256, KEY_CACHE_MAX_LEN);

/** The key of field `i` of an object at nesting `depth`. */
function readKey(depth: number, i: number): string {
  const len = src[at];
  if (len === undefined || len === 0 || len > KEY_CACHE_MAX_LEN || len + 1 > src.length - at) return readStr('maybe');
  const start = at + 1;
  const end = start + len;
  const place = ((depth & 7) << 5) | (i & 31);
  const same = placeCache.get(place, src, start, end);
  if (same !== undefined) {
    at = end;
    return same;
  }
  const slot = keyCache.slot(src, start, end);
  let k = keyCache.get(slot, src, start, end);
  if (k !== undefined) at = end;
  else {
    k = readStr('maybe');
    keyCache.set(slot, src, start, end, k);
  }
  placeCache.set(place, src, start, end, k);
  return k;
}

function readF64(): number {
  need(8);
  if (sdv === null) sdv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const x = sdv.getFloat64(at, true);
  at += 8;
  return x;
}

function readBigInt(neg: boolean): bigint {
  const len = readUvarint();
  need(len);
  if (len === 0) {
    if (neg) corrupt('negative zero bigint');
    return 0n;
  }
  if (src[at] === 0) corrupt('non-canonical bigint');
  let hex = '';
  for (let i = 0; i < len; i++) {
    const x = src[at + i]!;
    hex += (x < 16 ? '0' : '') + x.toString(16);
  }
  at += len;
  const m = BigInt('0x' + hex);
  return neg ? -m : m;
}

/**
 * Arrays up to this length are allocated at their size; longer ones grow by push (`new Array(n)`
 * of a large n makes a slow dictionary-mode array).
 */
const EXACT_ARRAY = 64;

function defineOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

function decodeAny(depth: number): unknown {
  const tag = src[at];
  if (tag === undefined) corrupt('truncated input');
  at++;
  if (tag >= T_SMALL) return tag & 0x7f;
  switch (tag) {
    case T_NULL:
      return null;
    case T_UNDEFINED:
      return undefined;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_UINT:
      return readUvarint();
    case T_NINT: {
      const m = readUvarint();
      if (m === 0) corrupt('negative zero integer');
      return -m;
    }
    case T_F64:
      return readF64();
    case T_STR:
      return readStr('no');
    case T_WTF8:
      return readStr('yes');
    case T_BIGPOS:
    case T_BIGNEG:
      return readBigInt(tag === T_BIGNEG);
    case T_DATE: {
      const ms = readF64();
      // new Date() would silently clip an out-of-range time to an invalid Date: refuse instead.
      if (!Number.isNaN(ms) && !(Number.isInteger(ms) && Math.abs(ms) <= MAX_DATE_MS) || Object.is(ms, -0)) corrupt('invalid Date time value');
      return new Date(ms);
    }
    case T_BYTES: {
      const n = readUvarint();
      need(n);
      // slice, not subarray, unless the caller owns the source for good (shareBytes): it may be
      // a view of wasm memory that is reused.
      const out = shareBytes ? src.subarray(at, at + n) : src.slice(at, at + n);
      at += n;
      return out;
    }
    case T_OID: {
      need(12);
      const id = new ObjectId(src.subarray(at, at + 12));
      at += 12;
      return id;
    }
    case T_ARRAY: {
      if (depth >= MAX_DEPTH) corrupt('nesting too deep');
      const n = readUvarint();
      need(n); // every element takes at least one byte: refuse absurd lengths before allocating
      if (n <= EXACT_ARRAY) {
        // Allocated at its size: `[]` grows to 17 slots on its first push, and a short array
        // (a document's tags) kept 4x the memory it needs, all of it copied by every GC.
        const a: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) {
          if (src[at] === T_HOLE) at++; // leave the slot empty
          else a[i] = decodeAny(depth + 1);
        }
        return a;
      }
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (src[at] === T_HOLE) {
          at++;
          a.length = i + 1; // leave the slot empty
        } else {
          a.push(decodeAny(depth + 1));
        }
      }
      return a;
    }
    case T_OBJECT: {
      if (depth >= MAX_DEPTH) corrupt('nesting too deep');
      const n = readUvarint();
      need(2 * n);
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = readKey(depth, i);
        const v = decodeAny(depth + 1);
        // `o.__proto__ = v` would call the inherited setter and replace the prototype.
        if (k === '__proto__') defineOwn(o, k, v);
        else o[k] = v;
      }
      return o;
    }
    default:
      return corrupt(`unknown tag 0x${tag.toString(16)}`);
  }
}

/**
 * Decodes bytes made by encodeValue. Throws LarderError('CORRUPT') for anything that is not
 * exactly one well-formed encoded value (including trailing bytes); never any other error.
 *
 * With `shareBytes`, decoded Uint8Arrays are views into `bytes` rather than copies: one
 * allocation less per binary value, for a caller that owns `bytes` and never changes or reuses
 * it (the worker decoding a message it received). Such a view keeps all of `bytes` alive.
 */
export function decodeValue(bytes: Uint8Array, opts?: { shareBytes?: boolean }): unknown {
  if (!(bytes instanceof Uint8Array)) throw new LarderError('BAD_VALUE', 'decodeValue expects a Uint8Array');
  return decodeRange(bytes, 0, bytes.length, opts?.shareBytes === true);
}

/**
 * Decodes the one encoded value that is exactly `bytes[start, end)` (a value framed inside a
 * larger buffer, such as a result in a packed reply) without making a view of it. Throws
 * LarderError('CORRUPT') as decodeValue does; decoded Uint8Arrays are copies.
 */
export function decodeValueAt(bytes: Uint8Array, start: number, end: number): unknown {
  if (!(bytes instanceof Uint8Array)) throw new LarderError('BAD_VALUE', 'decodeValueAt expects a Uint8Array');
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.length)) {
    throw new LarderError('BAD_VALUE', 'decodeValueAt: bad range');
  }
  return decodeRange(bytes, start, end, false);
}

function decodeRange(bytes: Uint8Array, start: number, end: number, share: boolean): unknown {
  const prevSrc = src;
  const prevDv = sdv;
  const prevAt = at;
  const prevShare = shareBytes;
  src = bytes;
  sdv = null;
  at = start;
  shareBytes = share;
  try {
    // A value that runs past `end` (into the bytes after it) ends elsewhere: caught here too.
    const v = decodeAny(0);
    if (at !== end) corrupt(at < end ? 'trailing bytes' : 'truncated input');
    return v;
  } finally {
    src = prevSrc;
    sdv = prevDv;
    at = prevAt;
    shareBytes = prevShare;
  }
}

/**
 * Reads `[[[key, bytes], ...]]` (one argument: string keys paired with binary values, the way
 * the page sends setMany) without decoding it: returns where each pair's key bytes and value
 * bytes lie in `bytes`, four offsets per pair (key start, key end, value start, value end), with
 * no string, array or view per entry. Returns undefined unless every key is an ASCII string of
 * at most `maxKeyBytes` bytes, every value binary, and nothing else is there: the caller then
 * decodes as usual, which also reports whatever is wrong.
 */
export function keyBytePairOffsets(bytes: Uint8Array, maxKeyBytes: number): Uint32Array | undefined {
  const prevSrc = src;
  const prevDv = sdv;
  const prevAt = at;
  src = bytes;
  sdv = null;
  at = 0;
  try {
    if (src[at++] !== T_ARRAY || readUvarint() !== 1 || src[at++] !== T_ARRAY) return undefined;
    const n = readUvarint();
    need(n);
    const out = new Uint32Array(4 * n);
    for (let i = 0; i < 4 * n; i += 4) {
      if (src[at] !== T_ARRAY || src[at + 1] !== 2 || src[at + 2] !== T_STR) return undefined;
      at += 3;
      const kl = readUvarint();
      if (kl > maxKeyBytes) return undefined;
      need(kl);
      for (let j = at; j < at + kl; j++) if (src[j]! >= 0x80) return undefined;
      out[i] = at;
      at += kl;
      out[i + 1] = at;
      if (src[at++] !== T_BYTES) return undefined;
      const vl = readUvarint();
      need(vl);
      out[i + 2] = at;
      at += vl;
      out[i + 3] = at;
    }
    return at === src.length ? out : undefined;
  } catch {
    return undefined; // malformed: the ordinary decode reports it
  } finally {
    src = prevSrc;
    sdv = prevDv;
    at = prevAt;
  }
}

// ---------------------------------------------------------------------------------------------
// Partial decoding: a query's filter reads a few top-level fields of each document it tests, and
// decoding the rest (strings, arrays, sub-documents it never looks at) was most of a collection
// scan's time. These read only the named fields and skip the others' bytes.

/** Top-level field names to decode, prepared once per query (see fieldSelector). */
export interface FieldSelector {
  /** The names. */
  readonly names: readonly string[];
  /** Each name as an object key is stored: varint byte length, then its UTF-8/WTF-8 bytes. */
  readonly keys: readonly Uint8Array[];
}

/** A selector for the top-level fields `names` (duplicates ignored). */
export function fieldSelector(names: Iterable<string>): FieldSelector {
  const uniq = [...new Set(names)];
  // A string's encoding is its tag then exactly the bytes an object key is stored as.
  return { names: uniq, keys: uniq.map((n) => encodeValue(n).subarray(1)) };
}

/** Advances past one encoded value without building it. */
function skipAny(depth: number): void {
  const tag = src[at];
  if (tag === undefined) corrupt('truncated input');
  at++;
  if (tag >= T_SMALL) return;
  switch (tag) {
    case T_NULL:
    case T_UNDEFINED:
    case T_FALSE:
    case T_TRUE:
    case T_HOLE:
      return;
    case T_UINT:
    case T_NINT:
      readUvarint();
      return;
    case T_F64:
    case T_DATE:
      need(8);
      at += 8;
      return;
    case T_STR:
    case T_WTF8:
    case T_BIGPOS:
    case T_BIGNEG:
    case T_BYTES: {
      const n = readUvarint();
      need(n);
      at += n;
      return;
    }
    case T_OID:
      need(12);
      at += 12;
      return;
    case T_ARRAY: {
      if (depth >= MAX_DEPTH) corrupt('nesting too deep');
      const n = readUvarint();
      need(n);
      for (let i = 0; i < n; i++) skipAny(depth + 1);
      return;
    }
    case T_OBJECT: {
      if (depth >= MAX_DEPTH) corrupt('nesting too deep');
      const n = readUvarint();
      need(2 * n);
      for (let i = 0; i < n; i++) {
        const kl = readUvarint();
        need(kl);
        at += kl;
        skipAny(depth + 1);
      }
      return;
    }
    default:
      corrupt(`unknown tag 0x${tag.toString(16)}`);
  }
}

/**
 * Decodes only the top-level fields `sel` names of the encoded plain object in
 * `bytes[start, end)`, skipping every other field's bytes: an object with just those of them the
 * document has, each decoded whole (as decodeValue would). Undefined when the value is not an
 * object. `bytes` may be a view of engine memory: nothing returned refers to it (binary values
 * and ObjectIds are copies). It stops once every named field is found, so bytes after that are
 * not checked: use decodeValue for a value that must be validated in full.
 */
export function decodeFields(bytes: Uint8Array, start: number, end: number, sel: FieldSelector): Record<string, unknown> | undefined {
  if (bytes[start] !== T_OBJECT) return undefined;
  const prevSrc = src;
  const prevDv = sdv;
  const prevAt = at;
  const prevShare = shareBytes;
  // Read `bytes` in place (a subarray per document was a measurable share of a scan); reads past
  // `end` stay within `bytes` and are caught after the walk.
  src = bytes;
  sdv = bytes === fieldsDvSrc ? fieldsDv : null;
  at = start + 1;
  shareBytes = false;
  try {
    const keys = sel.keys;
    const nk = keys.length;
    const o: Record<string, unknown> = {};
    let left = nk;
    const n = readUvarint();
    for (let i = 0; i < n && left > 0; i++) {
      let which = -1;
      for (let j = 0; j < nk; j++) {
        const k = keys[j]!;
        const kl = k.length;
        let b = 0;
        while (b < kl && src[at + b] === k[b]) b++;
        if (b === kl) { which = j; break; }
      }
      if (which < 0) {
        const kl = readUvarint();
        at += kl;
        skipAny(1);
        continue;
      }
      at += keys[which]!.length;
      const name = sel.names[which]!;
      const v = decodeAny(1);
      if (name === '__proto__') defineOwn(o, name, v);
      else o[name] = v;
      left--;
    }
    if (at > end) corrupt('truncated input');
    return o;
  } finally {
    if (sdv !== null) { fieldsDv = sdv; fieldsDvSrc = bytes; }
    src = prevSrc;
    sdv = prevDv;
    at = prevAt;
    shareBytes = prevShare;
  }
}

// decodeFields reads many documents in place in one buffer (engine memory): one DataView for it.
let fieldsDv: DataView | null = null;
let fieldsDvSrc: Uint8Array | null = null;

/** locatePath's answer when a part of the path is absent, or the path runs into a scalar. */
export const PATH_MISSING = -1;
/** locatePath's answer when the path runs into an array before its last part (MongoDB then looks into every element). */
export const PATH_THROUGH_ARRAY = -2;

/**
 * Where the value at a dotted path of the encoded document bytes[start, end) begins (the offset
 * of its tag), without decoding anything: each of `path`'s parts is an object key as stored (see
 * FieldSelector.keys) looked up in the object the previous part reached. PATH_MISSING when a part
 * is absent or the path runs into anything but an object (MongoDB's missing), PATH_THROUGH_ARRAY
 * when it runs into an array first. Throws CORRUPT on malformed bytes before the value (the
 * value itself is checked by whatever reads it).
 */
export function locatePath(bytes: Uint8Array, start: number, end: number, path: readonly Uint8Array[]): number {
  let pos = start;
  for (let p = 0; p < path.length; p++) {
    const tag = bytes[pos];
    if (tag === T_ARRAY) return PATH_THROUGH_ARRAY;
    if (tag !== T_OBJECT) return PATH_MISSING;
    const k = path[p]!;
    const kl = k.length;
    // The field count, then each field: its key (varint byte length, bytes), its value.
    let n = bytes[pos + 1]!;
    pos += 2;
    if (n >= 0x80) {
      pos = skipped(bytes, pos - 1, -1);
      n = lastVarint;
    }
    let found = false;
    for (let i = 0; i < n; i++) {
      let b = 0;
      while (b < kl && bytes[pos + b] === k[b]) b++;
      if (b === kl) {
        pos += kl;
        found = true;
        break;
      }
      // A key under 128 bytes and the usual scalars are skipped here; anything else by skipAny.
      const len = bytes[pos]!;
      if (len < 0x80) pos += 1 + len;
      else pos = skipped(bytes, pos, -1) + lastVarint;
      const t = bytes[pos]!;
      if (t >= T_SMALL || t <= T_TRUE) pos += 1;
      else if (t === T_STR && bytes[pos + 1]! < 0x80) pos += 2 + bytes[pos + 1]!;
      else if (t === T_F64 || t === T_DATE) pos += 9;
      else pos = skipped(bytes, pos, 1);
      if (pos > end) corrupt('truncated input');
    }
    if (!found) return PATH_MISSING;
  }
  if (pos >= end) corrupt('truncated input');
  return pos;
}

/** The varint skipped() read last, when it read one. */
let lastVarint = 0;

/**
 * The offset just past what starts at bytes[pos]: one value (skipAny) when `depth` > 0; one varint
 * when it is -1 (its value in lastVarint). Runs the codec's own reader, so it checks what it skips.
 */
function skipped(bytes: Uint8Array, pos: number, depth: number): number {
  const prevSrc = src;
  const prevAt = at;
  src = bytes;
  at = pos;
  try {
    if (depth < 0) lastVarint = readUvarint();
    else skipAny(depth);
    return at;
  } finally {
    src = prevSrc;
    at = prevAt;
  }
}

/**
 * The number encoded at bytes[off] (a value's tag, as locatePath finds it): small, varint and
 * float numbers; undefined for any other type, a bigint included.
 */
export function numberAt(bytes: Uint8Array, off: number): number | undefined {
  const tag = bytes[off]!;
  if (tag >= T_SMALL) return tag & 0x7f;
  if (tag === T_F64) {
    if (off + 9 > bytes.length) corrupt('truncated input');
    if (numberDvSrc !== bytes) {
      numberDv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      numberDvSrc = bytes;
    }
    return numberDv!.getFloat64(off + 1, true);
  }
  if (tag !== T_UINT && tag !== T_NINT) return undefined;
  const prevSrc = src;
  const prevAt = at;
  src = bytes;
  at = off + 1;
  try {
    const m = readUvarint();
    return tag === T_NINT ? -m : m;
  } finally {
    src = prevSrc;
    at = prevAt;
  }
}

// numberAt reads many documents in place in one buffer (engine memory): one DataView for it.
let numberDv: DataView | null = null;
let numberDvSrc: Uint8Array | null = null;
