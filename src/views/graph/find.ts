/**
 * findNodes / findEdges: candidates from the cheapest source, then the full filter on each.
 *
 * Sources, best first: a property index on (label, field) when `where` pins that field to a value
 * (equality, $in) or a range ($gt/$gte/$lt/$lte); else the label (type) index; else every record.
 * The index only narrows: every candidate is re-checked against the whole filter, so an index can
 * never change an answer, only its cost.
 */
import { LarderError } from '../../errors.js';
import { prefixSuccessor } from '../../keys/encode.js';
import type { IndexDef } from './catalog.js';
import { checkFilter, matches } from './filter.js';
import type { Kind } from './keys.js';
import type { EdgeRec, GraphStore, NodeRec } from './store.js';
import { isPlainObject } from './validate.js';
import * as check from './validate.js';

/** Ids (a superset of the answer) from a property index usable for `where`, or undefined. */
export function indexCandidates(g: GraphStore, kind: Kind, label: string, where: Record<string, unknown>): Iterable<number> | undefined {
  for (const field of Object.keys(where)) {
    if (field.startsWith('$')) continue;
    const def = g.catalog.find(kind, label, field);
    if (!def) continue;
    const ids = seek(g, def, where[field]);
    if (ids) return ids;
  }
  return undefined;
}

/** Ids of elements whose indexed value satisfies `cond`, when the condition maps to key ranges. */
export function seek(g: GraphStore, def: IndexDef, cond: unknown): Iterable<number> | undefined {
  const base = (v: unknown) => g.keys.propPrefix(def.kind, def.label, def.property, v);
  const all = g.keys.propPrefix(def.kind, def.label, def.property);
  if (cond === null || Array.isArray(cond)) return undefined; // null matches missing; arrays match elements
  if (!isPlainObject(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) {
    const p = base(cond);
    return g.idsByIndexRange(p, prefixSuccessor(p));
  }
  const ops = Object.keys(cond);
  if (ops.length === 1 && (ops[0] === '$eq' || ops[0] === '$in')) {
    const values = ops[0] === '$eq' ? [cond.$eq] : cond.$in;
    if (!Array.isArray(values) || values.some((v) => v === null || Array.isArray(v) || isPlainObject(v))) return undefined;
    return (function* () {
      const seen = new Set<number>();
      for (const v of values) {
        const p = base(v);
        for (const id of g.idsByIndexRange(p, prefixSuccessor(p))) if (!seen.has(id)) { seen.add(id); yield id; }
      }
    })();
  }
  if (ops.every((o) => o === '$gt' || o === '$gte' || o === '$lt' || o === '$lte')) {
    let lo = all, loInc = true, hi = prefixSuccessor(all);
    for (const o of ops) {
      const v = cond[o];
      if (v === null || Array.isArray(v) || isPlainObject(v)) return undefined;
      const p = base(v);
      if (o === '$gt') { lo = prefixSuccessor(p)!; loInc = true; }
      if (o === '$gte') { lo = p; loInc = true; }
      if (o === '$lt') hi = p;
      if (o === '$lte') hi = prefixSuccessor(p);
    }
    return g.idsByIndexRange(lo, hi, loInc);
  }
  return undefined;
}

/** Options of findNodes / findEdges. */
interface FindOptions {
  label?: string;
  where?: Record<string, unknown>;
  limit: number;
  skip: number;
}

function findOptions(opts: unknown, labelKey: 'label' | 'type'): FindOptions {
  const o = check.options(opts, labelKey === 'label' ? 'findNodes options' : 'findEdges options');
  const label = o[labelKey] === undefined ? undefined : check.name(o[labelKey], labelKey);
  const where = o.where as Record<string, unknown> | undefined;
  checkFilter(where);
  return { label, where: where ?? undefined, limit: check.count(o.limit, 'limit', Infinity), skip: check.count(o.skip, 'skip', 0) };
}

function collect<T extends { properties: Record<string, unknown> }>(it: Iterable<T | undefined>, o: FindOptions): T[] {
  const out: T[] = [];
  let skip = o.skip;
  if (o.limit === 0) return out;
  for (const x of it) {
    if (!x || !matches(x.properties, o.where)) continue;
    if (skip > 0) { skip--; continue; }
    out.push(x);
    if (out.length >= o.limit) break;
  }
  return out;
}

/** Nodes with `label` (optional) whose properties match `where`, in id order. */
export function findNodes(g: GraphStore, opts: unknown): NodeRec[] {
  const o = findOptions(opts, 'label');
  let ids: Iterable<number> | undefined;
  if (o.label !== undefined) {
    ids = (o.where && indexCandidates(g, 'n', o.label, o.where)) || g.idsByLabel('n', o.label);
    const label = o.label;
    const sorted = [...ids].sort((a, b) => a - b);
    return collect((function* () { for (const id of sorted) { const n = g.node(id); if (n && n.labels.includes(label)) yield n; } })(), o);
  }
  return collect(g.nodes(), o);
}

/** Edges of `type` (optional) whose properties match `where`, in id order. */
export function findEdges(g: GraphStore, opts: unknown): EdgeRec[] {
  const o = findOptions(opts, 'type');
  if (o.label !== undefined) {
    const ids = (o.where && indexCandidates(g, 'e', o.label, o.where)) || g.idsByLabel('e', o.label);
    const sorted = [...ids].sort((a, b) => a - b);
    return collect((function* () { for (const id of sorted) yield g.edge(id); })(), o);
  }
  return collect(g.edges(), o);
}

/** Validates createIndex/dropIndex arguments ({ on: 'node' | 'edge' } picks the kind). */
export function indexArgs(label: unknown, property: unknown, opts: unknown): { label: string; property: string; unique: boolean; kind: Kind } {
  const o = check.options(opts, 'createIndex options');
  const kind = o.on === undefined || o.on === 'node' ? 'n' : o.on === 'edge' ? 'e' : undefined;
  if (!kind) throw new LarderError('BAD_VALUE', `createIndex option "on" must be 'node' or 'edge'`);
  return { label: check.name(label, kind === 'n' ? 'label' : 'type'), property: check.name(property, 'property'), unique: !!o.unique, kind };
}
