/**
 * Tree (src/core/tree.ts over assembly/btree.ts): differential property tests against a sorted
 * array model, edge sizes, bounded memory, and bad input. Run `npm run build:wasm` first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadEngine, type Engine } from '../src/core/engine.js';
import { Tree, compareBytes, prefixSuccessor, type RangeOptions, type TreeEntry } from '../src/core/tree.js';
import { LarderError } from '../src/errors.js';
import { MAX_KEY } from '../src/core/status.js';
import { valueListEntries, type RecordList } from '../src/core/records.js';
import { recordList } from './record-list.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const hex = (k: Uint8Array): string => Buffer.from(k.buffer, k.byteOffset, k.length).toString('hex');
/** Fast byte equality for large arrays (deep-equal on 1 MiB arrays is slow). */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

/** Runs the engine's invariant checker on a tree. */
function check(t: Tree): void {
  const code = engine.x.treeCheck((t as unknown as { h: number }).h);
  expect(code, 'treeCheck').toBe(0);
}

function startsWith(k: Uint8Array, p: Uint8Array): boolean {
  if (k.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (k[i] !== p[i]) return false;
  return true;
}

/** The reference: parallel sorted arrays of keys and values. */
class Model {
  keys: Uint8Array[] = [];
  vals: Uint8Array[] = [];

  /** First index whose key is >= k. */
  lb(k: Uint8Array): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (compareBytes(this.keys[m], k) < 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** First index whose key is > k. */
  ub(k: Uint8Array): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (compareBytes(this.keys[m], k) <= 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  get(k: Uint8Array): Uint8Array | undefined {
    const i = this.lb(k);
    return i < this.keys.length && compareBytes(this.keys[i], k) === 0 ? this.vals[i] : undefined;
  }

  put(k: Uint8Array, v: Uint8Array): boolean {
    const i = this.lb(k);
    if (i < this.keys.length && compareBytes(this.keys[i], k) === 0) {
      this.vals[i] = v;
      return false;
    }
    this.keys.splice(i, 0, k);
    this.vals.splice(i, 0, v);
    return true;
  }

  del(k: Uint8Array): boolean {
    const i = this.lb(k);
    if (i < this.keys.length && compareBytes(this.keys[i], k) === 0) {
      this.keys.splice(i, 1);
      this.vals.splice(i, 1);
      return true;
    }
    return false;
  }

  clear(): void {
    this.keys = [];
    this.vals = [];
  }

  /** Entries in the bounds, computed independently of the tree's bound resolution. */
  range(o: RangeOptions): TreeEntry[] {
    let lo = 0;
    let hi = this.keys.length;
    if (o.gte) lo = Math.max(lo, this.lb(o.gte));
    if (o.gt) lo = Math.max(lo, this.ub(o.gt));
    if (o.lte) hi = Math.min(hi, this.ub(o.lte));
    if (o.lt) hi = Math.min(hi, this.lb(o.lt));
    if (o.prefix) {
      lo = Math.max(lo, this.lb(o.prefix));
      let e = lo;
      while (e < hi && startsWith(this.keys[e], o.prefix)) e++;
      hi = Math.min(hi, e);
    }
    const out: TreeEntry[] = [];
    if (o.reverse) for (let i = hi - 1; i >= lo; i--) out.push([this.keys[i], o.keysOnly ? new Uint8Array(0) : this.vals[i]]);
    else for (let i = lo; i < hi; i++) out.push([this.keys[i], o.keysOnly ? new Uint8Array(0) : this.vals[i]]);
    return o.limit === undefined ? out : out.slice(0, o.limit);
  }
}

const show = (es: readonly TreeEntry[] | undefined): string[] | undefined => es?.map(([k, v]) => `${hex(k)}=${hex(v)}`);
const showOne = (e: TreeEntry | undefined): string | undefined => (e ? `${hex(e[0])}=${hex(e[1])}` : undefined);

// ---- Operation generators ------------------------------------------------------------------

type Op =
  | { op: 'put'; k: Uint8Array; v: Uint8Array }
  | { op: 'get'; k: Uint8Array }
  | { op: 'del'; k: Uint8Array }
  | { op: 'putMany'; es: [Uint8Array, Uint8Array][] }
  | { op: 'delMany'; ks: Uint8Array[] }
  | { op: 'getMany'; ks: Uint8Array[] }
  | { op: 'end'; last: boolean }
  | { op: 'seek'; k: Uint8Array; reverse: boolean; exclusive: boolean }
  | { op: 'range'; o: RangeOptions }
  | { op: 'cursor'; o: RangeOptions; first: number; muts: [Uint8Array, Uint8Array | null][]; rest: number }
  | { op: 'bulk'; es: [Uint8Array, Uint8Array][] }
  | { op: 'clear' };

function opsArb(key: fc.Arbitrary<Uint8Array>, batch: number, clearWeight: number): fc.Arbitrary<Op> {
  const val = fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 12 }), weight: 10 },
    { arbitrary: fc.uint8Array({ minLength: 40, maxLength: 300 }), weight: 1 },
  );
  const bound = fc.option(key, { nil: undefined, freq: 2 });
  const rangeOpts: fc.Arbitrary<RangeOptions> = fc.record({
    gt: bound, gte: bound, lt: bound, lte: bound,
    prefix: fc.option(key.map((k) => k.slice(0, 2)), { nil: undefined, freq: 3 }),
    reverse: fc.boolean(),
    limit: fc.option(fc.nat(40), { nil: undefined, freq: 3 }),
    keysOnly: fc.boolean(),
  }, { requiredKeys: ['reverse', 'keysOnly'] });
  return fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('put' as const), k: key, v: val }), weight: 30 },
    { arbitrary: fc.record({ op: fc.constant('get' as const), k: key }), weight: 8 },
    { arbitrary: fc.record({ op: fc.constant('del' as const), k: key }), weight: 20 },
    { arbitrary: fc.record({ op: fc.constant('putMany' as const), es: fc.array(fc.tuple(key, val), { maxLength: batch, size: 'max' }) }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('delMany' as const), ks: fc.array(key, { maxLength: batch, size: 'max' }) }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('getMany' as const), ks: fc.array(key, { maxLength: 20 }) }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('end' as const), last: fc.boolean() }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('seek' as const), k: key, reverse: fc.boolean(), exclusive: fc.boolean() }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('range' as const), o: rangeOpts }), weight: 4 },
    {
      arbitrary: fc.record({
        op: fc.constant('cursor' as const), o: rangeOpts, first: fc.nat(30),
        muts: fc.array(fc.tuple(key, fc.option(val, { nil: null })), { maxLength: 10 }), rest: fc.nat(60),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('bulk' as const), es: fc.array(fc.tuple(key, val), { maxLength: batch * 2, size: 'max' }) }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('clear' as const) }), weight: clearWeight },
  );
}

/** Applies one op to tree and model and compares every observable result. */
function apply(t: Tree, m: Model, o: Op): void {
  switch (o.op) {
    case 'put':
      expect(t.put(o.k, o.v)).toBe(m.put(o.k, o.v));
      break;
    case 'get': {
      const want = m.get(o.k);
      const got = t.get(o.k);
      expect(got === undefined ? undefined : hex(got)).toBe(want === undefined ? undefined : hex(want));
      expect(t.has(o.k)).toBe(want !== undefined);
      break;
    }
    case 'del':
      expect(t.delete(o.k)).toBe(m.del(o.k));
      break;
    case 'putMany': {
      // The model applies in order: later duplicates win, new-key count counts first insertions.
      let added = 0;
      for (const [k, v] of o.es) if (m.put(k, v)) added++;
      expect(t.putMany(o.es)).toBe(added);
      break;
    }
    case 'delMany': {
      let n = 0;
      for (const k of o.ks) if (m.del(k)) n++;
      expect(t.deleteMany(o.ks)).toBe(n);
      break;
    }
    case 'getMany':
      expect(t.getMany(o.ks).map((v) => (v ? hex(v) : null))).toEqual(o.ks.map((k) => { const v = m.get(k); return v ? hex(v) : null; }));
      break;
    case 'end': {
      const i = o.last ? m.keys.length - 1 : 0;
      const want: TreeEntry | undefined = m.keys.length ? [m.keys[i], m.vals[i]] : undefined;
      expect(showOne(o.last ? t.last() : t.first())).toBe(showOne(want));
      break;
    }
    case 'seek': {
      let want: TreeEntry | undefined;
      if (!o.reverse) {
        const i = o.exclusive ? m.ub(o.k) : m.lb(o.k);
        if (i < m.keys.length) want = [m.keys[i], m.vals[i]];
      } else {
        const i = (o.exclusive ? m.lb(o.k) : m.ub(o.k)) - 1;
        if (i >= 0) want = [m.keys[i], m.vals[i]];
      }
      expect(showOne(t.seek(o.k, { reverse: o.reverse, exclusive: o.exclusive }))).toBe(showOne(want));
      break;
    }
    case 'range': {
      expect(show([...t.range(o.o)])).toEqual(show(m.range(o.o)));
      if (!o.o.keysOnly) {
        const raw: string[] = [];
        t.forEachRaw(o.o, (mem, ko, kl, vo, vl) => { raw.push(`${hex(mem.subarray(ko, ko + kl))}=${hex(mem.subarray(vo, vo + vl))}`); });
        expect(raw).toEqual(show(m.range(o.o)));
      }
      break;
    }
    case 'cursor': {
      const c = t.cursor(o.o);
      const all = m.range(o.o);
      const a = c.next(o.first);
      expect(show(a)).toEqual(show(all.slice(0, o.first)));
      for (const [k, v] of o.muts) {
        if (v === null) expect(t.delete(k)).toBe(m.del(k));
        else expect(t.put(k, v)).toBe(m.put(k, v));
      }
      // Resumes after `position` exactly as a fresh scan bounded by it would, within the limit.
      const rest = { ...o.o, limit: o.o.limit === undefined ? undefined : Math.max(0, o.o.limit - a.length) };
      if (c.position) { if (o.o.reverse) { rest.lt = c.position; delete rest.lte; } else { rest.gt = c.position; delete rest.gte; } }
      const expectRest = c.position || a.length === 0 ? m.range(rest) : [];
      const wasDone = c.done;
      const b = c.next(o.rest);
      expect(show(b)).toEqual(show(wasDone ? [] : expectRest.slice(0, o.rest)));
      break;
    }
    case 'bulk': {
      const sorted = [...new Map(o.es.map(([k, v]) => [hex(k), [k, v] as [Uint8Array, Uint8Array]])).values()]
        .sort((x, y) => compareBytes(x[0], y[0]));
      const last = m.keys[m.keys.length - 1];
      const ok = sorted.filter(([k]) => last === undefined || compareBytes(k, last) > 0);
      const valid = o.es.length === ok.length && o.es.every(([k], i) => compareBytes(k, ok[i][0]) === 0);
      if (!valid) {
        // Out of order, duplicated or overlapping the tree: rejected whole, tree unchanged.
        const before = t.size;
        expect(() => t.bulkLoad(o.es)).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
        expect(t.size).toBe(before);
      }
      t.bulkLoad(ok);
      for (const [k, v] of ok) m.put(k, v);
      break;
    }
    case 'clear':
      t.clear();
      m.clear();
      break;
  }
  expect(t.size).toBe(m.keys.length);
}

function runOps(ops: Op[]): void {
  const t = Tree.create(engine);
  const m = new Model();
  try {
    for (let i = 0; i < ops.length; i++) {
      apply(t, m, ops[i]);
      if (i % 64 === 63 || ops[i].op === 'bulk') check(t);
    }
    check(t);
    expect(show([...t.range({})])).toEqual(show(m.range({})));
  } finally {
    t.free();
  }
}

// Keys from a tiny alphabet collide constantly; random and shared-prefix keys grow deep trees.
const tinyKey = fc.uint8Array({ maxLength: 4 }).map((a) => a.map((b) => [0, 1, 0x7f, 0xff][b & 3]));
const wideKey = fc.oneof(
  fc.uint8Array({ maxLength: 20 }),
  fc.nat(60000).map((i) => bytes(`user:profile:${String(i).padStart(6, '0')}`)),
  fc.nat(3000).map((i) => { const k = new Uint8Array(10); k[0] = 7; new DataView(k.buffer).setUint32(6, i); return k; }),
);

/**
 * Keys that share long prefixes (the nodes' skip): one of a few 20-40 byte stems that themselves
 * share their first bytes, plus 0-3 bytes of a tiny alphabet, so keys are often prefixes of one
 * another and of the stems, and a key routed into a node often differs inside its shared bytes.
 */
const STEMS = [
  bytes('D\x04docs\x02order-2026-11-27-'), bytes('D\x04docs\x02order-2026-11-28-xx'), bytes('D\x04docs\x02order-'),
  bytes('D\x04docs\x02ordes'), bytes('D\x05drafts\x02order-2026-11-27-00000000000000'), bytes('D\x04docs'),
];
const stemKey = fc.tuple(fc.nat(STEMS.length - 1), fc.uint8Array({ maxLength: 3 })).map(([i, tail]) => {
  const k = new Uint8Array(STEMS[i].length + tail.length);
  k.set(STEMS[i]);
  k.set(tail.map((b) => [0, 0x2d, 0x30, 0xff][b & 3]), STEMS[i].length);
  return k;
});

/** Deterministic op stream for long runs (fast-check shrinks the seed, not the ops). */
function* seededOps(seed: number, n: number): Generator<Op> {
  let s = seed >>> 0 || 1;
  const rnd = (): number => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 4294967296; };
  const int = (k: number): number => Math.floor(rnd() * k);
  const key = (): Uint8Array => {
    const r = rnd();
    if (r < 0.5) { const k = new Uint8Array(8); new DataView(k.buffer).setUint32(4, int(20000)); k[0] = 1; return k; }
    if (r < 0.8) return bytes(`doc:${String(int(20000)).padStart(5, '0')}`);
    const k = new Uint8Array(int(12));
    for (let i = 0; i < k.length; i++) k[i] = int(256);
    return k;
  };
  const val = (): Uint8Array => { const v = new Uint8Array(int(16)); v.fill(int(256)); return v; };
  for (let i = 0; i < n; i++) {
    const phase = Math.floor(i / 4000) % 2; // alternate growth and shrink phases to drive merges
    const r = rnd();
    if (r < (phase === 0 ? 0.55 : 0.25)) yield { op: 'put', k: key(), v: val() };
    else if (r < 0.8) yield { op: 'del', k: key() };
    else if (r < 0.9) yield { op: 'get', k: key() };
    else if (r < 0.95) yield { op: 'seek', k: key(), reverse: rnd() < 0.5, exclusive: rnd() < 0.5 };
    else if (r < 0.99) yield { op: 'range', o: { gte: key(), limit: int(30), reverse: rnd() < 0.5, keysOnly: false } };
    else if (r < 0.995) yield { op: 'delMany', ks: Array.from({ length: int(200) }, key) };
    else yield { op: 'putMany', es: Array.from({ length: int(200) }, () => [key(), val()] as [Uint8Array, Uint8Array]) };
  }
}

describe('Tree: differential against a sorted-array model', () => {
  it('small key alphabet (constant collisions)', () => {
    fc.assert(fc.property(fc.array(opsArb(tinyKey, 20, 2), { minLength: 20, maxLength: 300, size: 'max' }), runOps), { numRuns: 400 });
  });

  it('long shared key prefixes (per-node skip lowered by inserts, reset by splits and merges)', () => {
    fc.assert(fc.property(fc.array(opsArb(stemKey, 400, 1), { minLength: 20, maxLength: 400, size: 'max' }), runOps), { numRuns: 300 });
  });

  it('wide keys, deep trees, batches and bulk loads', () => {
    fc.assert(fc.property(fc.array(opsArb(wideKey, 400, 1), { minLength: 20, maxLength: 300, size: 'max' }), runOps), { numRuns: 200 });
  });

  it('long seeded runs with growth and shrink phases (splits and merges at every level)', () => {
    fc.assert(fc.property(fc.integer(), (seed) => runOps([...seededOps(seed, 30000)])), { numRuns: 10 });
  });

  it('bulk load into an empty tree, then mutate', () => {
    fc.assert(
      fc.property(fc.nat(20000), fc.integer(), (n, seed) => {
        const es: [Uint8Array, Uint8Array][] = [];
        for (let i = 0; i < n; i++) { const k = new Uint8Array(6); new DataView(k.buffer).setUint32(2, i * 3); es.push([k, k.slice(2)]); }
        const t = Tree.create(engine);
        const m = new Model();
        try {
          t.bulkLoad(es);
          for (const [k, v] of es) { m.keys.push(k); m.vals.push(v); }
          check(t);
          for (const op of seededOps(seed, 3000)) apply(t, m, op);
          for (let i = 0; i < n; i += 2) expect(t.delete(es[i][0])).toBe(m.del(es[i][0]));
          check(t);
          expect(show([...t.range({})])).toEqual(show(m.range({})));
        } finally {
          t.free();
        }
      }),
      { numRuns: 12 },
    );
  });

  it('iterators survive modification between batches and never repeat a key', () => {
    const t = Tree.create(engine);
    for (let i = 0; i < 5000; i++) t.put(bytes(`k${String(i * 2).padStart(6, '0')}`), bytes(String(i)));
    const seen = new Set<string>();
    let prev: Uint8Array | undefined;
    let i = 0;
    for (const [k] of t.range({})) {
      if (prev) expect(compareBytes(prev, k)).toBeLessThan(0);
      expect(seen.has(hex(k))).toBe(false);
      seen.add(hex(k));
      prev = k;
      // Mutate heavily while iterating: delete ahead, insert behind and ahead.
      if (i % 7 === 0) t.delete(bytes(`k${String(i * 2 + 100).padStart(6, '0')}`));
      if (i % 5 === 0) t.put(bytes(`k${String(i * 2 + 1).padStart(6, '0')}`), bytes('new'));
      i++;
    }
    expect(seen.size).toBeGreaterThan(4000);
    check(t);
    t.free();
  });

  it('prefix successor drops trailing 0xff bytes', () => {
    expect(prefixSuccessor(new Uint8Array([1, 2, 0xff]))).toEqual(new Uint8Array([1, 3]));
    expect(prefixSuccessor(new Uint8Array([0xff, 0xff]))).toBeUndefined();
    const t = Tree.create(engine);
    for (const k of [[0xff], [0xff, 0xff], [0xff, 0xff, 0], [0xfe, 0xff, 1], [0xff, 0], [1]]) t.put(new Uint8Array(k), new Uint8Array(0));
    expect([...t.range({ prefix: new Uint8Array([0xff, 0xff]) })].map(([k]) => hex(k))).toEqual(['ffff', 'ffff00']);
    expect([...t.range({ prefix: new Uint8Array([0xfe, 0xff]) })].map(([k]) => hex(k))).toEqual(['feff01']);
    expect([...t.range({ prefix: new Uint8Array([0xff]), reverse: true })].map(([k]) => hex(k))).toEqual(['ffff00', 'ffff', 'ff00', 'ff']);
    t.free();
  });
});

describe('Tree: edge sizes', () => {
  it('empty key and 1-byte keys sort first, in byte order', () => {
    const t = Tree.create(engine);
    for (let b = 255; b >= 0; b--) t.put(new Uint8Array([b]), new Uint8Array([b, b]));
    expect(t.put(new Uint8Array(0), bytes('empty'))).toBe(true);
    expect(t.size).toBe(257);
    expect(new TextDecoder().decode(t.get(new Uint8Array(0)))).toBe('empty');
    expect(t.first()?.[0].length).toBe(0);
    const keys = [...t.range({ gt: new Uint8Array(0) })].map(([k]) => k[0]);
    expect(keys).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(t.last()?.[0]).toEqual(new Uint8Array([255]));
    expect(t.delete(new Uint8Array(0))).toBe(true);
    expect(t.has(new Uint8Array(0))).toBe(false);
    check(t);
    t.free();
  });

  it('64 KiB keys: MAX_KEY accepted (also in inner-node separators), MAX_KEY + 1 rejected', () => {
    const t = Tree.create(engine);
    const base = new Uint8Array(MAX_KEY).fill(0x61);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const k = base.slice();
      k[MAX_KEY - 2] = i >> 8;
      k[MAX_KEY - 1] = i & 255;
      keys.push(k);
    }
    for (let i = 299; i >= 0; i--) expect(t.put(keys[i], new Uint8Array([i & 255]))).toBe(true);
    check(t);
    expect(t.get(keys[123])).toEqual(new Uint8Array([123]));
    expect([...t.range({ gt: keys[10], limit: 2 })].map(([k]) => k[MAX_KEY - 1])).toEqual([11, 12]);
    const tooBig = new Uint8Array(MAX_KEY + 1);
    expect(() => t.put(tooBig, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(() => t.get(tooBig)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(() => t.putMany([[new Uint8Array(1), new Uint8Array(1)], [tooBig, new Uint8Array(1)]])).toThrow(/longer than 65536/);
    expect(t.has(new Uint8Array(1))).toBe(false);
    for (let i = 0; i < 300; i += 2) expect(t.delete(keys[i])).toBe(true);
    check(t);
    expect(t.size).toBe(150);
    // The raw export reports KEY_TOO_LARGE without trapping.
    engine.scratch(MAX_KEY + 1);
    expect(engine.x.treePut((t as unknown as { h: number }).h, MAX_KEY + 1, 0)).toBe(-3);
    t.free();
  });

  it('1 MiB values: put, get, view, replace (grow and shrink), scan, delete', () => {
    const t = Tree.create(engine);
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
    for (let i = 0; i < 8; i++) t.put(bytes(`big${i}`), big);
    expect(same(t.get(bytes('big3')), big)).toBe(true);
    expect(t.getView(bytes('big4'))?.length).toBe(1 << 20);
    expect(t.put(bytes('big3'), bytes('small'))).toBe(false);
    expect(t.get(bytes('big3'))).toEqual(bytes('small'));
    expect(t.put(bytes('big3'), big)).toBe(false);
    expect(same(t.getView(bytes('big3')), big)).toBe(true);
    const all = [...t.range({})];
    expect(all.length).toBe(8);
    for (const [, v] of all) expect(same(v, big)).toBe(true);
    const many = t.getMany([bytes('big0'), bytes('none')]);
    expect(same(many[0], big)).toBe(true);
    expect(many[1]).toBeUndefined();
    expect(t.deleteMany([bytes('big0'), bytes('big1')])).toBe(2);
    check(t);
    t.free();
  });
});

describe('Tree: memory', () => {
  it('bulk load 1,000,000 entries, clear, refill ten times: live bytes return to baseline, memory stops growing', () => {
    const t = Tree.create(engine);
    const value = new Uint8Array(32).fill(9);
    const CHUNK = 100_000;
    let liveAfterClear = -1;
    let memAfterFirst = -1;
    for (let cycle = 0; cycle < 10; cycle++) {
      for (let c = 0; c < 10; c++) {
        const buf = new Uint8Array(16 * CHUNK);
        const dv = new DataView(buf.buffer);
        const es: [Uint8Array, Uint8Array][] = new Array(CHUNK);
        for (let i = 0; i < CHUNK; i++) {
          dv.setUint32(i * 16 + 8, c * CHUNK + i);
          dv.setUint32(i * 16 + 12, cycle);
          es[i] = [buf.subarray(i * 16, i * 16 + 16), value];
        }
        t.bulkLoad(es);
      }
      expect(t.size).toBe(1_000_000);
      if (cycle === 0) check(t);
      const mem = engine.stats().memoryBytes;
      if (cycle === 0) memAfterFirst = mem;
      else expect(mem).toBe(memAfterFirst);
      t.clear();
      const live = engine.stats().liveBytes;
      if (cycle === 0) liveAfterClear = live;
      else expect(live).toBe(liveAfterClear);
    }
    t.free();
  });

  it('put 200,000 entries, delete them all, three times: every byte comes back', () => {
    const t = Tree.create(engine);
    const value = new Uint8Array(32);
    const baseline = engine.stats().liveBytes;
    for (let cycle = 0; cycle < 3; cycle++) {
      const k = new Uint8Array(16);
      const dv = new DataView(k.buffer);
      for (let i = 0; i < 200_000; i++) { dv.setUint32(0, Math.imul(i, 2654435761) >>> 0); dv.setUint32(12, i); t.put(k, value); }
      expect(t.size).toBe(200_000);
      if (cycle === 0) check(t);
      for (let i = 0; i < 200_000; i++) {
        dv.setUint32(0, Math.imul(i, 2654435761) >>> 0);
        dv.setUint32(12, i);
        expect(t.delete(k)).toBe(true);
        if (cycle === 0 && i % 50_000 === 0) check(t);
      }
      expect(t.size).toBe(0);
      check(t);
      expect(engine.stats().liveBytes).toBe(baseline);
    }
    t.free();
  });

  it('free returns the tree header too', () => {
    const before = engine.stats().liveBytes;
    const t = Tree.create(engine);
    for (let i = 0; i < 1000; i++) t.put(bytes(`x${i}`), bytes('v'));
    t.free();
    expect(engine.stats().liveBytes).toBe(before);
  });
});

describe('Tree: record lists', () => {
  it('swapRecords writes like putMany and getManyOfRecords reads what it replaces, across several chunks', () => {
    const t = Tree.create(engine);
    const ref = Tree.create(engine);
    for (let i = 0; i < 3000; i += 3) {
      t.put(bytes(`k${i}`), bytes(`old${i}`));
      ref.put(bytes(`k${i}`), bytes(`old${i}`));
    }
    // About 2.5 MiB of records (three engine calls), a key written twice (the later one wins).
    const entries: Array<[Uint8Array, Uint8Array]> = Array.from({ length: 3000 }, (_, i) => [bytes(`k${i}`), new Uint8Array(800).fill(i & 0xff)]);
    entries.push([bytes('k7'), bytes('again')]);
    const list = recordList(entries);
    const prev = valueListEntries(t.getManyOfRecords(list), list.count);
    expect(prev.map((v) => (v === undefined ? undefined : new TextDecoder().decode(v)))).toEqual(entries.map(([k]) => {
      const i = Number(new TextDecoder().decode(k).slice(1));
      return i % 3 === 0 ? `old${i}` : undefined;
    }));
    expect(t.swapRecords(list, [])).toBe(2000);
    ref.putMany(entries);
    expect([...t.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`)).toEqual([...ref.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`));
    expect(new TextDecoder().decode(t.get(bytes('k7')))).toBe('again');
    check(t);
    expect(t.swapRecords({ bytes: new Uint8Array(0), count: 0 }, [])).toBe(0);
    t.free();
    ref.free();
  });

  it('a malformed or oversized record list fails before anything is written', () => {
    const t = Tree.create(engine);
    t.put(bytes('a'), bytes('1'));
    const good = recordList([[bytes('b'), bytes('2')], [bytes('c'), bytes('3')]]);
    const bad: Array<[RecordList, string]> = [
      [{ bytes: good.bytes, count: 3 }, 'BAD_VALUE'], // fewer records than it says
      [{ bytes: good.bytes, count: 1 }, 'BAD_VALUE'], // bytes after the last record
      [{ bytes: good.bytes.subarray(0, good.bytes.length - 1), count: 2 }, 'BAD_VALUE'],
      [recordList([[bytes('d'), bytes('4')], [new Uint8Array(MAX_KEY + 1), bytes('x')]]), 'TOO_LARGE'],
    ];
    for (const [list, code] of bad) {
      expect(() => t.swapRecords(list, [])).toThrow(expect.objectContaining({ code }));
      expect(() => t.getManyOfRecords(list)).toThrow(expect.objectContaining({ code }));
    }
    expect([...t.range({})].map(([k]) => new TextDecoder().decode(k))).toEqual(['a']);
    t.free();
  });
});

describe('Tree: bad input', () => {
  function filled(): Tree {
    const t = Tree.create(engine);
    for (let i = 0; i < 100; i++) t.put(bytes(`k${String(i).padStart(3, '0')}`), bytes(`v${i}`));
    return t;
  }
  const snapshot = (t: Tree): string[] => [...t.range({})].map(([k, v]) => `${hex(k)}=${hex(v)}`);

  it('oversize value is rejected with TOO_LARGE and a clear message, tree unchanged', () => {
    const t = filled();
    const before = snapshot(t);
    // A length-only stand-in avoids allocating 64 MiB: the binding checks the length first.
    const huge = { length: 64 * 1024 * 1024 + 1 } as unknown as Uint8Array;
    Object.setPrototypeOf(huge, Uint8Array.prototype);
    expect(() => t.put(bytes('a'), huge)).toThrow(/value of 67108865 bytes is longer than 67108864/);
    expect(() => t.putMany([[bytes('zzz'), bytes('ok')], [bytes('a'), huge]])).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(snapshot(t)).toEqual(before);
    // Raw export: VALUE_TOO_LARGE without touching scratch.
    expect(engine.x.treePut((t as unknown as { h: number }).h, 1, 64 * 1024 * 1024 + 1)).toBe(-4);
    t.free();
  });

  it('malformed scratch batches return BAD_INPUT from the raw exports, tree unchanged', () => {
    const t = filled();
    const h = (t as unknown as { h: number }).h;
    const before = snapshot(t);
    expect(engine.x.treePutMany(h, 5, 0)).toBe(-5);
    expect(engine.x.treeDelMany(h, 5, 0)).toBe(-5);
    expect(engine.x.treeGetMany(h, 1, 0)).toBe(-5);
    expect(engine.x.treeBulkLoad(h, 3, 0)).toBe(-5);
    // Second record overruns len: nothing from the first record may be applied.
    const p = engine.scratch(64);
    const dv = engine.dv;
    dv.setUint32(p, 1, true); dv.setUint32(p + 4, 1, true); engine.u8.set([0x41, 0x42], p + 8);
    dv.setUint32(p + 10, 4, true); dv.setUint32(p + 14, 100, true);
    expect(engine.x.treePutMany(h, 2, 20)).toBe(-5);
    expect(engine.x.treePutMany(h, 1, 11)).toBe(-5); // trailing garbage
    expect(engine.x.treeRange(h, 1 << 30, 0, 1, 0, 0)).toBe(-5);
    expect(engine.x.treeGet(h, 1 << 30)).toBe(-3);
    expect(snapshot(t)).toEqual(before);
    t.free();
  });

  it('NOT_SORTED bulk load changes nothing', () => {
    const t = filled();
    const h = (t as unknown as { h: number }).h;
    const before = snapshot(t);
    expect(() => t.bulkLoad([[bytes('z1'), bytes('')], [bytes('z0'), bytes('')]])).toThrow(/sorted strictly ascending/);
    expect(() => t.bulkLoad([[bytes('z1'), bytes('')], [bytes('z1'), bytes('')]])).toThrow(LarderError);
    expect(() => t.bulkLoad([[bytes('k050'), bytes('')]])).toThrow(/current last key/);
    // Raw export: the engine checks too, before applying anything.
    const p = engine.scratch(64);
    const dv = engine.dv;
    dv.setUint32(p, 1, true); dv.setUint32(p + 4, 0, true); engine.u8[p + 8] = 0x7a;
    dv.setUint32(p + 9, 1, true); dv.setUint32(p + 13, 0, true); engine.u8[p + 17] = 0x79;
    expect(engine.x.treeBulkLoad(h, 2, 18)).toBe(-6);
    expect(snapshot(t)).toEqual(before);
    t.free();
  });

  it('non-Uint8Array input throws BAD_VALUE naming the argument, tree unchanged', () => {
    const t = filled();
    const before = snapshot(t);
    const bad = [undefined, null, 'key', 42, [1, 2], new ArrayBuffer(2), new Uint16Array(2)] as unknown as Uint8Array[];
    for (const b of bad) {
      expect(() => t.put(b, bytes('v'))).toThrow(expect.objectContaining({ code: 'BAD_VALUE', message: expect.stringMatching(/key must be a Uint8Array/) }));
      expect(() => t.put(bytes('k'), b)).toThrow(expect.objectContaining({ code: 'BAD_VALUE', message: expect.stringMatching(/value must be a Uint8Array/) }));
      expect(() => t.get(b)).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
      expect(() => t.range({ gte: b === undefined ? 'x' as unknown as Uint8Array : b })).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    }
    expect(() => t.putMany([[bytes('new'), bytes('v')], [bytes('k'), 'v' as unknown as Uint8Array]])).toThrow(/entry 1/);
    expect(() => t.deleteMany([bytes('k000'), 7 as unknown as Uint8Array])).toThrow(/key 1/);
    expect(() => t.range({ limit: -1 })).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    expect(snapshot(t)).toEqual(before);
    t.free();
  });

  it('a freed tree: raw exports return BAD_HANDLE, every method throws CLOSED', () => {
    const t = filled();
    const h = (t as unknown as { h: number }).h;
    const it = t.range({});
    it.next();
    t.free();
    for (const f of [
      () => engine.x.treePut(h, 0, 0), () => engine.x.treeGet(h, 0), () => engine.x.treeCount(h),
      () => engine.x.treeRange(h, 0, 0, 0, 0, 0), () => engine.x.treeFree(h), () => engine.x.treeClear(h),
    ]) expect(f()).toBe(-2);
    const k = bytes('k001');
    for (const f of [
      () => t.put(k, k), () => t.get(k), () => t.getView(k), () => t.has(k), () => t.delete(k), () => t.size,
      () => t.clear(), () => t.first(), () => t.last(), () => t.seek(k), () => t.range({}), () => t.cursor({}),
      () => t.forEachRaw({}, () => {}), () => t.bulkLoad([]), () => t.putMany([]), () => t.getMany([]),
      () => t.deleteMany([]), () => [...it],
    ]) expect(f).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    // A new tree may reuse the slot; the stale handle still fails.
    const t2 = Tree.create(engine);
    expect(engine.x.treeCount(h)).toBe(-2);
    t2.free();
  });
});
