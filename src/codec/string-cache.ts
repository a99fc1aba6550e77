/**
 * StringCache: a small direct-mapped cache of strings by their bytes, for decoders that read the
 * same short strings again and again (object keys of documents, the names in a message's calls).
 * A hit returns the string made before, so 100k documents share one string per field name
 * instead of holding 100k copies, and skips building it. A miss just replaces the slot.
 */
export class StringCache {
  private readonly bytes: (Uint8Array | undefined)[];
  private readonly strs: (string | undefined)[];
  private readonly mask: number;

  /** A cache of `size` slots (a power of two). */
  constructor(size: number) {
    this.bytes = new Array(size).fill(undefined);
    this.strs = new Array(size).fill(undefined);
    this.mask = size - 1;
  }

  /** The slot for the bytes `mem[start, end)`: pass it to `get` and `set`. */
  slot(mem: Uint8Array, start: number, end: number): number {
    let h = end - start;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + mem[i]!) | 0;
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** The string cached in `slot` for the bytes `mem[start, end)`, or undefined. */
  get(slot: number, mem: Uint8Array, start: number, end: number): string | undefined {
    const cached = this.bytes[slot];
    const n = end - start;
    if (cached === undefined || cached.length !== n) return undefined;
    for (let i = 0; i < n; i++) if (cached[i] !== mem[start + i]) return undefined;
    return this.strs[slot];
  }

  /** Caches `s` in `slot` as the string of the bytes `mem[start, end)` (copied). */
  set(slot: number, mem: Uint8Array, start: number, end: number, s: string): void {
    this.bytes[slot] = mem.slice(start, end);
    this.strs[slot] = s;
  }
}
