/**
 * Update documents: `{ $set: {...}, $inc: {...} }` operators, replacement documents, and
 * aggregation-pipeline updates. compileUpdate checks the whole spec up front (unknown operators,
 * conflicting paths, bad arguments) so a malformed update fails before any document is touched;
 * applyUpdate then works on a deep copy and returns it, leaving the stored document alone.
 *
 * Operator fields are applied in lexicographic path order, as MongoDB 5.0+ does, which decides
 * where new fields land in the document.
 */
import { compareValues } from '../../../keys/compare.js';
import { LarderError } from '../../../errors.js';
import { compileFilter, type Predicate } from '../query/matcher.js';
import { isRegexObject, compileRegex } from '../query/regex.js';
import { comparator, parseSort } from '../sort.js';
import { clone, isIndexPart, isNumber, isPlainObject, own, show, splitPath, valuesEqual, type Doc } from '../util.js';
import { arithmetic } from './arithmetic.js';
import { getPath, pathsConflict, setPath, unsetPath } from './path.js';

/** Context an update needs beyond the document. */
export interface UpdateContext {
  /** The call's clock ($currentDate). */
  now: number;
  /** True when the update builds an upserted document ($setOnInsert applies). */
  isInsert: boolean;
  /** Index of the array element the query matched, for the positional `$` (by array path). */
  positional?: (arrayPath: string[]) => number | undefined;
}

/** One operator applied to one path. */
interface Op {
  op: string;
  path: string;
  parts: string[];
  arg: unknown;
  /** Precompiled helper (pull predicate, push sort...). */
  aux?: unknown;
}

/** A checked update, ready to apply to many documents. */
export type CompiledUpdate =
  | { kind: 'replace'; doc: Doc }
  | { kind: 'ops'; ops: Op[]; arrayFilters: Map<string, Predicate> }
  | { kind: 'pipeline'; apply: (doc: Doc, now: number) => Doc };

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$setOnInsert', '$currentDate', '$push', '$addToSet', '$pull', '$pullAll', '$pop', '$bit']);

/** Compiles an update; `pipeline` applies an aggregation pipeline to one document (injected to avoid a cycle). */
export function compileUpdate(
  update: unknown,
  options: { arrayFilters?: unknown; pipeline?: (stages: unknown[]) => (doc: Doc, now: number) => Doc; replacementOnly?: boolean; operatorsOnly?: boolean } = {},
): CompiledUpdate {
  if (Array.isArray(update)) {
    if (options.replacementOnly) throw new LarderError('BAD_QUERY', 'replacement document must not be a pipeline');
    if (!options.pipeline) throw new LarderError('BAD_QUERY', 'pipeline updates are not supported here');
    return { kind: 'pipeline', apply: options.pipeline(update) };
  }
  if (!isPlainObject(update)) throw new LarderError('BAD_QUERY', `update must be an object or a pipeline, got ${show(update)}`);
  const keys = Object.keys(update);
  const isOps = keys.length > 0 && keys[0]!.startsWith('$');
  if (!isOps || options.replacementOnly) {
    if (options.operatorsOnly) throw new LarderError('BAD_QUERY', 'Update document requires atomic operators');
    for (const k of keys) if (k.startsWith('$')) throw new LarderError('BAD_QUERY', `replacement document must not contain update operators (found ${k})`);
    return { kind: 'replace', doc: update };
  }
  if (options.replacementOnly) throw new LarderError('BAD_QUERY', 'Replacement document must not contain atomic operators');
  const ops: Op[] = [];
  for (const op of keys) {
    if (!op.startsWith('$')) throw new LarderError('BAD_QUERY', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update`);
    if (!OPERATORS.has(op)) throw new LarderError('BAD_QUERY', `Unknown modifier: ${op}`);
    const spec = update[op];
    if (!isPlainObject(spec)) throw new LarderError('BAD_QUERY', `Modifiers operate on fields but we found type ${Array.isArray(spec) ? 'array' : typeof spec} instead. For example: {$mod: {<field>: ...}} not {${op}: ${show(spec)}}`);
    for (const path of Object.keys(spec).sort()) {
      const parts = splitPath(path, `${op} path`);
      ops.push(checkOp({ op, path, parts, arg: spec[path] }));
      if (op === '$rename') {
        const to = spec[path];
        // BadValue (code 2) for each, as rename_node.cpp; a prefix is refused here, before the
        // conflict check would call it a conflict (code 40).
        if (typeof to !== 'string' || to.length === 0) throw new LarderError('BAD_QUERY', `The 'to' field for $rename must be a string: ${path}: ${show(to)}`, { code: 2 });
        if (to === path) throw new LarderError('BAD_QUERY', `The source and target field for $rename must differ: ${path}: ${show(to)}`, { code: 2 });
        if (pathsConflict(path, to)) throw new LarderError('BAD_QUERY', `The source and target field for $rename must not be on the same path: ${path}: ${show(to)}`, { code: 2 });
        splitPath(to, '$rename target');
      }
    }
  }
  // Conflicts: no two operations may touch the same path or one inside another.
  const touched: string[] = [];
  for (const o of ops) {
    const paths = o.op === '$rename' ? [o.path, o.arg as string] : [o.path];
    for (const p of paths) {
      const norm = p.replace(/\.\$(\[[^\]]*\])?(?=\.|$)/g, '.$');
      for (const t of touched) if (pathsConflict(t, norm)) throw new LarderError('BAD_QUERY', `Updating the path '${p}' would create a conflict at '${t}'`, { code: 40 });
      touched.push(norm);
    }
  }
  return { kind: 'ops', ops, arrayFilters: compileArrayFilters(options.arrayFilters) };
}

function compileArrayFilters(af: unknown): Map<string, Predicate> {
  const out = new Map<string, Predicate>();
  if (af === undefined) return out;
  if (!Array.isArray(af)) throw new LarderError('BAD_QUERY', 'arrayFilters must be an array');
  for (const f of af) {
    if (!isPlainObject(f) || Object.keys(f).length === 0) throw new LarderError('BAD_QUERY', 'each array filter must be a non-empty object');
    const ids = new Set(Object.keys(f).map((k) => k.split('.')[0]!));
    if (ids.size !== 1) throw new LarderError('BAD_QUERY', 'an array filter must use a single identifier');
    const id = [...ids][0]!;
    if (!/^[a-z][A-Za-z0-9]*$/.test(id)) throw new LarderError('BAD_QUERY', `bad array filter identifier ${id}`);
    if (out.has(id)) throw new LarderError('BAD_QUERY', `duplicate array filter identifier ${id}`);
    const pred = compileFilter(f);
    out.set(id, pred);
  }
  return out;
}

function needNumber(o: Op): void {
  if (!isNumber(o.arg)) throw new LarderError('BAD_QUERY', `Cannot ${o.op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${o.path}: ${show(o.arg)}}`);
}

/** Validates one operator's argument and precompiles what it can. */
function checkOp(o: Op): Op {
  switch (o.op) {
    case '$inc':
    case '$mul':
      needNumber(o);
      break;
    case '$currentDate': {
      const a = o.arg;
      const ok = a === true || (isPlainObject(a) && (a.$type === 'date' || a.$type === 'timestamp') && Object.keys(a).length === 1);
      if (!ok) throw new LarderError('BAD_QUERY', `$currentDate takes true or { $type: 'date' | 'timestamp' } for ${o.path}`);
      break;
    }
    case '$pop':
      if (o.arg !== 1 && o.arg !== -1) throw new LarderError('BAD_QUERY', `$pop expects 1 or -1, found: ${show(o.arg)}`);
      break;
    case '$pullAll':
      if (!Array.isArray(o.arg)) throw new LarderError('BAD_QUERY', `$pullAll requires an array argument but was given ${show(o.arg)}`);
      break;
    case '$pull':
      o.aux = pullPredicate(o.arg);
      break;
    case '$push':
    case '$addToSet':
      o.aux = eachSpec(o);
      break;
    case '$bit':
      if (!isPlainObject(o.arg) || Object.keys(o.arg).length !== 1 || !['and', 'or', 'xor'].includes(Object.keys(o.arg)[0]!)) throw new LarderError('BAD_QUERY', '$bit takes { and | or | xor: <int> }');
      break;
  }
  return o;
}

interface EachSpec {
  each: unknown[];
  position?: number;
  slice?: number;
  sort?: ((a: unknown, b: unknown) => number) | undefined;
}

function eachSpec(o: Op): EachSpec {
  const a = o.arg;
  // $push looks $each up anywhere in the object ({ $slice, $each } is modifiers too,
  // push_node.cpp); $addToSet only as the first field (addtoset_node.cpp).
  const isEach = isPlainObject(a) && (o.op === '$push' ? Object.prototype.hasOwnProperty.call(a, '$each') : Object.keys(a)[0] === '$each');
  if (!isEach) {
    if (isPlainObject(a) && Object.keys(a).some((k) => k.startsWith('$'))) throw new LarderError('BAD_QUERY', `${o.op} modifiers need $each: ${show(a)}`);
    return { each: [a] };
  }
  if (!Array.isArray(a.$each)) throw new LarderError('BAD_QUERY', `The argument to $each in ${o.op} must be an array but it was of type ${typeof a.$each}`);
  const spec: EachSpec = { each: a.$each };
  for (const k of Object.keys(a)) {
    const v = a[k];
    if (k === '$each') continue;
    if (o.op === '$addToSet') throw new LarderError('BAD_QUERY', `Found unexpected fields after $each in $addToSet: ${k}`);
    if (k === '$position') {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new LarderError('BAD_QUERY', '$position must be an integer');
      spec.position = v;
    } else if (k === '$slice') {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new LarderError('BAD_QUERY', '$slice must be an integer');
      spec.slice = v;
    } else if (k === '$sort') {
      if (v === 1 || v === -1) spec.sort = (x, y) => compareValues(x, y) * v;
      else {
        const s = parseSort(v);
        if (!s) throw new LarderError('BAD_QUERY', '$sort must be 1, -1 or a sort document');
        const cmp = comparator(s);
        spec.sort = (x, y) => cmp(isPlainObject(x) ? x : {}, isPlainObject(y) ? y : {});
      }
    } else {
      throw new LarderError('BAD_QUERY', `Unrecognized clause in $push: ${k}`);
    }
  }
  return spec;
}

/** $pull's condition: a filter for document elements, operators for values, or a value to equal. */
function pullPredicate(cond: unknown): (e: unknown) => boolean {
  if (isRegexObject(cond)) {
    const { re } = compileRegex(cond.$regex, cond.$options);
    return (e) => typeof e === 'string' && re.test(e);
  }
  if (isPlainObject(cond)) {
    const keys = Object.keys(cond);
    if (keys.length > 0 && keys.every((k) => k.startsWith('$') && k !== '$and' && k !== '$or' && k !== '$nor')) {
      const f = compileFilter({ v: cond });
      return (e) => f({ v: e });
    }
    const f = compileFilter(cond);
    return (e) => isPlainObject(e) && f(e);
  }
  return (e) => valuesEqual(e, cond);
}

/** Applies a compiled update to a copy of `doc` and returns the copy. */
export function applyUpdate(doc: Doc, u: CompiledUpdate, ctx: UpdateContext): Doc {
  if (u.kind === 'replace') {
    const out: Doc = {};
    if (doc._id !== undefined) out._id = doc._id;
    for (const k of Object.keys(u.doc)) if (k !== '_id' || out._id === undefined) setOwnField(out, k, clone(u.doc[k]));
    if (u.doc._id !== undefined && doc._id !== undefined && !valuesEqual(u.doc._id, doc._id)) {
      throw new LarderError('BAD_VALUE', "After applying the update, the (immutable) field '_id' was found to have been altered", { code: 66 });
    }
    return out;
  }
  if (u.kind === 'pipeline') return u.apply(clone(doc), ctx.now);
  const out = clone(doc);
  for (const o of u.ops) {
    if (o.op === '$setOnInsert' && !ctx.isInsert) continue;
    for (const parts of expand(out, o.parts, u.arrayFilters, ctx, o)) applyOp(out, o, parts, ctx);
  }
  // An _id already there (an upsert's seed from the filter included) is immutable; an upsert
  // without one may create it (produce_document_for_upsert.cpp, upsert_fields.js).
  if (doc._id !== undefined && !valuesEqual(out._id, doc._id)) {
    throw new LarderError('BAD_VALUE', "Performing an update on the path '_id' would modify the immutable field '_id'", { code: 66 });
  }
  return out;
}

function setOwnField(o: Doc, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** Resolves `$`, `$[]` and `$[id]` parts into concrete paths. */
function expand(doc: Doc, parts: string[], filters: Map<string, Predicate>, ctx: UpdateContext, o: Op): string[][] {
  const idx = parts.findIndex((p) => p.startsWith('$'));
  if (idx < 0) return [parts];
  const p = parts[idx]!;
  const prefix = parts.slice(0, idx);
  if (p === '$') {
    const pos = ctx.positional?.(prefix);
    if (pos === undefined) throw new LarderError('BAD_VALUE', `The positional operator did not find the match needed from the query (${o.path}).`, { code: 2 });
    return expand(doc, [...prefix, String(pos), ...parts.slice(idx + 1)], filters, ctx, o);
  }
  const m = /^\$\[([^\]]*)\]$/.exec(p);
  if (!m) throw new LarderError('BAD_QUERY', `bad path part ${p} in ${o.path}`);
  const arr = getPath(doc, prefix);
  if (!Array.isArray(arr)) {
    if (ctx.isInsert) throw new LarderError('BAD_VALUE', `The path '${prefix.join('.')}' must exist in the document in order to apply array updates.`, { code: 2 });
    throw new LarderError('BAD_VALUE', `The path '${prefix.join('.')}' must exist in the document in order to apply array updates.`, { code: 2 });
  }
  const id = m[1]!;
  let pred: Predicate | undefined;
  if (id !== '') {
    pred = filters.get(id);
    if (!pred) throw new LarderError('BAD_QUERY', `No array filter found for identifier '${id}' in path '${o.path}'`, { code: 2 });
  }
  const out: string[][] = [];
  for (let i = 0; i < arr.length; i++) {
    if (pred && !pred({ [id]: arr[i] })) continue;
    for (const p of expand(doc, [...prefix, String(i), ...parts.slice(idx + 1)], filters, ctx, o)) out.push(p);
  }
  return out;
}

function typeErr(o: Op, parts: string[], what: string, v: unknown, code = 14): never {
  throw new LarderError('BAD_VALUE', `${what} {${parts.join('.')}: ${show(v)}} (${o.op})`, { code });
}

function applyOp(doc: Doc, o: Op, parts: string[], ctx: UpdateContext): void {
  const cur = getPath(doc, parts);
  const exists = cur !== undefined || hasPath(doc, parts);
  switch (o.op) {
    case '$set':
    case '$setOnInsert':
      setPath(doc, parts, clone(o.arg));
      return;
    case '$unset':
      unsetPath(doc, parts);
      return;
    case '$inc':
    case '$mul': {
      if (exists && !isNumber(cur)) typeErr(o, parts, `Cannot apply ${o.op} to a value of non-numeric type.`, cur);
      const a = o.arg as number | bigint;
      const next = !exists ? (o.op === '$inc' ? a : typeof a === 'bigint' ? 0n : 0) : arithmetic(o.op, cur as number | bigint, a);
      setPath(doc, parts, next);
      return;
    }
    case '$min':
    case '$max': {
      if (!exists) return setPath(doc, parts, clone(o.arg));
      const c = compareValues(o.arg, cur);
      if (o.op === '$min' ? c < 0 : c > 0) setPath(doc, parts, clone(o.arg));
      return;
    }
    case '$currentDate':
      setPath(doc, parts, new Date(ctx.now));
      return;
    case '$rename': {
      const toParts = (o.arg as string).split('.');
      if (through(doc, parts) || through(doc, toParts)) throw new LarderError('BAD_VALUE', `$rename: the source and target field may not be inside an array (${o.path} -> ${o.arg as string})`, { code: 2 });
      if (!exists) return;
      unsetPath(doc, parts);
      setPath(doc, toParts, cur);
      return;
    }
    case '$push':
    case '$addToSet': {
      // BadValue (2), not TypeMismatch: push_node.cpp / addtoset_node.cpp.
      if (exists && !Array.isArray(cur)) typeErr(o, parts, `The field '${parts.join('.')}' must be an array but is of type ${typeof cur} in document`, cur, 2);
      const list = exists ? [...(cur as unknown[])] : [];
      const spec = o.aux as EachSpec;
      if (o.op === '$addToSet') {
        for (const v of spec.each) if (!list.some((x) => valuesEqual(x, v))) list.push(clone(v));
      } else {
        let pos = spec.position === undefined ? list.length : spec.position < 0 ? Math.max(0, list.length + spec.position) : Math.min(spec.position, list.length);
        for (const v of spec.each) list.splice(pos++, 0, clone(v));
        if (spec.sort) list.sort(spec.sort);
        if (spec.slice !== undefined) {
          const s = spec.slice;
          const kept = s >= 0 ? list.slice(0, s) : list.slice(Math.max(0, list.length + s));
          list.length = 0;
          for (const x of kept) list.push(x); // no spread: arrays may be huge
        }
      }
      setPath(doc, parts, list);
      return;
    }
    case '$pop': {
      if (!exists) return;
      if (!Array.isArray(cur)) typeErr(o, parts, 'Path does not contain an array', cur);
      if (cur.length === 0) return;
      setPath(doc, parts, o.arg === 1 ? cur.slice(0, -1) : cur.slice(1));
      return;
    }
    case '$pull':
    case '$pullAll': {
      if (!exists) return;
      // BadValue (2) for both: array_culling_node.cpp.
      if (!Array.isArray(cur)) typeErr(o, parts, 'Cannot apply $pull to a non-array value', cur, 2);
      const keep =
        o.op === '$pull'
          ? cur.filter((e) => !(o.aux as (e: unknown) => boolean)(e))
          : cur.filter((e) => !(o.arg as unknown[]).some((x) => valuesEqual(x, e)));
      if (keep.length !== cur.length) setPath(doc, parts, keep);
      return;
    }
    case '$bit': {
      const [k, v] = Object.entries(o.arg as Doc)[0]!;
      const x = exists ? cur : 0;
      if (typeof x !== 'number' || typeof v !== 'number') typeErr(o, parts, 'Cannot apply $bit to a value of non-integral type.', x);
      setPath(doc, parts, k === 'and' ? x & v : k === 'or' ? x | v : x ^ v);
      return;
    }
  }
}

/** True when the path has a value (even undefined) at the end. */
function hasPath(doc: Doc, parts: string[]): boolean {
  const parent = getPath(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) return isIndexPart(last) && Number(last) < parent.length;
  return isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, last);
}

/** True when following `parts` meets an array before the end. */
function through(doc: Doc, parts: string[]): boolean {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = own(cur, parts[i]!);
    if (Array.isArray(cur)) return true;
    if (!isPlainObject(cur)) return false;
  }
  return false;
}
