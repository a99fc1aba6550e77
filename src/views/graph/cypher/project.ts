/**
 * RETURN and WITH: projection, grouping with aggregates (count, collect, sum, avg, min, max),
 * DISTINCT, ORDER BY, SKIP and LIMIT.
 *
 * Grouping follows Cypher: the items without an aggregate are the grouping key; every aggregate
 * call inside the items (and inside ORDER BY) is computed per group. With no grouping key there is
 * exactly one group, even over zero rows (so `RETURN count(*)` on nothing is 0). ORDER BY sees the
 * projected names first, then the variables of the rows they came from.
 */
import type { Expr, Projection, ProjItem } from './ast.js';
import { evaluate, type AggValues } from './eval.js';
import { copyRow, type Exec, type Row } from './exec.js';
import { AGGREGATES, hasAggregate, walk } from './walk.js';
import { isNum, keyOf, orderCompare, typeName } from './values.js';


/** Aggregate calls in `e`, outermost only (an aggregate inside an aggregate is an error). */
function aggCalls(ex: Exec, e: Expr, out: Array<Expr & { k: 'call' }>): void {
  walk(e, (x) => {
    if (x.k === 'call' && AGGREGATES.has(x.name)) {
      for (const a of x.args) if (hasAggregate(a)) throw ex.error(a.at, 'aggregates cannot be nested');
      if (!out.includes(x)) out.push(x);
    }
  });
}

function aggregate(ex: Exec, call: Expr & { k: 'call' }, rows: Row[]): unknown {
  if (call.star) return rows.length;
  if (call.args.length !== 1) throw ex.error(call.at, `${call.name}() takes one argument`);
  let values = rows.map((r) => evaluate(ex, call.args[0], r)).filter((v) => v !== null && v !== undefined);
  if (call.distinct) {
    const seen = new Set<string>();
    values = values.filter((v) => { const k = keyOf(v); if (seen.has(k)) return false; seen.add(k); return true; });
  }
  switch (call.name) {
    case 'count': return values.length;
    case 'collect': return values;
    case 'sum':
    case 'avg': {
      let s = 0;
      for (const v of values) {
        if (!isNum(v)) throw ex.error(call.at, `${call.name}() expects numbers, got ${typeName(v)}`);
        s += Number(v);
      }
      return call.name === 'sum' ? s : values.length ? s / values.length : null;
    }
    case 'min':
    case 'max': {
      if (!values.length) return null;
      let best = values[0];
      for (const v of values) {
        const c = orderCompare(v, best);
        if (call.name === 'min' ? c < 0 : c > 0) best = v;
      }
      return best;
    }
  }
  throw ex.error(call.at, `unknown aggregate ${call.name}`);
}

/** An output row and the scope ORDER BY may read (input variables shadowed by projected names). */
interface Out {
  row: Row;
  scope: Row;
  agg?: AggValues;
}

function count(ex: Exec, e: Expr | undefined, what: string): number | undefined {
  if (!e) return undefined;
  const v = evaluate(ex, e, Object.create(null));
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw ex.error(e.at, `${what} must be a non-negative integer, got ${typeName(v)}`);
  return n;
}

/**
 * Projects `rows` through a RETURN/WITH body. `vars` are the variables in scope (for `*`).
 * Returns the projected rows and the column names.
 */
export function project(ex: Exec, rows: Row[], p: Projection, vars: string[]): { rows: Row[]; columns: string[] } {
  const items: ProjItem[] = [];
  if (p.star) for (const v of [...vars].sort()) items.push({ expr: { k: 'var', name: v, at: 0 }, name: v, aliased: true });
  items.push(...p.items);
  const columns = items.map((i) => i.name);
  // An aggregate only in ORDER BY groups by every item too (Neo4j refuses that; it is harmless).
  const grouped = items.some((i) => hasAggregate(i.expr)) || p.order.some((o) => hasAggregate(o.expr));
  let outs: Out[];
  if (!grouped) {
    outs = rows.map((r) => {
      const row: Row = Object.create(null);
      for (const it of items) row[it.name] = evaluate(ex, it.expr, r);
      return { row, scope: copyRow(r, row) };
    });
  } else {
    const calls: Array<Expr & { k: 'call' }> = [];
    for (const it of items) aggCalls(ex, it.expr, calls);
    for (const o of p.order) aggCalls(ex, o.expr, calls);
    const keyItems = items.filter((i) => !hasAggregate(i.expr));
    const groups = new Map<string, { first: Row; keyVals: unknown[]; rows: Row[] }>();
    for (const r of rows) {
      const keyVals = keyItems.map((i) => evaluate(ex, i.expr, r));
      const k = keyVals.map(keyOf).join('\u0000');
      let grp = groups.get(k);
      if (!grp) { grp = { first: r, keyVals, rows: [] }; groups.set(k, grp); }
      grp.rows.push(r);
    }
    if (keyItems.length === 0 && groups.size === 0) groups.set('', { first: Object.create(null), keyVals: [], rows: [] });
    outs = [];
    for (const grp of groups.values()) {
      const agg: AggValues = new Map();
      for (const c of calls) agg.set(c, aggregate(ex, c, grp.rows));
      const row: Row = Object.create(null);
      let ki = 0;
      for (const it of items) row[it.name] = hasAggregate(it.expr) ? evaluate(ex, it.expr, grp.first, agg) : grp.keyVals[ki++];
      outs.push({ row, scope: copyRow(grp.first, row), agg });
    }
  }
  if (p.distinct) {
    const seen = new Set<string>();
    outs = outs.filter((o) => {
      const k = columns.map((c) => keyOf(o.row[c])).join('\u0000');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (p.order.length) {
    const keyed = outs.map((o) => ({ o, keys: p.order.map((s) => orderValue(ex, s.expr, o, items)) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < p.order.length; i++) {
        const c = orderCompare(a.keys[i], b.keys[i]);
        if (c !== 0) return p.order[i].desc ? -c : c;
      }
      return 0;
    });
    outs = keyed.map((k) => k.o);
  }
  const skip = count(ex, p.skip, 'SKIP') ?? 0;
  const limit = count(ex, p.limit, 'LIMIT');
  outs = outs.slice(skip, limit === undefined ? undefined : skip + limit);
  return { rows: outs.map((o) => o.row), columns };
}

/** An ORDER BY key: a projected item written the same way, or the expression in scope. */
function orderValue(ex: Exec, e: Expr, o: Out, items: ProjItem[]): unknown {
  const same = items.find((i) => sameExpr(i.expr, e));
  if (same) return o.row[same.name];
  return evaluate(ex, e, o.scope, o.agg);
}

function sameExpr(a: Expr, b: Expr): boolean {
  return JSON.stringify(a, (k, v) => (k === 'at' ? undefined : v)) === JSON.stringify(b, (k, v) => (k === 'at' ? undefined : v));
}
