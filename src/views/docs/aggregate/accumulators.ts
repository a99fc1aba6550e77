/**
 * $group accumulators: $sum $avg $min $max $first $last $push $addToSet $count $mergeObjects
 * $stdDevPop $stdDevSamp. Each is a small state machine (init, add a value, result), so a group
 * is one pass. $accumulator (user code) is refused: nothing is evaluated as code.
 */
import { compareValues } from '../../../keys/compare.js';
import { LarderError } from '../../../errors.js';
import { compileExpression, type Ev } from '../expr/index.js';
import { isPlainObject, setOwn, show, valuesEqual, type Doc } from '../util.js';

/** One accumulator instance's behaviour. */
export interface Accumulator {
  ev: Ev;
  init(): unknown;
  add(state: unknown, v: unknown): unknown;
  result(state: unknown): unknown;
}

type Spec = Omit<Accumulator, 'ev'>;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);

function stdDev(sample: boolean): Spec {
  return {
    init: () => ({ n: 0, mean: 0, m2: 0 }),
    add(s, v) {
      const x = num(v);
      const st = s as { n: number; mean: number; m2: number };
      if (x === undefined) return st;
      st.n++;
      const d = x - st.mean;
      st.mean += d / st.n;
      st.m2 += d * (x - st.mean);
      return st;
    },
    result(s) {
      const st = s as { n: number; m2: number };
      const n = sample ? st.n - 1 : st.n;
      return n <= 0 ? null : Math.sqrt(st.m2 / n);
    },
  };
}

const SPECS: Record<string, Spec> = {
  $sum: {
    init: () => 0,
    add: (s, v) => (Array.isArray(v) ? s : num(v) === undefined ? s : (s as number) + num(v)!),
    result: (s) => s,
  },
  $avg: {
    init: () => ({ s: 0, n: 0 }),
    add(s, v) {
      const x = num(v);
      const st = s as { s: number; n: number };
      if (x !== undefined) {
        st.s += x;
        st.n++;
      }
      return st;
    },
    result: (s) => ((s as { n: number }).n ? (s as { s: number }).s / (s as { n: number }).n : null),
  },
  $min: {
    init: () => undefined,
    add: (s, v) => (v === undefined || v === null ? s : s === undefined || compareValues(v, s) < 0 ? v : s),
    result: (s) => (s === undefined ? null : s),
  },
  $max: {
    init: () => undefined,
    add: (s, v) => (v === undefined || v === null ? s : s === undefined || compareValues(v, s) > 0 ? v : s),
    result: (s) => (s === undefined ? null : s),
  },
  $first: {
    init: () => ({ set: false, v: null }),
    add(s, v) {
      const st = s as { set: boolean; v: unknown };
      if (!st.set) {
        st.set = true;
        st.v = v === undefined ? null : v;
      }
      return st;
    },
    result: (s) => (s as { v: unknown }).v,
  },
  $last: {
    init: () => null,
    add: (_s, v) => (v === undefined ? null : v),
    result: (s) => s,
  },
  $push: {
    init: () => [],
    add: (s, v) => {
      if (v !== undefined) (s as unknown[]).push(v);
      return s;
    },
    result: (s) => s,
  },
  $addToSet: {
    init: () => [],
    add: (s, v) => {
      const a = s as unknown[];
      if (v !== undefined && !a.some((x) => valuesEqual(x, v))) a.push(v);
      return a;
    },
    result: (s) => s,
  },
  $mergeObjects: {
    init: () => ({}),
    add: (s, v) => {
      if (v === null || v === undefined) return s;
      if (!isPlainObject(v)) throw new LarderError('BAD_QUERY', `$mergeObjects requires object inputs, got ${show(v)}`);
      for (const k of Object.keys(v)) setOwn(s as Doc, k, v[k]);
      return s;
    },
    result: (s) => s,
  },
  $stdDevPop: stdDev(false),
  $stdDevSamp: stdDev(true),
};

/** Compiles `{ $sum: <expr> }` and friends. */
export function compileAccumulator(field: string, spec: unknown): Accumulator {
  if (!isPlainObject(spec) || Object.keys(spec).length !== 1) throw new LarderError('BAD_QUERY', `The field '${field}' must be an accumulator object`);
  const op = Object.keys(spec)[0]!;
  if (op === '$count') {
    if (!isPlainObject(spec.$count) || Object.keys(spec.$count).length) throw new LarderError('BAD_QUERY', '$count takes {}');
    return { ev: () => 1, ...SPECS.$sum! };
  }
  if (op === '$accumulator' || op === '$function') throw new LarderError('BAD_QUERY', `${op} is not supported: nothing is evaluated as code`);
  const s = SPECS[op];
  if (!s || !Object.prototype.hasOwnProperty.call(SPECS, op)) throw new LarderError('BAD_QUERY', `unknown group operator '${op}'`);
  return { ev: compileExpression(spec[op]), ...s };
}
