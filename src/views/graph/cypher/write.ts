/**
 * The write clauses: CREATE, MERGE (ON CREATE SET / ON MATCH SET), SET, REMOVE, DELETE and
 * DETACH DELETE. Every change goes through GraphStore, so indexes, adjacency and unique checks are
 * the same as for the API, and through the call's batch, so one query is one atomic write: if
 * anything throws, nothing of the query stays.
 */
import { LarderError } from '../../../errors.js';
import * as check from '../validate.js';
import type { PatternPart, RemoveItem, SetItem } from './ast.js';
import { evalProps, evaluate } from './eval.js';
import { copyRow, type Exec, type Row } from './exec.js';
import { NO_PLAN, matchChain } from './match.js';
import { NodeVal, PathVal, RelVal, isMap, typeName } from './values.js';

function props(ex: Exec, at: number, p: Record<string, unknown> | undefined): Record<string, unknown> {
  try {
    return check.props(p ?? {});
  } catch (e) {
    if (e instanceof LarderError) throw new LarderError(e.code, `${e.message} (at ${ex.pos(at)})`, e.details);
    throw e;
  }
}

function createNode(ex: Exec, labels: string[], p: Record<string, unknown>): NodeVal {
  const rec = ex.g.createNode(check.labels(labels), p);
  ex.stats.nodesCreated++;
  ex.stats.labelsAdded += rec.labels.length;
  ex.stats.propertiesSet += Object.keys(rec.properties).length;
  return ex.adoptNode(new NodeVal(rec.id, rec.labels, rec.properties));
}

function createRel(ex: Exec, from: NodeVal, to: NodeVal, type: string, p: Record<string, unknown>): RelVal {
  const rec = ex.g.createEdge(from.id, to.id, type, p);
  ex.stats.relationshipsCreated++;
  ex.stats.propertiesSet += Object.keys(rec.properties).length;
  return ex.adoptRel(new RelVal(rec.id, rec.from, rec.to, rec.type, rec.properties));
}

/** Creates the unbound parts of a pattern for one row; returns the row with everything bound. */
export function createPattern(ex: Exec, row: Row, part: PatternPart, merging = false): Row {
  const r: Row = copyRow(row);
  const nodes: NodeVal[] = part.nodes.map((np) => {
    if (np.variable && r[np.variable] !== undefined) {
      const v = r[np.variable];
      if (!(v instanceof NodeVal)) throw ex.error(np.at, `cannot create a relationship to \`${np.variable}\`: it is ${v === null ? 'null' : `a ${typeName(v)}`}`);
      return v;
    }
    const p = evalProps(ex, np.props, r);
    if (merging && p) for (const k of Object.keys(p)) if (p[k] === null || p[k] === undefined) throw ex.error(np.at, `cannot MERGE a node using a null value for property ${k}`);
    const n = createNode(ex, np.labels, props(ex, np.at, p));
    if (np.variable) r[np.variable] = n;
    return n;
  });
  const rels: RelVal[] = part.rels.map((rp, i) => {
    const p = props(ex, rp.at, evalProps(ex, rp.props, r));
    const [a, b] = rp.dir === 'in' ? [nodes[i + 1], nodes[i]] : [nodes[i], nodes[i + 1]];
    const rel = createRel(ex, a, b, rp.types[0], p);
    if (rp.variable) r[rp.variable] = rel;
    return rel;
  });
  if (part.variable) r[part.variable] = new PathVal(nodes, rels);
  return r;
}

/** MERGE for one row: the existing matches (with ON MATCH SET), or the pattern created (ON CREATE SET). */
export function merge(ex: Exec, row: Row, part: PatternPart, onCreate: SetItem[], onMatch: SetItem[]): Row[] {
  const found = [...matchChain(ex, row, part, new Set(), NO_PLAN)];
  if (found.length) {
    for (const r of found) applySet(ex, r, onMatch);
    return found;
  }
  const r = createPattern(ex, row, part, true);
  applySet(ex, r, onCreate);
  return [r];
}

type Entity = NodeVal | RelVal;

function target(ex: Exec, row: Row, variable: string, at: number): Entity | null {
  const v = row[variable];
  if (v === null || v === undefined) return null;
  if (!(v instanceof NodeVal) && !(v instanceof RelVal)) throw ex.error(at, `cannot set properties on a ${typeName(v)}`);
  if (v.deleted) throw ex.error(at, `\`${variable}\` was deleted`);
  return v;
}

function write(ex: Exec, e: Entity, labels: string[], p: Record<string, unknown>, at: number): void {
  try {
    check.checkStorable(p);
    if (e instanceof NodeVal) {
      const rec = ex.g.writeNode({ id: e.id, labels: e.labels, properties: e.properties }, labels, p);
      e.labels = rec.labels;
      e.properties = rec.properties;
    } else {
      const rec = ex.g.writeEdge({ id: e.id, from: e.from, to: e.to, type: e.type, properties: e.properties }, p);
      e.properties = rec.properties;
    }
  } catch (err) {
    if (err instanceof LarderError && err.code === 'BAD_VALUE') throw new LarderError('BAD_VALUE', `${err.message} (at ${ex.pos(at)})`, err.details);
    throw err;
  }
}

/** Applies SET items to one row, in order. */
export function applySet(ex: Exec, row: Row, items: SetItem[]): void {
  for (const it of items) {
    const e = target(ex, row, it.variable, it.at);
    if (!e) continue;
    const labels = e instanceof NodeVal ? e.labels : [];
    switch (it.k) {
      case 'prop': {
        const v = evaluate(ex, it.value, row);
        const p = { ...e.properties };
        if (v === null || v === undefined) delete p[it.key];
        else p[it.key] = v;
        write(ex, e, labels, p, it.at);
        ex.stats.propertiesSet++;
        break;
      }
      case 'replace':
      case 'merge': {
        let v = evaluate(ex, it.value, row);
        if (v instanceof NodeVal || v instanceof RelVal) v = { ...v.properties };
        if (v === null || v === undefined) v = {};
        if (!isMap(v)) throw ex.error(it.at, `SET ${it.variable} ${it.k === 'replace' ? '=' : '+='} expects a map, got ${typeName(v)}`);
        const p: Record<string, unknown> = it.k === 'replace' ? {} : { ...e.properties };
        for (const k of Object.keys(v)) {
          if (v[k] === null || v[k] === undefined) delete p[k];
          else p[k] = v[k];
        }
        write(ex, e, labels, p, it.at);
        ex.stats.propertiesSet += Object.keys(v).length;
        break;
      }
      case 'labels': {
        if (!(e instanceof NodeVal)) throw ex.error(it.at, 'labels can only be set on nodes');
        const add = it.labels.filter((l) => !e.labels.includes(l));
        write(ex, e, [...e.labels, ...add], e.properties, it.at);
        ex.stats.labelsAdded += add.length;
        break;
      }
    }
  }
}

/** Applies REMOVE items to one row. */
export function applyRemove(ex: Exec, row: Row, items: RemoveItem[]): void {
  for (const it of items) {
    const e = target(ex, row, it.variable, it.at);
    if (!e) continue;
    if (it.k === 'prop') {
      if (!Object.prototype.hasOwnProperty.call(e.properties, it.key)) continue;
      const p = { ...e.properties };
      delete p[it.key];
      write(ex, e, e instanceof NodeVal ? e.labels : [], p, it.at);
      ex.stats.propertiesSet++;
    } else {
      if (!(e instanceof NodeVal)) throw ex.error(it.at, 'labels can only be removed from nodes');
      const keep = e.labels.filter((l) => !it.labels.includes(l));
      ex.stats.labelsRemoved += e.labels.length - keep.length;
      write(ex, e, keep, e.properties, it.at);
    }
  }
}

/**
 * DELETE / DETACH DELETE over all rows: relationships first, then nodes, so
 * `MATCH (n)-[r]-() DELETE r, n` works; a node that still has relationships is refused unless
 * DETACH.
 */
export function applyDelete(ex: Exec, rows: Row[], exprs: Array<{ at: number } & Parameters<typeof evaluate>[1]>, detach: boolean): void {
  const nodes = new Map<number, { n: NodeVal; at: number }>();
  const rels = new Map<number, RelVal>();
  const add = (v: unknown, at: number): void => {
    if (v === null || v === undefined) return;
    if (v instanceof NodeVal) nodes.set(v.id, { n: v, at });
    else if (v instanceof RelVal) rels.set(v.id, v);
    else if (v instanceof PathVal) { v.nodes.forEach((n) => add(n, at)); v.rels.forEach((r) => add(r, at)); }
    else if (Array.isArray(v)) v.forEach((x) => add(x, at));
    else throw ex.error(at, `DELETE expects nodes, relationships or paths, got ${typeName(v)}`);
  };
  for (const r of rows) for (const e of exprs) add(evaluate(ex, e, r), e.at);
  for (const r of rels.values()) {
    if (r.deleted) continue;
    const rec = ex.g.edge(r.id);
    if (rec) { ex.g.deleteEdge(rec); ex.stats.relationshipsDeleted++; }
    r.deleted = true;
  }
  for (const { n, at } of nodes.values()) {
    if (n.deleted) continue;
    const rec = ex.g.node(n.id);
    if (!rec) { n.deleted = true; continue; }
    if (!detach) {
      const left = ex.g.degree(n.id, 'both');
      if (left > 0) throw ex.error(at, `cannot delete node ${n.id}: it still has ${left} relationship(s); use DETACH DELETE`);
    } else {
      for (const s of [...ex.g.steps(n.id, 'both')]) ex.forgetRel(s.edge);
    }
    ex.stats.relationshipsDeleted += ex.g.deleteNode(rec, detach);
    ex.stats.nodesDeleted++;
    n.deleted = true;
  }
}
