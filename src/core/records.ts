/**
 * Record lists: the engine's own batch format, `count` records `[klen u32][vlen u32][key][value]`
 * (little-endian lengths), the bytes the Table and the Tree copy into scratch for a batched put.
 * A bulk write built as one record list crosses into the engine with one copy per chunk and no
 * JavaScript object per entry (a 100k-entry setMany spent most of its worker time making and
 * collecting per-entry arrays).
 */
import { withRoom } from '../bytes.js';
import { LarderError } from '../errors.js';
import { MAX_KEY, MAX_VALUE } from './status.js';

/** Bytes of a record's header. */
export const RECORD_HEADER = 8;

/** A record list and the number of records in it. */
export interface RecordList {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/**
 * Builds a record list from slices of `src`: record i has key `keyPrefix` followed by
 * `src[at[4i], at[4i+1])` and value `src[at[4i+2], at[4i+3])`. Throws TOO_LARGE when a key or a
 * value exceeds the engine's limits (nothing is built then).
 */
export function packRecords(src: Uint8Array, at: Uint32Array, keyPrefix: number): RecordList {
  let size = 0;
  for (let i = 0; i < at.length; i += 4) {
    const kl = at[i + 1]! - at[i]! + 1;
    const vl = at[i + 3]! - at[i + 2]!;
    if (kl > MAX_KEY) throw new LarderError('TOO_LARGE', `record ${i >>> 2}: key of ${kl} bytes is longer than ${MAX_KEY} bytes`);
    if (vl > MAX_VALUE) throw new LarderError('TOO_LARGE', `record ${i >>> 2}: value of ${vl} bytes is longer than ${MAX_VALUE} bytes`);
    size += RECORD_HEADER + kl + vl;
  }
  const b = new RecordBuilder(size);
  const prefix = Uint8Array.of(keyPrefix);
  for (let i = 0; i < at.length; i += 4) {
    b.begin(at[i + 1]! - at[i]! + 1, at[i + 3]! - at[i + 2]!);
    b.append(prefix, 0, 1);
    b.append(src, at[i]!, at[i + 1]!);
    b.append(src, at[i + 2]!, at[i + 3]!);
  }
  return b.list();
}

/** Reads the little-endian u32 at `p` (inline header reads: no DataView, no callback per record). */
export function u32At(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/**
 * Checks that `list` holds exactly `count` well-formed records within the engine's limits and
 * splits it into runs of about `maxBytes` (at least one record each), in one walk of the record
 * headers: returns [end, n] per run, run i holding the n records in bytes [end of run i - 1, end).
 * A list applied in several engine calls thus fails (BAD_VALUE / TOO_LARGE) before the first.
 */
export function recordRuns(what: string, list: RecordList, maxBytes: number): number[] {
  const { bytes, count } = list;
  if (!(bytes instanceof Uint8Array) || !Number.isInteger(count) || count < 0) throw new LarderError('BAD_VALUE', `${what}: not a record list`);
  const len = bytes.length;
  const runs: number[] = [];
  let first = 0;
  let n = 0;
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (len - p < RECORD_HEADER) throw new LarderError('BAD_VALUE', `${what}: record list truncated at record ${i}`);
    const kl = u32At(bytes, p);
    const vl = u32At(bytes, p + 4);
    if (kl > MAX_KEY) throw new LarderError('TOO_LARGE', `${what}: record ${i}: key of ${kl} bytes is longer than ${MAX_KEY} bytes`);
    if (vl > MAX_VALUE) throw new LarderError('TOO_LARGE', `${what}: record ${i}: value of ${vl} bytes is longer than ${MAX_VALUE} bytes`);
    const next = p + RECORD_HEADER + kl + vl;
    if (next > len) throw new LarderError('BAD_VALUE', `${what}: record list truncated at record ${i}`);
    if (n > 0 && next - first > maxBytes) {
      runs.push(p, n);
      first = p;
      n = 0;
    }
    n++;
    p = next;
  }
  if (p !== len) throw new LarderError('BAD_VALUE', `${what}: ${len - p} bytes after ${count} records`);
  if (n > 0) runs.push(p, n);
  return runs;
}

/** The records as [key, value] views into the list (for the rare paths that need objects). */
export function recordEntries(list: RecordList): Array<[Uint8Array, Uint8Array]> {
  const { bytes, count } = list;
  // Pushed, not preallocated: new Array(n) of 100k or more is a slow dictionary-mode array.
  const out: Array<[Uint8Array, Uint8Array]> = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const kl = u32At(bytes, p);
    const vl = u32At(bytes, p + 4);
    const k = p + RECORD_HEADER;
    out.push([bytes.subarray(k, k + kl), bytes.subarray(k + kl, k + kl + vl)]);
    p = k + kl + vl;
  }
  return out;
}

/**
 * Appends to `out` the values of a value list as the engine's getMany and swapMany write it
 * (`[vlen i32, -1 = absent][value]` per key), as views into it, and returns `out`: `count` of
 * them, or fewer when the list ends first (a swap that failed part way).
 */
export function valueListEntries(list: Uint8Array, count: number, out: Array<Uint8Array | undefined> = []): Array<Uint8Array | undefined> {
  let p = 0;
  for (let i = 0; i < count && p < list.length; i++) {
    const vl = u32At(list, p) | 0;
    p += 4;
    if (vl < 0) out.push(undefined);
    else {
      out.push(list.subarray(p, p + vl));
      p += vl;
    }
  }
  return out;
}

/**
 * Walks a list of keys (a record list whose values are empty, as the engine's getMany of records
 * takes it) and the value list answered for it (see valueListEntries), in step: after each next()
 * the key is keys[keyStart, keyEnd) and its value vals[valStart, valEnd). Offsets, no view made.
 */
export class KeyValueCursor {
  keyStart = 0;
  keyEnd = 0;
  valStart = 0;
  valEnd = 0;
  private kp = 0;
  private vp = 0;

  constructor(private readonly keys: Uint8Array, private readonly vals: Uint8Array) {}

  /** Moves to the next key; false when the engine found no value for it. */
  next(): boolean {
    const ks = this.kp + RECORD_HEADER;
    this.keyStart = ks;
    this.keyEnd = this.kp = ks + u32At(this.keys, this.kp);
    const vl = u32At(this.vals, this.vp) | 0; // -1: absent
    this.vp += 4;
    if (vl < 0) return false;
    this.valStart = this.vp;
    this.valEnd = this.vp += vl;
    return true;
  }
}

/**
 * A growable record list, written record by record: begin(keyLen, valueLen), then exactly that
 * many bytes through append() (a key may be put together from parts, e.g. a prefix and an id).
 */
export class RecordBuilder {
  private buf: Uint8Array<ArrayBuffer>;
  private pos = 0;
  /** Records written. */
  count = 0;
  /** False once a key or value over the engine's limits was added (the caller then takes the per-entry path, which reports it). */
  fits = true;

  /** A builder with `capacity` bytes to start with. */
  constructor(capacity = 4096) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }

  /** Starts a record with a key of `kl` bytes and a value of `vl` bytes; their bytes follow through append(). */
  begin(kl: number, vl: number): void {
    if (kl > MAX_KEY || vl > MAX_VALUE) this.fits = false;
    this.buf = withRoom(this.buf, this.pos, RECORD_HEADER + kl + vl);
    const b = this.buf;
    let p = this.pos;
    b[p++] = kl & 0xff;
    b[p++] = (kl >>> 8) & 0xff;
    b[p++] = (kl >>> 16) & 0xff;
    b[p++] = kl >>> 24;
    b[p++] = vl & 0xff;
    b[p++] = (vl >>> 8) & 0xff;
    b[p++] = (vl >>> 16) & 0xff;
    b[p++] = vl >>> 24;
    this.pos = p;
    this.count++;
  }

  /** Appends `src[start, end)` to the record being written. */
  append(src: Uint8Array, start: number, end: number): void {
    const b = this.buf;
    let p = this.pos;
    // Key parts are short: a loop beats set() (and the subarray it needs) for them.
    if (end - start <= 32) for (let i = start; i < end; i++) b[p++] = src[i]!;
    else {
      b.set(src.subarray(start, end), p);
      p += end - start;
    }
    this.pos = p;
  }

  /** Adds the record `a ‖ b[0, bLen) ‖ c[cStart, cEnd)` -> empty value (an index entry). */
  add3(a: Uint8Array, b: Uint8Array, bLen: number, c: Uint8Array, cStart: number, cEnd: number): void {
    this.begin(a.length + bLen + cEnd - cStart, 0);
    this.append(a, 0, a.length);
    this.append(b, 0, bLen);
    this.append(c, cStart, cEnd);
  }

  /** True when `b[0, bLen)` sorts strictly after the bytes [start, end) already written. */
  follows(start: number, end: number, b: Uint8Array, bLen: number): boolean {
    const a = this.buf;
    const n = Math.min(end - start, bLen);
    for (let i = 0; i < n; i++) {
      const x = a[start + i]!, y = b[i]!;
      if (x !== y) return y > x;
    }
    return bLen > end - start;
  }

  /** The position where the next record starts (for truncate). */
  get mark(): number {
    return this.pos;
  }

  /** Drops every record after `mark`, leaving `count` records. */
  truncate(mark: number, count: number): void {
    this.pos = mark;
    this.count = count;
  }

  /** The list built so far (a view: valid until the next add). */
  list(): RecordList {
    return { bytes: this.buf.subarray(0, this.pos), count: this.count };
  }
}
