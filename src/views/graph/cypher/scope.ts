/**
 * The scope pass: after parsing, checks that every variable is defined where it is used, that
 * functions exist and get the right number of arguments, that created relationships have one type
 * and a direction, and that the clauses come in a legal order (RETURN last; a query ends with
 * RETURN or an update). Errors are LarderError('SYNTAX') with line:column, like parse errors.
 */
import type { PatternPart, Query, SetItem, Expr } from './ast.js';
import { arityOf } from './functions.js';
import { syntaxError } from './lexer.js';
import { AGGREGATES, direct, hasAggregate } from './walk.js';

/** Throws SYNTAX for the first scope error in `q`. */
export function checkScopes(q: Query): void {
  const src = q.source;
  let scope = new Set<string>();
  const use = (e: Expr | undefined, s: Set<string> = scope): void => {
    if (!e) return;
    const check = (x: Expr, local: Set<string>): void => {
      if (x.k === 'var') {
        if (!local.has(x.name)) syntaxError(src, x.at, `Variable \`${x.name}\` not defined`, 'a defined variable');
        return;
      }
      if (x.k === 'call') {
        const arity = AGGREGATES.has(x.name) ? ([x.star ? 0 : 1, 1] as [number, number]) : arityOf(x.name);
        if (!arity) syntaxError(src, x.at, `Unknown function '${x.name}'`, 'a known function');
        if (x.args.length < arity[0] || x.args.length > arity[1]) syntaxError(src, x.at, `${x.name}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s), got ${x.args.length}`, 'the right number of arguments');
      }
      if (x.k === 'listComp') {
        check(x.list, local);
        const inner = new Set(local).add(x.variable);
        if (x.where) check(x.where, inner);
        if (x.map) check(x.map, inner);
        return;
      }
      for (const c of direct(x)) check(c, local);
    };
    check(e, s);
  };
  const bindPattern = (parts: PatternPart[], mode: 'match' | 'create' | 'merge') => {
    const creating = mode !== 'match';
    for (const p of parts) {
      if (creating && p.shortest) syntaxError(src, p.at, `${p.shortest === 'one' ? 'shortestPath' : 'allShortestPaths'} cannot be used in ${mode.toUpperCase()}`, 'a plain pattern');
      for (const n of p.nodes) {
        use(n.props);
        if (n.variable) {
          if (creating && scope.has(n.variable) && (n.labels.length || n.props)) syntaxError(src, n.at, `Variable \`${n.variable}\` already declared; it cannot take new labels or properties here`, 'a new variable');
          scope.add(n.variable);
        }
      }
      for (const r of p.rels) {
        use(r.props);
        if (creating) {
          if (r.types.length !== 1) syntaxError(src, r.at, 'A relationship to create needs exactly one type', 'one relationship type like [:KNOWS]');
          if (r.dir === 'both' && mode === 'create') syntaxError(src, r.at, 'A relationship to CREATE needs a direction', "'->' or '<-'");
          if (r.range) syntaxError(src, r.at, 'A variable-length relationship cannot be created', 'a single relationship');
        }
        if (r.variable) {
          if (scope.has(r.variable) && creating) syntaxError(src, r.at, `Variable \`${r.variable}\` already declared`, 'a new variable');
          scope.add(r.variable);
        }
      }
      if (p.variable) scope.add(p.variable);
    }
  };
  q.clauses.forEach((c, idx) => {
    const last = idx === q.clauses.length - 1;
    if (c.k === 'return' && !last) syntaxError(src, q.clauses[idx + 1].at, 'RETURN can only be used at the end of the query', 'end of input');
    switch (c.k) {
      case 'match':
        bindPattern(c.patterns, 'match');
        use(c.where);
        break;
      case 'unwind':
        use(c.expr);
        scope.add(c.variable);
        break;
      case 'create':
        bindPattern(c.patterns, 'create');
        break;
      case 'merge':
        bindPattern([c.pattern], 'merge');
        for (const s of [...c.onCreate, ...c.onMatch]) setItem(s);
        break;
      case 'set':
        c.items.forEach(setItem);
        break;
      case 'remove':
        c.items.forEach((r) => { if (!scope.has(r.variable)) syntaxError(src, r.at, `Variable \`${r.variable}\` not defined`, 'a defined variable'); });
        break;
      case 'delete':
        c.exprs.forEach((e) => use(e));
        break;
      case 'with':
      case 'return': {
        const old = scope;
        if (!c.star && c.items.length === 0) syntaxError(src, c.at, 'Expected at least one item', 'an expression');
        c.items.forEach((it) => use(it.expr));
        for (const it of c.items) if (it.expr.k !== 'var' && !it.aliased && c.k === 'with') syntaxError(src, it.expr.at, 'Expression in WITH must be aliased (use AS)', 'AS');
        const next = new Set<string>(c.star ? old : []);
        for (const it of c.items) next.add(it.name);
        const both = new Set([...old, ...next]);
        const agg = c.items.some((it) => hasAggregate(it.expr)) || c.distinct;
        for (const o of c.order) use(o.expr, agg ? new Set([...next, ...old]) : both);
        use(c.skip, new Set());
        use(c.limit, new Set());
        scope = next;
        if (c.k === 'with') use(c.where);
        break;
      }
    }
  });
  const end = q.clauses[q.clauses.length - 1];
  if (end && (end.k === 'match' || end.k === 'with' || end.k === 'unwind')) {
    syntaxError(src, src.length, `Query cannot conclude with ${end.k === 'match' ? 'MATCH' : end.k.toUpperCase()} (must be RETURN or an update clause)`, 'RETURN');
  }

  function setItem(s: SetItem): void {
    if (!scope.has(s.variable)) syntaxError(src, s.at, `Variable \`${s.variable}\` not defined`, 'a defined variable');
    if (s.k !== 'labels') use(s.value);
  }
}
