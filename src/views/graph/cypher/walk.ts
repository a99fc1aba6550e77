/**
 * AST walking helpers shared by the scope pass, the planner and the projection: sub-expressions
 * in pre-order, direct children, and "does this expression aggregate".
 */
import type { Expr } from './ast.js';

/** Names of the aggregate functions. */
export const AGGREGATES: ReadonlySet<string> = new Set(['count', 'collect', 'sum', 'avg', 'min', 'max']);

/** True when `e` contains an aggregate call anywhere inside it. */
export function hasAggregate(e: Expr): boolean {
  let found = false;
  walk(e, (x) => { if (x.k === 'call' && AGGREGATES.has(x.name)) found = true; });
  return found;
}

/** Calls `f` on every sub-expression (pre-order). */
export function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'prop': case 'hasLabels': walk(e.obj, f); break;
    case 'index': walk(e.obj, f); walk(e.idx, f); break;
    case 'slice': walk(e.obj, f); if (e.from) walk(e.from, f); if (e.to) walk(e.to, f); break;
    case 'list': e.items.forEach((x) => walk(x, f)); break;
    case 'map': e.entries.forEach(([, x]) => walk(x, f)); break;
    case 'not': case 'neg': case 'isNull': walk(e.x, f); break;
    case 'and': case 'or': case 'xor': case 'cmp': case 'arith': case 'strop': case 'in': walk(e.a, f); walk(e.b, f); break;
    case 'call': e.args.forEach((x) => walk(x, f)); break;
    case 'case': if (e.subject) walk(e.subject, f); e.whens.forEach(([a, b]) => { walk(a, f); walk(b, f); }); if (e.otherwise) walk(e.otherwise, f); break;
    case 'listComp': walk(e.list, f); if (e.where) walk(e.where, f); if (e.map) walk(e.map, f); break;
  }
}

/** The direct children of an expression. */
export function direct(e: Expr): Expr[] {
  switch (e.k) {
    case 'prop': case 'hasLabels': return [e.obj];
    case 'index': return [e.obj, e.idx];
    case 'slice': return [e.obj, ...(e.from ? [e.from] : []), ...(e.to ? [e.to] : [])];
    case 'list': return e.items;
    case 'map': return e.entries.map(([, x]) => x);
    case 'not': case 'neg': case 'isNull': return [e.x];
    case 'and': case 'or': case 'xor': case 'cmp': case 'arith': case 'strop': case 'in': return [e.a, e.b];
    case 'call': return e.args;
    case 'case': return [...(e.subject ? [e.subject] : []), ...e.whens.flat(), ...(e.otherwise ? [e.otherwise] : [])];
    default: return [];
  }
}
