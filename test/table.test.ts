/**
 * Table (assembly/hashtable.ts + src/core/table.ts): differential property tests against a Map,
 * the SCAN guarantee, edge sizes, bounded memory and bad input.
 *
 * Needs the release build: `npm run build:wasm && npx vitest run test/table.test.ts`. To run it
 * against the debug build (the allocator then checks every block it frees):
 * `npm run build:wasm:debug && LARDER_WASM=build/larder.debug.wasm npx vitest run test/table.test.ts`.
 */
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Table } from '../src/core/table.js';
import { LarderError } from '../src/errors.js';
import { MAX_KEY, MAX_VALUE, STATUS } from '../src/core/status.js';
import { IO } from '../src/core/exports.js';

let engine: Engine;
beforeAll(async () => {
  const wasm = process.env.LARDER_WASM;
  engine = await loadEngine(wasm ? pathToFileURL(wasm) : undefined);
});

// ---- helpers ----------------------------------------------------------------------------------

const str = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
};

/**
 * Key for an id. Lengths 0..22 vary with the id (id 0 is the empty key), so short keys collide
 * on purpose (same bytes from different ids = same key, which the Map model handles too).
 */
function keyOf(id: number): Uint8Array {
  const len = id % 23;
  const k = new Uint8Array(len);
  for (let i = 0; i < len; i++) k[i] = ((id >>> ((i & 3) * 8)) ^ (i * 37)) & 255;
  return k;
}

/** A value whose bytes depend on the seed. */
function valueOf(len: number, seed: number): Uint8Array {
  const v = new Uint8Array(len);
  for (let i = 0; i < len; i++) v[i] = (seed + i * 31) & 255;
  return v;
}

/** Small deterministic generator for the ids inside a batch op. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** Byte equality without vitest's element-by-element deep equal (slow on large arrays). */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A cheap assertion for the hot loops of the property tests (vitest's expect costs microseconds). */
function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`table differs from the model: ${what}`);
}

function expectSame(t: Table, model: Map<string, Uint8Array>): void {
  expect(t.size).toBe(model.size);
  let n = 0;
  for (const [k, v] of t.entries()) {
    check(sameBytes(v, model.get(str(k))), `entries() key ${str(k)}`);
    n++;
  }
  expect(n).toBe(model.size);
  for (const [k, v] of model) {
    const key = Uint8Array.from(k, (c) => c.charCodeAt(0));
    check(sameBytes(t.get(key), v), `get ${k}`);
  }
}

function expectLarder(fn: () => unknown, code: string, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LarderError);
  expect((err as LarderError).code).toBe(code);
  if (message) expect((err as LarderError).message).toMatch(message);
}

// ---- differential property tests --------------------------------------------------------------

/** Operations processed across the property runs of this file (reported and checked at the end). */
let totalOps = 0;

/** op = [kind, a, b, c]; the meaning of a/b/c depends on kind. */
type Op = [number, number, number, number];

/**
 * Runs `ops` against a fresh Table and a Map model. Also carries one Redis-style scan through the
 * sequence (one step per scan op) and checks its guarantee when it completes.
 */
function runOps(ops: Op[], space: number, bigValues: boolean): void {
  const t = Table.create(engine);
  const model = new Map<string, Uint8Array>();
  let scan: { cursor: number; start: Set<string>; removed: Set<string>; seen: Map<string, number> } | undefined;
  const removed = (k: string): void => {
    scan?.removed.add(k);
  };
  const vlen = (b: number): number => (bigValues && b % 17 === 0 ? 200 + (b % 3000) : b % 41);
  try {
    for (const [kind, a, b, c] of ops) {
      totalOps++;
      const id = a % space;
      const key = keyOf(id);
      const ks = str(key);
      switch (kind) {
        case 0:
        case 1:
        case 2: {
          const v = valueOf(vlen(b), c);
          check(t.put(key, v) === !model.has(ks), 'put result');
          model.set(ks, v);
          break;
        }
        case 3:
          check(sameBytes(t.get(key), model.get(ks)), 'get');
          break;
        case 4:
          check(t.has(key) === model.has(ks), 'has');
          break;
        case 5:
        case 6: {
          check(t.delete(key) === model.delete(ks), 'delete');
          removed(ks);
          break;
        }
        case 7: {
          // putMany of up to 80 entries (repeats inside a batch: the later one wins).
          const rnd = lcg(c);
          const n = 1 + (b % 80);
          const batch: [Uint8Array, Uint8Array][] = [];
          const fresh = new Set<string>();
          for (let i = 0; i < n; i++) {
            const k = keyOf(rnd() % space);
            const s = str(k);
            if (!model.has(s)) fresh.add(s);
            const v = valueOf(vlen(rnd()), rnd());
            batch.push([k, v]);
            model.set(s, v);
          }
          check(t.putMany(batch) === fresh.size, 'putMany count');
          break;
        }
        case 8: {
          const rnd = lcg(c);
          const keys = Array.from({ length: b % 40 }, () => keyOf(rnd() % space));
          const got = t.getMany(keys);
          check(got.length === keys.length, 'getMany length');
          for (let i = 0; i < keys.length; i++) check(sameBytes(got[i], model.get(str(keys[i]))), 'getMany value');
          break;
        }
        case 9: {
          const rnd = lcg(c);
          const keys = Array.from({ length: b % 40 }, () => keyOf(rnd() % space));
          let gone = 0;
          for (const k of keys) {
            const s = str(k);
            if (model.delete(s)) gone++;
            removed(s);
          }
          check(t.deleteMany(keys) === gone, 'deleteMany count');
          break;
        }
        case 10: {
          // Rare: clear (a, b both small) or a size check.
          if (b % 50 === 0) {
            t.clear();
            for (const k of model.keys()) removed(k);
            model.clear();
          }
          check(t.size === model.size, 'size');
          break;
        }
        default: {
          // Scan step.
          if (!scan) scan = { cursor: 0, start: new Set(model.keys()), removed: new Set(), seen: new Map() };
          const r = t.scan(scan.cursor, 1 + (b % 30));
          for (const [k, v] of r.entries) {
            const s = str(k);
            check(sameBytes(model.get(s), v), 'scan returned a key that is not present');
            scan.seen.set(s, (scan.seen.get(s) ?? 0) + 1);
          }
          scan.cursor = r.cursor;
          if (r.cursor === 0) {
            for (const s of scan.start) {
              if (!scan.removed.has(s)) check(scan.seen.get(s) === 1, 'stable key returned exactly once');
            }
            scan = undefined;
          }
        }
      }
    }
    expectSame(t, model);
  } finally {
    t.free();
  }
}

const opArb = (kinds: number): fc.Arbitrary<Op> =>
  fc.tuple(fc.nat(kinds - 1), fc.nat(), fc.nat(), fc.nat()) as fc.Arbitrary<Op>;

describe('Table vs Map (differential)', () => {
  it('random sequences over a large key space (many resizes, batches, scans)', () => {
    fc.assert(
      fc.property(fc.array(opArb(13), { minLength: 500, maxLength: 4000 }), fc.constantFrom(5000, 100_000), (ops, space) =>
        runOps(ops, space, false),
      ),
      { numRuns: 300 },
    );
  });

  it('random sequences over a small key space (overwrites and deletes hit)', () => {
    fc.assert(
      fc.property(fc.array(opArb(13), { minLength: 200, maxLength: 3000 }), fc.constantFrom(4, 23, 60, 400), (ops, space) =>
        runOps(ops, space, false),
      ),
      { numRuns: 400 },
    );
  });

  it('value sizes that change block size classes on overwrite', () => {
    fc.assert(
      fc.property(fc.array(opArb(13), { minLength: 200, maxLength: 2000 }), fc.constantFrom(30, 300), (ops, space) =>
        runOps(ops, space, true),
      ),
      { numRuns: 120 },
    );
  });

  it('long runs: grow to tens of thousands of entries, then delete back down (shrinking)', () => {
    // Few ops generated by fast-check, each expanded into many: grow phase then drain phase.
    fc.assert(
      fc.property(fc.integer({ min: 20_000, max: 60_000 }), fc.nat(), (n, seed) => {
        const t = Table.create(engine);
        const model = new Map<string, Uint8Array>();
        const rnd = lcg(seed);
        try {
          for (let i = 0; i < n; i++) {
            const k = keyOf(1000 + (rnd() % (n * 2)));
            const v = valueOf(rnd() % 24, i);
            t.put(k, v);
            model.set(str(k), v);
            if (i % 3 === 0) {
              const d = keyOf(1000 + (rnd() % (n * 2)));
              check(t.delete(d) === model.delete(str(d)), 'delete');
            }
          }
          totalOps += n + n / 3;
          expect(t.size).toBe(model.size);
          const keys = [...model.keys()];
          for (let i = 0; i < keys.length; i++) {
            if (i % 10 !== 0) {
              t.delete(Uint8Array.from(keys[i], (c) => c.charCodeAt(0)));
              model.delete(keys[i]);
            }
          }
          totalOps += keys.length;
          expectSame(t, model);
        } finally {
          t.free();
        }
      }),
      { numRuns: 8 },
    );
  });

  it('ran at least 500,000 operations', () => {
    if (totalOps === 0) return; // the property tests were filtered out (vitest -t)
    console.log(`table differential tests: ${Math.round(totalOps)} operations`);
    expect(totalOps).toBeGreaterThanOrEqual(500_000);
  });
});

// ---- incremental resize ------------------------------------------------------------------------

describe('incremental resize', () => {
  it('keeps both indexes for thousands of operations after growing, with every key reachable meanwhile', () => {
    const t = Table.create(engine);
    const keys: Uint8Array[] = [];
    const live: number[] = [];
    // 65,536 slots hold 57,344 entries (7/8); the next insert allocates a 131,072-slot index (1 MiB).
    for (let i = 0; i < 64_000; i++) {
      const k = new TextEncoder().encode(`grow:${i}`);
      keys.push(k);
      t.put(k, k);
      live.push(engine.stats().liveBytes);
    }
    let grewAt = -1;
    let oldFreedAt = -1;
    for (let i = 1; i < live.length; i++) {
      const d = live[i] - live[i - 1];
      if (d >= 1 << 20 && grewAt < 0 && i > 50_000) grewAt = i;
      if (d <= -(1 << 19) + 1024 && grewAt >= 0 && oldFreedAt < 0) oldFreedAt = i;
    }
    expect(grewAt).toBe(57_344);
    expect(oldFreedAt).toBeGreaterThan(grewAt + 1000);
    // Mid-migration every key is found (a lookup consults both indexes).
    const t2 = Table.create(engine);
    for (let i = 0; i < 57_345; i++) t2.put(keys[i], keys[i]);
    for (let i = 0; i < 57_345; i++) if (!t2.has(keys[i])) throw new Error(`key ${i} lost during migration`);
    for (let i = 0; i < 57_345; i += 2) t2.delete(keys[i]);
    for (let i = 0; i < 57_345; i++) if (t2.has(keys[i]) !== (i % 2 === 1)) throw new Error(`key ${i} wrong after deletes`);
    expect(t2.size).toBe(28_672);
    t.free();
    t2.free();
  });
});

// ---- SCAN --------------------------------------------------------------------------------------

describe('scan', () => {
  it('returns every entry present for the whole iteration exactly once, across inserts, deletes and a resize', () => {
    const t = Table.create(engine);
    try {
      const stable = new Map<string, Uint8Array>();
      // 12,000 entries: the index (16,384 slots, 7/8 = 14,336 limit) grows during the scan.
      for (let i = 0; i < 12_000; i++) {
        const k = new TextEncoder().encode(`stable:${i}`);
        const v = valueOf(i % 20, i);
        t.put(k, v);
        stable.set(str(k), v);
      }
      const volatile: Uint8Array[] = [];
      let nextVolatile = 0;
      const seen = new Map<string, number>();
      let cursor = 0;
      let calls = 0;
      do {
        const r = t.scan(cursor, 97);
        for (const [k, v] of r.entries) {
          const s = str(k);
          seen.set(s, (seen.get(s) ?? 0) + 1);
          if (stable.has(s)) expect(v).toEqual(stable.get(s));
        }
        cursor = r.cursor;
        calls++;
        // Between calls: insert 60 new keys, delete 25 of the earlier new ones.
        for (let i = 0; i < 60; i++) {
          const k = new TextEncoder().encode(`volatile:${nextVolatile++}`);
          t.put(k, k);
          volatile.push(k);
        }
        for (let i = 0; i < 25 && volatile.length > 0; i++) {
          const j = (calls * 7 + i * 13) % volatile.length;
          expect(t.delete(volatile[j])).toBe(true);
          volatile.splice(j, 1);
        }
      } while (cursor !== 0);
      expect(calls).toBeGreaterThan(100);
      // The table grew past its first 16,384-slot index during the iteration.
      expect(t.size).toBe(12_000 + volatile.length);
      expect(t.size).toBeGreaterThan(14_336);
      for (const s of stable.keys()) expect(seen.get(s), s).toBe(1);
    } finally {
      t.free();
    }
  });

  it('scan(0) on an empty table is done at once; entries() of an empty table is empty', () => {
    const t = Table.create(engine);
    expect(t.scan(0)).toEqual({ cursor: 0, entries: [] });
    expect([...t.entries()]).toEqual([]);
    t.free();
  });

  it('skips long runs of deleted positions in bounded steps and still finishes', () => {
    const t = Table.create(engine);
    const keys = Array.from({ length: 50_000 }, (_, i) => new TextEncoder().encode(`k${i}`));
    t.putMany(keys.map((k) => [k, k] as const));
    t.deleteMany(keys.slice(0, 49_990));
    let cursor = 0;
    const got: string[] = [];
    let calls = 0;
    do {
      const r = t.scan(cursor, 5);
      for (const [k] of r.entries) got.push(str(k));
      cursor = r.cursor;
      calls++;
    } while (cursor !== 0);
    expect(got.sort()).toEqual(keys.slice(49_990).map(str).sort());
    expect(calls).toBeGreaterThan(2);
    t.free();
  });

  it('rejects a bad cursor or count', () => {
    const t = Table.create(engine);
    expectLarder(() => t.scan(-1), 'BAD_VALUE', /cursor/);
    expectLarder(() => t.scan(1.5), 'BAD_VALUE', /cursor/);
    expectLarder(() => t.scan(0, 0), 'BAD_VALUE', /count/);
    expect(engine.x.tableScan((t as unknown as { h: number }).h, -1, 10, 0)).toBe(STATUS.BAD_INPUT);
    expect(engine.x.tableScan((t as unknown as { h: number }).h, 0, 0, 0)).toBe(STATUS.BAD_INPUT);
    t.free();
  });
});

// ---- edge sizes --------------------------------------------------------------------------------

describe('edge sizes', () => {
  it('empty key and 1-byte keys', () => {
    const t = Table.create(engine);
    const empty = new Uint8Array(0);
    expect(t.get(empty)).toBeUndefined();
    expect(t.put(empty, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(t.put(empty, Uint8Array.of(4))).toBe(false);
    expect(t.get(empty)).toEqual(Uint8Array.of(4));
    for (let b = 0; b < 256; b++) expect(t.put(Uint8Array.of(b), Uint8Array.of(b, b))).toBe(true);
    expect(t.size).toBe(257);
    for (let b = 0; b < 256; b++) expect(t.get(Uint8Array.of(b))).toEqual(Uint8Array.of(b, b));
    expect(t.put(empty, new Uint8Array(0))).toBe(false);
    expect(t.get(empty)).toEqual(new Uint8Array(0));
    expect(t.has(empty)).toBe(true);
    expect(t.delete(empty)).toBe(true);
    expect(t.has(empty)).toBe(false);
    expect(t.getMany([empty, Uint8Array.of(7)])).toEqual([undefined, Uint8Array.of(7, 7)]);
    t.free();
  });

  it('64 KiB keys: exactly MAX_KEY works, MAX_KEY + 1 is rejected', () => {
    const t = Table.create(engine);
    const k = valueOf(MAX_KEY, 9);
    const k2 = valueOf(MAX_KEY, 10);
    expect(t.put(k, Uint8Array.of(1))).toBe(true);
    expect(t.putMany([[k2, Uint8Array.of(2)]])).toBe(1);
    expect(t.get(k)).toEqual(Uint8Array.of(1));
    expect(t.getMany([k2, k])).toEqual([Uint8Array.of(2), Uint8Array.of(1)]);
    expect(t.has(k2)).toBe(true);
    const big = new Uint8Array(MAX_KEY + 1);
    expectLarder(() => t.put(big, Uint8Array.of(1)), 'TOO_LARGE', /key of 65537 bytes/);
    expectLarder(() => t.get(big), 'TOO_LARGE');
    expectLarder(() => t.putMany([[Uint8Array.of(5), Uint8Array.of(5)], [big, Uint8Array.of(1)]]), 'TOO_LARGE');
    expect(t.size).toBe(2);
    expect(t.has(Uint8Array.of(5))).toBe(false);
    // Raw export with a key length over the limit.
    const h = (t as unknown as { h: number }).h;
    expect(engine.x.tablePut(h, MAX_KEY + 1, 0)).toBe(STATUS.KEY_TOO_LARGE);
    expect(engine.x.tableGet(h, MAX_KEY + 1)).toBe(STATUS.KEY_TOO_LARGE);
    expect(t.delete(k)).toBe(true);
    expect(t.deleteMany([k2])).toBe(1);
    expect(t.size).toBe(0);
    t.free();
  });

  it('1 MiB values: put, overwrite, get, getView, getMany, scan', () => {
    const t = Table.create(engine);
    const vals = [1, 2, 3].map((s) => valueOf(1 << 20, s));
    t.put(Uint8Array.of(1), vals[0]);
    t.putMany([
      [Uint8Array.of(2), vals[1]],
      [Uint8Array.of(3), vals[2]],
    ]);
    expect(sameBytes(t.get(Uint8Array.of(1)), vals[0])).toBe(true);
    expect(sameBytes(t.getView(Uint8Array.of(2)), vals[1])).toBe(true);
    const many = t.getMany([Uint8Array.of(3), Uint8Array.of(4), Uint8Array.of(1)]);
    expect(many.length).toBe(3);
    expect(sameBytes(many[0], vals[2]) && many[1] === undefined && sameBytes(many[2], vals[0])).toBe(true);
    // Overwrite with a smaller and a larger value.
    t.put(Uint8Array.of(1), Uint8Array.of(9));
    expect(t.get(Uint8Array.of(1))).toEqual(Uint8Array.of(9));
    t.put(Uint8Array.of(1), vals[2]);
    expect(sameBytes(t.get(Uint8Array.of(1)), vals[2])).toBe(true);
    // A scan with a 1 MiB byte budget still returns at least one entry per call.
    const r = t.scan(0, 10);
    expect(r.entries.length).toBe(1);
    expect(r.cursor).not.toBe(0);
    const all = [...t.entries()];
    expect(all.length).toBe(3);
    const byKey = new Map(all.map(([k, v]) => [k[0], v]));
    expect(sameBytes(byKey.get(1), vals[2]) && sameBytes(byKey.get(2), vals[1]) && sameBytes(byKey.get(3), vals[2])).toBe(true);
    // The out region was trimmed back after the large results.
    expect(engine.io[IO.OUT_CAP]).toBeLessThanOrEqual(1 << 20);
    t.free();
  });
});

// ---- memory ------------------------------------------------------------------------------------

describe('memory', () => {
  it('fill 1,000,000 entries, clear, refill, ten times: live bytes return to baseline and memory stops growing', () => {
    const N = 1_000_000;
    const keys = new Uint8Array(N * 16);
    const vals = new Uint8Array(N * 32);
    const dv = new DataView(keys.buffer);
    for (let i = 0; i < N; i++) {
      dv.setUint32(i * 16, i, true);
      dv.setUint32(i * 16 + 8, Math.imul(i, 2654435761), true);
    }
    for (let i = 0; i < vals.length; i++) vals[i] = i & 255;
    const entries: [Uint8Array, Uint8Array][] = new Array(N);
    for (let i = 0; i < N; i++) entries[i] = [keys.subarray(i * 16, i * 16 + 16), vals.subarray(i * 32, i * 32 + 32)];

    const t = Table.create(engine);
    engine.scratch(2 << 20); // pre-size scratch so it does not count as table growth
    const baseline = engine.stats().liveBytes;
    const memory: number[] = [];
    const live: number[] = [];
    for (let cycle = 0; cycle < 10; cycle++) {
      expect(t.putMany(entries)).toBe(N);
      expect(t.size).toBe(N);
      if (cycle === 0) {
        const s = engine.stats();
        // Entry block (64 B incl. allocator header) + index slot + entry cell: about 84 B per entry.
        expect((s.liveBytes - baseline) / N).toBeLessThan(100);
        expect(t.get(entries[123_456][0])).toEqual(entries[123_456][1]);
      }
      t.clear();
      expect(t.size).toBe(0);
      live.push(engine.stats().liveBytes);
      memory.push(engine.memoryBytes);
    }
    for (const l of live) expect(l).toBe(baseline);
    for (const m of memory) expect(m).toBe(memory[0]);
    t.free();
  });

  it('deleting every entry returns the table to (almost) its fresh size', () => {
    engine.scratch(2 << 20);
    Table.create(engine).free(); // the handle registry allocates on first use
    const before = engine.stats().liveBytes;
    const t = Table.create(engine);
    const fresh = engine.stats().liveBytes;
    const keys = Array.from({ length: 100_000 }, (_, i) => new TextEncoder().encode(`key${i}`));
    t.putMany(keys.map((k) => [k, k] as const));
    expect(t.deleteMany(keys.slice(0, 99_000))).toBe(99_000);
    // Shrinking is incremental; a few more operations finish it.
    for (let i = 0; i < 2000; i++) t.has(keys[i]);
    // Left: 1,000 entries, an index shrunk to a few thousand slots, and the entry array, which
    // keeps 4 bytes per position ever used (positions are stable for scans) until it empties.
    const afterMost = engine.stats().liveBytes - fresh;
    expect(afterMost).toBeLessThan(1000 * 100 + 25 * 16 * 1024 + 64 * 1024);
    for (const k of keys.slice(99_000)) t.delete(k);
    expect(t.size).toBe(0);
    // Index back to its minimum and the entry array released (one 16 KiB page may stay).
    expect(engine.stats().liveBytes - fresh).toBeLessThanOrEqual(16 * 1024 + 64);
    t.put(keys[0], keys[0]);
    expect(t.get(keys[0])).toEqual(keys[0]);
    t.free();
    expect(engine.stats().liveBytes).toBe(before);
  });

  it('free() returns every byte the table held', () => {
    engine.scratch(2 << 20);
    Table.create(engine).free();
    const before = engine.stats().liveBytes;
    const t = Table.create(engine);
    for (let i = 0; i < 20_000; i++) t.put(new TextEncoder().encode(`key${i}`), valueOf(i % 100, i));
    for (let i = 0; i < 20_000; i += 3) t.delete(new TextEncoder().encode(`key${i}`));
    t.free();
    expect(engine.stats().liveBytes).toBe(before);
  });
});

// ---- bad input ---------------------------------------------------------------------------------

describe('bad input', () => {
  /** Writes raw bytes into scratch. */
  const writeScratch = (bytes: number[] | Uint8Array, at = 0): void => {
    engine.put(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), at);
  };
  const u32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];

  function seeded(): { t: Table; h: number; snapshot: () => string[] } {
    const t = Table.create(engine);
    for (let i = 0; i < 100; i++) t.put(Uint8Array.of(i), Uint8Array.of(i, 1));
    const h = (t as unknown as { h: number }).h;
    const snapshot = (): string[] => [...t.entries()].map(([k, v]) => `${str(k)}=${str(v)}`).sort();
    return { t, h, snapshot };
  }

  it('raw batch exports: zero-length or overrunning buffers and oversized lengths change nothing', () => {
    const { t, h, snapshot } = seeded();
    const before = snapshot();
    for (const f of [engine.x.tablePutMany, engine.x.tableGetMany, engine.x.tableDelMany]) {
      expect(f(h, 5, 0)).toBe(STATUS.BAD_INPUT);
      expect(f(h, -1, 10)).toBe(STATUS.BAD_INPUT);
      expect(f(h, 1, 3)).toBe(STATUS.BAD_INPUT); // header overruns
      expect(f(h, 1, engine.io[IO.SCRATCH_CAP] + 1)).toBe(STATUS.BAD_INPUT); // beyond scratch
      expect(f(h, 0, 0)).toBe(0);
    }
    // A valid record, then one whose lengths overrun len: nothing applied.
    writeScratch([...u32(1), ...u32(1), 200, 201, ...u32(10), ...u32(10), 1, 2, 3]);
    expect(engine.x.tablePutMany(h, 2, 10 + 11)).toBe(STATUS.BAD_INPUT);
    // Oversized key / value lengths in the second record.
    writeScratch([...u32(1), ...u32(1), 200, 201, ...u32(MAX_KEY + 1), ...u32(0)]);
    expect(engine.x.tablePutMany(h, 2, 26)).toBe(STATUS.KEY_TOO_LARGE);
    writeScratch([...u32(1), ...u32(1), 200, 201, ...u32(0), ...u32(MAX_VALUE + 1)]);
    expect(engine.x.tablePutMany(h, 2, 26)).toBe(STATUS.VALUE_TOO_LARGE);
    // Key lists: a valid key (which exists) then an overrun, and an oversized key length.
    writeScratch([...u32(1), 5, ...u32(50), 1]);
    expect(engine.x.tableDelMany(h, 2, 10)).toBe(STATUS.BAD_INPUT);
    writeScratch([...u32(1), 5, ...u32(MAX_KEY + 1)]);
    expect(engine.x.tableDelMany(h, 2, 9)).toBe(STATUS.KEY_TOO_LARGE);
    expect(engine.x.tableGetMany(h, 2, 9)).toBe(STATUS.KEY_TOO_LARGE);
    // Single-key exports.
    expect(engine.x.tablePut(h, 0, MAX_VALUE + 1)).toBe(STATUS.VALUE_TOO_LARGE);
    expect(engine.x.tablePut(h, -1, 0)).toBe(STATUS.BAD_INPUT);
    expect(engine.x.tablePut(h, 10, engine.io[IO.SCRATCH_CAP])).toBe(STATUS.BAD_INPUT);
    expect(engine.x.tableHas(h, -5)).toBe(STATUS.BAD_INPUT);
    expect(snapshot()).toEqual(before);
    expect(t.size).toBe(100);
    t.free();
  });

  it('a freed handle: raw exports give BAD_HANDLE, the binding throws CLOSED', () => {
    const { t, h } = seeded();
    t.free();
    for (const r of [
      engine.x.tablePut(h, 1, 1),
      engine.x.tableGet(h, 1),
      engine.x.tableHas(h, 1),
      engine.x.tableDel(h, 1),
      engine.x.tableCount(h),
      engine.x.tableClear(h),
      engine.x.tableScan(h, 0, 10, 0),
      engine.x.tablePutMany(h, 0, 0),
      engine.x.tableGetMany(h, 0, 0),
      engine.x.tableDelMany(h, 0, 0),
      engine.x.tableFree(h),
    ]) {
      expect(r).toBe(STATUS.BAD_HANDLE);
    }
    const k = Uint8Array.of(1);
    expectLarder(() => t.put(k, k), 'CLOSED', /freed/);
    expectLarder(() => t.get(k), 'CLOSED');
    expectLarder(() => t.getView(k), 'CLOSED');
    expectLarder(() => t.has(k), 'CLOSED');
    expectLarder(() => t.delete(k), 'CLOSED');
    expectLarder(() => t.size, 'CLOSED');
    expectLarder(() => t.clear(), 'CLOSED');
    expectLarder(() => t.scan(0), 'CLOSED');
    expectLarder(() => [...t.entries()], 'CLOSED');
    expectLarder(() => t.putMany([]), 'CLOSED');
    expectLarder(() => t.getMany([]), 'CLOSED');
    expectLarder(() => t.deleteMany([]), 'CLOSED');
    expectLarder(() => t.free(), 'CLOSED');
    // A new table may reuse the slot; the stale handle still does not reach it.
    const t2 = Table.create(engine);
    t2.put(k, k);
    expect(engine.x.tableCount(h)).toBe(STATUS.BAD_HANDLE);
    expect(t2.size).toBe(1);
    t2.free();
  });

  it('non-Uint8Array arguments throw BAD_VALUE with a clear message and leave the table unchanged', () => {
    const { t, snapshot } = seeded();
    const before = snapshot();
    const k = Uint8Array.of(1);
    const bad: unknown[] = ['abc', 42, null, undefined, [1, 2], new ArrayBuffer(2), new Uint16Array(2), {}];
    for (const b of bad) {
      expectLarder(() => t.put(b as Uint8Array, k), 'BAD_VALUE', /table\.put: key must be a Uint8Array/);
      expectLarder(() => t.put(k, b as Uint8Array), 'BAD_VALUE', /table\.put: value must be a Uint8Array/);
      expectLarder(() => t.get(b as Uint8Array), 'BAD_VALUE', /table\.get: key must be a Uint8Array/);
      expectLarder(() => t.has(b as Uint8Array), 'BAD_VALUE');
      expectLarder(() => t.delete(b as Uint8Array), 'BAD_VALUE');
      expectLarder(() => t.getMany([k, b as Uint8Array]), 'BAD_VALUE', /key 1/);
      expectLarder(() => t.deleteMany([k, b as Uint8Array]), 'BAD_VALUE', /key 1/);
    }
    expectLarder(() => t.putMany(null as unknown as []), 'BAD_VALUE', /expected an array/);
    expectLarder(() => t.putMany([[k, k], 'x'] as unknown as []), 'BAD_VALUE', /entry 1 must be a \[key, value\] pair/);
    // A batch large enough to be sent in several chunks, with a bad element at the end: nothing stored.
    const many: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 40_000; i++) many.push([new TextEncoder().encode(`new${i}`), new Uint8Array(64)]);
    expectLarder(() => t.putMany([...many, [k, 'oops' as unknown as Uint8Array]]), 'BAD_VALUE', /entry 40000/);
    expectLarder(() => t.putMany([...many, [k, new Uint8Array(0)], [new Uint8Array(MAX_KEY + 1), k]]), 'TOO_LARGE');
    expectLarder(() => t.deleteMany([Uint8Array.of(1), Uint8Array.of(2), 5 as unknown as Uint8Array]), 'BAD_VALUE');
    expect(snapshot()).toEqual(before);
    expect(t.size).toBe(100);
    // And the chunked batch itself works.
    expect(t.putMany(many)).toBe(40_000);
    expect(t.size).toBe(40_100);
    expect(t.deleteMany(many.map(([key]) => key))).toBe(40_000);
    expect(snapshot()).toEqual(before);
    t.free();
  });
});
