/**
 * Keyspace's write log (watchWrites / takeWritten): a read cache refreshes exactly the keys it
 * reports, so it must report every key of a watched tag written or deleted by any write path
 * (putRaw, putManyRaw, deleteRaw, swapRecords, and undo, which uses them), and say "too many"
 * (undefined) instead of dropping keys once more than WRITTEN_MAX were written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { RecordBuilder } from '../src/core/records.js';
import { Keyspace, WRITTEN_MAX } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

const D = 0x44;
const key = (tag: number, s: string): Uint8Array => Uint8Array.of(tag, ...new TextEncoder().encode(s));
const names = (keys: Uint8Array[] | undefined): string[] | undefined => keys?.map((k) => String.fromCharCode(k[0]!) + new TextDecoder().decode(k.subarray(1)));
const val = Uint8Array.of(1, 2, 3);

function records(keys: Uint8Array[]): { bytes: Uint8Array; count: number } {
  const b = new RecordBuilder(keys.reduce((s, k) => s + 8 + k.length + val.length, 0));
  for (const k of keys) {
    b.begin(k.length, val.length);
    b.append(k, 0, k.length);
    b.append(val, 0, val.length);
  }
  return b.list();
}

describe('Keyspace write log', () => {
  it('reports every write of a watched tag, by every path, and nothing of other tags', () => {
    const ks = Keyspace.create(engine, [0x50]);
    try {
      ks.putRaw(key(D, 'before'), val);
      expect(ks.takeWritten(D)).toBeUndefined(); // nobody watches yet
      ks.watchWrites(D);
      expect(ks.takeWritten(D)).toEqual([]);
      const reused = key(D, 'a');
      ks.putRaw(reused, val);
      reused[1] = 0x7a; // the log keeps copies: a caller may reuse its key bytes
      ks.putManyRaw([[key(D, 'b'), val], [key(0x50, 'p'), val], [key(0x4b, 'x'), val]]);
      ks.deleteRaw(key(D, 'before'));
      expect(ks.swapRecords(records([key(D, 'r1'), key(0x4b, 'r2'), key(D, 'r3')]), [])).toBe(true);
      expect(names(ks.takeWritten(D))).toEqual(['Da', 'Db', 'Dbefore', 'Dr1', 'Dr3']);
      expect(ks.takeWritten(D)).toEqual([]);
      // Undo of a batch writes through the same paths: it is reported too.
      const b = new WriteBatch(ks);
      b.put(key(D, 'u'), val);
      b.del(key(D, 'b'));
      b.rollback();
      expect(names(ks.takeWritten(D))!.sort()).toEqual(['Db', 'Db', 'Du', 'Du']);
    } finally {
      ks.free();
    }
  });

  it('says "too many" past WRITTEN_MAX, by any path, then starts over', () => {
    const ks = Keyspace.create(engine);
    try {
      ks.watchWrites(D);
      for (let i = 0; i < WRITTEN_MAX; i++) ks.putRaw(key(D, `k${i}`), val);
      expect(ks.takeWritten(D)!.length).toBe(WRITTEN_MAX);
      for (let i = 0; i <= WRITTEN_MAX; i++) ks.putRaw(key(D, `k${i}`), val);
      expect(ks.takeWritten(D)).toBeUndefined();
      ks.deleteRaw(key(D, 'k0'));
      expect(names(ks.takeWritten(D))).toEqual(['Dk0']);
      // A record list longer than the room left is "too many" at once, without being read.
      ks.putRaw(key(D, 'x'), val);
      expect(ks.swapRecords(records(Array.from({ length: WRITTEN_MAX }, (_, i) => key(D, `s${i}`))), [])).toBe(true);
      expect(ks.takeWritten(D)).toBeUndefined();
      ks.putManyRaw(Array.from({ length: WRITTEN_MAX + 1 }, (_, i) => [key(D, `m${i}`), val] as const));
      expect(ks.takeWritten(D)).toBeUndefined();
      for (let i = 0; i <= WRITTEN_MAX; i++) ks.deleteRaw(key(D, `m${i}`));
      expect(ks.takeWritten(D)).toBeUndefined();
      expect(ks.takeWritten(D)).toEqual([]);
    } finally {
      ks.free();
    }
  });
});
