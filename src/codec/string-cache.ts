/**
 * StringCache: a small direct-mapped cache of strings by their bytes, for decoders that read the
 * same short strings again and again (object keys of documents, the names in a message's calls).
 * A hit returns the string made before, so 100k documents share one string per field name
 * instead of holding 100k copies, and skips building it. A miss just replaces the slot.
 *
 * The cached bytes live in one flat table (`maxBytes` per slot), so caching a string allocates
 * nothing: documents with many distinct keys replace slots all the time, and a copy of the bytes
 * per miss was garbage the decode paid for in GC.
 */
export class StringCache {
  /** Slot i's bytes are `table[i * maxBytes, i * maxBytes + lens[i])`. */
  private readonly table: Uint8Array;
  private readonly lens: Uint8Array;
  private readonly strs: (string | undefined)[];
  private readonly mask: number;
  /** The longest byte string the cache holds (at most 255). */
  readonly maxBytes: number;

  /** A cache of `size` slots (a power of two) for byte strings of 1 to `maxBytes` (<= 255) bytes. */
  constructor(size: number, maxBytes: number) {
    this.table = new Uint8Array(size * maxBytes);
    this.lens = new Uint8Array(size);
    this.strs = new Array(size).fill(undefined);
    this.mask = size - 1;
    this.maxBytes = maxBytes;
  }

  /** The slot for the bytes `mem[start, end)`: pass it to `get` and `set`. */
  slot(mem: Uint8Array, start: number, end: number): number {
    let h = end - start;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + mem[i]!) | 0;
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** The string cached in `slot` for the bytes `mem[start, end)`, or undefined. */
  get(slot: number, mem: Uint8Array, start: number, end: number): string | undefined {
    const n = end - start;
    if (this.lens[slot] !== n) return undefined;
    const s = this.strs[slot];
    if (s === undefined) return undefined;
    const table = this.table;
    const base = slot * this.maxBytes - start;
    for (let i = start; i < end; i++) if (table[base + i] !== mem[i]) return undefined;
    return s;
  }

  /**
   * Caches `s` in `slot` as the string of the bytes `mem[start, end)` (copied into the table).
   * Bytes longer than maxBytes, or none, are not cached.
   */
  set(slot: number, mem: Uint8Array, start: number, end: number, s: string): void {
    const n = end - start;
    if (n <= 0 || n > this.maxBytes) return;
    const table = this.table;
    const base = slot * this.maxBytes - start;
    for (let i = start; i < end; i++) table[base + i] = mem[i]!;
    this.lens[slot] = n;
    this.strs[slot] = s;
  }
}
