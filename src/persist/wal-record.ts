/**
 * The binary codec of one WAL record: one atomic write batch.
 *
 * Layout (little-endian, 28-byte header then the payload):
 *
 * | offset | size | field                                                        |
 * | ------ | ---- | ------------------------------------------------------------ |
 * | 0      | 4    | magic `"LWAL"` (0x4C 0x57 0x41 0x4C)                          |
 * | 4      | 1    | format version, 1                                            |
 * | 5      | 1    | flags, 0 (reserved)                                          |
 * | 6      | 2    | reserved, 0                                                  |
 * | 8      | 8    | sequence number, u64 holding 1 .. 2^53-1                      |
 * | 16     | 4    | op count, u32                                                |
 * | 20     | 4    | payload length in bytes, u32 (= record length - 28, exactly)  |
 * | 24     | 4    | CRC-32C of the payload, continued over header bytes [0, 24)   |
 * | 28     | ...  | payload: `opCount` ops                                       |
 *
 * An op is a tag byte then lengths as unsigned LEB128 varints:
 * `0x01 keyLen key valueLen value` (put) or `0x02 keyLen key` (del).
 *
 * The checksum covers the payload first, then the header, so a record can be encoded once before
 * its sequence number is known and stamped later by rewriting 12 header bytes (see `stampBatch`).
 * Decoding rejects anything that is not exactly one well-formed record: wrong magic or version,
 * non-zero reserved bits, a length that disagrees with the byte count, a checksum mismatch, an
 * unknown op tag, a truncated op, or payload bytes left over after `opCount` ops.
 */

import { LarderError } from '../errors.js';
import { crc32c } from './crc32.js';
import { ByteReader, MAX_U53, readU32, readU53, varintSize, writeLengthPrefixed, writeU32, writeU53 } from './bytes.js';

/** One operation of a write batch: set `key` to `value`, or delete `key`. */
export type WalOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** A decoded WAL record. Keys and values are views into the decoded bytes, not copies. */
export interface WalBatch {
  /** The record's sequence number. */
  seq: number;
  /** The batch's ops, in order. */
  ops: WalOp[];
}

/** Size of the fixed header. */
export const WAL_HEADER_BYTES = 28;
/** The format version this codec writes and reads. */
export const WAL_FORMAT_VERSION = 1;

const MAGIC = [0x4c, 0x57, 0x41, 0x4c]; // "LWAL"
const TAG_PUT = 0x01;
const TAG_DEL = 0x02;
const MAX_LEN = 0xffffffff;

/** A batch encoded without its sequence number; `stampBatch` finishes it. */
export interface PreparedBatch {
  /** The whole record; header seq and checksum are filled in by `stampBatch`. */
  bytes: Uint8Array;
  /** CRC-32C of the payload alone. */
  payloadCrc: number;
  /** Number of ops. */
  opCount: number;
}

/**
 * The byte length of the record `ops` encode to. Throws BAD_VALUE on a malformed op and
 * TOO_LARGE when a length does not fit in 32 bits.
 */
function measureBatch(ops: readonly WalOp[]): number {
  if (!Array.isArray(ops)) throw new LarderError('BAD_VALUE', 'WAL batch: ops must be an array');
  let size = WAL_HEADER_BYTES;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o === null || typeof o !== 'object' || !(o.key instanceof Uint8Array)) {
      throw new LarderError('BAD_VALUE', `WAL batch: op ${i} has no Uint8Array key`);
    }
    if (o.key.length > MAX_LEN) throw new LarderError('TOO_LARGE', `WAL batch: op ${i} key exceeds 4 GiB`);
    size += 1 + varintSize(o.key.length) + o.key.length;
    if (o.op === 'put') {
      if (!(o.value instanceof Uint8Array)) throw new LarderError('BAD_VALUE', `WAL batch: put op ${i} has no Uint8Array value`);
      if (o.value.length > MAX_LEN) throw new LarderError('TOO_LARGE', `WAL batch: op ${i} value exceeds 4 GiB`);
      size += varintSize(o.value.length) + o.value.length;
    } else if (o.op !== 'del') {
      throw new LarderError('BAD_VALUE', `WAL batch: op ${i} has unknown kind ${JSON.stringify((o as { op?: unknown }).op)}`);
    }
  }
  if (size - WAL_HEADER_BYTES > MAX_LEN || ops.length > MAX_LEN) throw new LarderError('TOO_LARGE', 'WAL batch exceeds 4 GiB');
  return size;
}

/**
 * Encodes `ops` into a record whose sequence number is still unset. Copies every key and value,
 * so the caller may reuse its buffers as soon as this returns. Throws like measureBatch.
 */
export function prepareBatch(ops: readonly WalOp[]): PreparedBatch {
  const size = measureBatch(ops);
  const buf = new Uint8Array(size);
  let p = WAL_HEADER_BYTES;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    const key = o.key;
    buf[p++] = o.op === 'put' ? TAG_PUT : TAG_DEL;
    p = writeLengthPrefixed(buf, p, key);
    if (o.op === 'put') p = writeLengthPrefixed(buf, p, o.value);
  }
  buf.set(MAGIC, 0);
  buf[4] = WAL_FORMAT_VERSION;
  writeU32(buf, 16, ops.length);
  writeU32(buf, 20, size - WAL_HEADER_BYTES);
  return { bytes: buf, payloadCrc: crc32c(buf, 0, WAL_HEADER_BYTES, size), opCount: ops.length };
}

/** Writes `seq` and the checksum into a prepared record (in place) and returns its bytes. */
export function stampBatch(prepared: PreparedBatch, seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_U53) throw new LarderError('BAD_VALUE', `WAL batch: bad sequence number ${seq}`);
  const buf = prepared.bytes;
  writeU53(buf, 8, seq);
  writeU32(buf, 24, crc32c(buf, prepared.payloadCrc, 0, 24));
  return buf;
}

/** Encodes one write batch as a WAL record with sequence number `seq` (1 .. 2^53-1). */
export function encodeBatch(seq: number, ops: readonly WalOp[]): Uint8Array {
  return stampBatch(prepareBatch(ops), seq);
}

/**
 * Decodes and verifies one WAL record. Throws LarderError('CORRUPT', message naming the record —
 * `what`, default "WAL record" — and what is wrong) on any mismatch or truncation. Returned keys
 * and values are views into `bytes`.
 */
export function decodeBatch(bytes: Uint8Array, what = 'WAL record'): WalBatch {
  const corrupt = (m: string): never => {
    throw new LarderError('CORRUPT', `${what}: ${m}`);
  };
  if (!(bytes instanceof Uint8Array)) corrupt('stored value is not bytes');
  if (bytes.length < WAL_HEADER_BYTES) corrupt(`truncated (${bytes.length} bytes, header needs ${WAL_HEADER_BYTES})`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) corrupt('bad magic');
  if (bytes[4] !== WAL_FORMAT_VERSION) corrupt(`unsupported format version ${bytes[4]}`);
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) corrupt('reserved header bits set');
  const payloadLen = readU32(bytes, 20);
  if (payloadLen !== bytes.length - WAL_HEADER_BYTES) {
    corrupt(`length mismatch (header says ${payloadLen} payload bytes, record has ${bytes.length - WAL_HEADER_BYTES})`);
  }
  const stored = readU32(bytes, 24);
  const actual = crc32c(bytes, crc32c(bytes, 0, WAL_HEADER_BYTES, bytes.length), 0, 24);
  if (stored !== actual) corrupt(`checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  const seq = readU53(bytes, 8);
  if (seq === undefined || seq < 1) return corrupt('sequence number out of range');
  const opCount = readU32(bytes, 16);
  // Each op takes at least 2 bytes; reject absurd counts before allocating.
  if (opCount > payloadLen / 2) corrupt(`op count ${opCount} cannot fit in ${payloadLen} payload bytes`);
  const r = new ByteReader(bytes, WAL_HEADER_BYTES, bytes.length, `${what} (seq ${seq})`);
  const ops: WalOp[] = new Array(opCount);
  for (let i = 0; i < opCount; i++) {
    const tag = r.u8();
    const key = r.bytes(r.varint());
    if (tag === TAG_PUT) ops[i] = { op: 'put', key, value: r.bytes(r.varint()) };
    else if (tag === TAG_DEL) ops[i] = { op: 'del', key };
    else r.fail(`op ${i} has unknown tag ${tag}`);
  }
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} trailing bytes after ${opCount} ops`);
  return { seq, ops };
}

/** Formats a u32 as 0x-prefixed hex. */
export function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
