/**
 * Short strings decode exactly, whatever their length: the decoder makes ASCII strings of up to
 * 12 bytes from their codes passed as arguments (fewAscii in src/codec/value.ts), longer short
 * ones from a reused code array, and anything else through TextDecoder or the WTF-8 reader. Every
 * length on both sides of those limits, with and without a non-ASCII character at each place, as
 * values and as object keys, round-trips.
 */
import { describe, expect, it } from 'vitest';
import { decodeValue, decodeValueAt, encodeValue } from '../src/codec/value.js';

const ascii = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 37 + seed * 11) % 95))).join('');

describe('short strings', () => {
  it('round-trip at every length, ASCII or not', () => {
    const values: string[] = [];
    for (let n = 0; n <= 80; n++) for (let seed = 0; seed < 3; seed++) values.push(ascii(n, seed));
    for (let n = 1; n <= 16; n++) {
      for (let at = 0; at < n; at++) {
        for (const c of ['é', '\u20ac', '\ud83d\ude00', '\ud800', '\u007f', '\u0000']) {
          const s = ascii(n, at);
          values.push(s.slice(0, at) + c + s.slice(at + 1));
        }
      }
    }
    expect(decodeValue(encodeValue(values))).toEqual(values);
    // One at a time too, framed inside a larger buffer.
    for (const s of values) {
      const b = encodeValue(s);
      const framed = new Uint8Array(b.length + 4);
      framed.set(b, 2);
      expect(decodeValueAt(framed, 2, 2 + b.length)).toBe(s);
    }
  });

  it('round-trip as object keys', () => {
    const objs = [];
    for (let n = 1; n <= 40; n++) objs.push({ [ascii(n, 1)]: n, [ascii(n, 2) + 'é']: -n });
    expect(decodeValue(encodeValue(objs))).toEqual(objs);
  });
});
