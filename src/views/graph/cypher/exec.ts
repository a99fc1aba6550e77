/**
 * Exec: the state of one running query — the graph, the parameters, the entity cache that makes
 * every variable bound to node 7 the same NodeVal object, and the write statistics.
 */
import { LarderError } from '../../../errors.js';
import type { GraphStore } from '../store.js';
import { lineCol } from './lexer.js';
import { NodeVal, RelVal } from './values.js';

/**
 * A row of bindings: variable name -> value. Rows have no prototype, so a variable named
 * `constructor` or `toString` is unbound until bound (`name in row` means bound).
 */
export type Row = Record<string, unknown>;

/** A new row: the bindings of `rows` merged left to right. */
export function copyRow(...rows: Row[]): Row {
  // A plain loop: Object.assign with spread arguments was the largest single cost of a MATCH.
  const o = Object.create(null) as Row;
  for (const r of rows) for (const k in r) o[k] = r[k];
  return o;
}

/** A new row: `r` with `name` bound to `value`. */
export function withVar(r: Row, name: string, value: unknown): Row {
  const o = copyRow(r);
  o[name] = value;
  return o;
}

/** Counts of what a query changed. */
export interface WriteStats {
  nodesCreated: number;
  nodesDeleted: number;
  relationshipsCreated: number;
  relationshipsDeleted: number;
  propertiesSet: number;
  labelsAdded: number;
  labelsRemoved: number;
}

/** One query's execution state. */
export class Exec {
  private readonly nodeCache = new Map<number, NodeVal>();
  private readonly relCache = new Map<number, RelVal>();
  readonly stats: WriteStats = { nodesCreated: 0, nodesDeleted: 0, relationshipsCreated: 0, relationshipsDeleted: 0, propertiesSet: 0, labelsAdded: 0, labelsRemoved: 0 };

  constructor(
    readonly g: GraphStore,
    readonly params: Record<string, unknown>,
    readonly src: string,
  ) {}

  /** The NodeVal of node `id` (shared), or undefined when there is no such node. */
  node(id: number): NodeVal | undefined {
    let n = this.nodeCache.get(id);
    if (!n || n.deleted) {
      const rec = this.g.node(id);
      if (!rec) return undefined;
      n = new NodeVal(id, rec.labels, rec.properties);
      this.nodeCache.set(id, n);
    }
    return n;
  }

  /** The RelVal of relationship `id` (shared), or undefined. */
  rel(id: number): RelVal | undefined {
    let r = this.relCache.get(id);
    if (!r || r.deleted) {
      const rec = this.g.edge(id);
      if (!rec) return undefined;
      r = new RelVal(id, rec.from, rec.to, rec.type, rec.properties);
      this.relCache.set(id, r);
    }
    return r;
  }

  /** Registers a freshly created node. */
  adoptNode(n: NodeVal): NodeVal {
    this.nodeCache.set(n.id, n);
    return n;
  }

  /** Registers a freshly created relationship. */
  adoptRel(r: RelVal): RelVal {
    this.relCache.set(r.id, r);
    return r;
  }

  /** Marks a cached relationship deleted (after DETACH DELETE removed it behind our back). */
  forgetRel(id: number): void {
    const r = this.relCache.get(id);
    if (r) r.deleted = true;
  }

  /** `line:column` of source offset `at`. */
  pos(at: number): string {
    const { line, col } = lineCol(this.src, at);
    return `${line}:${col}`;
  }

  /** A BAD_QUERY error pointing at source offset `at`. */
  error(at: number, message: string): LarderError {
    const { line, col } = lineCol(this.src, at);
    return new LarderError('BAD_QUERY', `${message} (at ${line}:${col})`, { line, column: col });
  }
}
