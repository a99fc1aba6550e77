/**
 * The decoder reuses the key read last at the same place (field i of an object at depth d, see
 * readKey in src/codec/value.ts): keys that differ at one place from one object to the next, keys
 * of equal length with other bytes, places beyond what the cache tells apart (more than 32 fields,
 * deeper than 8) and `__proto__` all decode to exactly what was encoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, decodeValueAt, encodeValue } from '../src/codec/value.js';

const roundTrip = (v: unknown): unknown => decodeValue(encodeValue(v));

describe('object keys read at the same place as the previous object', () => {
  it('decode as written when the key at a place changes', () => {
    const docs = [
      { ab: 1, cd: 2 },
      { ba: 3, dc: 4 },
      { ab: 5, cd: { ab: 6, ba: 7 } },
      { ab: 8, x: 9 },
      {},
      { cd: 10, ab: 11 },
      { 'é': 12, ab: 13 },
      { ab: 14, cd: 15 },
    ];
    expect(roundTrip(docs)).toEqual(docs);
    // Key order is part of the answer too.
    expect((roundTrip(docs) as object[]).map((d) => Object.keys(d))).toEqual(docs.map((d) => Object.keys(d)));
  });

  it('decode as written past 32 fields and 8 levels', () => {
    const wide = (p: string): Record<string, number> => Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`${p}${i}`, i]));
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { [`d${i % 3}`]: deep, k: i };
    const v = [wide('a'), wide('b'), wide('a'), deep, deep, { ...wide('a'), nested: deep }];
    expect(roundTrip(v)).toEqual(v);
  });

  it('keep __proto__ an own data property wherever it stands', () => {
    const bytes = encodeValue([JSON.parse('{"a":1,"__proto__":{"x":1}}'), JSON.parse('{"a":2,"__proto__":{"y":2}}'), { a: 3, b: 4 }]);
    const got = decodeValue(bytes) as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(got[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(got[1], '__proto__')?.value).toEqual({ y: 2 });
    expect(got[2]).toEqual({ a: 3, b: 4 });
  });

  it('round-trip arrays of objects whose keys collide in length and place', () => {
    // Two-letter keys over a small alphabet: places see equal lengths with other bytes all the time.
    const key = fc.stringMatching(/^[ab]{1,3}$/);
    const leaf = fc.oneof(fc.integer(), fc.constantFrom('x', 'yy', ''), fc.boolean());
    const obj = fc.letrec((tie) => ({
      node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('node')), { maxKeys: 6 }),
    })).node;
    fc.assert(
      fc.property(fc.array(obj, { maxLength: 12 }), (docs) => {
        expect(roundTrip(docs)).toEqual(docs);
        // The same bytes framed inside a larger buffer (a packed reply) decode the same way.
        const b = encodeValue(docs);
        const framed = new Uint8Array(b.length + 7);
        framed.set(b, 3);
        expect(decodeValueAt(framed, 3, 3 + b.length)).toEqual(docs);
      }),
      { numRuns: 300 },
    );
  });
});
