/**
 * The packed form of a message: all of a message's calls (or all of its results) in ONE
 * Uint8Array. Posting a list of 100,000 `{ t, m, a }` objects makes the browser clone 100,000
 * objects and 100,000 ArrayBuffers each way (hundreds of ms); one buffer clones as one memcpy.
 *
 * Every part is length-framed, so each call's arguments and each call's result are still their
 * own value-codec encoding: a result that does not decode fails its own call only, as before.
 *
 * Calls:   'L' 0x01 varint(n), then per call: str(t) str(m) varint(tx + 1, 0 = none) varint(len) args
 * Results: 'L' 0x02 varint(n), then per result: u8 ok (1/0) varint(len) bytes
 *          (ok: the result's encoding; error: the encoding of its WireError)
 * str = varint(byte length) + WTF-8 bytes. Varints are unsigned LEB128, at most 2^53 - 1.
 */
import { StringCache } from '../codec/string-cache.js';
import { Encoded, ValueWriter, decodeValue, encodeValue } from '../codec/value.js';
import { T_UNDEFINED } from '../codec/tags.js';
import { putVarint, varintSize } from '../codec/varint.js';
import { readWtf8, writeWtf8 } from '../codec/wtf8.js';
import { LarderError } from '../errors.js';
import type { Call, WireError, WireResult } from './protocol.js';

const MAGIC = 0x4c; // 'L'
const KIND_CALLS = 1;
const KIND_RESULTS = 2;

/** Target and method names repeat: their bytes are made once. */
const nameCache = new Map<string, Uint8Array>();

function nameBytes(s: string): Uint8Array {
  let b = nameCache.get(s);
  if (b === undefined) {
    const tmp = new Uint8Array(s.length * 3);
    b = tmp.slice(0, writeWtf8(s, tmp, 0));
    if (nameCache.size < 1024) nameCache.set(s, b);
  }
  return b;
}

/** A bounds-checked reader; any malformation is CORRUPT. */
class Reader {
  p = 2;
  constructor(readonly b: Uint8Array) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const x = this.b[this.p++];
      if (x === undefined) throw bad('truncated');
      result += (x & 0x7f) * mul;
      if (x < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw bad('varint too large');
        return result;
      }
      mul *= 128;
    }
    throw bad('varint too long');
  }

  span(): number {
    const n = this.varint();
    if (n > this.b.length - this.p) throw bad('truncated');
    const start = this.p;
    this.p += n;
    return start;
  }

  str(): string {
    const start = this.span();
    const b = this.b;
    const end = this.p;
    const n = end - start;
    if (n <= 32) {
      // Names repeat (every call of a message may be `kv.cmd`): the last string made for these
      // bytes is reused, so 100k calls share two strings instead of holding 200k.
      const slot = readNames.slot(b, start, end);
      const hit = readNames.get(slot, b, start, end);
      if (hit !== undefined) return hit;
      let s = '';
      let i = start;
      for (; i < end && b[i] < 0x80; i++) s += String.fromCharCode(b[i]);
      if (i === end) {
        readNames.set(slot, b, start, end, s);
        return s;
      }
    }
    return readWtf8(b, start, end, 'name');
  }
}

/** The strings of recently read ASCII names (see Reader.str). */
const readNames = new StringCache(64, 32);

function bad(why: string): LarderError {
  return new LarderError('CORRUPT', `malformed packed message: ${why}`);
}

/** True when `x` is a packed message of the given kind. */
function isPacked(x: unknown, kind: number): x is Uint8Array {
  return x instanceof Uint8Array && x.length >= 3 && x[0] === MAGIC && x[1] === kind;
}

/**
 * Packs calls whose `a` is already encoded (Uint8Array). Returns undefined when a call does not
 * fit the packed form (unencoded arguments, a transaction id that is not a small integer): the
 * caller then sends the list as it is.
 */
export function packCalls(calls: Call[]): Uint8Array | undefined {
  let size = 2 + varintSize(calls.length);
  for (const c of calls) {
    if (!(c.a instanceof Uint8Array)) return undefined;
    if (c.tx !== undefined && !(Number.isSafeInteger(c.tx) && c.tx >= 0 && c.tx < Number.MAX_SAFE_INTEGER)) return undefined;
    const t = nameBytes(c.t);
    const m = nameBytes(c.m);
    const tx = c.tx === undefined ? 0 : c.tx + 1;
    size += varintSize(t.length) + t.length + varintSize(m.length) + m.length + varintSize(tx) + varintSize(c.a.length) + c.a.length;
  }
  const out = new Uint8Array(size);
  out[0] = MAGIC;
  out[1] = KIND_CALLS;
  let p = putVarint(out, 2, calls.length);
  for (const c of calls) {
    const a = c.a as Uint8Array;
    const t = nameBytes(c.t);
    const m = nameBytes(c.m);
    p = putVarint(out, p, t.length);
    out.set(t, p);
    p += t.length;
    p = putVarint(out, p, m.length);
    out.set(m, p);
    p += m.length;
    p = putVarint(out, p, c.tx === undefined ? 0 : c.tx + 1);
    p = putVarint(out, p, a.length);
    out.set(a, p);
    p += a.length;
  }
  return out;
}

/**
 * Appends the head of one call to a message being built in `w`: str(t) str(m) varint(txPlusOne)
 * (0 = no transaction). The caller then appends varint(length) and the call's argument bytes:
 * see CallQueue, which writes each call this way as it is made, and packCallsFrom.
 */
export function writeCallHead(w: ValueWriter, t: string, m: string, txPlusOne: number): void {
  const tb = nameBytes(t);
  const mb = nameBytes(m);
  w.varint(tb.length);
  w.raw(tb);
  w.varint(mb.length);
  w.raw(mb);
  w.varint(txPlusOne);
}

/** A packed message of `n` calls whose framed bytes (see writeCallHead) are `body`. */
export function packCallsFrom(n: number, body: Uint8Array): Uint8Array {
  const head = 2 + varintSize(n);
  const out = new Uint8Array(head + body.length);
  out[0] = MAGIC;
  out[1] = KIND_CALLS;
  putVarint(out, 2, n);
  out.set(body, head);
  return out;
}

/** True when `x` is a packed list of calls. */
export function isPackedCalls(x: unknown): x is Uint8Array {
  return isPacked(x, KIND_CALLS);
}

/** The calls of a packed message; each `a` is a view into `bytes`. Throws CORRUPT when malformed. */
export function unpackCalls(bytes: Uint8Array): Call[] {
  const c = MessageCalls.fromPacked(bytes);
  const calls: Call[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) calls[i] = c.call(i);
  return calls;
}

/**
 * The calls of one message, as the worker runs them: names and transaction per call, and where
 * each call's encoded arguments lie, with no object or view per call until `call(i)` asks for one
 * (a run of 100k `values.get` is served from the offsets: see View.packedRuns).
 */
export class MessageCalls {
  /** Call i's target and method (strings, in a well-formed message). */
  readonly t: unknown[];
  readonly m: unknown[];
  /** Call i's transaction id + 1, 0 for none (packed messages only; a list has call(i).tx). */
  readonly txPlusOne: Float64Array;
  /** Call i's encoded arguments are `bytes[starts[i], ends[i])` (packed messages only). */
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;

  private constructor(
    /** The packed message, or null for a list of calls. */
    readonly bytes: Uint8Array | null,
    readonly length: number,
    private readonly list: Call[] | null,
  ) {
    this.t = new Array(length);
    this.m = new Array(length);
    const packed = bytes !== null ? length : 0;
    this.txPlusOne = new Float64Array(packed);
    this.starts = new Uint32Array(packed);
    this.ends = new Uint32Array(packed);
  }

  /** A list of calls as it came (not packed: every call runs the general way). */
  static fromList(calls: Call[]): MessageCalls {
    const c = new MessageCalls(null, calls.length, calls);
    for (let i = 0; i < calls.length; i++) {
      c.t[i] = calls[i]?.t;
      c.m[i] = calls[i]?.m;
    }
    return c;
  }

  /** The calls of a packed message, checked whole before any runs. Throws CORRUPT when malformed. */
  static fromPacked(bytes: Uint8Array): MessageCalls {
    const r = new Reader(bytes);
    const n = r.varint();
    if (n > bytes.length) throw bad('call count');
    const c = new MessageCalls(bytes, n, null);
    for (let i = 0; i < n; i++) {
      c.t[i] = r.str();
      c.m[i] = r.str();
      c.txPlusOne[i] = r.varint();
      if (r.p > 0xffffffff) throw bad('message too large');
      c.starts[i] = r.span();
      c.ends[i] = r.p;
    }
    if (r.p !== bytes.length) throw bad('trailing bytes');
    return c;
  }

  /** Call i as an object; a packed call's `a` is a view into the message. */
  call(i: number): Call {
    if (this.list !== null) return this.list[i];
    const t = this.t[i] as string;
    const m = this.m[i] as string;
    const a = this.bytes!.subarray(this.starts[i], this.ends[i]);
    const tx = this.txPlusOne[i];
    return tx === 0 ? { t, m, a } : { t, m, a, tx: tx - 1 };
  }
}

/**
 * Packs results. Returns undefined when an error cannot be encoded with the value codec (its
 * `details` hold something exotic): the caller then sends the list as it is.
 */
export function packResults(results: WireResult[]): Uint8Array | undefined {
  const parts: Uint8Array[] = new Array(results.length);
  let size = 2 + varintSize(results.length);
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    let b: Uint8Array;
    if (r[0] === 1) b = r[1];
    else {
      try {
        b = encodeValue(r[1]);
      } catch {
        return undefined;
      }
    }
    parts[i] = b;
    size += 1 + varintSize(b.length) + b.length;
  }
  const out = new Uint8Array(size);
  out[0] = MAGIC;
  out[1] = KIND_RESULTS;
  let p = putVarint(out, 2, results.length);
  for (let i = 0; i < results.length; i++) {
    const b = parts[i];
    out[p++] = results[i][0];
    p = putVarint(out, p, b.length);
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** A one-call message's result of at least this many bytes skips the writer (ResultsWriter.direct). */
const DIRECT_RESULT = 64 * 1024;

/**
 * Gathers a message's results, in call order, straight into their packed form: no array, arena
 * copy or view per result, and no second pass to pack them. Should a result need changing after
 * it was written (a failed commit, txBegin's id), or an error not encode, the results so far
 * become a list (`list()`) and stay one: rare paths, and they end as packResults would.
 *
 * A message that is answered in one synchronous step may write into a writer shared by every
 * such message (`shared`), and `seal()` copies its results out before anything else can use that
 * writer: the copy finish() made anyway, without a buffer, a DataView and a growth per message
 * (about a microsecond of a point read's worker time in Chromium).
 */
export class ResultsWriter {
  private readonly w: ValueWriter;
  /** The results, copied out of the shared writer by seal(); nothing is written after it. */
  private sealed: Uint8Array<ArrayBuffer> | null = null;
  /** The results as a list, once the packed form was given up (see class comment). */
  private asList: WireResult[] | null = null;
  /** Results written. */
  count = 0;
  /** Where the first result starts in `w`. */
  private readonly bodyStart: number;

  /** A writer for the results of `n` calls, into `shared` (emptied first) when given: see seal(). */
  constructor(private readonly n: number, shared?: ValueWriter) {
    if (shared !== undefined) shared.pos = 0;
    this.w = shared ?? new ValueWriter(n > 1 ? 4096 : 64);
    this.w.byte(MAGIC);
    this.w.byte(KIND_RESULTS);
    this.w.varint(n);
    this.bodyStart = this.w.pos;
  }

  /** The next result is the encoding `mem[start, end)`. */
  encoded(mem: Uint8Array, start: number, end: number): void {
    if (this.sealed !== null) throw sealedError();
    this.count++;
    if (this.asList !== null) {
      this.asList.push([1, mem.slice(start, end)]);
      return;
    }
    if (this.n === 1 && end - start >= DIRECT_RESULT) return this.direct(mem, start, end);
    const w = this.w;
    w.byte(1);
    w.varint(end - start);
    w.rawRange(mem, start, end);
    // Room for the rest at the size of the first results: no doubling through 100k of them.
    if (this.count === PRESIZE_AFTER) w.presize(this.bodyStart, PRESIZE_AFTER, this.n);
  }

  /**
   * The one result of a one-call message, when big (a listing): copied once, into the exact-size
   * buffer finish() returns, instead of into the writer (growing it) and out again by seal().
   */
  private direct(mem: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const out = new Uint8Array(this.bodyStart + 1 + varintSize(n) + n);
    out.set(this.w.buf.subarray(0, this.bodyStart));
    out[this.bodyStart] = 1;
    out.set(mem.subarray(start, end), putVarint(out, this.bodyStart + 1, n));
    this.sealed = out;
  }

  /** The next result is undefined. */
  undefined(): void {
    this.encoded(UNDEFINED_BYTES, 0, 1);
  }

  /**
   * The next result is `v`, encoded with the value codec (an Encoded as its bytes). A value the
   * codec cannot carry throws, with nothing written: the caller reports it as the call's error.
   */
  value(v: unknown): void {
    if (v === undefined) return this.undefined();
    if (v instanceof Encoded) return this.encoded(v.bytes, 0, v.bytes.length);
    if (this.sealed !== null) throw sealedError();
    if (this.asList !== null) {
      const b = encodeValue(v);
      this.count++;
      this.asList.push([1, b]);
      return;
    }
    const w = this.w;
    const mark = w.pos;
    w.byte(1);
    const len = w.beginLength();
    try {
      w.value(v);
    } catch (e) {
      w.pos = mark;
      throw e;
    }
    w.endLength(len);
    this.count++;
  }

  /** The next result is an error. */
  error(e: WireError): void {
    if (this.sealed !== null) throw sealedError();
    if (this.asList === null) {
      const w = this.w;
      const mark = w.pos;
      w.byte(0);
      const len = w.beginLength();
      try {
        w.value(e);
        w.endLength(len);
        this.count++;
        return;
      } catch {
        // Details the codec cannot carry: the results go as a list (see packResults).
        w.pos = mark;
        this.list();
      }
    }
    this.asList!.push([0, e]);
    this.count++;
  }

  /** The results as a list, to read or change in place; from now on the writer keeps a list. */
  list(): WireResult[] {
    if (this.asList === null) {
      const body = this.sealed ?? this.w.buf.subarray(0, this.w.pos);
      // The header's count is the final one; the results so far are rewritten under their own.
      const head = new ValueWriter(16);
      head.byte(MAGIC);
      head.byte(KIND_RESULTS);
      head.varint(this.count);
      const bytes = new Uint8Array(head.pos + body.length - this.bodyStart);
      bytes.set(head.buf.subarray(0, head.pos));
      bytes.set(body.subarray(this.bodyStart), head.pos);
      this.asList = unpackResults(bytes);
    }
    return this.asList;
  }

  /**
   * Copies the results out of the writer, which may then serve another message; the results are
   * complete (nothing more is written). For a writer made with `shared`, before the caller awaits.
   */
  seal(): void {
    if (this.sealed !== null || this.asList !== null) return;
    this.sealed = this.w.buf.slice(0, this.w.pos);
  }

  /** The packed results (or the list, when they could not be packed). */
  finish(): Uint8Array | WireResult[] {
    if (this.count !== this.n) throw new LarderError('INTERNAL', `${this.count} results for ${this.n} calls`);
    if (this.asList !== null) return packResults(this.asList) ?? this.asList;
    // An exact-size buffer: posting a view would clone the writer's whole buffer.
    return this.sealed ?? this.w.buf.slice(0, this.w.pos);
  }
}

function sealedError(): LarderError {
  return new LarderError('INTERNAL', 'a result was written after the results were sealed');
}

/** After how many results ResultsWriter sizes its buffer for all of them. */
const PRESIZE_AFTER = 32;

/** The encoding of undefined. */
const UNDEFINED_BYTES = new Uint8Array([T_UNDEFINED]);

/** True when `x` is a packed list of results. */
export function isPackedResults(x: unknown): x is Uint8Array {
  return isPacked(x, KIND_RESULTS);
}

/**
 * Where each result of a packed message lies: for result i, `[3i]` is its status (1 ok, 0 error)
 * and `[3i + 1, 3i + 2)` the range of its encoding in `bytes` (decode it with decodeValueAt).
 * No view or array per result. Throws CORRUPT when the framing is malformed.
 */
export function resultSpans(bytes: Uint8Array): Float64Array {
  const r = new Reader(bytes);
  const n = r.varint();
  if (n > bytes.length) throw bad('result count');
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const ok = bytes[r.p++];
    if (ok !== 0 && ok !== 1) throw bad('result status');
    const start = r.span();
    out[3 * i] = ok;
    out[3 * i + 1] = start;
    out[3 * i + 2] = r.p;
  }
  if (r.p !== bytes.length) throw bad('trailing bytes');
  return out;
}

/**
 * The results of a packed message: `[1, view of the result's encoding]` or `[0, WireError]`.
 * Throws CORRUPT when the framing is malformed.
 */
export function unpackResults(bytes: Uint8Array): WireResult[] {
  const r = new Reader(bytes);
  const n = r.varint();
  if (n > bytes.length) throw bad('result count');
  const out: WireResult[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ok = bytes[r.p++];
    const start = r.span();
    if (ok === 1) out[i] = [1, bytes.subarray(start, r.p)];
    else if (ok === 0) out[i] = [0, decodeValue(bytes.subarray(start, r.p)) as WireError];
    else throw bad('result status');
  }
  if (r.p !== bytes.length) throw bad('trailing bytes');
  return out;
}
