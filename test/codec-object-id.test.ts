import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ObjectId } from '../src/codec/object-id.js';
import { compareBytes } from '../src/keys/encode.js';

describe('ObjectId', () => {
  it('is 12 bytes with the creation time in the first four (big-endian seconds)', () => {
    const before = Math.floor(Date.now() / 1000);
    const id = new ObjectId();
    const after = Math.floor(Date.now() / 1000);
    expect(id.id.length).toBe(12);
    const t = id.getTimestamp().getTime() / 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('sorts by creation order within a process', () => {
    const ids = Array.from({ length: 1000 }, () => new ObjectId());
    for (let i = 1; i < ids.length; i++) {
      // Same second: the counter decides; a later second: the timestamp decides. (A counter wrap
      // inside one second would need 16M ids.)
      expect(compareBytes(ids[i - 1]!.id, ids[i]!.id)).toBe(-1);
    }
  });

  it('shares the 5 random bytes across ids of one process', () => {
    const a = new ObjectId();
    const b = new ObjectId();
    expect([...a.id.subarray(4, 9)]).toEqual([...b.id.subarray(4, 9)]);
  });

  it('round-trips through hex and keeps the hex lowercase', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (b) => {
        const id = new ObjectId(b);
        const hex = id.toHexString();
        expect(hex).toMatch(/^[0-9a-f]{24}$/);
        expect(new ObjectId(hex).equals(id)).toBe(true);
        expect(new ObjectId(hex.toUpperCase()).equals(id)).toBe(true);
        expect(id.toString()).toBe(hex);
        expect(id.toJSON()).toBe(hex);
        expect(JSON.stringify({ id })).toBe(`{"id":"${hex}"}`);
      }),
      { numRuns: 300 },
    );
  });

  it('copies its input bytes', () => {
    const b = new Uint8Array(12);
    const id = new ObjectId(b);
    b[0] = 9;
    expect(id.id[0]).toBe(0);
    expect(new ObjectId(id).equals(id)).toBe(true);
  });

  it('isValid and equals', () => {
    expect(ObjectId.isValid('65a1b2c3d4e5f60718293a4b')).toBe(true);
    expect(ObjectId.isValid('65A1B2C3D4E5F60718293A4B')).toBe(true);
    expect(ObjectId.isValid('65a1b2c3d4e5f60718293a4')).toBe(false);
    expect(ObjectId.isValid('65a1b2c3d4e5f60718293a4g')).toBe(false);
    expect(ObjectId.isValid(new Uint8Array(12))).toBe(true);
    expect(ObjectId.isValid(new Uint8Array(11))).toBe(false);
    expect(ObjectId.isValid(123)).toBe(false);
    const id = new ObjectId('65a1b2c3d4e5f60718293a4b');
    expect(id.equals('65a1b2c3d4e5f60718293a4b')).toBe(true);
    expect(id.equals(new ObjectId())).toBe(false);
    expect(id.equals('nope')).toBe(false);
    expect(id.getTimestamp().toISOString()).toBe(new Date(0x65a1b2c3 * 1000).toISOString());
  });

  it('rejects bad input with BAD_VALUE', () => {
    for (const bad of ['', 'xyz', '65a1b2c3d4e5f60718293a4g', '65a1b2c3d4e5f60718293a4b0', new Uint8Array(13), 42, null]) {
      expect(() => new ObjectId(bad as string)).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    }
  });

  it('fromTime gives the smallest id of that second', () => {
    const lo = ObjectId.fromTime(new Date(1_700_000_000_500));
    expect(lo.toHexString()).toBe((1_700_000_000).toString(16).padStart(8, '0') + '0'.repeat(16));
    expect(compareBytes(lo.id, new ObjectId().id)).toBe(-1);
  });
});
