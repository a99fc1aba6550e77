/**
 * The aggregation pipeline: stages compiled once, then run over arrays of documents.
 * Stages: $match $project $addFields/$set $unset $replaceRoot/$replaceWith $group $sort $skip
 * $limit $unwind $count $sortByCount $lookup $facet $sample. $out and $merge are refused (a
 * pipeline here only reads). $lookup reads another collection through `env.find`, which uses
 * that collection's indexes.
 */
import { LarderError } from '../../../errors.js';
import { KeyBuilder } from '../../../keys/encode.js';
import { compileExpression, type Ev, type ExprCtx } from '../expr/index.js';
import { compileProjection } from '../projection.js';
import { compileFilter } from '../query/matcher.js';
import { parseSort, sortDocs } from '../sort.js';
import { setPath, unsetPath } from '../update/path.js';
import { latin1 } from '../indexes.js';
import { clone, isPlainObject, own, setOwn, show, splitPath, type Doc } from '../util.js';
import { exprPath } from '../paths.js';
import { compileAccumulator } from './accumulators.js';

/** What a pipeline may ask of the database. */
export interface PipelineEnv {
  /** The documents of `coll` matching `filter`. */
  find(coll: string, filter: Doc): Doc[];
  /** The call's clock. */
  now: number;
}

/** A compiled stage. */
type Stage = (docs: Doc[], vars: Record<string, unknown>) => Doc[];

/** A compiled pipeline. */
export type Pipeline = (docs: Doc[], vars?: Record<string, unknown>) => Doc[];

const UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** Compiles a pipeline; `updateOnly` restricts it to the stages an update pipeline allows. */
export function compilePipeline(stages: unknown, env: PipelineEnv, updateOnly = false): Pipeline {
  if (!Array.isArray(stages)) throw new LarderError('BAD_QUERY', 'a pipeline must be an array of stages');
  const compiled = stages.map((s, i) => {
    if (!isPlainObject(s) || Object.keys(s).length !== 1) throw new LarderError('BAD_QUERY', `pipeline stage ${i} must be an object with exactly one field, got ${show(s)}`);
    const name = Object.keys(s)[0]!;
    if (updateOnly && !UPDATE_STAGES.has(name)) throw new LarderError('BAD_QUERY', `${name} is not allowed to be used within an update`);
    return compileStage(name, s[name], env);
  });
  return (docs, vars = {}) => {
    let cur = docs;
    for (const st of compiled) cur = st(cur, vars);
    return cur;
  };
}

function ctxFor(doc: unknown, vars: Record<string, unknown>, now: number): ExprCtx {
  return { root: doc, cur: doc, vars, now: new Date(now) };
}

function compileStage(name: string, arg: unknown, env: PipelineEnv): Stage {
  switch (name) {
    case '$match': {
      let current: Record<string, unknown> = {};
      const f = compileFilter(arg, () => new Date(env.now), () => current);
      return (docs, vars) => {
        current = vars;
        return docs.filter(f);
      };
    }
    case '$project': {
      const p = compileProjection(arg, 'aggregate')!;
      return (docs) => docs.map((d) => p.apply(d, undefined, new Date(env.now)));
    }
    case '$unset': {
      const fields = typeof arg === 'string' ? [arg] : arg;
      if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string')) throw new LarderError('BAD_QUERY', '$unset takes a field name or an array of field names');
      const p = compileProjection(Object.fromEntries(fields.map((f) => [f, 0])), 'aggregate')!;
      return (docs) => docs.map((d) => p.apply(d));
    }
    case '$addFields':
    case '$set':
      return addFields(name, arg, env);
    case '$replaceRoot':
    case '$replaceWith': {
      const spec = name === '$replaceRoot' ? (isPlainObject(arg) && 'newRoot' in arg ? arg.newRoot : undefined) : arg;
      if (spec === undefined) throw new LarderError('BAD_QUERY', '$replaceRoot needs newRoot');
      const ev = compileExpression(spec);
      return (docs, vars) =>
        docs.map((d) => {
          const r = ev(ctxFor(d, vars, env.now));
          if (!isPlainObject(r)) throw new LarderError('BAD_QUERY', `'newRoot' expression must evaluate to an object, but resulting value was: ${show(r)}`);
          return r;
        });
    }
    case '$group':
      return group(arg, env);
    case '$sort': {
      const s = parseSort(arg);
      if (!s) throw new LarderError('BAD_QUERY', '$sort needs at least one field');
      return (docs) => sortDocs([...docs], s);
    }
    case '$skip': {
      if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) throw new LarderError('BAD_QUERY', '$skip must be a non-negative integer');
      return (docs) => docs.slice(arg);
    }
    case '$limit': {
      if (typeof arg !== 'number' || !Number.isInteger(arg) || arg <= 0) throw new LarderError('BAD_QUERY', '$limit must be a positive integer');
      return (docs) => docs.slice(0, arg);
    }
    case '$unwind':
      return unwind(arg);
    case '$count': {
      if (typeof arg !== 'string' || arg.length === 0 || arg.startsWith('$') || arg.includes('.')) throw new LarderError('BAD_QUERY', '$count takes a non-empty field name without $ or .');
      return (docs) => (docs.length ? [{ [arg]: docs.length }] : []);
    }
    case '$sortByCount': {
      const g = group({ _id: arg, count: { $sum: 1 } }, env);
      return (docs, vars) => sortDocs(g(docs, vars), parseSort({ count: -1 }));
    }
    case '$lookup':
      return lookup(arg, env);
    case '$facet': {
      if (!isPlainObject(arg) || Object.keys(arg).length === 0) throw new LarderError('BAD_QUERY', '$facet needs at least one sub-pipeline');
      const subs = Object.keys(arg).map((k) => [k, compilePipeline(arg[k], env)] as const);
      return (docs, vars) => {
        const out: Doc = {};
        for (const [k, p] of subs) setOwn(out, k, p(docs, vars));
        return [out];
      };
    }
    case '$sample': {
      if (!isPlainObject(arg) || typeof arg.size !== 'number' || arg.size < 0) throw new LarderError('BAD_QUERY', '$sample takes { size: <n> }');
      const n = arg.size;
      return (docs) => {
        const a = [...docs];
        for (let i = a.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [a[i], a[j]] = [a[j]!, a[i]!];
        }
        return a.slice(0, n);
      };
    }
    case '$out':
    case '$merge':
      throw new LarderError('BAD_QUERY', `${name} is not supported: aggregate() only reads`);
    default:
      throw new LarderError('BAD_QUERY', `Unrecognized pipeline stage name: '${name}'`);
  }
}

/** One field of an $addFields/$set stage: a computed value, or a literal sub-document's fields. */
type AddFieldsEntry = { parts: string[]; ev?: Ev; nested?: AddFieldsEntry[] };

/** $addFields: expressions per (dotted) field; a literal sub-document merges into an embedded one. */
function addFields(name: string, arg: unknown, env: PipelineEnv): Stage {
  if (!isPlainObject(arg)) throw new LarderError('BAD_QUERY', `${name} specification stage must be an object`);
  const build = (spec: Doc): AddFieldsEntry[] =>
    Object.keys(spec).map((k) => {
      if (k.startsWith('$')) throw new LarderError('BAD_QUERY', `${name}: field names may not start with '$': ${k}`);
      const v = spec[k];
      const parts = splitPath(k);
      if (isPlainObject(v) && Object.keys(v).length > 0 && !Object.keys(v)[0]!.startsWith('$')) return { parts, nested: build(v) };
      return { parts, ev: compileExpression(v) };
    });
  const entries = build(arg);
  refuseCollisions(entries);
  const apply = (target: Doc, list: AddFieldsEntry[], c: ExprCtx): void => {
    for (const e of list) {
      if (e.nested) {
        applyAtPath(target, e.parts, (sub) => apply(sub, e.nested!, c));
        continue;
      }
      setAtPath(target, e.parts, 0, e.ev!(c));
    }
  };
  return (docs, vars) =>
    docs.map((d) => {
      const out = clone(d);
      apply(out, entries, ctxFor(d, vars, env.now));
      return out;
    });
}

/**
 * Refuses two fields of one $addFields/$set where one lies inside the other (`a` and `a.b`, or
 * `a.b` and `{ a: { b } }`): MongoDB's projection parser rejects them as a path collision, where
 * applying both would let the order of the keys decide.
 */
function refuseCollisions(entries: AddFieldsEntry[]): void {
  const leaves: string[] = [];
  const walk = (list: AddFieldsEntry[], at: string[]): void => {
    for (const e of list) {
      const path = [...at, ...e.parts];
      if (e.nested) walk(e.nested, path);
      else leaves.push(path.join('.'));
    }
  };
  walk(entries, []);
  const seen = new Set<string>();
  for (const p of leaves) {
    if (seen.has(p)) throw new LarderError('BAD_QUERY', `Path collision at ${p}`);
    seen.add(p);
  }
  for (const p of leaves) {
    for (let i = p.indexOf('.'); i >= 0; i = p.indexOf('.', i + 1)) {
      if (seen.has(p.slice(0, i))) throw new LarderError('BAD_QUERY', `Path collision at ${p}`);
    }
  }
}

/**
 * Runs `set` on the document(s) at `parts` (a literal sub-document's fields), as MongoDB's
 * projection_node.cpp applyExpressionsToValue does for $addFields: a document is descended, an
 * array (nested arrays too) is applied element by element, and anything else (missing, null, a
 * scalar) is replaced by a new document. Returns the (possibly new) value.
 */
function applyAtPath(value: unknown, parts: string[], set: (doc: Doc) => void, i = 0): Doc | unknown[] {
  if (Array.isArray(value)) return value.map((el) => applyAtPath(el, parts, set, i));
  const doc: Doc = isPlainObject(value) ? value : {};
  if (i === parts.length) set(doc);
  else setOwn(doc, parts[i]!, applyAtPath(own(doc, parts[i]!), parts, set, i + 1));
  return doc;
}

/**
 * applyAtPath for one computed field, without a closure per document: sets `v` at `parts`, or
 * removes the field when `v` is missing (the documents on the way are still built, as MongoDB
 * sets the field to "missing" inside them).
 */
function setAtPath(value: unknown, parts: string[], i: number, v: unknown): Doc | unknown[] {
  if (Array.isArray(value)) return value.map((el) => setAtPath(el, parts, i, v));
  const doc: Doc = isPlainObject(value) ? value : {};
  const k = parts[i]!;
  if (i < parts.length - 1) setOwn(doc, k, setAtPath(own(doc, k), parts, i + 1, v));
  else if (v !== undefined) setOwn(doc, k, v);
  else if (Object.prototype.hasOwnProperty.call(doc, k)) delete doc[k];
  return doc;
}

function exprPathExact(doc: Doc, parts: string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) cur = isPlainObject(cur) ? own(cur, p) : undefined;
  return cur;
}

function group(arg: unknown, env: PipelineEnv): Stage {
  if (!isPlainObject(arg) || !('_id' in arg)) throw new LarderError('BAD_QUERY', "a group specification must include an _id");
  const idEv = compileExpression(arg._id);
  const accs = Object.keys(arg)
    .filter((k) => k !== '_id')
    .map((k) => {
      if (k.includes('.')) throw new LarderError('BAD_QUERY', `the group aggregate field name '${k}' cannot contain '.'`);
      return [k, compileAccumulator(k, arg[k])] as const;
    });
  return (docs, vars) => {
    const kb = new KeyBuilder(64);
    // Strings and small integers (most group keys) are looked up by value in maps of their own;
    // other values by their order-preserving key encoding (equal for values MongoDB groups together).
    const byString = new Map<string, GroupState>();
    const byInt = new Map<number, GroupState>();
    const byKey = new Map<string, GroupState>();
    const groups: GroupState[] = [];
    // One context for every document: expressions evaluate synchronously and keep no context.
    const c = ctxFor(undefined, vars, env.now);
    for (const d of docs) {
      c.root = c.cur = d;
      let id = idEv(c);
      if (id === undefined) id = null;
      let g: GroupState | undefined;
      if (typeof id === 'string') {
        g = byString.get(id);
        if (!g) byString.set(id, (g = newGroup(id, groups)));
      } else if (typeof id === 'number' && Number.isInteger(id) && !Object.is(id, -0)) {
        g = byInt.get(id);
        if (!g) byInt.set(id, (g = newGroup(id, groups)));
      } else {
        const key = latin1(kb.reset().add(id).view());
        g = byKey.get(key);
        if (!g) byKey.set(key, (g = newGroup(id, groups)));
      }
      const states = g.states;
      for (let i = 0; i < accs.length; i++) {
        const a = accs[i]![1];
        states[i] = a.add(states[i], a.ev(c));
      }
    }
    const out: Doc[] = [];
    for (const g of groups) {
      const o: Doc = { _id: g.id };
      accs.forEach(([k, a], i) => setOwn(o, k, a.result(g.states[i])));
      out.push(o);
    }
    return out;
  };

  function newGroup(id: unknown, groups: GroupState[]): GroupState {
    const g = { id, states: accs.map(([, a]) => a.init()) };
    groups.push(g);
    return g;
  }
}

/** One group of a $group: its _id and each accumulator's state. */
interface GroupState {
  id: unknown;
  states: unknown[];
}

function unwind(arg: unknown): Stage {
  const spec = typeof arg === 'string' ? { path: arg } : arg;
  if (!isPlainObject(spec) || typeof spec.path !== 'string' || !spec.path.startsWith('$')) throw new LarderError('BAD_QUERY', '$unwind path must be a field path starting with $');
  const parts = splitPath(spec.path.slice(1));
  const idxField = spec.includeArrayIndex;
  if (idxField !== undefined && (typeof idxField !== 'string' || idxField.startsWith('$'))) throw new LarderError('BAD_QUERY', 'includeArrayIndex must be a field name');
  const preserve = spec.preserveNullAndEmptyArrays === true;
  return (docs) => {
    const out: Doc[] = [];
    for (const d of docs) {
      const v = exprPathExact(d, parts);
      if (Array.isArray(v) && v.length > 0) {
        v.forEach((e, i) => {
          const o = clone(d);
          setPath(o, parts, clone(e));
          if (idxField) setPath(o, splitPath(idxField as string), i);
          out.push(o);
        });
      } else if (v !== undefined && v !== null && !Array.isArray(v)) {
        const o = clone(d);
        if (idxField) setPath(o, splitPath(idxField as string), null);
        out.push(o);
      } else if (preserve) {
        const o = clone(d);
        if (Array.isArray(v)) unsetPath(o, parts);
        if (idxField) setPath(o, splitPath(idxField as string), null);
        out.push(o);
      }
    }
    return out;
  };
}

function lookup(arg: unknown, env: PipelineEnv): Stage {
  if (!isPlainObject(arg)) throw new LarderError('BAD_QUERY', '$lookup takes an object');
  const from = arg.from;
  const as = arg.as;
  if (typeof from !== 'string' || typeof as !== 'string') throw new LarderError('BAD_QUERY', "$lookup needs 'from' and 'as' strings");
  const asParts = splitPath(as);
  const hasFields = 'localField' in arg || 'foreignField' in arg;
  if (hasFields && (typeof arg.localField !== 'string' || typeof arg.foreignField !== 'string')) throw new LarderError('BAD_QUERY', '$lookup localField and foreignField must be strings');
  const localParts = hasFields ? splitPath(arg.localField as string) : [];
  const foreignField = arg.foreignField as string;
  const sub = arg.pipeline !== undefined ? compilePipeline(arg.pipeline, env) : undefined;
  if (!hasFields && !sub) throw new LarderError('BAD_QUERY', '$lookup needs localField/foreignField or a pipeline');
  const lets = isPlainObject(arg.let) ? Object.keys(arg.let).map((k) => [k, compileExpression((arg.let as Doc)[k])] as const) : [];
  return (docs, vars) =>
    docs.map((d) => {
      let filter: Doc = {};
      if (hasFields) {
        const local = exprPath(d, localParts);
        const values = Array.isArray(local) ? local : [local ?? null];
        filter = { [foreignField]: { $in: values.map((v) => (v === undefined ? null : v)) } };
      }
      let matched = env.find(from, filter);
      if (sub) {
        const c = ctxFor(d, vars, env.now);
        const bound: Record<string, unknown> = { ...vars };
        for (const [k, e] of lets) bound[k] = e(c);
        matched = sub(matched, bound);
      }
      const o = clone(d);
      setPath(o, asParts, matched);
      return o;
    });
}
