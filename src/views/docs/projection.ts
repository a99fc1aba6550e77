/**
 * Projections, for find() and for the $project stage: inclusion (`{ a: 1, 'b.c': 1 }`), exclusion
 * (`{ a: 0 }`), nested specs (`{ b: { c: 1 } }`), computed fields (`{ total: { $add: [...] } }`),
 * the `_id` rule (kept unless excluded), and in find() the array operators $slice, $elemMatch and
 * the positional `a.$`. Paths through arrays apply to every document element (non-documents are
 * dropped by an inclusion, kept by an exclusion), as MongoDB does.
 */
import { LarderError } from '../../errors.js';
import { compileExpression, type Ev } from './expr/index.js';
import { compileFilter, type Predicate } from './query/matcher.js';
import { clone, isPlainObject, own, setOwn, show, splitPath, type Doc } from './util.js';

/** One node of the projection tree (a path part). */
interface Node {
  include?: boolean;
  exclude?: boolean;
  expr?: Ev;
  slice?: [number, number | undefined];
  elemMatch?: Predicate;
  positional?: boolean;
  children: Map<string, Node>;
}

/** A compiled projection. */
export interface Projection {
  /** Projects one document (`positional` gives the element index for `a.$`). */
  apply(doc: Doc, positional?: (path: string[]) => number | undefined, now?: Date): Doc;
  /** True for an inclusion projection (fields not named are dropped). */
  inclusion: boolean;
}

const node = (): Node => ({ children: new Map() });

function isFlag(v: unknown): v is number | boolean | bigint {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

/** Compiles a projection; `mode` decides whether $slice/$elemMatch are projection operators (find) or expressions. */
export function compileProjection(spec: unknown, mode: 'find' | 'aggregate' = 'find'): Projection | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainObject(spec)) throw new LarderError('BAD_QUERY', `projection must be an object, got ${show(spec)}`);
  if (Object.keys(spec).length === 0) {
    if (mode === 'aggregate') throw new LarderError('BAD_QUERY', '$project requires at least one output field');
    return undefined;
  }
  const root = node();
  // The projection's type as MongoDB decides it (projection_parser.cpp): flags and expressions
  // set it; an _id flag, $slice and $elemMatch do not, and only decide it when nothing else did.
  let inclusion = false;
  let exclusion = false;
  let idExcluded = false;
  let idIncluded = false;
  let hasSlice = false;
  let hasElemMatch = false;

  const add = (parts: string[], v: unknown, path: string): void => {
    let n = root;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === '$' && mode === 'find') {
        if (i !== parts.length - 1) throw new LarderError('BAD_QUERY', `positional projection must be last: ${path}`);
        n.positional = true;
        n.include = true;
        inclusion = true;
        return;
      }
      if (p.startsWith('$')) throw new LarderError('BAD_QUERY', `FieldPath field names may not start with '$': ${path}`);
      let c = n.children.get(p);
      if (!c) {
        c = node();
        n.children.set(p, c);
      } else if (i === parts.length - 1 || c.include || c.exclude || c.expr || c.slice || c.elemMatch) {
        throw new LarderError('BAD_QUERY', `Path collision at ${path}`);
      }
      n = c;
    }
    const isId = path === '_id';
    if (isFlag(v)) {
      if (v === 0 || v === false || v === 0n) {
        if (isId) idExcluded = true;
        else exclusion = true;
        n.exclude = true;
      } else {
        n.include = true;
        if (isId) idIncluded = true;
        else inclusion = true;
      }
      return;
    }
    if (mode === 'find' && isPlainObject(v) && Object.keys(v).length === 1 && '$slice' in v && (isFlag(v.$slice) || (Array.isArray(v.$slice) && v.$slice.length === 2 && v.$slice.every(isFlag)))) {
      const s = v.$slice;
      n.slice = Array.isArray(s) ? [Number(s[0]), Number(s[1])] : [Number(s), undefined];
      if (n.slice[1] !== undefined && n.slice[1] <= 0) throw new LarderError('BAD_QUERY', '$slice limit must be positive');
      hasSlice = true;
      return;
    }
    if (mode === 'find' && isPlainObject(v) && Object.keys(v).length === 1 && '$elemMatch' in v) {
      if (parts.length !== 1) throw new LarderError('BAD_QUERY', `Cannot use $elemMatch projection on a nested field: ${path}`);
      const m = v.$elemMatch;
      if (!isPlainObject(m)) throw new LarderError('BAD_QUERY', '$elemMatch needs an object');
      const keys = Object.keys(m);
      const valueMode = keys.length > 0 && keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor'].includes(k));
      const f = compileFilter(valueMode ? { v: m } : m);
      n.elemMatch = valueMode ? (e) => f({ v: e }) : (e) => isPlainObject(e) && f(e);
      // Allowed in an exclusion projection too ({ b: 0, a: { $elemMatch } } keeps all but b).
      hasElemMatch = true;
      return;
    }
    if (isPlainObject(v) && Object.keys(v).length > 0 && !Object.keys(v)[0]!.startsWith('$')) {
      // Nested projection spec: { a: { b: 1 } } is { 'a.b': 1 }.
      for (const k of Object.keys(v)) add([...parts, ...splitPath(k)], v[k], `${path}.${k}`);
      return;
    }
    n.expr = compileExpression(v);
    // Any expression makes an inclusion, on _id too: { _id: '$b' } keeps only _id.
    inclusion = true;
  };

  for (const path of Object.keys(spec)) add(splitPath(path, 'projection path'), spec[path], path);
  if (inclusion && exclusion) throw new LarderError('BAD_QUERY', 'Cannot do exclusion on a field in an inclusion projection');
  // Without an inclusion or exclusion of a field other than _id: a $slice makes an exclusion
  // unless _id is included ({ a: { $slice: 1 }, _id: 1 } keeps only _id and a); else $elemMatch
  // makes an inclusion; else `{ _id: 1 }` is an inclusion and `{ _id: 0 }` an exclusion.
  const inc = inclusion || (!exclusion && (hasSlice ? idIncluded : hasElemMatch || idIncluded));
  if (inc && !idExcluded) {
    const id = root.children.get('_id') ?? node();
    if (!id.expr && !id.exclude) id.include = true;
    root.children.set('_id', id);
  }
  return {
    inclusion: inc,
    apply(doc, positional, now = new Date()) {
      const ctx = { root: doc, cur: doc, vars: {}, now };
      const out = inc ? include(doc, root, ctx, []) : exclude(doc, root, ctx, []);
      finishArrays(out as Doc, root, doc, positional, [], inc);
      return out as Doc;
    },
  };
}

type Ctx = { root: unknown; cur: unknown; vars: Record<string, unknown>; now: Date };

function include(v: unknown, n: Node, ctx: Ctx, at: string[]): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      if (isPlainObject(e) || Array.isArray(e)) out.push(include(e, n, ctx, at));
    }
    return out;
  }
  if (!isPlainObject(v)) return undefined;
  const out: Doc = {};
  for (const k of Object.keys(v)) {
    const c = n.children.get(k);
    if (!c || c.expr) continue;
    const x = v[k];
    if (c.include || c.slice || c.elemMatch) setOwn(out, k, clone(x));
    else if (c.children.size && (isPlainObject(x) || Array.isArray(x))) {
      const r = include(x, c, ctx, [...at, k]);
      if (r !== undefined) setOwn(out, k, r);
    }
  }
  computed(out, n, ctx);
  return out;
}

/** Adds computed fields (in projection order, after the kept ones). */
function computed(out: Doc, n: Node, ctx: Ctx): void {
  for (const [k, c] of n.children) {
    if (c.expr) {
      const r = c.expr(ctx);
      if (r !== undefined) setOwn(out, k, r);
    } else if (c.children.size && [...c.children.values()].some(hasExpr)) {
      const cur = own(out, k);
      if (isPlainObject(cur)) computed(cur, c, ctx);
      else if (cur === undefined) {
        const sub: Doc = {};
        computed(sub, c, ctx);
        setOwn(out, k, sub);
      }
    }
  }
}

function hasExpr(n: Node): boolean {
  return !!n.expr || [...n.children.values()].some(hasExpr);
}

function exclude(v: unknown, n: Node, ctx: Ctx, at: string[]): unknown {
  if (Array.isArray(v)) return v.map((e) => (isPlainObject(e) || Array.isArray(e) ? exclude(e, n, ctx, at) : clone(e)));
  if (!isPlainObject(v)) return clone(v);
  const out: Doc = {};
  for (const k of Object.keys(v)) {
    const c = n.children.get(k);
    if (c?.exclude) continue;
    if (c && c.children.size) setOwn(out, k, exclude(v[k], c, ctx, [...at, k]));
    else setOwn(out, k, clone(v[k]));
  }
  computed(out, n, ctx);
  return out;
}

/** Applies $slice, $elemMatch and positional projections to the already projected output. */
function finishArrays(out: Doc, n: Node, src: Doc, positional: ((p: string[]) => number | undefined) | undefined, at: string[], inclusion: boolean): void {
  for (const [k, c] of n.children) {
    const path = [...at, k];
    if (c.elemMatch) {
      const arr = own(src, k);
      const hit = Array.isArray(arr) ? arr.find(c.elemMatch) : undefined;
      // An inclusion appends it after the kept fields, wherever it was in the document; an
      // exclusion replaces it in place (MongoDB: an expression on a path the output lacks / has).
      if (hit === undefined || inclusion) delete out[k];
      if (hit !== undefined) setOwn(out, k, [clone(hit)]);
      continue;
    }
    if (c.positional) {
      const arr = own(out, k);
      if (!Array.isArray(arr)) continue;
      const i = positional?.(path);
      if (i === undefined) throw new LarderError('BAD_QUERY', `Executor error during find command: positional operator '${path.join('.')}.$' couldn't find a matching element in the array`, { code: 51246 });
      setOwn(out, k, i < arr.length ? [arr[i]] : []);
      continue;
    }
    const cur = own(out, k);
    if (c.slice) {
      if (Array.isArray(cur)) setOwn(out, k, slice(cur, c.slice));
      continue;
    }
    if (c.children.size) {
      if (isPlainObject(cur)) finishArrays(cur, c, own(src, k) as Doc, positional, path, inclusion);
      else if (Array.isArray(cur)) for (const e of cur) if (isPlainObject(e)) finishArrays(e, c, e, positional, path, inclusion);
    }
  }
}

function slice(a: unknown[], [x, y]: [number, number | undefined]): unknown[] {
  if (y === undefined) return x >= 0 ? a.slice(0, x) : a.slice(Math.max(0, a.length + x));
  const start = x >= 0 ? x : Math.max(0, a.length + x);
  return a.slice(start, start + y);
}
