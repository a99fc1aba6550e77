/**
 * The Cypher AST: what the parser produces and the executor walks. Plain data, no behaviour.
 * Every expression node carries the source offset where it starts (`at`), for error messages.
 */

/** An expression. */
export type Expr =
  | { k: 'lit'; v: unknown; at: number }
  | { k: 'param'; name: string; at: number }
  | { k: 'var'; name: string; at: number }
  | { k: 'prop'; obj: Expr; key: string; at: number }
  | { k: 'index'; obj: Expr; idx: Expr; at: number }
  | { k: 'slice'; obj: Expr; from?: Expr; to?: Expr; at: number }
  | { k: 'hasLabels'; obj: Expr; labels: string[]; at: number }
  | { k: 'list'; items: Expr[]; at: number }
  | { k: 'map'; entries: Array<[string, Expr]>; at: number }
  | { k: 'not'; x: Expr; at: number }
  | { k: 'and' | 'or' | 'xor'; a: Expr; b: Expr; at: number }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '>' | '<=' | '>='; a: Expr; b: Expr; at: number }
  | { k: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '^'; a: Expr; b: Expr; at: number }
  | { k: 'neg'; x: Expr; at: number }
  | { k: 'strop'; op: 'starts' | 'ends' | 'contains'; a: Expr; b: Expr; at: number }
  | { k: 'in'; a: Expr; b: Expr; at: number }
  | { k: 'isNull'; x: Expr; not: boolean; at: number }
  | { k: 'call'; name: string; args: Expr[]; distinct: boolean; star: boolean; at: number }
  | { k: 'case'; subject?: Expr; whens: Array<[Expr, Expr]>; otherwise?: Expr; at: number }
  | { k: 'listComp'; variable: string; list: Expr; where?: Expr; map?: Expr; at: number };

/** A node pattern `(v:Label {p: 1})`. */
export interface NodePat {
  variable?: string;
  labels: string[];
  props?: Expr;
  at: number;
}

/** A relationship pattern `-[r:T1|T2*1..3 {p: 1}]->`. */
export interface RelPat {
  variable?: string;
  types: string[];
  /** 'out' is left-to-right (->), 'in' right-to-left (<-), 'both' undirected (-). */
  dir: 'out' | 'in' | 'both';
  props?: Expr;
  /** Present for variable length: hop bounds (max Infinity when open). */
  range?: { min: number; max: number };
  at: number;
}

/** One comma-separated part of a pattern: a chain, maybe named, maybe a shortest-path call. */
export interface PatternPart {
  variable?: string;
  shortest?: 'one' | 'all';
  nodes: NodePat[];
  /** rels[i] joins nodes[i] and nodes[i + 1]. */
  rels: RelPat[];
  at: number;
}

/** One projected column. */
export interface ProjItem {
  expr: Expr;
  /** The column name: the alias, or the expression's source text. */
  name: string;
  /** True when the item has an explicit alias (or is a bare variable). */
  aliased: boolean;
}

/** ORDER BY item. */
export interface SortItem {
  expr: Expr;
  desc: boolean;
}

/** RETURN / WITH body. */
export interface Projection {
  distinct: boolean;
  star: boolean;
  items: ProjItem[];
  order: SortItem[];
  skip?: Expr;
  limit?: Expr;
}

/** A SET item. */
export type SetItem =
  | { k: 'prop'; variable: string; key: string; value: Expr; at: number }
  | { k: 'replace'; variable: string; value: Expr; at: number }
  | { k: 'merge'; variable: string; value: Expr; at: number }
  | { k: 'labels'; variable: string; labels: string[]; at: number };

/** A REMOVE item. */
export type RemoveItem = { k: 'prop'; variable: string; key: string; at: number } | { k: 'labels'; variable: string; labels: string[]; at: number };

/** A clause. */
export type Clause =
  | { k: 'match'; optional: boolean; patterns: PatternPart[]; where?: Expr; at: number }
  | { k: 'unwind'; expr: Expr; variable: string; at: number }
  | ({ k: 'with'; where?: Expr; at: number } & Projection)
  | ({ k: 'return'; at: number } & Projection)
  | { k: 'create'; patterns: PatternPart[]; at: number }
  | { k: 'merge'; pattern: PatternPart; onCreate: SetItem[]; onMatch: SetItem[]; at: number }
  | { k: 'set'; items: SetItem[]; at: number }
  | { k: 'remove'; items: RemoveItem[]; at: number }
  | { k: 'delete'; detach: boolean; exprs: Expr[]; at: number };

/** A whole query. */
export interface Query {
  clauses: Clause[];
  source: string;
}
