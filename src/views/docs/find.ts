/**
 * Running a query: plan, scan, sort (unless the index gave the order), skip, limit, project.
 * Shared by find, findOne, count, distinct, the write commands (which need the matching
 * documents) and the first $match/$sort/$limit of an aggregation.
 */
import { Encoded, fieldSelector } from '../../codec/value.js';
import { LarderError } from '../../errors.js';
import { skipKeyComponents } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { readMeta } from './catalog.js';
import { latin1, liveIndex } from './indexes.js';
import { docPrefix } from './keys.js';
import { plan, type Plan } from './planner.js';
import { compileProjection } from './projection.js';
import { compileFilter, filterFields } from './query/matcher.js';
import { compileByteTest } from './query/bytes.js';
import { execute, MATCH_ALL, visitMatches, type DocFilter, type Found } from './scan.js';
import { parseSort, sortDocs } from './sort.js';
import { positionalIndex } from './update/upsert.js';
import { isPlainObject, type Doc } from './util.js';

/** Options of a query (find's options, as the driver names them). */
export interface QueryOptions {
  sort?: unknown;
  skip?: number;
  limit?: number;
  projection?: unknown;
  hint?: unknown;
}

/** Result of running a query, with what explain() reports. */
export interface QueryRun {
  found: Found[];
  plan: Plan | undefined;
  keysExamined: number;
  docsExamined: number;
  sortedInMemory: boolean;
}

function nonNegInt(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new LarderError('BAD_QUERY', `${what} must be an integer`);
  return v;
}

/**
 * `{ $natural: 1 | -1 }` alone: the collection's own order, which is `_id` order here (a collection
 * is a key range in `_id` order), forwards or backwards. Other sorts pass through.
 */
function naturalSort(spec: unknown): unknown {
  if (!isPlainObject(spec)) return spec;
  const keys = Object.keys(spec);
  return keys.length === 1 && keys[0] === '$natural' ? { _id: spec.$natural } : spec;
}

/** A query checked and planned, ready to run. */
interface PlannedQuery {
  pred: ReturnType<typeof compileFilter>;
  filter: unknown;
  sort: ReturnType<typeof parseSort>;
  skip: number;
  limit: number;
  prefix: Uint8Array;
  plan: Plan;
}

/** Checks a query's filter and options and plans it; undefined when the collection does not exist. */
function planQuery(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions): PlannedQuery | undefined {
  if (opts !== undefined && opts !== null && !isPlainObject(opts)) throw new LarderError('BAD_QUERY', 'options must be an object');
  const pred = compileFilter(filter ?? {}, () => new Date(ctx.now));
  const sort = parseSort(naturalSort(opts.sort));
  const skip = nonNegInt(opts.skip, 'skip');
  if (skip < 0) throw new LarderError('BAD_QUERY', 'skip must be non-negative');
  const limit = Math.abs(nonNegInt(opts.limit, 'limit'));
  const meta = readMeta(ctx, coll);
  if (!meta) return undefined;
  const indexes = meta.indexes.map((d) => liveIndex(coll, d));
  const prefix = docPrefix(coll);
  return { pred, filter, sort, skip, limit, prefix, plan: plan(filter, sort, prefix, indexes, { hasLimit: limit > 0, hint: opts.hint }) };
}

/** Finds the documents of a query (unprojected), sorted, skipped and limited. */
export function runQuery(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions = {}): QueryRun {
  const q = planQuery(ctx, coll, filter, opts);
  if (!q) return { found: [], plan: undefined, keysExamined: 0, docsExamined: 0, sortedInMemory: false };
  return runPlanned(ctx, q);
}

/** How the scan of `q` tests a document (see DocFilter). */
function docFilter(q: PlannedQuery): DocFilter {
  // Documents the plan's keys already prove matching, and every document for an empty filter,
  // are not tested at all.
  if (q.plan.exact === true || q.filter === undefined || q.filter === null || (isPlainObject(q.filter) && Object.keys(q.filter).length === 0)) return { pred: MATCH_ALL };
  const fields = filterFields(q.filter);
  return { pred: q.pred, sel: fields && fieldSelector(fields), bytes: compileByteTest(q.filter) };
}

function runPlanned(ctx: ViewContext, q: PlannedQuery): QueryRun {
  const { plan: p, sort, skip, limit } = q;
  const canStop = limit > 0 && (!sort || p.sorted);
  const r = execute(ctx, q.prefix, p, docFilter(q), canStop ? skip + limit : Infinity);
  let found = r.found;
  const sortedInMemory = !!sort && !p.sorted;
  if (sortedInMemory) sortDocs(found, sort, (f) => f.doc);
  if (skip || limit) found = found.slice(skip, limit ? skip + limit : undefined);
  return { found, plan: p, keysExamined: r.keysExamined, docsExamined: r.docsExamined, sortedInMemory };
}

/**
 * Runs a query and hands each matching document to `visit` (see visitMatches) instead of
 * collecting them: mem[start, end) are its stored bytes, in place for a collection scan, and
 * `doc` the whole document when testing it decoded it. With a sort, skip or limit the matches are
 * collected, ordered and cut first, then visited. Nothing happens when the collection does not exist.
 */
export function visitQuery(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions, visit: (mem: Uint8Array, start: number, end: number, doc: Doc | undefined) => void): void {
  const q = planQuery(ctx, coll, filter, opts);
  if (!q) return;
  if (q.sort || q.skip || q.limit) {
    for (const f of runPlanned(ctx, q).found) visit(f.bytes, 0, f.bytes.length, undefined);
    return;
  }
  visitMatches(ctx, q.prefix, q.plan, docFilter(q), visit);
}

/**
 * countDocuments' answer. When the plan's keys prove the whole filter (an exact index scan, or
 * direct _id lookups), it counts keys without reading a document; otherwise it runs the query.
 */
export function countQuery(ctx: ViewContext, coll: string, filter: unknown, opts: Pick<QueryOptions, 'skip' | 'limit' | 'hint'> = {}): number {
  const q = planQuery(ctx, coll, filter, { skip: opts.skip, limit: opts.limit, hint: opts.hint });
  if (!q) return 0;
  const { plan: p, skip, limit } = q;
  let n: number;
  if (p.stage === 'IDHACK' && p.exact === true) {
    n = 0;
    for (const v of ctx.ks.getMany(p.points ?? [])) if (v !== undefined) n++;
  } else if (p.index && p.exact === true) {
    n = 0;
    const seen = p.dedupe ? new Set<string>() : undefined;
    const dirs = p.index.fields.map((f) => f.dir);
    const from = p.index.prefix.length;
    for (const r of p.ranges) {
      ctx.ks.forEachRaw(r, (mem, ko, kl) => {
        if (seen) {
          // The entry's _id (after the key components) tells repeats of one document apart.
          const id = latin1(mem.subarray(skipKeyComponents(mem, ko + from, dirs, ko + kl), ko + kl));
          if (seen.has(id)) return true;
          seen.add(id);
        }
        n++;
        return true;
      });
    }
  } else return runPlanned(ctx, q).found.length;
  n = Math.max(0, n - skip);
  return limit ? Math.min(n, limit) : n;
}

/** Runs a query and projects the documents (find's answer). */
export function findDocs(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions = {}): Doc[] {
  const run = runQuery(ctx, coll, filter, opts);
  const proj = compileProjection(opts.projection, 'find');
  return proj ? project(ctx, run, filter, proj) : run.found.map((f) => f.doc);
}

/**
 * find's answer for the page: unprojected documents go back as their stored bytes (Encoded), so
 * the worker does not re-encode what it just decoded, and the page decodes each once.
 */
export function findForWire(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions = {}): Array<Doc | Encoded> {
  const run = runQuery(ctx, coll, filter, opts);
  const proj = compileProjection(opts.projection, 'find');
  // Unprojected, each Found is the Encoded of its stored bytes (see Found): the list goes as it
  // is, with no wrapper per document.
  return proj ? project(ctx, run, filter, proj) : run.found;
}

/** A query's documents projected. */
function project(ctx: ViewContext, run: QueryRun, filter: unknown, proj: NonNullable<ReturnType<typeof compileProjection>>): Doc[] {
  const now = new Date(ctx.now);
  return run.found.map((f) => proj.apply(f.doc, (path) => positionalIndex(f.doc, filter, path), now));
}

/** One branch of an OR plan as explain() shows it. */
function planStage(p: Plan): Doc {
  if (p.stage === 'IDHACK') return { stage: 'IDHACK', indexName: '_id_' };
  return { stage: 'IXSCAN', indexName: p.indexName, keyPattern: p.keyPattern, isMultiKey: !!p.index?.def.multikey, indexBounds: p.bounds };
}

/** explain(): the plan and the work done, in MongoDB's shape. */
export function explainQuery(ctx: ViewContext, coll: string, filter: unknown, opts: QueryOptions = {}): Doc {
  const t0 = Date.now();
  const run = runQuery(ctx, coll, filter, opts);
  const p = run.plan;
  let stage: Doc;
  if (!p) stage = { stage: 'EOF' };
  else if (p.stage === 'OR') stage = { stage: 'FETCH', filter: filter ?? {}, inputStage: { stage: 'OR', inputStages: (p.branches ?? []).map(planStage) } };
  else if (p.stage === 'COLLSCAN') stage = { stage: 'COLLSCAN', filter: filter ?? {}, direction: p.ranges[0]?.reverse ? 'backward' : 'forward' };
  else if (p.stage === 'IDHACK') stage = { stage: 'IDHACK', indexName: '_id_', keyPattern: { _id: 1 } };
  else
    stage = {
      stage: 'FETCH',
      filter: filter ?? {},
      inputStage: {
        stage: 'IXSCAN',
        indexName: p.indexName,
        keyPattern: p.keyPattern,
        isMultiKey: !!p.index?.def.multikey,
        isUnique: p.indexName === '_id_' || !!p.index?.def.unique,
        isSparse: !!p.index?.def.sparse,
        isPartial: !!p.index?.def.partialFilterExpression,
        direction: p.ranges[0]?.reverse ? 'backward' : 'forward',
        indexBounds: p.bounds,
      },
    };
  if (run.sortedInMemory) stage = { stage: 'SORT', sortPattern: opts.sort, inputStage: stage };
  if (opts.limit) stage = { stage: 'LIMIT', limitAmount: Math.abs(opts.limit), inputStage: stage };
  if (opts.skip) stage = { stage: 'SKIP', skipAmount: opts.skip, inputStage: stage };
  return {
    queryPlanner: { namespace: coll, parsedQuery: filter ?? {}, winningPlan: stage, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned: run.found.length,
      executionTimeMillis: Date.now() - t0,
      totalKeysExamined: run.keysExamined,
      totalDocsExamined: run.docsExamined,
    },
    ok: 1,
  };
}
