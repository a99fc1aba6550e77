/**
 * The portable export format: a store's entries as self-checking chunks, readable by
 * `importInto` on any store (any passphrase, any machine). Each chunk:
 *   magic "LDX1" | u32 entry count | u32 body length | u32 CRC-32 of the body | body
 *   body = entries, each varint klen | varint vlen | key | value
 * Chunks are independent, so a large store streams out and back in without one huge buffer.
 */
import { LarderError } from '../errors.js';
import { crc32c as crc32 } from '../persist/crc32.js';

const MAGIC = [0x4c, 0x44, 0x58, 0x31]; // "LDX1"
const HEADER = 16;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); len++; }
  return len;
}

function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Encodes entries into chunks of about `chunkBytes` each. */
export function encodeExport(entries: Iterable<[Uint8Array, Uint8Array]>, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let pending: Array<[Uint8Array, Uint8Array]> = [];
  let size = 0;
  const seal = (): void => {
    let len = 0;
    for (const [k, v] of pending) len += varintLength(k.length) + varintLength(v.length) + k.length + v.length;
    const buf = new Uint8Array(HEADER + len);
    buf.set(MAGIC, 0);
    const dv = new DataView(buf.buffer);
    dv.setUint32(4, pending.length, true);
    let p = HEADER;
    for (const [k, v] of pending) {
      p = writeVarint(buf, p, k.length);
      p = writeVarint(buf, p, v.length);
      buf.set(k, p); p += k.length;
      buf.set(v, p); p += v.length;
    }
    dv.setUint32(8, len, true);
    dv.setUint32(12, crc32(buf.subarray(HEADER)), true);
    chunks.push(buf);
    pending = [];
    size = 0;
  };
  for (const e of entries) {
    pending.push(e);
    size += e[0].length + e[1].length + 8;
    if (size >= chunkBytes) seal();
  }
  if (pending.length > 0 || chunks.length === 0) seal();
  return chunks;
}

/** Splits a concatenation of chunks (e.g. an exported file) back into chunks. */
export function splitExport(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < HEADER || MAGIC.some((m, i) => bytes[p + i] !== m)) throw new LarderError('CORRUPT', `not a Larder export (bad chunk header at byte ${p})`);
    const len = new DataView(bytes.buffer, bytes.byteOffset + p, HEADER).getUint32(8, true);
    if (p + HEADER + len > bytes.length) throw new LarderError('CORRUPT', `Larder export truncated at byte ${p}`);
    out.push(bytes.subarray(p, p + HEADER + len));
    p += HEADER + len;
  }
  return out;
}

/** Decodes one chunk; CORRUPT when it is not an export chunk or fails its checksum. */
export function* decodeExport(chunk: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
  if (chunk.length < HEADER || MAGIC.some((m, i) => chunk[i] !== m)) throw new LarderError('CORRUPT', 'not a Larder export chunk (bad magic)');
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const count = dv.getUint32(4, true);
  if (dv.getUint32(8, true) !== chunk.length - HEADER) throw new LarderError('CORRUPT', 'export chunk length does not match its header');
  if (crc32(chunk.subarray(HEADER)) !== dv.getUint32(12, true)) throw new LarderError('CORRUPT', 'export chunk fails its checksum');
  let p = HEADER;
  const readVarint = (): number => {
    let n = 0, mul = 1;
    for (;;) {
      if (p >= chunk.length) throw new LarderError('CORRUPT', 'export chunk truncated');
      const b = chunk[p++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
      if (mul > 2 ** 49) throw new LarderError('CORRUPT', 'export chunk has a bad length');
    }
  };
  for (let i = 0; i < count; i++) {
    const kl = readVarint();
    const vl = readVarint();
    if (p + kl + vl > chunk.length) throw new LarderError('CORRUPT', 'export chunk truncated');
    const k = chunk.slice(p, p + kl); p += kl;
    const v = chunk.slice(p, p + vl); p += vl;
    yield [k, v];
  }
}
