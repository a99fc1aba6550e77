/**
 * Record lists: the engine's own batch format, `count` records `[klen u32][vlen u32][key][value]`
 * (little-endian lengths), the bytes the Table and the Tree copy into scratch for a batched put.
 * A bulk write built as one record list crosses into the engine with one copy per chunk and no
 * JavaScript object per entry (a 100k-entry setMany spent most of its worker time making and
 * collecting per-entry arrays).
 */
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
  const count = at.length >>> 2;
  let size = 0;
  for (let i = 0; i < at.length; i += 4) {
    const kl = at[i + 1]! - at[i]! + 1;
    const vl = at[i + 3]! - at[i + 2]!;
    if (kl > MAX_KEY) throw new LarderError('TOO_LARGE', `record ${i >>> 2}: key of ${kl} bytes is longer than ${MAX_KEY} bytes`);
    if (vl > MAX_VALUE) throw new LarderError('TOO_LARGE', `record ${i >>> 2}: value of ${vl} bytes is longer than ${MAX_VALUE} bytes`);
    size += RECORD_HEADER + kl + vl;
  }
  const bytes = new Uint8Array(size);
  const dv = new DataView(bytes.buffer);
  let p = 0;
  for (let i = 0; i < at.length; i += 4) {
    const ks = at[i]!, ke = at[i + 1]!, vs = at[i + 2]!, ve = at[i + 3]!;
    dv.setUint32(p, ke - ks + 1, true);
    dv.setUint32(p + 4, ve - vs, true);
    p += RECORD_HEADER;
    bytes[p++] = keyPrefix;
    // Keys are short: a loop beats a subarray (an object) per key for set().
    for (let j = ks; j < ke; j++) bytes[p++] = src[j]!;
    bytes.set(src.subarray(vs, ve), p);
    p += ve - vs;
  }
  return { bytes, count };
}

/**
 * Checks that `list` holds exactly `count` well-formed records within the engine's limits (so a
 * list applied in several engine calls fails before the first, not halfway). BAD_VALUE /
 * TOO_LARGE otherwise.
 */
export function checkRecords(what: string, list: RecordList): void {
  const { bytes, count } = list;
  if (!(bytes instanceof Uint8Array) || !Number.isInteger(count) || count < 0) throw new LarderError('BAD_VALUE', `${what}: not a record list`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (bytes.length - p < RECORD_HEADER) throw new LarderError('BAD_VALUE', `${what}: record list truncated at record ${i}`);
    const kl = dv.getUint32(p, true);
    const vl = dv.getUint32(p + 4, true);
    if (kl > MAX_KEY) throw new LarderError('TOO_LARGE', `${what}: record ${i}: key of ${kl} bytes is longer than ${MAX_KEY} bytes`);
    if (vl > MAX_VALUE) throw new LarderError('TOO_LARGE', `${what}: record ${i}: value of ${vl} bytes is longer than ${MAX_VALUE} bytes`);
    p += RECORD_HEADER + kl + vl;
    if (p > bytes.length) throw new LarderError('BAD_VALUE', `${what}: record list truncated at record ${i}`);
  }
  if (p !== bytes.length) throw new LarderError('BAD_VALUE', `${what}: ${bytes.length - p} bytes after ${count} records`);
}

/**
 * Calls `fn(first, end, n)` for consecutive runs of records of about `maxBytes` (at least one
 * record each): bytes [first, end) of the list hold n whole records.
 */
export function forEachRecordRun(list: RecordList, maxBytes: number, fn: (first: number, end: number, n: number) => void): void {
  const { bytes, count } = list;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let first = 0;
  let p = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const size = RECORD_HEADER + dv.getUint32(p, true) + dv.getUint32(p + 4, true);
    if (n > 0 && p + size - first > maxBytes) {
      fn(first, p, n);
      first = p;
      n = 0;
    }
    p += size;
    n++;
  }
  if (n > 0) fn(first, p, n);
}

/** The records as [key, value] views into the list (for the rare paths that need objects). */
export function recordEntries(list: RecordList): Array<[Uint8Array, Uint8Array]> {
  const { bytes, count } = list;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<[Uint8Array, Uint8Array]> = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const kl = dv.getUint32(p, true);
    const vl = dv.getUint32(p + 4, true);
    const k = p + RECORD_HEADER;
    out.push([bytes.subarray(k, k + kl), bytes.subarray(k + kl, k + kl + vl)]);
    p = k + kl + vl;
  }
  return out;
}

/**
 * The values of a value list as the engine's getMany writes it (`[vlen i32, -1 = absent][value]`
 * per key), as views into it.
 */
export function valueListEntries(list: Uint8Array, count: number): Array<Uint8Array | undefined> {
  const dv = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const out: Array<Uint8Array | undefined> = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const vl = dv.getInt32(p, true);
    p += 4;
    if (vl < 0) out.push(undefined);
    else {
      out.push(list.subarray(p, p + vl));
      p += vl;
    }
  }
  return out;
}
