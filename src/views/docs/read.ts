/**
 * Read commands: find (whole result or a snapshot cursor), findOne, countDocuments,
 * estimatedDocumentCount, distinct, aggregate and explain. Each is one synchronous call, so it
 * reads one consistent state of the keyspace.
 */
import { decodeFields, decodeValue, fieldSelector, type Encoded } from '../../codec/value.js';
import { compareValues } from '../../keys/compare.js';
import { prefixSuccessor } from '../../keys/encode.js';
import { LarderError } from '../../errors.js';
import type { ViewContext } from '../view.js';
import { compilePipeline, type PipelineEnv } from './aggregate/pipeline.js';
import { getMore, killCursors, openCursor, type Batch } from './cursor.js';
import { countQuery, explainQuery, findDocs, findForWire, runQuery, visitQuery, type QueryOptions } from './find.js';
import { checkName, docPrefix } from './keys.js';
import { isPlainObject, splitPath, type Doc } from './util.js';

function opts(o: unknown): QueryOptions {
  if (o === undefined || o === null) return {};
  if (!isPlainObject(o)) throw new LarderError('BAD_QUERY', 'options must be an object');
  return o as QueryOptions;
}

/** find(): every matching document (projected), for toArray(). */
export function find(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): Array<Doc | Encoded> {
  return findForWire(ctx, checkName(coll), filter, opts(options));
}

/** find() as a cursor: the first batch and an id for getMore. */
export function findCursor(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): Batch {
  const o = opts(options) as QueryOptions & { batchSize?: number };
  return openCursor(ctx.ks, findForWire(ctx, checkName(coll), filter, o), o.batchSize ?? 101, ctx.now);
}

/** The next batch of a cursor. */
export function cursorNext(ctx: ViewContext, id: unknown, batchSize?: unknown): Batch {
  return getMore(ctx.ks, id, batchSize, ctx.now);
}

/** Closes cursors. */
export function cursorClose(ctx: ViewContext, ids: unknown): number {
  return killCursors(ctx.ks, ids);
}

/** findOne(): the first matching document or null. */
export function findOne(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): Doc | Encoded | null {
  return findForWire(ctx, checkName(coll), filter, { ...opts(options), limit: 1 })[0] ?? null;
}

/** countDocuments(): matching documents (with skip/limit). */
export function countDocuments(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): number {
  const o = opts(options);
  // No filter, skip or limit: count keys instead of decoding documents.
  const empty = filter === undefined || filter === null || (isPlainObject(filter) && Object.keys(filter).length === 0);
  if (empty && !o.skip && !o.limit && o.hint === undefined) return estimatedDocumentCount(ctx, coll);
  return countQuery(ctx, checkName(coll), filter, { skip: o.skip, limit: o.limit, hint: o.hint });
}

/** estimatedDocumentCount(): every document of the collection (a key-only scan). */
export function estimatedDocumentCount(ctx: ViewContext, coll: unknown): number {
  const p = docPrefix(checkName(coll));
  let n = 0;
  for (const _ of ctx.ks.range({ gte: p, lt: prefixSuccessor(p), keysOnly: true })) n++;
  return n;
}

/**
 * distinct(): the distinct values of a field among matching documents, in BSON order (the server
 * collects them in an ordered set). An array at the end of the path counts element by element
 * (one level: nested arrays stay arrays); documents are compared by value, field order included.
 */
export function distinct(ctx: ViewContext, coll: unknown, field: unknown, filter?: unknown, options?: unknown): unknown[] {
  if (typeof field !== 'string') throw new LarderError('BAD_QUERY', 'distinct field must be a string');
  const parts = splitPath(field);
  const o = opts(options);
  const run = runQuery(ctx, checkName(coll), filter, { hint: o.hint });
  const out: unknown[] = [];
  for (const f of run.found) valuesAlongPath(f.doc, parts, 0, out);
  out.sort(compareValues);
  return out.filter((v, i) => i === 0 || compareValues(v, out[i - 1]) !== 0);
}

const DIGITS = /^[0-9]+$/;

/**
 * The values distinct sees at `parts[i..]` of `obj`, as MongoDB's extractAllElementsAlongPath
 * (dotted_path_support.cpp): a path through an array goes into its documents (or, when the next
 * part is all digits, to that index only); an element without the field adds nothing, where an
 * index key would be null. Arrays count as documents keyed "0", "1"... `undefined` is missing.
 */
function valuesAlongPath(obj: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  const p = parts[i];
  let v: unknown;
  if (Array.isArray(obj)) {
    // An array read as a document has keys "0", "1"...: "01" names nothing.
    if (!DIGITS.test(p) || String(Number(p)) !== p) return;
    v = obj[Number(p)];
  } else if (isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, p)) v = obj[p];
  if (v === undefined) return;
  if (i === parts.length - 1) {
    if (Array.isArray(v)) for (const e of v) out.push(e);
    else out.push(v);
  } else if (Array.isArray(v) && !DIGITS.test(parts[i + 1])) {
    for (const e of v) if (Array.isArray(e) || isPlainObject(e)) valuesAlongPath(e, parts, i + 1, out);
  } else if (Array.isArray(v) || isPlainObject(v)) valuesAlongPath(v, parts, i + 1, out);
}

/** The environment a pipeline runs in: reads of other collections, the clock. */
export function pipelineEnv(ctx: ViewContext): PipelineEnv {
  return { find: (c, f) => findDocs(ctx, checkName(c), f), now: ctx.now };
}

/**
 * aggregate(): runs the pipeline. A leading $match (and a $sort/$skip/$limit right after it) is
 * answered by the query planner, so it uses indexes; the rest runs in memory.
 */
export function aggregateDocs(ctx: ViewContext, coll: unknown, pipeline: unknown, options?: unknown): Doc[] {
  const name = checkName(coll);
  if (!Array.isArray(pipeline)) throw new LarderError('BAD_QUERY', 'aggregate takes an array of stages');
  const o = opts(options) as { hint?: unknown; let?: unknown };
  let i = 0;
  const q: QueryOptions & { filter?: unknown } = { hint: o.hint };
  const stageName = (s: unknown): string | undefined => (isPlainObject(s) ? Object.keys(s)[0] : undefined);
  if (stageName(pipeline[0]) === '$match') q.filter = (pipeline[i++] as Doc).$match;
  if (stageName(pipeline[i]) === '$sort') q.sort = (pipeline[i++] as Doc).$sort;
  if (q.sort !== undefined && stageName(pipeline[i]) === '$limit' && typeof (pipeline[i] as Doc).$limit === 'number') q.limit = (pipeline[i++] as Doc).$limit as number;
  const rest = compilePipeline(pipeline.slice(i), pipelineEnv(ctx));
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit <= 0)) throw new LarderError('BAD_QUERY', '$limit must be a positive integer');
  // A pipeline that starts (after the planner's part) with $group reads only the fields its
  // expressions name: decode just those from each document, in place as the scan passes it,
  // instead of copying out and decoding whole documents.
  const fields = isPlainObject(pipeline[i]) && stageName(pipeline[i]) === '$group' ? referencedFields((pipeline[i] as Doc).$group) : undefined;
  const sel = fields && fieldSelector(fields);
  let docs: Doc[];
  if (sel) {
    docs = [];
    visitQuery(ctx, name, q.filter, q, (mem, start, end, doc) => {
      docs.push(doc ?? decodeFields(mem, start, end, sel) ?? (decodeValue(mem.subarray(start, end)) as Doc));
    });
  } else docs = runQuery(ctx, name, q.filter, q).found.map((f) => f.doc);
  const vars = isPlainObject(o.let) ? { ...o.let } : {};
  return rest(docs, vars);
}

/** Operators that name fields by plain strings (or reach the whole document another way). */
const OPAQUE = new Set(['$getField', '$setField', '$unsetField', '$function', '$accumulator', '$where']);

/**
 * The top-level fields an expression (a $group spec) reads through `$field.path` references, or
 * undefined when it may read anything: `$$ROOT`/`$$CURRENT`, or an operator that names fields
 * otherwise. Variables like `$$this` are bound to values the expression computed from fields it
 * references, so they add nothing.
 */
export function referencedFields(expr: unknown, out: Set<string> = new Set()): Set<string> | undefined {
  if (typeof expr === 'string') {
    if (expr.startsWith('$$')) {
      const v = expr.slice(2).split('.')[0];
      if (v === 'ROOT' || v === 'CURRENT') return undefined;
    } else if (expr.startsWith('$')) out.add(expr.slice(1).split('.')[0]);
    return out;
  }
  if (Array.isArray(expr)) {
    for (const e of expr) if (!referencedFields(e, out)) return undefined;
    return out;
  }
  if (isPlainObject(expr)) {
    for (const [k, v] of Object.entries(expr)) {
      if (OPAQUE.has(k)) return undefined;
      // $literal's argument is data, not a reference; $top/$bottom's sortBy names fields as keys.
      if (k === '$literal') continue;
      if (k === 'sortBy' && isPlainObject(v)) for (const f of Object.keys(v)) out.add(f.split('.')[0]);
      if (!referencedFields(v, out)) return undefined;
    }
  }
  return out;
}

/** aggregate() as a cursor. */
export function aggregateCursor(ctx: ViewContext, coll: unknown, pipeline: unknown, options?: unknown): Batch {
  const o = opts(options) as { batchSize?: number };
  return openCursor(ctx.ks, aggregateDocs(ctx, coll, pipeline, options), o.batchSize ?? 101, ctx.now);
}

/** explain() of a find. */
export function explain(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): Doc {
  return explainQuery(ctx, checkName(coll), filter, opts(options));
}
