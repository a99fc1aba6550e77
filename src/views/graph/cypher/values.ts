/**
 * Cypher values while a query runs: JS primitives, lists, maps, and the graph entities below.
 * Entities are shared per query (one NodeVal per node id, see Exec), so a SET made through one
 * variable is seen through every other variable bound to the same node.
 *
 * Semantics follow openCypher where it matters for answers:
 * - equality is three-valued: anything = null is null; values of different types are unequal;
 *   1 = 1.0; lists and maps compare element-wise; entities by id.
 * - `<` and friends compare numbers with numbers, strings with strings (by code point), booleans,
 *   dates and lists; anything else gives null.
 * - ORDER BY uses a total order across types: maps < nodes < relationships < lists < paths
 *   < strings < booleans < numbers < null (so nulls sort last ascending, first descending).
 */
import { compareStrings } from '../../../keys/compare.js';
import type { Props } from '../validate.js';

/** A node as a query sees it. */
export class NodeVal {
  deleted = false;
  constructor(
    readonly id: number,
    public labels: string[],
    public properties: Props,
  ) {}
}

/** A relationship as a query sees it. */
export class RelVal {
  deleted = false;
  constructor(
    readonly id: number,
    readonly from: number,
    readonly to: number,
    readonly type: string,
    public properties: Props,
  ) {}
}

/** A path: nodes[0] rels[0] nodes[1] ... */
export class PathVal {
  constructor(
    readonly nodes: NodeVal[],
    readonly rels: RelVal[],
  ) {}
}

/** A plain map value (object literal, properties(), parameters). */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** True for numbers and bigints. */
export function isNum(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Cypher's name for a value's type, for error messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof NodeVal) return 'Node';
  if (v instanceof RelVal) return 'Relationship';
  if (v instanceof PathVal) return 'Path';
  if (Array.isArray(v)) return 'List';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (typeof v === 'bigint') return 'Integer';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (v instanceof Date) return 'DateTime';
  if (isMap(v)) return 'Map';
  return typeof v;
}

/** Three-valued equality: true, false, or null when either side is (or holds) null. */
export function equals(a: unknown, b: unknown): boolean | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (isNum(a) && isNum(b)) return a == b; // 1 == 1n, and NaN is never equal
  if (a instanceof NodeVal || a instanceof RelVal) return b instanceof (a as object).constructor && (b as NodeVal).id === a.id;
  if (a instanceof PathVal) {
    if (!(b instanceof PathVal) || a.rels.length !== b.rels.length) return false;
    return a.nodes.every((n, i) => n.id === b.nodes[i].id) && a.rels.every((r, i) => r.id === b.rels[i].id);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    let sawNull = false;
    for (let i = 0; i < a.length; i++) {
      const e = equals(a[i], b[i]);
      if (e === false) return false;
      if (e === null) sawNull = true;
    }
    return sawNull ? null : true;
  }
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    let sawNull = false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      const e = equals(a[k], b[k]);
      if (e === false) return false;
      if (e === null) sawNull = true;
    }
    return sawNull ? null : true;
  }
  return a === b;
}

/** `<`-style comparison: a number, or null when the two values are not comparable. */
export function compare(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (isNum(a) && isNum(b)) {
    if (typeof a === 'number' && Number.isNaN(a)) return null;
    if (typeof b === 'number' && Number.isNaN(b)) return null;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i]);
      if (c === null) return null;
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return null;
}

function orderRank(v: unknown): number {
  if (v === null || v === undefined) return 9;
  if (isMap(v)) return 0;
  if (v instanceof NodeVal) return 1;
  if (v instanceof RelVal) return 2;
  if (Array.isArray(v)) return 3;
  if (v instanceof PathVal) return 4;
  if (typeof v === 'string') return 5;
  if (typeof v === 'boolean') return 6;
  if (isNum(v)) return 7;
  if (v instanceof Date) return 8;
  return 8.5;
}

/** The total order of ORDER BY, min() and max(). */
export function orderCompare(a: unknown, b: unknown): number {
  const ra = orderRank(a), rb = orderRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 9) return 0;
  if (a instanceof NodeVal || a instanceof RelVal) return a.id - (b as NodeVal).id;
  if (a instanceof PathVal) return orderCompare(a.nodes.map((n) => n.id), (b as PathVal).nodes.map((n) => n.id));
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = orderCompare(a[i], bb[i]);
      if (c !== 0) return c;
    }
    return a.length - bb.length;
  }
  if (isMap(a)) return compareStrings(keyOf(a), keyOf(b));
  if (isNum(a)) {
    const an = typeof a === 'number' && Number.isNaN(a), bn = typeof b === 'number' && Number.isNaN(b as number);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1; // NaN sorts above every number
  }
  return compare(a, b) ?? 0;
}

/** A string that is equal for equal values (grouping keys, DISTINCT). */
export function keyOf(v: unknown): string {
  if (v === null || v === undefined) return '_';
  if (v instanceof NodeVal) return `N${v.id}`;
  if (v instanceof RelVal) return `R${v.id}`;
  if (v instanceof PathVal) return `P${v.nodes.map((n) => n.id).join(',')}|${v.rels.map((r) => r.id).join(',')}`;
  if (isNum(v)) return `n${typeof v === 'number' && Object.is(v, -0) ? 0 : String(v)}`;
  if (typeof v === 'string') return `s${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof Uint8Array) return `b${Array.from(v).join(',')}`;
  if (Array.isArray(v)) return `[${v.map(keyOf).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${keyOf(v[k])}`).join(',')}}`;
  return `?${String(v)}`;
}

/** Converts a query value to what the caller receives (entities become plain records). */
export function toOutput(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof NodeVal) return { id: v.id, labels: [...v.labels], properties: { ...v.properties } };
  if (v instanceof RelVal) return { id: v.id, from: v.from, to: v.to, type: v.type, properties: { ...v.properties } };
  if (v instanceof PathVal) return { nodes: v.nodes.map(toOutput), edges: v.rels.map(toOutput) };
  if (Array.isArray(v)) return v.map(toOutput);
  if (isMap(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = toOutput(v[k]);
    return o;
  }
  return v;
}
