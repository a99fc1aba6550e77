/**
 * Aggregation expressions: compiles `"$a.b"`, `"$$ROOT"`, `{ $add: [...] }`, object and array
 * literals into closures over an evaluation context. Operators live in the ops-*.ts files, one
 * family each, registered in one table. Nothing is ever evaluated as code: $function and
 * $accumulator are BAD_QUERY like any unknown operator.
 */
import { LarderError } from '../../../errors.js';
import { compareValues, MinKey } from '../../../keys/compare.js';
import { exprPath } from '../paths.js';
import { isPlainObject, setOwn, show, type Doc } from '../util.js';

/** What an expression sees: the document, the current value ($$CURRENT) and variables. */
export interface ExprCtx {
  root: unknown;
  cur: unknown;
  vars: Record<string, unknown>;
  now: Date;
}

/** A compiled expression. */
export type Ev = (c: ExprCtx) => unknown;

/** Compiles an operator's raw argument into an evaluator. */
export type OpCompiler = (arg: unknown, op: string) => Ev;

/** The operator table (filled by the ops-*.ts modules through registerOps). */
const OPS: Record<string, OpCompiler> = Object.create(null);

/** Adds operators to the table (each ops module calls this once). */
export function registerOps(ops: Record<string, OpCompiler>): void {
  for (const k of Object.keys(ops)) OPS[k] = ops[k]!;
}

/** The value $$REMOVE evaluates to: a field set to it is left out. */
export const REMOVE: undefined = undefined;

/** MongoDB truthiness: false, null, missing, 0 are false; everything else (even "" and []) true. */
export function truthy(v: unknown): boolean {
  return !(v === false || v === null || v === undefined || v === 0 || v === 0n);
}

/** Throws the error an expression reports for a bad argument. */
export function exprError(op: string, msg: string): never {
  throw new LarderError('BAD_QUERY', `${op}: ${msg}`);
}

/** Compiles any expression (a field path, a variable, an operator, a literal object or array). */
export function compileExpression(e: unknown): Ev {
  if (typeof e === 'string') {
    if (e.startsWith('$$')) return variable(e.slice(2));
    if (e.startsWith('$')) {
      const parts = e.slice(1).split('.');
      if (parts.some((p) => p.length === 0)) throw new LarderError('BAD_QUERY', `invalid field path ${e}`);
      return (c) => exprPath(c.cur, parts);
    }
    return () => e;
  }
  if (Array.isArray(e)) {
    const items = e.map(compileExpression);
    return (c) => items.map((f) => {
      const v = f(c);
      return v === undefined ? null : v;
    });
  }
  if (isPlainObject(e)) {
    const keys = Object.keys(e);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      const op = keys[0]!;
      const comp = OPS[op];
      if (!comp) {
        if (op === '$function' || op === '$accumulator' || op === '$where') throw new LarderError('BAD_QUERY', `${op} is not supported: nothing is evaluated as code`);
        throw new LarderError('BAD_QUERY', `unknown expression operator ${op}`);
      }
      return comp(e[op], op);
    }
    const fields: Array<[string, Ev]> = [];
    for (const k of keys) {
      if (k.startsWith('$')) throw new LarderError('BAD_QUERY', `unknown expression operator ${k} (an operator object must have one field)`);
      fields.push([k, compileExpression(e[k])]);
    }
    return (c) => {
      const o: Doc = {};
      for (const [k, f] of fields) {
        const v = f(c);
        if (v !== undefined) setOwn(o, k, v);
      }
      return o;
    };
  }
  return () => e;
}

function variable(spec: string): Ev {
  const dot = spec.indexOf('.');
  const name = dot < 0 ? spec : spec.slice(0, dot);
  const parts = dot < 0 ? [] : spec.slice(dot + 1).split('.');
  let base: Ev;
  switch (name) {
    case 'ROOT':
      base = (c) => c.root;
      break;
    case 'CURRENT':
      base = (c) => c.cur;
      break;
    case 'REMOVE':
      return () => REMOVE;
    case 'NOW':
      base = (c) => c.now;
      break;
    default:
      if (!/^[A-Za-z_][\w]*$/.test(name)) throw new LarderError('BAD_QUERY', `invalid variable name $$${name}`);
      base = (c) => {
        if (!Object.prototype.hasOwnProperty.call(c.vars, name)) throw new LarderError('BAD_QUERY', `use of undefined variable: ${name}`);
        return c.vars[name];
      };
  }
  return parts.length ? (c) => exprPath(base(c), parts) : base;
}

/** Compiles an operator argument that is a list (a single non-array argument is a list of one). */
export function argList(arg: unknown): Ev[] {
  return (Array.isArray(arg) ? arg : [arg]).map(compileExpression);
}

/** Compiles exactly `n` arguments (or between min and max). */
export function argsN(op: string, arg: unknown, min: number, max = min): Ev[] {
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length < min || list.length > max) {
    throw new LarderError('BAD_QUERY', `Expression ${op} takes ${min === max ? `exactly ${min}` : `${min} to ${max}`} arguments. ${list.length} were passed in.`);
  }
  return list.map(compileExpression);
}

/** Helper: an operator over its evaluated arguments. */
export function simple(min: number, max: number, f: (vals: unknown[], op: string, c: ExprCtx) => unknown): OpCompiler {
  return (arg, op) => {
    const evs = argsN(op, arg, min, max);
    return (c) => f(evs.map((e) => e(c)), op, c);
  };
}

/** Helper: an operator over a variable number of evaluated arguments. */
export function variadic(f: (vals: unknown[], op: string, c: ExprCtx) => unknown): OpCompiler {
  return (arg, op) => {
    const evs = argList(arg);
    return (c) => f(evs.map((e) => e(c)), op, c);
  };
}

/** Helper: the named-argument form (`{ input, as, in }`), checking required and allowed names. */
export function namedArgs(op: string, arg: unknown, required: string[], optional: string[] = []): Doc {
  if (!isPlainObject(arg)) throw new LarderError('BAD_QUERY', `${op} expects an object, got ${show(arg)}`);
  for (const k of Object.keys(arg)) if (!required.includes(k) && !optional.includes(k)) throw new LarderError('BAD_QUERY', `${op}: unknown argument ${k}`);
  for (const k of required) if (!(k in arg)) throw new LarderError('BAD_QUERY', `${op}: missing '${k}'`);
  return arg;
}

/**
 * Compares two expression values in the aggregation comparison order, where a missing value
 * (undefined) is a value of its own: MinKey < missing < null < everything else, and two missing
 * values are equal. compareValues treats missing as null (right for sort keys and indexes), but
 * MongoDB's comparison expressions do not: `{ $eq: ['$missing', null] }` is false
 * (jstests/aggregation/expressions/comparison_missing_and_key_values.js; the $ne manual page).
 */
export function compareExpr(a: unknown, b: unknown): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    if (a === undefined) return b === MinKey ? 1 : -1;
    return a === MinKey ? -1 : 1;
  }
  return compareValues(a, b);
}

/** True for null or missing: most operators then return null. */
export function nullish(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** Runs `f` with extra variables bound. */
export function withVars(c: ExprCtx, vars: Record<string, unknown>): ExprCtx {
  const merged: Record<string, unknown> = Object.assign(Object.create(null), c.vars);
  for (const k of Object.keys(vars)) merged[k] = vars[k];
  return { root: c.root, cur: c.cur, vars: merged, now: c.now };
}

/** Evaluates an expression against a document. */
export function evaluate(e: unknown, doc: unknown, now = new Date()): unknown {
  return compileExpression(e)({ root: doc, cur: doc, vars: {}, now });
}

export { OPS };
