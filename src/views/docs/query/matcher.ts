/**
 * The query matcher: compiles a MongoDB filter into a predicate over plain JS documents.
 *
 * Semantics (MongoDB's, see paths.ts for how a path is read):
 * - a condition on a path holds if it holds for any candidate value at the path, and for an array
 *   candidate also if it holds for any of its elements (one level);
 * - $ne, $nin and $not are the negation of the whole positive condition;
 * - comparisons only match values of the same type class ("type bracketing"); null in $eq/$in
 *   and $gte/$lte null also match a missing field; NaN equals NaN and is neither greater nor less
 *   than anything;
 * - nothing is ever evaluated as code: $where, $function and unknown operators are BAD_QUERY.
 * Malformed operators carry MongoDB's BadValue code (`details.code` 2), as its parser gives them.
 *
 * The compiled predicate is pure and reusable; the graph view uses it for `where` clauses.
 */
import { compareValues, typeClassOf } from '../../../keys/compare.js';
import { LarderError } from '../../../errors.js';
import { queryValues } from '../paths.js';
import { isNumber, isPlainObject, own, show, splitPath, type Doc } from '../util.js';
import { compileRegex, isRegexObject } from './regex.js';
import { isType, typeName } from './types.js';
import { compileExpression, truthy } from '../expr/index.js';

/** A compiled filter. */
export type Predicate = (doc: Doc) => boolean;
/** A condition on the candidate values of one path. */
type ValuesTest = (cands: unknown[]) => boolean;
/** A condition on one value. */
type ValueTest = (v: unknown) => boolean;

/** A malformed filter: BAD_QUERY with MongoDB's BadValue code (2), as its parser gives it. */
function malformed(message: string): LarderError {
  return new LarderError('BAD_QUERY', message, { code: 2 });
}

const FORBIDDEN = new Set(['$where', '$function', '$accumulator', '$text', '$jsonSchema', '$near', '$nearSphere', '$geoWithin', '$geoIntersects']);

/** Compiles a filter document into a predicate. Throws BAD_QUERY for anything malformed. */
export function compileFilter(filter: unknown, now: () => Date = () => new Date(), vars: () => Record<string, unknown> = noVars): Predicate {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw malformed(`a filter must be an object, got ${show(filter)}`);
  const tests: Predicate[] = [];
  for (const key of Object.keys(filter)) {
    const val = filter[key];
    if (key.startsWith('$')) {
      tests.push(logical(key, val, now, vars));
    } else {
      const parts = splitPath(key);
      const t = fieldCondition(val, now);
      tests.push((doc) => t(queryValues(doc, parts)));
    }
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (doc) => {
    for (const t of tests) if (!t(doc)) return false;
    return true;
  };
}

/**
 * The top-level fields a filter reads (the first part of each path it names, through $and, $or
 * and $nor), or undefined when it may read the whole document ($expr, or anything it does not
 * know). A document with only those fields matches exactly when the whole one does, so a scan
 * can decode just them to test it. Call on a filter compileFilter accepted.
 */
export function filterFields(filter: unknown, out: Set<string> = new Set()): Set<string> | undefined {
  if (filter === undefined || filter === null) return out;
  if (!isPlainObject(filter)) return undefined;
  for (const key of Object.keys(filter)) {
    if (key === '$comment') continue;
    if (key === '$and' || key === '$or' || key === '$nor') {
      const subs = filter[key];
      if (!Array.isArray(subs)) return undefined;
      for (const f of subs) if (!filterFields(f, out)) return undefined;
    } else if (key.startsWith('$')) {
      return undefined;
    } else {
      const dot = key.indexOf('.');
      out.add(dot < 0 ? key : key.slice(0, dot));
    }
  }
  return out;
}

/** True when `doc` matches `filter` (compiles each time: use compileFilter in loops). */
export function matches(doc: Doc, filter: unknown): boolean {
  return compileFilter(filter)(doc);
}

const noVars = (): Record<string, unknown> => ({});

function logical(op: string, val: unknown, now: () => Date, vars: () => Record<string, unknown>): Predicate {
  switch (op) {
    case '$and':
    case '$or':
    case '$nor': {
      if (!Array.isArray(val) || val.length === 0) throw malformed(`${op} argument must be a non-empty array`);
      const subs = val.map((f) => {
        if (!isPlainObject(f)) throw malformed(`${op} argument's entries must be objects`);
        return compileFilter(f, now, vars);
      });
      if (op === '$and') return (d) => subs.every((s) => s(d));
      if (op === '$or') return (d) => subs.some((s) => s(d));
      return (d) => !subs.some((s) => s(d));
    }
    case '$expr': {
      const ev = compileExpression(val);
      // $$variables of an enclosing $lookup's `let` are visible here.
      return (d) => truthy(ev({ root: d, cur: d, vars: vars(), now: now() }));
    }
    case '$comment':
      return () => true;
  }
  if (FORBIDDEN.has(op)) throw new LarderError('BAD_QUERY', `${op} is not supported: nothing is evaluated as code, and text/geo/schema queries are not available`);
  throw malformed(`unknown top level operator: ${op}`);
}

/** True when `v` is an object whose keys are operators (`{ $gt: 1 }`); mixing is BAD_QUERY. */
function isOperatorObject(v: unknown): v is Doc {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return false;
  for (const k of keys) if (!k.startsWith('$')) throw malformed(`unknown operator: ${k} (cannot mix operators and fields in ${show(v)})`);
  return true;
}

/** The test for a field's value in a filter: an operator object or a literal to equal. */
function fieldCondition(val: unknown, now: () => Date): ValuesTest {
  if (isOperatorObject(val)) return operators(val, now);
  return anyLeaf(equalsTest(val));
}

/** Tests candidates and, for array candidates, their elements. */
function anyLeaf(t: ValueTest): ValuesTest {
  return (cands) => {
    for (const c of cands) {
      if (t(c)) return true;
      if (Array.isArray(c)) for (const e of c) if (t(e)) return true;
    }
    return false;
  };
}

/** Equality with MongoDB's null/missing rule; fast paths for scalars. */
export function equalsTest(v: unknown): ValueTest {
  if (v === null || v === undefined) return (x) => x === null || x === undefined;
  if (typeof v === 'string') return (x) => x === v;
  if (typeof v === 'boolean') return (x) => x === v;
  if (typeof v === 'number') {
    if (v !== v) return (x) => x !== x && typeof x === 'number';
    return (x) => x === v || (typeof x === 'bigint' && (x as unknown as number) == v);
  }
  typeClassOf(v); // rejects values with no place in the order
  return (x) => x !== undefined && compareValues(x, v) === 0;
}

function regexTest(spec: unknown, options?: unknown): ValueTest {
  const { re } = compileRegex(spec, options);
  return (x) => typeof x === 'string' && re.test(x);
}

function isNaNValue(x: unknown): boolean {
  return typeof x === 'number' && x !== x;
}

/** $gt/$gte/$lt/$lte with type bracketing and MongoDB's NaN rule. */
function compareTest(op: string, v: unknown): ValueTest {
  if (v === null || v === undefined) {
    if (op === '$gte' || op === '$lte') return (x) => x === null || x === undefined;
    return () => false;
  }
  const cls = typeClassOf(v);
  const vNaN = isNaNValue(v);
  return (x) => {
    if (x === undefined || x === null) return false;
    if (typeClassOf(x) !== cls) return false;
    if (vNaN || isNaNValue(x)) return (op === '$gte' || op === '$lte') && vNaN && isNaNValue(x);
    const c = compareValues(x, v);
    switch (op) {
      case '$gt':
        return c > 0;
      case '$gte':
        return c >= 0;
      case '$lt':
        return c < 0;
      default:
        return c <= 0;
    }
  };
}

function inTest(list: unknown, op: string): ValueTest {
  if (!Array.isArray(list)) throw malformed(`${op} needs an array`);
  // Strings, booleans and numbers other than NaN match by ===, so they go in one Set: a $in of
  // 3,000 ids is one lookup per value, not 3,000 comparisons. A bigint (a Long) equals a number
  // of the same value, so it is checked against the numbers on its own.
  const exact = new Set<unknown>();
  const numbers: number[] = [];
  const rest: ValueTest[] = [];
  for (const e of list) {
    if (typeof e === 'string' || typeof e === 'boolean' || (typeof e === 'number' && e === e)) {
      exact.add(e);
      if (typeof e === 'number') numbers.push(e);
    } else if (isRegexObject(e)) rest.push(regexTest(e.$regex, e.$options));
    else if (isOperatorObject(e)) throw malformed(`cannot nest $ under ${op}`);
    else rest.push(equalsTest(e));
  }
  return (x) => {
    if (exact.has(x)) return true;
    if (typeof x === 'bigint') for (const n of numbers) if ((x as unknown as number) == n) return true;
    for (const t of rest) if (t(x)) return true;
    return false;
  };
}

function elemMatch(spec: unknown, now: () => Date): ValuesTest {
  if (!isPlainObject(spec)) throw malformed('$elemMatch needs an Object');
  const keys = Object.keys(spec);
  const valueMode = keys.length > 0 && keys.every((k) => k.startsWith('$') && k !== '$and' && k !== '$or' && k !== '$nor' && k !== '$expr');
  let elem: ValueTest;
  if (valueMode) {
    // Each element is tested as a single value: an element that is itself an array is not looked
    // into ({ a: [[5]] } does not match { $elemMatch: { $gt: 4 } }; ElemMatchValueMatchExpression
    // calls matchesSingleElement, jstests/core/query/elemmatch/elemmatch_value.js).
    const t = operators(spec, now, singleLeaf);
    elem = (e) => t([e]);
  } else {
    const f = compileFilter(spec, now);
    elem = (e) => isPlainObject(e) && f(e);
  }
  return (cands) => cands.some((c) => Array.isArray(c) && c.some(elem));
}

/** Tests the candidates themselves, never the elements of an array candidate. */
function singleLeaf(t: ValueTest): ValuesTest {
  return (cands) => cands.some(t);
}

/**
 * Compiles an operator object (`{ $gt: 1, $lt: 5 }`): all must hold. `leaf` lifts a test on one
 * value to the candidates: anyLeaf for a path, singleLeaf for the elements $elemMatch tests.
 */
function operators(spec: Doc, now: () => Date, leaf: (t: ValueTest) => ValuesTest = anyLeaf): ValuesTest {
  const tests: ValuesTest[] = [];
  const keys = Object.keys(spec);
  for (const op of keys) {
    const v = spec[op];
    switch (op) {
      case '$eq':
        tests.push(leaf(equalsTest(v)));
        break;
      case '$ne': {
        const t = leaf(equalsTest(v));
        tests.push((c) => !t(c));
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        tests.push(leaf(compareTest(op, v)));
        break;
      case '$in':
        tests.push(leaf(inTest(v, op)));
        break;
      case '$nin': {
        const t = leaf(inTest(v, op));
        tests.push((c) => !t(c));
        break;
      }
      case '$exists': {
        const want = v !== false && v !== 0 && v !== null && v !== undefined;
        tests.push((c) => c.some((x) => x !== undefined) === want);
        break;
      }
      case '$type': {
        const names = (Array.isArray(v) ? v : [v]).map(typeName);
        tests.push(leaf((x) => x !== undefined && names.some((n) => isType(x, n))));
        break;
      }
      case '$regex':
        tests.push(leaf(regexTest(v, own(spec, '$options') ?? '')));
        break;
      case '$options':
        if (!('$regex' in spec)) throw malformed('$options needs a $regex');
        break;
      case '$size': {
        // A long (bigint) is a valid size too, as NumberLong(2) is in MongoDB.
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw malformed('$size needs a non-negative integer');
        tests.push((c) => c.some((x) => Array.isArray(x) && x.length === n));
        break;
      }
      case '$all': {
        if (!Array.isArray(v)) throw malformed('$all needs an array');
        if (v.length === 0) {
          tests.push(() => false);
          break;
        }
        // The first item decides: all $elemMatch or none (expression_parser.cpp parseAll,
        // "$all/$elemMatch has to be consistent"; a later $elemMatch is a "$ expression").
        const isElemMatch = (e: unknown): e is Doc => isPlainObject(e) && Object.keys(e)[0] === '$elemMatch';
        if (isElemMatch(v[0])) {
          const ems = v.map((e) => {
            if (!isElemMatch(e)) throw malformed('$all/$elemMatch has to be consistent');
            return elemMatch(e.$elemMatch, now);
          });
          tests.push((c) => ems.every((s) => s(c)));
          break;
        }
        const subs = v.map((e) => {
          if (isRegexObject(e)) return leaf(regexTest(e.$regex, e.$options));
          if (isOperatorObject(e)) throw malformed('no $ expressions in $all');
          return leaf(equalsTest(e));
        });
        tests.push((c) => subs.every((s) => s(c)));
        break;
      }
      case '$elemMatch':
        tests.push(elemMatch(v, now));
        break;
      case '$mod': {
        if (!Array.isArray(v) || v.length !== 2 || !isNumber(v[0]) || !isNumber(v[1])) throw malformed('malformed mod, needs [divisor, remainder]');
        const d = Math.trunc(Number(v[0]));
        const r = Math.trunc(Number(v[1]));
        if (!Number.isFinite(d)) throw malformed('malformed mod, divisor value is invalid');
        if (!Number.isFinite(r)) throw malformed('malformed mod, remainder value is invalid');
        if (d === 0) throw malformed('divisor cannot be 0');
        tests.push(leaf((x) => isNumber(x) && Number.isFinite(Number(x)) && Math.trunc(Number(x)) % d === r));
        break;
      }
      case '$not': {
        let t: ValuesTest;
        if (isRegexObject(v)) t = leaf(regexTest(v.$regex, v.$options));
        else if (isOperatorObject(v)) t = operators(v, now, leaf);
        else throw malformed('$not needs a regex or a document of operators');
        tests.push((c) => !t(c));
        break;
      }
      case '$comment':
        break;
      default:
        if (FORBIDDEN.has(op)) throw new LarderError('BAD_QUERY', `${op} is not supported`);
        throw malformed(`unknown operator: ${op}`);
    }
  }
  if (tests.length === 1) return tests[0]!;
  return (c) => {
    for (const t of tests) if (!t(c)) return false;
    return true;
  };
}
