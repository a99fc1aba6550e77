/**
 * ObjectId: MongoDB's 12-byte document id.
 *
 * Layout (big-endian, so byte order is creation order):
 *   bytes 0..3   seconds since the Unix epoch
 *   bytes 4..8   5 random bytes chosen once per process (per JS realm) with crypto.getRandomValues
 *   bytes 9..11  a counter that starts at a random value and wraps at 2^24
 *
 * Ids made in one process therefore sort by creation order (second, then counter), and ids made
 * in different processes in the same second are told apart by the random part. The class works in
 * Node and in browsers: it only needs `globalThis.crypto.getRandomValues`.
 */
import { LarderError } from '../errors.js';

const HEX = '0123456789abcdef';
const HEX_RE = /^[0-9a-fA-F]{24}$/;

/** Per-process random part and counter, created on first use so importing the module is free. */
let processUnique: Uint8Array | undefined;
let counter = -1;

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    // No silent fallback to Math.random: ids from a weak source would collide across tabs.
    throw new LarderError('INTERNAL', 'ObjectId needs crypto.getRandomValues, which this environment lacks');
  }
  c.getRandomValues(out);
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return code - 55; // A-F (input already validated by HEX_RE)
}

/** A 12-byte MongoDB-compatible id whose byte order is its creation order. */
export class ObjectId {
  /** The 12 raw bytes. Treat as read-only: the hex form is cached. */
  readonly id: Uint8Array;
  #hex: string | undefined;

  /**
   * Creates a fresh id (no argument), parses a 24-character hex string, or copies 12 raw bytes /
   * another ObjectId. Anything else throws LarderError('BAD_VALUE').
   */
  constructor(input?: string | Uint8Array | ObjectId) {
    if (input === undefined) {
      this.id = ObjectId.generate();
    } else if (typeof input === 'string') {
      if (!HEX_RE.test(input)) {
        throw new LarderError('BAD_VALUE', `ObjectId: expected 24 hex characters, got ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input)}`);
      }
      const bytes = new Uint8Array(12);
      for (let i = 0; i < 12; i++) bytes[i] = (hexValue(input.charCodeAt(2 * i)) << 4) | hexValue(input.charCodeAt(2 * i + 1));
      this.id = bytes;
    } else if (input instanceof ObjectId) {
      this.id = input.id.slice();
      this.#hex = input.#hex;
    } else if (input instanceof Uint8Array && input.length === 12) {
      this.id = input.slice();
    } else {
      throw new LarderError('BAD_VALUE', 'ObjectId: expected nothing, a 24-character hex string, 12 bytes or an ObjectId');
    }
  }

  /**
   * Builds the 12 bytes of a new id for `seconds` (default: now). Exposed for tests and for
   * range queries by time (`ObjectId.fromTime`).
   */
  static generate(seconds: number = Math.floor(Date.now() / 1000)): Uint8Array {
    if (processUnique === undefined) {
      const r = randomBytes(8);
      processUnique = r.subarray(0, 5);
      // Random start so two processes started in the same second don't walk the same counters.
      counter = ((r[5]! << 16) | (r[6]! << 8) | r[7]!) & 0xffffff;
    }
    counter = (counter + 1) & 0xffffff;
    const b = new Uint8Array(12);
    const t = seconds >>> 0;
    b[0] = t >>> 24;
    b[1] = (t >>> 16) & 0xff;
    b[2] = (t >>> 8) & 0xff;
    b[3] = t & 0xff;
    b.set(processUnique, 4);
    b[9] = counter >>> 16;
    b[10] = (counter >>> 8) & 0xff;
    b[11] = counter & 0xff;
    return b;
  }

  /**
   * The smallest id with the given creation time (random and counter bytes zero): use as a range
   * bound to find documents created at or after a moment.
   */
  static fromTime(time: Date | number): ObjectId {
    const seconds = typeof time === 'number' ? time : Math.floor(time.getTime() / 1000);
    const b = new Uint8Array(12);
    const t = seconds >>> 0;
    b[0] = t >>> 24;
    b[1] = (t >>> 16) & 0xff;
    b[2] = (t >>> 8) & 0xff;
    b[3] = t & 0xff;
    return new ObjectId(b);
  }

  /** True for a 24-character hex string, 12 bytes, or an ObjectId: what the constructor accepts. */
  static isValid(v: unknown): boolean {
    if (typeof v === 'string') return HEX_RE.test(v);
    if (v instanceof ObjectId) return true;
    return v instanceof Uint8Array && v.length === 12;
  }

  /** The 24-character lowercase hex form (cached: ids are printed and compared as strings often). */
  toHexString(): string {
    if (this.#hex === undefined) {
      let s = '';
      for (let i = 0; i < 12; i++) {
        const x = this.id[i]!;
        s += HEX[x >>> 4]! + HEX[x & 15]!;
      }
      this.#hex = s;
    }
    return this.#hex;
  }

  /** Same as toHexString(), so ids print and concatenate naturally. */
  toString(): string {
    return this.toHexString();
  }

  /** JSON form is the hex string, as with the MongoDB driver. */
  toJSON(): string {
    return this.toHexString();
  }

  /** True when `other` is an ObjectId (or hex string / 12 bytes) with the same bytes. */
  equals(other: unknown): boolean {
    if (other instanceof ObjectId) {
      const a = this.id;
      const b = other.id;
      for (let i = 0; i < 12; i++) if (a[i] !== b[i]) return false;
      return true;
    }
    if (ObjectId.isValid(other)) return this.equals(new ObjectId(other as string | Uint8Array));
    return false;
  }

  /** The creation time (second precision) stored in the first four bytes. */
  getTimestamp(): Date {
    const b = this.id;
    const seconds = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    return new Date(seconds * 1000);
  }

  /** Readable form in Node's console (a plain symbol lookup, so it costs nothing in browsers). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ObjectId("${this.toHexString()}")`;
  }
}
