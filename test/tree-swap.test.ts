/**
 * Tree.swapRecords (engine treeSwapMany): puts a record list and returns what each record
 * replaced in one call per chunk. Checked against the two-call path it replaces
 * (getManyOfRecords, then a put of each record), with keys put twice in one list (also across a chunk
 * boundary), WriteBatch rollbacks, bad lists (nothing written) and an engine failure part way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine, loadEngine } from '../src/core/engine.js';
import { Tree } from '../src/core/tree.js';
import { MAX_KEY } from '../src/core/status.js';
import { recordEntries, valueListEntries, type RecordList } from '../src/core/records.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch } from '../src/keyspace/write-batch.js';
import { concatBytes } from '../src/bytes.js';
import { recordList } from './record-list.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex'));
const dump = (t: Tree): string[] => [...t.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`);
const check = (t: Tree): void => expect(engine.x.treeCheck((t as unknown as { h: number }).h), 'treeCheck').toBe(0);

/** A tiny seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** `n` records over `keys` distinct keys in random order, values of 0 to maxValue bytes. */
function randomEntries(rand: () => number, n: number, keys: number, maxValue: number): Array<[Uint8Array, Uint8Array]> {
  return Array.from({ length: n }, (_, i) => [bytes(`k${Math.floor(rand() * keys)}`), new Uint8Array(Math.floor(rand() * maxValue)).fill(i & 0xff)]);
}

/** swapRecords on a fresh copy: its value list (concatenated) and the tree after it. */
function swap(t: Tree, list: RecordList): { prev: Uint8Array; added: number } {
  const parts: Uint8Array[] = [];
  const added = t.swapRecords(list, parts);
  return { prev: concatBytes(parts), added };
}

describe('Tree.swapRecords', () => {
  it('writes what putMany writes and returns what getManyOfRecords read, for distinct keys over several chunks', () => {
    const rand = rng(1);
    const a = Tree.create(engine);
    const b = Tree.create(engine);
    for (let i = 0; i < 3000; i += 2) {
      a.put(bytes(`k${i}`), bytes(`old${i}`));
      b.put(bytes(`k${i}`), bytes(`old${i}`));
    }
    // Each key once, random order, ~3 MiB: four engine calls.
    const order = Array.from({ length: 3000 }, (_, i) => i).sort(() => rand() - 0.5);
    const list = recordList(order.map((i) => [bytes(`k${i}`), new Uint8Array(1000 + (i % 7)).fill(i & 0xff)]));
    const expected = b.getManyOfRecords(list);
    const addedB = b.putMany(recordEntries(list));
    const { prev, added } = swap(a, list);
    expect(hex(prev)).toBe(hex(expected));
    expect(added).toBe(addedB);
    expect(added).toBe(1500);
    expect(dump(a)).toEqual(dump(b));
    check(a);
    a.free();
    b.free();
  });

  it('a key put twice: the later record wins, and its previous value is the earlier record\'s (also across chunks)', () => {
    const t = Tree.create(engine);
    t.put(bytes('x'), bytes('before'));
    const big = new Uint8Array(700 * 1024);
    // 'x' in the first chunk and again in the second (each big value fills most of a chunk).
    const list = recordList([
      [bytes('x'), bytes('one')], [bytes('y'), bytes('y1')], [bytes('y'), bytes('y2')], [bytes('b1'), big],
      [bytes('b2'), big], [bytes('x'), bytes('two')],
    ]);
    const { prev, added } = swap(t, list);
    expect(added).toBe(3); // y, b1 and b2; x existed
    const dec = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : v.length > 100 ? `${v.length}` : new TextDecoder().decode(v));
    expect(valueListEntries(prev, list.count).map(dec)).toEqual(['before', undefined, 'y1', undefined, undefined, 'one']);
    expect(dec(t.get(bytes('x')))).toBe('two');
    expect(dec(t.get(bytes('y')))).toBe('y2');
    check(t);
    t.free();
  });

  it('a malformed or oversized list fails before anything is written, with no values reported', () => {
    const t = Tree.create(engine);
    t.put(bytes('a'), bytes('1'));
    const good = recordList([[bytes('b'), bytes('2')], [bytes('c'), bytes('3')]]);
    const big = new Uint8Array(600 * 1024);
    const bad: Array<[RecordList, string]> = [
      [{ bytes: good.bytes, count: 3 }, 'BAD_VALUE'],
      [{ bytes: good.bytes, count: 1 }, 'BAD_VALUE'],
      [{ bytes: good.bytes.subarray(0, good.bytes.length - 1), count: 2 }, 'BAD_VALUE'],
      [{ bytes: 'no' as unknown as Uint8Array, count: 1 }, 'BAD_VALUE'],
      // The oversized key is in the third chunk: the first two must not be written either.
      [recordList([[bytes('d'), big], [bytes('e'), big], [bytes('f'), bytes('4')], [new Uint8Array(MAX_KEY + 1), bytes('x')]]), 'TOO_LARGE'],
    ];
    for (const [list, code] of bad) {
      const parts: Uint8Array[] = [];
      expect(() => t.swapRecords(list, parts)).toThrow(expect.objectContaining({ code }));
      expect(parts).toEqual([]);
    }
    expect([...t.range({})].map(([k]) => new TextDecoder().decode(k))).toEqual(['a']);
    expect(swap(t, { bytes: new Uint8Array(0), count: 0 })).toEqual({ prev: new Uint8Array(0), added: 0 });
    t.free();
  });
});

describe('WriteBatch.putRecords over swapRecords', () => {
  for (const seed of [1, 2, 3]) {
    it(`random lists with repeated keys roll back exactly, to marks and whole (seed ${seed})`, () => {
      const rand = rng(seed);
      const ks = Keyspace.create(engine, []);
      for (let i = 0; i < 200; i += 3) ks.putRaw(bytes(`k${i}`), bytes(`v${i}`));
      const state = (): string[] => [...ks.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`);
      const before = state();
      const b = new WriteBatch(ks);
      const marks: Array<[number, string[]]> = [];
      for (let step = 0; step < 6; step++) {
        marks.push([b.mark(), state()]);
        // Values up to 40 KiB: a list of 60 spans several 1 MiB chunks now and then.
        b.putRecords(recordList(randomEntries(rand, 60, 200, step % 2 ? 40_000 : 20)));
        if (rand() < 0.3) b.put(bytes(`k${Math.floor(rand() * 200)}`), bytes('single'));
      }
      while (marks.length > 0) {
        const [mark, s] = marks.splice(Math.floor(rand() * marks.length))[0]!;
        b.rollbackTo(mark);
        expect(state()).toEqual(s);
      }
      b.rollback();
      expect(state()).toEqual(before);
      ks.free();
    });
  }

  it('an engine failure part way is undone: the batch logs what was written before the error', () => {
    // Simulated abort: the second engine call writes its records, then throws as an abort does.
    const real = engine.x.treeSwapMany;
    let calls = 0;
    const failing = new Engine({
      ...engine.x,
      treeSwapMany: (h: number, n: number, len: number): number => {
        const r = real(h, n, len);
        if (++calls === 2) throw new Error('simulated abort');
        return r;
      },
    });
    const ks = Keyspace.create(failing, []);
    ks.putRaw(bytes('k1'), bytes('old'));
    const before = [...ks.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`);
    const big = new Uint8Array(600 * 1024);
    const list = recordList([[bytes('k0'), big], [bytes('k1'), big], [bytes('k2'), big], [bytes('k3'), big]]);
    const b = new WriteBatch(ks);
    expect(() => b.putRecords(list)).toThrow('simulated abort');
    expect(calls).toBe(2);
    // One record per chunk (two do not fit in 1 MiB): k0 was written, then k1 by the call that failed.
    expect(ks.size).toBe(2);
    expect(ks.get(bytes('k1'))?.length).toBe(big.length);
    b.rollback();
    expect([...ks.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`)).toEqual(before);
    ks.free();
  });
});
