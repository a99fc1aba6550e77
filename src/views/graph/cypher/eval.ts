/**
 * Expression evaluation over one row. Pure interpretation of the AST: no query text is ever turned
 * into JavaScript. Boolean operators are three-valued (null = unknown); WHERE keeps a row only
 * when its predicate is exactly true.
 */
import { LarderError } from '../../../errors.js';
import type { Expr } from './ast.js';
import { withVar, type Exec, type Row } from './exec.js';
import { callFunction } from './functions.js';
import { AGGREGATES } from './walk.js';
import { NodeVal, RelVal, compare, equals, isMap, isNum, typeName } from './values.js';

/** Values of aggregate calls for the group being projected (see project.ts). */
export type AggValues = Map<Expr, unknown>;

/** True when `v` is exactly true (WHERE semantics). */
export function truthy(v: unknown): boolean {
  return v === true;
}

function bool(ex: Exec, e: Expr, v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'boolean') throw ex.error(e.at, `expected a boolean, got ${typeName(v)}`);
  return v;
}

/** Evaluates `e` in `row`. */
export function evaluate(ex: Exec, e: Expr, row: Row, agg?: AggValues): unknown {
  if (agg && agg.has(e)) return agg.get(e);
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'param': {
      if (!Object.prototype.hasOwnProperty.call(ex.params, e.name)) throw ex.error(e.at, `missing parameter $${e.name}`);
      return ex.params[e.name];
    }
    case 'var': {
      const v = row[e.name];
      return v === undefined ? null : v;
    }
    case 'prop': {
      const o = evaluate(ex, e.obj, row, agg);
      if (o === null || o === undefined) return null;
      if (o instanceof NodeVal || o instanceof RelVal) return own(o.properties, e.key);
      if (isMap(o)) return own(o, e.key);
      if (o instanceof Date) {
        const parts: Record<string, () => number> = { year: () => o.getUTCFullYear(), month: () => o.getUTCMonth() + 1, day: () => o.getUTCDate(), epochMillis: () => o.getTime() };
        if (parts[e.key]) return parts[e.key]();
      }
      throw ex.error(e.at, `cannot read property ${e.key} of a ${typeName(o)}`);
    }
    case 'index': {
      const o = evaluate(ex, e.obj, row, agg);
      const i = evaluate(ex, e.idx, row, agg);
      if (o === null || o === undefined || i === null || i === undefined) return null;
      if (Array.isArray(o)) {
        if (!isNum(i) || !Number.isInteger(Number(i))) throw ex.error(e.at, `a list index must be an integer, got ${typeName(i)}`);
        const k = Number(i) < 0 ? o.length + Number(i) : Number(i);
        return o[k] ?? null;
      }
      if (typeof i === 'string') {
        if (o instanceof NodeVal || o instanceof RelVal) return own(o.properties, i);
        if (isMap(o)) return own(o, i);
      }
      throw ex.error(e.at, `cannot index a ${typeName(o)} with a ${typeName(i)}`);
    }
    case 'slice': {
      const o = evaluate(ex, e.obj, row, agg);
      if (o === null || o === undefined) return null;
      if (!Array.isArray(o)) throw ex.error(e.at, `cannot slice a ${typeName(o)}`);
      const at = (x: Expr | undefined, d: number) => {
        if (!x) return d;
        const v = evaluate(ex, x, row, agg);
        if (v === null) return null;
        if (!isNum(v)) throw ex.error(x.at, 'slice bounds must be integers');
        const n = Number(v);
        return n < 0 ? Math.max(0, o.length + n) : n;
      };
      const from = at(e.from, 0), to = at(e.to, o.length);
      return from === null || to === null ? null : o.slice(from, to);
    }
    case 'hasLabels': {
      const o = evaluate(ex, e.obj, row, agg);
      if (o === null || o === undefined) return null;
      if (!(o instanceof NodeVal)) throw ex.error(e.at, `label test on a ${typeName(o)}`);
      return e.labels.every((l) => o.labels.includes(l));
    }
    case 'list':
      return e.items.map((x) => evaluate(ex, x, row, agg));
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of e.entries) {
        const v = evaluate(ex, x, row, agg);
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        else o[k] = v;
      }
      return o;
    }
    case 'not': {
      const v = bool(ex, e.x, evaluate(ex, e.x, row, agg));
      return v === null ? null : !v;
    }
    case 'and': {
      const a = bool(ex, e.a, evaluate(ex, e.a, row, agg));
      if (a === false) return false;
      const b = bool(ex, e.b, evaluate(ex, e.b, row, agg));
      if (b === false) return false;
      return a === null || b === null ? null : true;
    }
    case 'or': {
      const a = bool(ex, e.a, evaluate(ex, e.a, row, agg));
      if (a === true) return true;
      const b = bool(ex, e.b, evaluate(ex, e.b, row, agg));
      if (b === true) return true;
      return a === null || b === null ? null : false;
    }
    case 'xor': {
      const a = bool(ex, e.a, evaluate(ex, e.a, row, agg));
      const b = bool(ex, e.b, evaluate(ex, e.b, row, agg));
      return a === null || b === null ? null : a !== b;
    }
    case 'cmp': {
      const a = evaluate(ex, e.a, row, agg);
      const b = evaluate(ex, e.b, row, agg);
      if (e.op === '=') return equals(a, b);
      if (e.op === '<>') { const q = equals(a, b); return q === null ? null : !q; }
      const c = compare(a, b);
      if (c === null) return null;
      return e.op === '<' ? c < 0 : e.op === '>' ? c > 0 : e.op === '<=' ? c <= 0 : c >= 0;
    }
    case 'arith':
      return arith(ex, e, evaluate(ex, e.a, row, agg), evaluate(ex, e.b, row, agg));
    case 'neg': {
      const v = evaluate(ex, e.x, row, agg);
      if (v === null || v === undefined) return null;
      if (typeof v === 'bigint') return -v;
      if (typeof v !== 'number') throw ex.error(e.at, `cannot negate a ${typeName(v)}`);
      return -v;
    }
    case 'strop': {
      const a = evaluate(ex, e.a, row, agg);
      const b = evaluate(ex, e.b, row, agg);
      if (typeof a !== 'string' || typeof b !== 'string') return null;
      return e.op === 'starts' ? a.startsWith(b) : e.op === 'ends' ? a.endsWith(b) : a.includes(b);
    }
    case 'in': {
      const a = evaluate(ex, e.a, row, agg);
      const list = evaluate(ex, e.b, row, agg);
      if (list === null || list === undefined) return null;
      if (!Array.isArray(list)) throw ex.error(e.at, `IN expects a list, got ${typeName(list)}`);
      let sawNull = false;
      for (const x of list) {
        const q = equals(a, x);
        if (q === true) return true;
        if (q === null) sawNull = true;
      }
      return sawNull ? null : false;
    }
    case 'isNull': {
      const v = evaluate(ex, e.x, row, agg);
      const isNull = v === null || v === undefined;
      return e.not ? !isNull : isNull;
    }
    case 'case': {
      if (e.subject) {
        const s = evaluate(ex, e.subject, row, agg);
        for (const [w, t] of e.whens) if (equals(s, evaluate(ex, w, row, agg)) === true) return evaluate(ex, t, row, agg);
      } else {
        for (const [w, t] of e.whens) if (evaluate(ex, w, row, agg) === true) return evaluate(ex, t, row, agg);
      }
      return e.otherwise ? evaluate(ex, e.otherwise, row, agg) : null;
    }
    case 'listComp': {
      const list = evaluate(ex, e.list, row, agg);
      if (list === null || list === undefined) return null;
      if (!Array.isArray(list)) throw ex.error(e.at, `list comprehension over a ${typeName(list)}`);
      const out: unknown[] = [];
      for (const x of list) {
        const inner: Row = withVar(row, e.variable, x);
        if (e.where && evaluate(ex, e.where, inner, agg) !== true) continue;
        out.push(e.map ? evaluate(ex, e.map, inner, agg) : x);
      }
      return out;
    }
    case 'call': {
      if (AGGREGATES.has(e.name)) throw ex.error(e.at, `aggregate ${e.name}() is not allowed here`);
      const args = e.args.map((x) => evaluate(ex, x, row, agg));
      try {
        return callFunction(e.name, args, (id) => ex.node(id));
      } catch (err) {
        if (err instanceof LarderError) throw ex.error(e.at, err.message);
        throw err;
      }
    }
  }
}


function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? (o[k] ?? null) : null;
}

function arith(ex: Exec, e: Expr & { k: 'arith' }, a: unknown, b: unknown): unknown {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (e.op === '+') {
    if (Array.isArray(a)) return Array.isArray(b) ? [...a, ...b] : [...a, b];
    if (Array.isArray(b)) return [a, ...b];
    if (typeof a === 'string' || typeof b === 'string') {
      if ((typeof a === 'string' || isNum(a) || typeof a === 'boolean') && (typeof b === 'string' || isNum(b) || typeof b === 'boolean')) return String(a) + String(b);
    }
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (isNum(a) && isNum(b) && e.op !== '^') {
      const x = BigInt(a as bigint), y = BigInt(b as bigint);
      if ((e.op === '/' || e.op === '%') && y === 0n) throw ex.error(e.at, 'division by zero');
      return e.op === '+' ? x + y : e.op === '-' ? x - y : e.op === '*' ? x * y : e.op === '/' ? x / y : x % y;
    }
  }
  if (typeof a !== 'number' && typeof a !== 'bigint') throw ex.error(e.at, `cannot apply ${e.op} to a ${typeName(a)}`);
  if (typeof b !== 'number' && typeof b !== 'bigint') throw ex.error(e.at, `cannot apply ${e.op} to a ${typeName(b)}`);
  const x = Number(a), y = Number(b);
  switch (e.op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
      // Integers divide as integers (truncated), as in Cypher; JS cannot tell 2.0 from 2.
      if (Number.isInteger(x) && Number.isInteger(y)) {
        if (y === 0) throw ex.error(e.at, 'division by zero');
        return Math.trunc(x / y);
      }
      return x / y;
    case '%':
      if (Number.isInteger(x) && Number.isInteger(y) && y === 0) throw ex.error(e.at, 'division by zero');
      return x % y;
    case '^': return x ** y;
  }
}

/** Evaluates a pattern's property map (a map literal or a map parameter). */
export function evalProps(ex: Exec, e: Expr | undefined, row: Row): Record<string, unknown> | undefined {
  if (!e) return undefined;
  const v = evaluate(ex, e, row);
  if (v === null || v === undefined) return undefined;
  if (!isMap(v)) throw ex.error(e.at, `a property map must be a map, got ${typeName(v)}`);
  return v;
}

