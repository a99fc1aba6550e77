/**
 * WriteBatch against a model: plain puts and deletes, deferred new keys and deletes, and
 * counters, interleaved with savepoints, partial rollbacks and applyDeferred at random points.
 * After every step the keyspace (once deferred writes are applied) must equal the model, a
 * rollback must restore the state its mark saw, and replaying ops() over the state before the
 * batch must give the state after it — the WAL's contract.
 */
import { describe, expect, it } from 'vitest';
import { loadEngine } from '../src/core/engine.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch, type KeyOp } from '../src/keyspace/write-batch.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const f64 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);

/** The whole keyspace as a sorted string map (point keys first, then the tree). */
function dump(ks: Keyspace): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of ks.entries()) out.set(dec(k), Array.from(v).join(','));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A tiny seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function replay(ks: Keyspace, ops: KeyOp[]): void {
  for (const op of ops) {
    if (op.op === 'put') ks.putRaw(op.key, op.value);
    else ks.deleteRaw(op.key);
  }
}

describe('WriteBatch deferred writes', () => {
  it('defers new keys and counters until applied; counter() sees pending deltas', async () => {
    const engine = await loadEngine();
    const ks = Keyspace.create(engine, [0x50]);
    const b = new WriteBatch(ks);
    const count = enc('Scount');
    b.deferPutNew(enc('Sdir-a'), enc('1'));
    b.addCounter(count, 1);
    b.addCounter(count, 1);
    expect(ks.get(enc('Sdir-a'))).toBeUndefined();
    expect(b.counter(count)).toBe(2);
    expect(ks.get(count)).toBeUndefined();
    b.applyDeferred();
    expect(dec(ks.get(enc('Sdir-a'))!)).toBe('1');
    expect(f64(ks.get(count)!)).toBe(2);
    const mark = b.mark();
    b.addCounter(count, -2);
    b.deferDel(enc('Sdir-a'));
    b.applyDeferred();
    expect(ks.get(count)).toBeUndefined(); // a total of 0 is stored as absence
    expect(ks.get(enc('Sdir-a'))).toBeUndefined();
    b.rollbackTo(mark);
    expect(f64(ks.get(count)!)).toBe(2);
    expect(dec(ks.get(enc('Sdir-a'))!)).toBe('1');
    // The WAL gets one write of the counter, with its final total.
    const ops = b.ops();
    expect(ops.filter((o) => dec(o.key) === 'Scount')).toHaveLength(1);
    b.rollback();
    expect(dump(ks).size).toBe(0);
    ks.free();
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`matches a model under random marks, rollbacks and applies (seed ${seed})`, async () => {
      const engine = await loadEngine();
      const ks = Keyspace.create(engine, [0x50]); // 'P...' keys in the table, the rest in the tree
      const rand = rng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
      // Some state before the batch.
      for (let i = 0; i < 20; i++) ks.putRaw(enc(`Pk${i}`), enc(`v${i}`));
      ks.putRaw(enc('Sc0'), new Uint8Array(new Float64Array([5]).buffer));
      const before = dump(ks);

      const b = new WriteBatch(ks);
      // The model: plain keys as they are; deferred keys and counters as they will be once applied.
      type Model = { plain: Map<string, string>; dir: Set<string>; counters: Map<string, number> };
      const model: Model = { plain: new Map(), dir: new Set(), counters: new Map([['Sc0', 5], ['Sc1', 0]]) };
      for (let i = 0; i < 20; i++) model.plain.set(`Pk${i}`, `v${i}`);
      const clone = (m: Model): Model => ({ plain: new Map(m.plain), dir: new Set(m.dir), counters: new Map(m.counters) });
      const marks: Array<{ mark: number; model: Model }> = [];

      const check = (): void => {
        for (const [k, n] of model.counters) expect(b.counter(enc(k)), k).toBe(n);
        b.applyDeferred();
        const want = new Map<string, string>();
        for (const [k, v] of model.plain) want.set(k, Array.from(enc(v)).join(','));
        for (const k of model.dir) want.set(k, '');
        for (const [k, n] of model.counters) if (n !== 0) want.set(k, Array.from(new Uint8Array(new Float64Array([n]).buffer)).join(','));
        expect(dump(ks)).toEqual(new Map([...want].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))));
      };

      for (let step = 0; step < 600; step++) {
        const r = rand();
        if (r < 0.2) {
          const k = `Pk${Math.floor(rand() * 30)}`;
          const v = `w${step}`;
          if (!model.plain.has(k) && rand() < 0.5) b.putNew(enc(k), enc(v));
          else b.put(enc(k), enc(v));
          model.plain.set(k, v);
        } else if (r < 0.3) {
          const k = `Pk${Math.floor(rand() * 30)}`;
          expect(b.del(enc(k))).toBe(model.plain.delete(k));
        } else if (r < 0.45) {
          const k = `Sdir${Math.floor(rand() * 25)}`;
          if (!model.dir.has(k)) { b.deferPutNew(enc(k), new Uint8Array(0)); model.dir.add(k); }
        } else if (r < 0.55) {
          const k = `Sdir${Math.floor(rand() * 25)}`;
          if (model.dir.has(k)) { b.deferDel(enc(k)); model.dir.delete(k); }
        } else if (r < 0.75) {
          const k = pick(['Sc0', 'Sc1']);
          const d = pick([1, 1, -1, 2]);
          b.addCounter(enc(k), d);
          model.counters.set(k, model.counters.get(k)! + d);
        } else if (r < 0.83) {
          marks.push({ mark: b.mark(), model: clone(model) });
        } else if (r < 0.9 && marks.length) {
          const { mark, model: m } = marks.splice(Math.floor(rand() * marks.length))[0];
          b.rollbackTo(mark);
          Object.assign(model, clone(m));
        } else if (r < 0.95) {
          b.applyDeferred();
        } else check();
      }
      check();
      const after = dump(ks);
      const ops = b.ops();
      // Replaying the redo log over the state before the batch gives the state after it.
      b.rollback();
      expect(dump(ks)).toEqual(before);
      replay(ks, ops);
      expect(dump(ks)).toEqual(after);
      ks.free();
    });
  }
});
