/**
 * Array expression operators: $size $arrayElemAt $first $last $slice $concatArrays $in
 * $indexOfArray $isArray $filter $map $reduce $range $reverseArray $arrayToObject $objectToArray
 * $zip? (no) and the set operators $setUnion $setIntersection $setDifference $setEquals
 * $setIsSubset $anyElementTrue $allElementsTrue; plus the array forms of $sum $avg $min $max.
 */
import { compareValues } from '../../../keys/compare.js';
import { isPlainObject, setOwn, valuesEqual, type Doc } from '../util.js';
import { argsN, compareExpr, compileExpression, exprError, namedArgs, nullish, registerOps, simple, truthy, variadic, withVars, type Ev, type OpCompiler } from './evaluate.js';

function arr(op: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) exprError(op, `requires an array argument, found: ${v === null ? 'null' : v === undefined ? 'missing' : typeof v}`);
  return v;
}

/** A $slice/$arrayElemAt position or count: a number holding a 32-bit integer, else an error. */
function int32(op: string, v: unknown, which: string): number {
  if (typeof v !== 'number' && typeof v !== 'bigint') exprError(op, `${which} argument must be a numeric value`);
  const n = Number(v);
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) exprError(op, `${which} argument can't be represented as a 32-bit integer`);
  return n;
}

function uniq(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) if (!out.some((x) => valuesEqual(x, v))) out.push(v);
  return out;
}

function elemAt(a: unknown[], i: number): unknown {
  const idx = i < 0 ? a.length + i : i;
  return idx >= 0 && idx < a.length ? a[idx] : undefined;
}

/** $sum/$avg/$min/$max as expressions: over an array argument's elements, or over the arguments. */
function numericFold(kind: 'sum' | 'avg' | 'min' | 'max'): OpCompiler {
  return (arg, op) => {
    const list = Array.isArray(arg) ? arg.map(compileExpression) : [compileExpression(arg)];
    const single = !Array.isArray(arg) || arg.length === 1;
    return (c) => {
      let vals = list.map((e) => e(c));
      if (single && Array.isArray(vals[0])) vals = vals[0] as unknown[];
      return fold(kind, vals);
    };
  };
}

/** Folds values the way $sum/$avg/$min/$max do (non-numbers ignored by sum/avg, null by min/max). */
export function fold(kind: 'sum' | 'avg' | 'min' | 'max', vals: unknown[]): unknown {
  if (kind === 'sum' || kind === 'avg') {
    let s = 0;
    let n = 0;
    for (const v of vals) {
      if (typeof v === 'number' || typeof v === 'bigint') {
        s += Number(v);
        n++;
      }
    }
    return kind === 'sum' ? s : n === 0 ? null : s / n;
  }
  let best: unknown = undefined;
  for (const v of vals) {
    if (v === null || v === undefined) continue;
    if (best === undefined || (kind === 'min' ? compareValues(v, best) < 0 : compareValues(v, best) > 0)) best = v;
  }
  return best === undefined ? null : best;
}

function iterate(op: string, arg: unknown, body: 'filter' | 'map'): Ev {
  const a = namedArgs(op, arg, body === 'filter' ? ['input', 'cond'] : ['input', 'in'], body === 'filter' ? ['as', 'limit'] : ['as']);
  const input = compileExpression(a.input);
  const as = a.as === undefined ? 'this' : String(a.as);
  const inner = compileExpression(body === 'filter' ? a.cond : a.in);
  const limit = a.limit === undefined ? undefined : compileExpression(a.limit);
  return (c) => {
    const v = input(c);
    if (nullish(v)) return null;
    const list = arr(op, v);
    const out: unknown[] = [];
    const lim = limit ? Number(limit(c)) : Infinity;
    for (const e of list) {
      const r = inner(withVars(c, { [as]: e }));
      if (body === 'map') out.push(r === undefined ? null : r);
      else if (truthy(r)) {
        out.push(e);
        if (out.length >= lim) break;
      }
    }
    return out;
  };
}

registerOps({
  $size: simple(1, 1, ([v], op) => arr(op, v).length),
  $isArray: simple(1, 1, ([v]) => Array.isArray(v)),
  $arrayElemAt: simple(2, 2, ([a, i], op) => {
    if (nullish(a) || nullish(i)) return null;
    // The index must be a 32-bit integer (jstests/aggregation/expressions/array_elem_at.js: 28690, 28691).
    return elemAt(arr(op, a), int32(op, i, 'second'));
  }),
  $first: simple(1, 1, ([a], op) => (nullish(a) ? null : elemAt(arr(op, a), 0))),
  $last: simple(1, 1, ([a], op) => (nullish(a) ? null : elemAt(arr(op, a), -1))),
  $slice: (arg, op) => {
    const evs = argsN(op, arg, 2, 3);
    return (c) => {
      // ExpressionSlice (jstests $slice expression test, SERVER-6074): a null array, position or
      // count gives null; otherwise both must be 32-bit integers (codes 28725-28728).
      const a = evs[0]!(c);
      if (nullish(a)) return null;
      const list = arr(op, a);
      const x = evs[1]!(c);
      if (nullish(x)) return null;
      const first = int32(op, x, 'second');
      if (evs.length === 2) return first >= 0 ? list.slice(0, first) : list.slice(Math.max(0, list.length + first));
      const y = evs[2]!(c);
      if (nullish(y)) return null;
      const n = int32(op, y, 'third');
      if (n <= 0) exprError(op, 'third argument must be positive');
      const start = first < 0 ? Math.max(0, list.length + first) : first;
      return list.slice(start, start + n);
    };
  },
  $concatArrays: variadic((vals, op) => {
    const out: unknown[] = [];
    for (const v of vals) {
      if (nullish(v)) return null;
      for (const x of arr(op, v)) out.push(x); // no spread: arrays may be huge
    }
    return out;
  }),
  $in: simple(2, 2, ([x, a], op) => arr(op, a).some((e) => compareExpr(e, x) === 0)),
  $indexOfArray: simple(2, 4, ([a, x, s, e], op) => {
    if (nullish(a)) return null;
    const list = arr(op, a);
    const end = e === undefined ? list.length : Math.min(Number(e), list.length);
    for (let i = s === undefined ? 0 : Number(s); i < end; i++) if (compareExpr(list[i], x) === 0) return i;
    return -1;
  }),
  $reverseArray: simple(1, 1, ([a], op) => (nullish(a) ? null : [...arr(op, a)].reverse())),
  $range: simple(2, 3, ([s, e, st]) => {
    const out: number[] = [];
    const step = st === undefined ? 1 : Number(st);
    if (step === 0) exprError('$range', 'step cannot be zero');
    for (let i = Number(s); step > 0 ? i < Number(e) : i > Number(e); i += step) out.push(i);
    return out;
  }),
  $filter: (arg, op) => iterate(op, arg, 'filter'),
  $map: (arg, op) => iterate(op, arg, 'map'),
  $reduce: (arg, op) => {
    const a = namedArgs(op, arg, ['input', 'initialValue', 'in']);
    const input = compileExpression(a.input);
    const init = compileExpression(a.initialValue);
    const inner = compileExpression(a.in);
    return (c) => {
      const v = input(c);
      if (nullish(v)) return null;
      let acc = init(c);
      for (const e of arr(op, v)) acc = inner(withVars(c, { value: acc, this: e }));
      return acc;
    };
  },
  $arrayToObject: simple(1, 1, ([a], op) => {
    if (nullish(a)) return null;
    const o: Doc = {};
    for (const e of arr(op, a)) {
      if (Array.isArray(e) && e.length === 2 && typeof e[0] === 'string') setOwn(o, e[0], e[1]);
      else if (isPlainObject(e) && typeof e.k === 'string' && 'v' in e) setOwn(o, e.k, e.v);
      else exprError(op, 'requires an array of [k, v] pairs or { k, v } documents');
    }
    return o;
  }),
  $objectToArray: simple(1, 1, ([o], op) => {
    if (nullish(o)) return null;
    if (!isPlainObject(o)) exprError(op, 'requires a document input');
    return Object.keys(o).map((k) => ({ k, v: o[k] }));
  }),
  $setUnion: variadic((vals, op) => {
    const all: unknown[] = [];
    for (const v of vals) {
      if (nullish(v)) return null;
      for (const x of arr(op, v)) all.push(x);
    }
    return uniq(all);
  }),
  $setIntersection: variadic((vals, op) => {
    if (vals.some(nullish)) return null;
    const [first, ...rest] = vals.map((v) => arr(op, v));
    return uniq(first ?? []).filter((x) => rest.every((r) => r.some((y) => valuesEqual(x, y))));
  }),
  $setDifference: simple(2, 2, ([a, b], op) => {
    if (nullish(a) || nullish(b)) return null;
    const bb = arr(op, b);
    return uniq(arr(op, a)).filter((x) => !bb.some((y) => valuesEqual(x, y)));
  }),
  $setEquals: variadic((vals, op) => {
    const sets = vals.map((v) => uniq(arr(op, v)));
    return sets.every((s) => s.length === sets[0]!.length && s.every((x) => sets[0]!.some((y) => valuesEqual(x, y))));
  }),
  $setIsSubset: simple(2, 2, ([a, b], op) => arr(op, a).every((x) => arr(op, b).some((y) => valuesEqual(x, y)))),
  $anyElementTrue: simple(1, 1, ([a], op) => arr(op, a).some(truthy)),
  $allElementsTrue: simple(1, 1, ([a], op) => arr(op, a).every(truthy)),
  $sum: numericFold('sum'),
  $avg: numericFold('avg'),
  $min: numericFold('min'),
  $max: numericFold('max'),
});
