/**
 * Checkpoint pages: the keyspace is split into `pageCount` pages (a power of two) by a fixed hash
 * of the key, and each page is stored as ONE IndexedDB record holding every live entry of that
 * page. Few large records, never one record per key.
 *
 * Page hash (fixed forever for format version 1): 32-bit FNV-1a over the key bytes (offset basis
 * 0x811C9DC5, prime 0x01000193), then MurmurHash3's fmix32 finaliser to spread the low bits;
 * `pageOf(key, n) = hash & (n - 1)`. Because n is a power of two, doubling n splits page p into
 * pages p and p + n/2 and never moves a key anywhere else.
 *
 * Layout (little-endian, 28-byte header then the payload):
 *
 * | offset | size | field                                                        |
 * | ------ | ---- | ------------------------------------------------------------ |
 * | 0      | 4    | magic `"LPAG"` (0x4C 0x50 0x41 0x47)                          |
 * | 4      | 1    | format version, 1                                            |
 * | 5      | 1    | flags, 0 (reserved)                                          |
 * | 6      | 2    | reserved, 0                                                  |
 * | 8      | 4    | page id, u32 (< page count)                                  |
 * | 12     | 4    | page count the store was partitioned with, u32 (power of two) |
 * | 16     | 4    | entry count, u32                                             |
 * | 20     | 4    | payload length in bytes, u32 (= record length - 28, exactly)  |
 * | 24     | 4    | CRC-32C of the payload, continued over header bytes [0, 24)   |
 * | 28     | ...  | entries: `keyLen key valueLen value`, lengths as LEB128 varints |
 *
 * Decoding verifies all of it, and that every key really hashes to this page.
 */

import { withRoom } from '../bytes.js';
import { LarderError } from '../errors.js';
import { crc32c } from './crc32.js';
import { ByteReader, readU32, varintSize, writeLengthPrefixedRange, writeU32 } from './bytes.js';
import { hex } from './wal-record.js';
import { RecordBuilder, recordEntries } from '../core/records.js';

/** Size of the fixed header. */
export const PAGE_HEADER_BYTES = 28;
/** The format version this codec writes and reads. */
export const PAGE_FORMAT_VERSION = 1;
/** Largest page count a store may have. */
export const MAX_PAGE_COUNT = 1 << 20;

const MAGIC = [0x4c, 0x50, 0x41, 0x47]; // "LPAG"

/** A decoded page. Keys and values are views into one copy of the page's entries. */
export interface Page {
  /** The page id. */
  pageId: number;
  /** The page count the page was written under. */
  pageCount: number;
  /** The page's live entries, in no particular order. */
  entries: Array<[Uint8Array, Uint8Array]>;
}

/** The fixed 32-bit page hash of a key (FNV-1a then fmix32); see the file comment. */
export function pageHash(key: Uint8Array): number {
  return pageHashAt(key, 0, key.length);
}

/** pageHash of the key `mem[start, end)`. */
export function pageHashAt(mem: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ mem[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when `n` is a valid page count: a power of two from 1 to MAX_PAGE_COUNT. */
export function isPageCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_COUNT && (n & (n - 1)) === 0;
}

/** The page (0 .. pageCount-1) that `key` belongs to; `pageCount` must be a power of two. */
export function pageOf(key: Uint8Array, pageCount: number): number {
  return (pageHash(key) & (pageCount - 1)) >>> 0;
}

/** Encoded size of one entry inside a page. */
export function entrySize(key: Uint8Array, value: Uint8Array): number {
  return entrySizeOf(key.length, value.length);
}

/** Encoded size of an entry with a key of `kl` bytes and a value of `vl` bytes. */
export function entrySizeOf(kl: number, vl: number): number {
  return varintSize(kl) + kl + varintSize(vl) + vl;
}

/**
 * Builds one page incrementally: `add` copies each entry into a growing buffer (so the caller's
 * buffers may be reused at once), `finish` seals the header and checksum.
 */
export class PageWriter {
  private buf: Uint8Array<ArrayBuffer>;
  private pos = PAGE_HEADER_BYTES;
  private count = 0;

  /** Starts page `pageId` of `pageCount`; `sizeHint` pre-sizes the buffer. */
  constructor(
    readonly pageId: number,
    readonly pageCount: number,
    sizeHint = 4096,
  ) {
    if (!isPageCount(pageCount)) throw new LarderError('BAD_VALUE', `page count ${pageCount} is not a power of two in 1..${MAX_PAGE_COUNT}`);
    if (!Number.isInteger(pageId) || pageId < 0 || pageId >= pageCount) throw new LarderError('BAD_VALUE', `page id ${pageId} out of range`);
    this.buf = new Uint8Array(Math.max(PAGE_HEADER_BYTES + 64, sizeHint));
  }

  /** Number of entries added so far. */
  get entries(): number {
    return this.count;
  }

  /** Encoded bytes so far, header included. */
  get bytes(): number {
    return this.pos;
  }

  /** Appends one entry (copied). */
  add(key: Uint8Array, value: Uint8Array): void {
    this.addAt(key, 0, key.length, value, 0, value.length);
  }

  /** Appends the entry with key `km[ko, ko + kl)` and value `vm[vo, vo + vl)` (copied). */
  addAt(km: Uint8Array, ko: number, kl: number, vm: Uint8Array, vo: number, vl: number): void {
    const need = entrySizeOf(kl, vl);
    this.buf = withRoom(this.buf, this.pos, need);
    this.pos = writeLengthPrefixedRange(this.buf, writeLengthPrefixedRange(this.buf, this.pos, km, ko, kl), vm, vo, vl);
    this.count++;
  }

  /** Writes header and checksum and returns the exact-size encoded page. */
  finish(): Uint8Array {
    const out = this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
    out.set(MAGIC, 0);
    out[4] = PAGE_FORMAT_VERSION;
    out[5] = out[6] = out[7] = 0;
    writeU32(out, 8, this.pageId);
    writeU32(out, 12, this.pageCount);
    writeU32(out, 16, this.count);
    writeU32(out, 20, this.pos - PAGE_HEADER_BYTES);
    writeU32(out, 24, crc32c(out, crc32c(out, 0, PAGE_HEADER_BYTES, this.pos), 0, 24));
    return out;
  }
}

/** Encodes page `pageId` of `pageCount` holding `entries` (each key must hash to `pageId`). */
export function encodePage(pageId: number, pageCount: number, entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const w = new PageWriter(pageId, pageCount);
  for (const [k, v] of entries) {
    if (pageOf(k, pageCount) !== pageId) throw new LarderError('BAD_VALUE', `encodePage: a key belongs to page ${pageOf(k, pageCount)}, not ${pageId}`);
    w.add(k, v);
  }
  return w.finish();
}

/**
 * Decodes and verifies one page. When `expect` is given, the header's page id and count must
 * match it. Throws LarderError('CORRUPT', naming the page — `what`, default "page" — and the
 * problem) on any mismatch or truncation, including a key that does not hash to this page.
 */
export function decodePage(bytes: Uint8Array, expect?: { pageId: number; pageCount: number }, what = 'page'): Page {
  const out = new RecordBuilder(bytes.length);
  const { pageId, pageCount } = decodePageRecords(bytes, out, expect, what);
  return { pageId, pageCount, entries: recordEntries(out.list()) };
}

/**
 * decodePage, appending the page's entries to `out` as records (src/core/records.ts) instead of
 * making a [key, value] pair per entry: recovery loads a whole store this way, one copy of the
 * bytes and no object per entry. Verifies exactly what decodePage verifies and throws the same
 * errors; on a throw, `out` may hold some of the page's records (truncate it back to its mark).
 * Returns the page id, page count and number of entries appended.
 */
export function decodePageRecords(
  bytes: Uint8Array,
  out: RecordBuilder,
  expect?: { pageId: number; pageCount: number },
  what = 'page',
): { pageId: number; pageCount: number; count: number } {
  const corrupt = (m: string): never => {
    throw new LarderError('CORRUPT', `${what}: ${m}`);
  };
  if (!(bytes instanceof Uint8Array)) corrupt('stored value is not bytes');
  if (bytes.length < PAGE_HEADER_BYTES) corrupt(`truncated (${bytes.length} bytes, header needs ${PAGE_HEADER_BYTES})`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) corrupt('bad magic');
  if (bytes[4] !== PAGE_FORMAT_VERSION) corrupt(`unsupported format version ${bytes[4]}`);
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) corrupt('reserved header bits set');
  const payloadLen = readU32(bytes, 20);
  if (payloadLen !== bytes.length - PAGE_HEADER_BYTES) {
    corrupt(`length mismatch (header says ${payloadLen} payload bytes, record has ${bytes.length - PAGE_HEADER_BYTES})`);
  }
  const stored = readU32(bytes, 24);
  const actual = crc32c(bytes, crc32c(bytes, 0, PAGE_HEADER_BYTES, bytes.length), 0, 24);
  if (stored !== actual) corrupt(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  const pageId = readU32(bytes, 8);
  const pageCount = readU32(bytes, 12);
  if (!isPageCount(pageCount) || pageId >= pageCount) corrupt(`bad page id ${pageId} / count ${pageCount}`);
  if (expect && (expect.pageId !== pageId || expect.pageCount !== pageCount)) {
    corrupt(`header says page ${pageId} of ${pageCount}, expected page ${expect.pageId} of ${expect.pageCount}`);
  }
  const count = readU32(bytes, 16);
  if (count > payloadLen / 2) corrupt(`entry count ${count} cannot fit in ${payloadLen} payload bytes`);
  const r = new ByteReader(bytes, PAGE_HEADER_BYTES, bytes.length, what);
  const mask = pageCount - 1;
  for (let i = 0; i < count; i++) {
    const kl = r.varint();
    const ko = r.skip(kl);
    const vl = r.varint();
    const vo = r.skip(vl);
    if ((pageHashAt(bytes, ko, ko + kl) & mask) >>> 0 !== pageId) r.fail(`entry ${i} does not hash to page ${pageId}`);
    out.begin(kl, vl);
    out.append(bytes, ko, ko + kl);
    out.append(bytes, vo, vo + vl);
  }
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} trailing bytes after ${count} entries`);
  return { pageId, pageCount, count };
}
