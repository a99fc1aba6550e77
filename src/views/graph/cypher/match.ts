/**
 * Pattern matching (the planner and the read side of the executor).
 *
 * A chain `(a)-[r]->(b)<-[s]-(c)` is matched by picking a start node, finding its candidates,
 * then expanding along the adjacency keys step by step: rightwards from the start to the end of
 * the chain, then leftwards to its beginning. The start is, best first: a node already bound by an
 * earlier clause; a node whose label has a property index on a property pinned by its map or by
 * an equality in WHERE (`n.name = 'x'`, pushed down as a hint); a labelled node (label index); any
 * node (full scan). Each expansion is one prefix seek per relationship type.
 *
 * As in Cypher, a relationship is used at most once per match of a whole MATCH clause
 * (relationship isomorphism); nodes may repeat. Variable-length steps walk depth-first without
 * reusing a relationship. shortestPath/allShortestPaths parts run the path search of paths.ts
 * between every pair of candidate end nodes.
 */
import type { Expr, NodePat, PatternPart, RelPat } from './ast.js';
import { walk } from './walk.js';
import { evalProps, evaluate } from './eval.js';
import { copyRow, withVar, type Exec, type Row } from './exec.js';
import { NodeVal, PathVal, RelVal, equals, typeName } from './values.js';
import { allShortestPaths, shortestPath } from '../paths.js';
import { prefixSuccessor } from '../../../keys/encode.js';

/** Equalities from WHERE usable to pick start candidates: variable -> [property, value expr]. */
export type Hints = Map<string, Array<[string, Expr]>>;

/** One AND-conjunct of a WHERE and the variables it reads. */
export interface Filter {
  expr: Expr;
  vars: string[];
}

/** What the planner derives from a WHERE: start hints and early filters. */
export interface Plan {
  hints: Hints;
  filters: Filter[];
}

/** An empty plan (MERGE, or a MATCH without WHERE). */
export const NO_PLAN: Plan = { hints: new Map(), filters: [] };

/** Splits a WHERE into conjuncts, each checked as soon as its variables are bound. */
export function planOf(where: Expr | undefined): Plan {
  const filters: Filter[] = [];
  const split = (e: Expr | undefined): void => {
    if (!e) return;
    if (e.k === 'and') { split(e.a); split(e.b); return; }
    const vars = new Set<string>();
    walk(e, (x) => { if (x.k === 'var') vars.add(x.name); });
    filters.push({ expr: e, vars: [...vars] });
  };
  split(where);
  return { hints: hintsOf(where), filters };
}

/**
 * False when a conjunct that just became evaluable (it reads `bound`, and all its variables are
 * in `row`) is not true: the row can never satisfy the WHERE, so it is pruned before expanding
 * further. An error here is not final (AND might not have reached this conjunct): the full WHERE
 * at the end decides.
 */
function early(ex: Exec, plan: Plan, row: Row, bound: string | undefined): boolean {
  if (!bound || plan.filters.length === 0) return true;
  for (const f of plan.filters) {
    if (!f.vars.includes(bound) || !f.vars.every((v) => v in row)) continue;
    try {
      if (evaluate(ex, f.expr, row) !== true) return false;
    } catch {
      // decided by the full WHERE
    }
  }
  return true;
}

/** Collects `v.p = <constant>` conjuncts of a WHERE (constants: literals and parameters). */
export function hintsOf(where: Expr | undefined): Hints {
  const hints: Hints = new Map();
  const constant = (e: Expr): boolean => e.k === 'lit' || e.k === 'param';
  const visit = (e: Expr | undefined): void => {
    if (!e) return;
    if (e.k === 'and') { visit(e.a); visit(e.b); return; }
    if (e.k === 'cmp' && e.op === '=') {
      for (const [p, c] of [[e.a, e.b], [e.b, e.a]] as const) {
        if (p.k === 'prop' && p.obj.k === 'var' && constant(c)) {
          const list = hints.get(p.obj.name) ?? [];
          list.push([p.key, c]);
          hints.set(p.obj.name, list);
        }
      }
    }
  };
  visit(where);
  return hints;
}

/** All matches of `parts` extending `row` that satisfy `where`. */
export function* matchParts(ex: Exec, row: Row, parts: PatternPart[], where: Expr | undefined, plan: Plan): Generator<Row> {
  const used = new Set<number>();
  function* step(i: number, r: Row): Generator<Row> {
    if (i === parts.length) {
      if (!where || evaluate(ex, where, r) === true) yield r;
      return;
    }
    for (const next of matchChain(ex, r, parts[i], used, plan)) yield* step(i + 1, next);
  }
  yield* step(0, row);
}

/** The bound value of a node variable in `row`: a NodeVal, null (unmatched optional), or undefined. */
function boundNode(ex: Exec, np: NodePat, row: Row): NodeVal | null | undefined {
  if (!np.variable || !(np.variable in row)) return undefined;
  const v = row[np.variable];
  if (v === null) return null;
  if (!(v instanceof NodeVal)) throw ex.error(np.at, `variable \`${np.variable}\` is a ${typeName(v)}, not a node`);
  return v;
}

/** True when node `n` has the pattern's labels and properties. */
function nodeOk(ex: Exec, np: NodePat, n: NodeVal, row: Row): boolean {
  if (n.deleted) return false;
  for (const l of np.labels) if (!n.labels.includes(l)) return false;
  const props = evalProps(ex, np.props, row);
  if (props) for (const k of Object.keys(props)) if (equals(n.properties[k] ?? null, props[k]) !== true) return false;
  return true;
}

function relOk(ex: Exec, rp: RelPat, r: RelVal, row: Row): boolean {
  const props = evalProps(ex, rp.props, row);
  if (props) for (const k of Object.keys(props)) if (equals(r.properties[k] ?? null, props[k]) !== true) return false;
  return true;
}

/** Candidate nodes for an unbound node pattern, from the cheapest source. */
function* candidates(ex: Exec, np: NodePat, row: Row, hints: Hints): Generator<NodeVal> {
  const bound = boundNode(ex, np, row);
  if (bound === null) return;
  if (bound !== undefined) {
    if (nodeOk(ex, np, bound, row)) yield bound;
    return;
  }
  let ids: Iterable<number> | undefined;
  if (np.labels.length) {
    const pinned: Array<[string, Expr]> = [...(np.props?.k === 'map' ? np.props.entries : []), ...((np.variable && hints.get(np.variable)) || [])];
    for (const label of np.labels) {
      for (const [key, x] of pinned) {
        if (!ex.g.catalog.find('n', label, key)) continue;
        const v = evaluate(ex, x, row);
        if (v === null || v === undefined) return; // = null never matches
        if (typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) continue;
        const p = ex.g.keys.propPrefix('n', label, key, v);
        ids = [...ex.g.idsByIndexRange(p, prefixSuccessor(p))];
        break;
      }
      if (ids) break;
    }
    ids ??= ex.g.idsByLabel('n', np.labels[0]);
  } else ids = ex.g.nodeIds();
  for (const id of [...ids]) {
    const n = ex.node(id);
    if (n && nodeOk(ex, np, n, row)) yield n;
  }
}

/** How good a start node pattern is (lower is better). */
function startScore(ex: Exec, np: NodePat, row: Row, hints: Hints): number {
  if (np.variable && np.variable in row) return 0;
  if (np.labels.length) {
    const keys = [...(np.props?.k === 'map' ? np.props.entries.map(([k]) => k) : []), ...((np.variable && hints.get(np.variable)?.map(([k]) => k)) || [])];
    if (np.labels.some((l) => keys.some((k) => ex.g.catalog.find('n', l, k)))) return 1;
    return 2;
  }
  return 3;
}

interface Hop {
  rels: RelVal[];
  /** Nodes strictly between the two ends, in walking order. */
  mids: NodeVal[];
  end: NodeVal;
}

const FLIP = { out: 'in', in: 'out', both: 'both' } as const;

/** Expansions of one relationship pattern from `from`, walking forwards or backwards along it. */
function* expand(ex: Exec, from: NodeVal, rp: RelPat, forward: boolean, used: Set<number>, row: Row): Generator<Hop> {
  const dir = forward ? rp.dir : FLIP[rp.dir];
  const types = rp.types.length ? rp.types : undefined;
  const boundRel = rp.variable && rp.variable in row ? row[rp.variable] : undefined;
  if (!rp.range) {
    for (const s of ex.g.steps(from.id, dir, types)) {
      if (used.has(s.edge)) continue;
      if (boundRel !== undefined && !(boundRel instanceof RelVal && boundRel.id === s.edge)) continue;
      const r = ex.rel(s.edge);
      const end = ex.node(s.other);
      if (!r || !end || !relOk(ex, rp, r, row)) continue;
      yield { rels: [r], mids: [], end };
    }
    return;
  }
  const { min, max } = rp.range;
  const rels: RelVal[] = [];
  const nodes: NodeVal[] = [from];
  const local = new Set<number>();
  function* dfs(at: NodeVal, depth: number): Generator<Hop> {
    if (depth >= min) yield { rels: [...rels], mids: nodes.slice(1, -1), end: at };
    if (depth >= max) return;
    for (const s of ex.g.steps(at.id, dir, types)) {
      if (used.has(s.edge) || local.has(s.edge)) continue;
      const r = ex.rel(s.edge);
      const next = ex.node(s.other);
      if (!r || !next || !relOk(ex, rp, r, row)) continue;
      local.add(s.edge); rels.push(r); nodes.push(next);
      yield* dfs(next, depth + 1);
      local.delete(s.edge); rels.pop(); nodes.pop();
    }
  }
  yield* dfs(from, 0);
}

/** Matches of one pattern part extending `row`. `used` holds relationships taken by the clause. */
export function* matchChain(ex: Exec, row: Row, part: PatternPart, used: Set<number>, plan: Plan): Generator<Row> {
  const hints = plan.hints;
  if (part.shortest) { yield* matchShortest(ex, row, part, hints); return; }
  const N = part.nodes, R = part.rels;
  let s = 0, best = Infinity;
  N.forEach((np, i) => { const sc = startScore(ex, np, row, hints); if (sc < best) { best = sc; s = i; } });
  // Steps: rightwards from s, then leftwards from s. Step j walks rel `rel` from node `from` to `to`.
  const steps: Array<{ from: number; to: number; rel: number; forward: boolean }> = [];
  for (let i = s; i < R.length; i++) steps.push({ from: i, to: i + 1, rel: i, forward: true });
  for (let i = s; i > 0; i--) steps.push({ from: i, to: i - 1, rel: i - 1, forward: false });
  const nodeAt: NodeVal[] = new Array(N.length);
  const hopAt: Array<{ hop: Hop; forward: boolean }> = new Array(R.length);

  function bindNode(r: Row, np: NodePat, n: NodeVal): Row | undefined {
    if (!np.variable) return r;
    const cur = r[np.variable];
    if (cur !== undefined) return cur instanceof NodeVal && cur.id === n.id ? r : undefined;
    return withVar(r, np.variable, n);
  }

  function* go(j: number, r: Row): Generator<Row> {
    if (j === steps.length) {
      if (part.variable) r = withVar(r, part.variable, pathOf());
      yield r;
      return;
    }
    const st = steps[j];
    const rp = R[st.rel];
    const np = N[st.to];
    for (const hop of expand(ex, nodeAt[st.from], rp, st.forward, used, r)) {
      if (!nodeOk(ex, np, hop.end, r)) continue;
      let r2 = bindNode(r, np, hop.end);
      if (!r2) continue;
      if (rp.variable && !(rp.variable in r2)) {
        const list = st.forward ? hop.rels : [...hop.rels].reverse();
        r2 = withVar(r2, rp.variable, rp.range ? list : list[0]);
        if (!early(ex, plan, r2, rp.variable)) continue;
      }
      if (r2 !== r && !early(ex, plan, r2, np.variable)) continue;
      nodeAt[st.to] = hop.end;
      hopAt[st.rel] = { hop, forward: st.forward };
      for (const x of hop.rels) used.add(x.id);
      yield* go(j + 1, r2);
      for (const x of hop.rels) used.delete(x.id);
    }
  }

  function pathOf(): PathVal {
    const nodes: NodeVal[] = [nodeAt[0]];
    const rels: RelVal[] = [];
    for (let i = 0; i < R.length; i++) {
      const { hop, forward } = hopAt[i];
      const rs = forward ? hop.rels : [...hop.rels].reverse();
      const ms = forward ? hop.mids : [...hop.mids].reverse();
      rels.push(...rs);
      nodes.push(...ms, nodeAt[i + 1]);
    }
    return new PathVal(nodes, rels);
  }

  for (const start of candidates(ex, N[s], row, hints)) {
    const r = bindNode(row, N[s], start);
    if (!r || (r !== row && !early(ex, plan, r, N[s].variable))) continue;
    nodeAt[s] = start;
    yield* go(0, r);
  }
}

/** shortestPath((a)-[:T*..k]-(b)) / allShortestPaths(...): a path search per pair of ends. */
function* matchShortest(ex: Exec, row: Row, part: PatternPart, hints: Hints): Generator<Row> {
  const [na, nb] = part.nodes;
  const rp = part.rels[0];
  if (rp.props) throw ex.error(rp.at, 'property maps on shortestPath relationships are not supported; filter with WHERE');
  const range = rp.range ?? { min: 1, max: 1 };
  if (range.min > 1) throw ex.error(rp.at, 'shortestPath supports a minimum length of 0 or 1');
  const opts = { direction: rp.dir, types: rp.types.length ? rp.types : undefined, maxDepth: range.max, limit: 100000 };
  const bs = [...candidates(ex, nb, row, hints)];
  for (const a of candidates(ex, na, row, hints)) {
    const ra = na.variable ? withVar(row, na.variable, a) : row;
    for (const b of bs) {
      if (nb.variable && nb.variable === na.variable && a.id !== b.id) continue;
      if (a.id === b.id && range.min > 0) continue;
      const found = part.shortest === 'one' ? [shortestPath(ex.g, a.id, b.id, opts)].filter((p) => p !== null) : allShortestPaths(ex.g, a.id, b.id, opts);
      for (const p of found) {
        const path = new PathVal(p!.nodes.map((id) => ex.node(id)!), p!.edges.map((id) => ex.rel(id)!));
        let r: Row = nb.variable ? withVar(ra, nb.variable, b) : copyRow(ra);
        if (rp.variable) r = withVar(r, rp.variable, [...path.rels]);
        if (part.variable) r = withVar(r, part.variable, path);
        yield r;
      }
    }
  }
}
