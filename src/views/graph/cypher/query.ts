/**
 * runQuery: parse (cached), then run the clauses in order over a list of rows. Each clause takes
 * every row and gives the next list, so a query is evaluated eagerly clause by clause — which is
 * also what makes writes before a later read well defined (the read sees them).
 *
 * One query is one view call, so its writes are one atomic batch: any error undoes all of them.
 */
import { LarderError } from '../../../errors.js';
import type { GraphStore } from '../store.js';
import * as check from '../validate.js';
import type { Clause, PatternPart, Query } from './ast.js';
import { evaluate } from './eval.js';
import { Exec, copyRow, withVar, type Row, type WriteStats } from './exec.js';
import { matchParts, planOf } from './match.js';
import { parse } from './parser.js';
import { project } from './project.js';
import { applyDelete, applyRemove, applySet, createPattern, merge } from './write.js';
import { toOutput } from './values.js';

/** A query's answer. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  stats: WriteStats;
}

// Parsed queries by text: apps run the same few query strings with different parameters.
const cache = new Map<string, Query>();
const CACHE_SIZE = 256;

function parsed(text: string): Query {
  let q = cache.get(text);
  if (q) {
    cache.delete(text);
    cache.set(text, q);
    return q;
  }
  q = parse(text);
  cache.set(text, q);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return q;
}

function patternVars(parts: PatternPart[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    for (const n of p.nodes) if (n.variable) out.push(n.variable);
    for (const r of p.rels) if (r.variable) out.push(r.variable);
    if (p.variable) out.push(p.variable);
  }
  return out;
}

/** Runs a Cypher query against graph `g` with parameters. */
export function runQuery(g: GraphStore, text: unknown, params: unknown): QueryResult {
  if (typeof text !== 'string') throw new LarderError('BAD_VALUE', `a query must be a string, got ${check.describe(text)}`);
  const p = params === undefined || params === null ? {} : params;
  if (!check.isPlainObject(p)) throw new LarderError('BAD_VALUE', 'query parameters must be a plain object');
  const q = parsed(text);
  const ex = new Exec(g, p, q.source);
  let rows: Row[] = [Object.create(null)];
  let vars: string[] = [];
  let result: { columns: string[]; rows: unknown[][] } = { columns: [], rows: [] };
  const addVars = (vs: string[]) => { for (const v of vs) if (!vars.includes(v)) vars.push(v); };
  for (const c of q.clauses) {
    rows = step(ex, c, rows, vars);
    switch (c.k) {
      case 'match': case 'create': addVars(patternVars(c.patterns)); break;
      case 'merge': addVars(patternVars([c.pattern])); break;
      case 'unwind': addVars([c.variable]); break;
      case 'with': vars = [...(c.star ? vars : []), ...c.items.map((i) => i.name).filter((n) => !vars.includes(n) || !c.star)]; break;
      case 'return': {
        const out = project(ex, rows, c, vars);
        result = { columns: out.columns, rows: out.rows.map((r) => out.columns.map((col) => toOutput(r[col]))) };
        break;
      }
    }
  }
  return { ...result, stats: ex.stats };
}

function step(ex: Exec, c: Clause, rows: Row[], vars: string[]): Row[] {
  switch (c.k) {
    case 'match': {
      const plan = planOf(c.where);
      const out: Row[] = [];
      const fresh = patternVars(c.patterns).filter((v) => !vars.includes(v));
      for (const r of rows) {
        let any = false;
        for (const m of matchParts(ex, r, c.patterns, c.where, plan)) { out.push(m); any = true; }
        if (!any && c.optional) {
          const nulls: Row = copyRow(r);
          for (const v of fresh) nulls[v] = null;
          out.push(nulls);
        }
      }
      return out;
    }
    case 'unwind': {
      const out: Row[] = [];
      for (const r of rows) {
        const v = evaluate(ex, c.expr, r);
        if (v === null || v === undefined) continue;
        const list = Array.isArray(v) ? v : [v];
        for (const x of list) out.push(withVar(r, c.variable, x));
      }
      return out;
    }
    case 'with': {
      const out = project(ex, rows, c, vars).rows;
      return c.where ? out.filter((r) => evaluate(ex, c.where!, r) === true) : out;
    }
    case 'return':
      return rows;
    case 'create':
      return rows.map((r) => c.patterns.reduce((acc, part) => createPattern(ex, acc, part), r));
    case 'merge':
      return rows.flatMap((r) => merge(ex, r, c.pattern, c.onCreate, c.onMatch));
    case 'set':
      for (const r of rows) applySet(ex, r, c.items);
      return rows;
    case 'remove':
      for (const r of rows) applyRemove(ex, r, c.items);
      return rows;
    case 'delete':
      applyDelete(ex, rows, c.exprs, c.detach);
      return rows;
  }
}
