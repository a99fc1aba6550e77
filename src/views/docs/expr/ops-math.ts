/** Arithmetic expression operators: $add $subtract $multiply $divide $mod $abs $ceil $floor $round $trunc $sqrt $pow $exp $ln $log $log10. */
import { exprError, nullish, registerOps, simple, variadic } from './evaluate.js';

/** A number argument, or null to propagate; anything else is an error naming the operator. */
function num(op: string, v: unknown): number | null {
  if (nullish(v)) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return exprError(op, `only supports numeric types, not ${v instanceof Date ? 'date' : Array.isArray(v) ? 'array' : typeof v}`);
}

function unary(f: (x: number) => number): ReturnType<typeof simple> {
  return simple(1, 1, ([v], op) => {
    const x = num(op!, v);
    return x === null ? null : f(x);
  });
}

function roundTo(x: number, places: number, trunc: boolean): number {
  if (!Number.isFinite(x)) return x;
  const m = Math.pow(10, places);
  if (trunc) return Math.trunc(x * m) / m;
  // Banker's rounding (round half to even), as MongoDB's $round.
  const y = x * m;
  const r = Math.round(y);
  const rounded = Math.abs(y % 1) === 0.5 ? (r % 2 === 0 ? r : r - 1) : r;
  return rounded / m;
}

registerOps({
  $add: variadic((vals, op) => {
    let sum = 0;
    let date: Date | null = null;
    for (const v of vals) {
      if (nullish(v)) return null;
      if (v instanceof Date) {
        if (date) exprError(op, 'only one date allowed');
        date = v;
      } else sum += num(op, v)!;
    }
    return date ? new Date(date.getTime() + sum) : sum;
  }),
  $subtract: simple(2, 2, ([a, b], op) => {
    if (nullish(a) || nullish(b)) return null;
    if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
    if (a instanceof Date) return new Date(a.getTime() - num(op, b)!);
    return num(op, a)! - num(op, b)!;
  }),
  $multiply: variadic((vals, op) => {
    let p = 1;
    for (const v of vals) {
      const x = num(op, v);
      if (x === null) return null;
      p *= x;
    }
    return p;
  }),
  $divide: simple(2, 2, ([a, b], op) => {
    // Null wins over a non-number in either position (ExpressionDivide: numbers, then nullish, then error).
    if (nullish(a) || nullish(b)) return null;
    const x = num(op, a)!;
    const y = num(op, b)!;
    if (y === 0) exprError(op, "can't divide by zero");
    return x / y;
  }),
  $mod: simple(2, 2, ([a, b], op) => {
    // As $divide: ExpressionMod returns null when either side is nullish before any type error.
    if (nullish(a) || nullish(b)) return null;
    const x = num(op, a)!;
    const y = num(op, b)!;
    if (y === 0) exprError(op, "can't mod by zero");
    return x % y;
  }),
  $abs: unary(Math.abs),
  $ceil: unary(Math.ceil),
  $floor: unary(Math.floor),
  $sqrt: simple(1, 1, ([v], op) => {
    const x = num(op, v);
    if (x === null) return null;
    if (x < 0) exprError(op, "argument must be greater than or equal to 0");
    return Math.sqrt(x);
  }),
  $exp: unary(Math.exp),
  $ln: unary(Math.log),
  $log10: unary(Math.log10),
  $log: simple(2, 2, ([a, b], op) => {
    const x = num(op, a);
    const y = num(op, b);
    return x === null || y === null ? null : Math.log(x) / Math.log(y);
  }),
  $pow: simple(2, 2, ([a, b], op) => {
    const x = num(op, a);
    const y = num(op, b);
    if (x === null || y === null) return null;
    if (x === 0 && y < 0) exprError(op, 'zero to a negative exponent');
    return Math.pow(x, y);
  }),
  $round: simple(1, 2, ([a, p], op) => {
    const x = num(op, a);
    const places = p === undefined ? 0 : num(op, p);
    return x === null || places === null ? null : roundTo(x, places, false);
  }),
  $trunc: simple(1, 2, ([a, p], op) => {
    const x = num(op, a);
    const places = p === undefined ? 0 : num(op, p);
    return x === null || places === null ? null : roundTo(x, places, true);
  }),
});
