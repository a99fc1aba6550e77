/**
 * WriteBatch against a model: puts, new-key puts, deletes, putMany and putRecords over keys in two hash
 * tables and the tree, interleaved with savepoints and partial rollbacks. After every step the
 * keyspace must equal the model, a rollback must restore the state its mark saw, and replaying
 * ops() over the state before the batch must give the state after it — the WAL's contract.
 * Also: each point tag's own table (counts and cursor walks).
 */
import { describe, expect, it } from 'vitest';
import { loadEngine } from '../src/core/engine.js';
import { Tree } from '../src/core/tree.js';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { WriteBatch, type KeyOp } from '../src/keyspace/write-batch.js';
import { recordList } from './record-list.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

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

/** The bytes of a model value (kept as their comma-joined string). */
const bytesOf = (joined: string): Uint8Array => new Uint8Array(joined === '' ? [] : joined.split(',').map(Number));

describe('WriteBatch', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`matches a model under random marks and rollbacks (seed ${seed})`, async () => {
      const engine = await loadEngine();
      // 'P...' and 'Q...' keys each in a hash table of their own, the rest in the tree.
      const ks = Keyspace.create(engine, [0x50, 0x51]);
      const rand = rng(seed);
      const key = (): string => `${'PQS'[Math.floor(rand() * 3)]}k${Math.floor(rand() * 30)}`;
      // Some state before the batch.
      for (let i = 0; i < 20; i++) ks.putRaw(enc(`Pk${i}`), enc(`v${i}`));
      for (let i = 0; i < 10; i++) ks.putRaw(enc(`Sk${i}`), enc(`s${i}`));
      const before = dump(ks);

      const b = new WriteBatch(ks);
      let model = new Map(before);
      const marks: Array<{ mark: number; model: Map<string, string> }> = [];
      const check = (): void => {
        expect(dump(ks)).toEqual(new Map([...model].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))));
        for (const tag of 'PQ') expect(ks.pointCount(tag.charCodeAt(0))).toBe([...model.keys()].filter((k) => k[0] === tag).length);
      };

      for (let step = 0; step < 600; step++) {
        const r = rand();
        if (r < 0.3) {
          const k = key();
          const v = `w${step}`;
          // putNew and putOver are given the value the key has (the caller's knowledge).
          const known = model.has(k) ? bytesOf(model.get(k)!) : undefined;
          const how = rand();
          if (!known && how < 0.3) b.putNew(enc(k), enc(v));
          else if (how < 0.6) b.putOver(enc(k), enc(v), known);
          else b.put(enc(k), enc(v));
          model.set(k, Array.from(enc(v)).join(','));
        } else if (r < 0.45) {
          const k = key();
          if (rand() < 0.5) {
            // delKnown: the known value when present; an absent key is left alone (nothing logged).
            b.delKnown(enc(k), model.has(k) ? bytesOf(model.get(k)!) : enc('stale'));
            model.delete(k);
          } else expect(b.del(enc(k))).toBe(model.delete(k));
        } else if (r < 0.6) {
          // A key may repeat inside one putMany: the later pair wins.
          const entries = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => [key(), `m${step}.${i}`] as const);
          b.putMany(entries.map(([k, v]) => [enc(k), enc(v)] as const));
          for (const [k, v] of entries) model.set(k, Array.from(enc(v)).join(','));
        } else if (r < 0.68) {
          // A record list: tree keys only (one slot in the log), or now and then with a table key
          // among them (written entry by entry instead). Keys repeat here too.
          const mixed = rand() < 0.25;
          const entries = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => [mixed && i === 0 ? key() : `Sk${Math.floor(rand() * 30)}`, `r${step}.${i}`] as const);
          b.putRecords(recordList(entries.map(([k, v]) => [enc(k), enc(v)])));
          for (const [k, v] of entries) model.set(k, Array.from(enc(v)).join(','));
        } else if (r < 0.78) {
          marks.push({ mark: b.mark(), model: new Map(model) });
        } else if (r < 0.85 && marks.length) {
          const { mark, model: m } = marks.splice(Math.floor(rand() * marks.length))[0];
          b.rollbackTo(mark);
          model = new Map(m);
        } else check();
      }
      check();
      const after = dump(ks);
      const ops = b.ops();
      expect(b.redoBytes()).toBeGreaterThanOrEqual(ops.reduce((n, o) => n + o.key.length + (o.op === 'put' ? o.value.length : 0), 0));
      // Replaying the redo log over the state before the batch gives the state after it.
      b.rollback();
      expect(dump(ks)).toEqual(before);
      replay(ks, ops);
      expect(dump(ks)).toEqual(after);
      ks.free();
    });
  }
});

describe('Keyspace point tags', () => {
  it('structures() are the tables then the tree, holding exactly the entries entries() yields', async () => {
    const engine = await loadEngine();
    const ks = Keyspace.create(engine, [0x50, 0x51]);
    for (let i = 0; i < 2500; i++) ks.putRaw(enc(`P${i}`), enc('p'.repeat(i % 300)));
    for (let i = 0; i < 5; i++) ks.putRaw(enc(`Q${i}`), new Uint8Array(0));
    for (let i = 0; i < 1500; i++) ks.putRaw(enc(`S${i}`), enc(`s${i}`));
    const seen: string[] = [];
    for (const s of ks.structures()) {
      const it = s instanceof Tree ? s.range({}) : s.entries();
      for (const [k, v] of it) seen.push(`${dec(k)}=${dec(v)}`);
    }
    expect(seen).toEqual([...ks.entries()].map(([k, v]) => `${dec(k)}=${dec(v)}`));
    expect(seen.length).toBe(4005);
    ks.free();
  });

  it('keeps each point tag in its own table: counts and cursor walks see that tag only', async () => {
    const engine = await loadEngine();
    const ks = Keyspace.create(engine, [0x50, 0x51]);
    for (let i = 0; i < 3000; i++) ks.putRaw(enc(`P${i}`), enc('p'));
    for (let i = 0; i < 5; i++) ks.putRaw(enc(`Q${i}`), enc('q'));
    for (let i = 0; i < 50; i++) ks.putRaw(enc(`S${i}`), enc('s'));
    expect(ks.pointCount(0x50)).toBe(3000);
    expect(ks.pointCount(0x51)).toBe(5);
    expect(ks.pointCount(0x53)).toBe(0); // a tree tag has no table
    expect(ks.size).toBe(3055);
    // A walk in small steps, deleting and adding keys between steps: every key present for the
    // whole walk comes back exactly once, and only keys of the walked tag come back.
    const seen = new Map<string, number>();
    let cursor = 0;
    let step = 0;
    do {
      const r = ks.scanPoint(0x50, cursor, 97);
      for (const [k] of r.entries) seen.set(dec(k), (seen.get(dec(k)) ?? 0) + 1);
      ks.deleteRaw(enc(`P${2000 + step}`));
      ks.putRaw(enc(`Pnew${step}`), enc('n'));
      cursor = r.cursor;
      step++;
      expect(cursor).toBeLessThan(ks.pointCursorEnd(0x50) + 1);
    } while (cursor !== 0);
    for (let i = 0; i < 2000; i++) expect(seen.get(`P${i}`), `P${i}`).toBe(1);
    for (const [k, n] of seen) {
      expect(k[0]).toBe('P');
      expect(n).toBe(1);
    }
    expect(ks.scanPoint(0x53, 0, 10)).toEqual({ cursor: 0, entries: [] });
    ks.free();
  });
});
