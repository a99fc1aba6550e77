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

/**
 * Cuts export bytes that arrive in pieces split anywhere (a File's or a response's stream) back
 * into their chunks: each `push` returns the chunks its piece completes, and `end` checks that
 * nothing is left over. A chunk inside one piece is a view of it; one spread over pieces is
 * copied together once, when its last byte has arrived.
 */
export class ExportSplitter {
  /** Pieces not yet consumed start at `pieces[head]` (an index, not shift(): pieces may be tiny and many). */
  private pieces: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  /** Offset in the whole export of the first buffered byte (for error messages). */
  private at = 0;

  /** Adds the next piece; returns the chunks now complete. CORRUPT on a bad chunk header. */
  push(piece: Uint8Array): Uint8Array[] {
    if (piece.length > 0) {
      this.pieces.push(piece);
      this.buffered += piece.length;
    }
    const out: Uint8Array[] = [];
    while (this.buffered >= HEADER) {
      const head = this.read(HEADER, false);
      if (MAGIC.some((m, i) => head[i] !== m)) throw new LarderError('CORRUPT', `not a Larder export (bad chunk header at byte ${this.at})`);
      const size = HEADER + new DataView(head.buffer, head.byteOffset, HEADER).getUint32(8, true);
      if (this.buffered < size) break;
      out.push(this.read(size, true));
    }
    return out;
  }

  /** Ends the export: CORRUPT when it stopped inside a chunk. */
  end(): void {
    if (this.buffered > 0) throw new LarderError('CORRUPT', `Larder export truncated at byte ${this.at}`);
  }

  /** The first `n` (<= buffered) bytes, consumed when `take`. */
  private read(n: number, take: boolean): Uint8Array {
    const first = this.pieces[this.head]!;
    let bytes: Uint8Array;
    if (first.length >= n) bytes = first.subarray(0, n);
    else {
      bytes = new Uint8Array(n);
      let got = 0;
      for (let i = this.head; got < n; i++) {
        const p = this.pieces[i]!;
        const k = Math.min(p.length, n - got);
        bytes.set(p.subarray(0, k), got);
        got += k;
      }
    }
    if (take) {
      let left = n;
      while (left > 0) {
        const p = this.pieces[this.head]!;
        if (p.length > left) {
          this.pieces[this.head] = p.subarray(left);
          left = 0;
        } else {
          this.head++;
          left -= p.length;
        }
      }
      if (this.head > 1024 && this.head * 2 > this.pieces.length) {
        this.pieces = this.pieces.slice(this.head);
        this.head = 0;
      }
      this.buffered -= n;
      this.at += n;
    }
    return bytes;
  }
}

/** Splits a whole export (e.g. an exported file's bytes) into its chunks. */
export function splitExport(bytes: Uint8Array): Uint8Array[] {
  const split = new ExportSplitter();
  const chunks = split.push(bytes);
  split.end();
  return chunks;
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
