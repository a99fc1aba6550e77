/**
 * Cypher's scalar functions (aggregates live in project.ts). Each takes evaluated arguments;
 * null in gives null out unless the function says otherwise (coalesce, exists). A wrong argument
 * type is a BAD_QUERY naming the function.
 */
import { LarderError } from '../../../errors.js';
import { NodeVal, PathVal, RelVal, isMap, isNum, typeName } from './values.js';

type Fn = (args: unknown[], node: (id: number) => NodeVal | undefined) => unknown;

function bad(name: string, v: unknown, want: string): never {
  throw new LarderError('BAD_QUERY', `${name}() expects ${want}, got ${typeName(v)}`);
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string') bad(name, v, 'a string');
  return v;
}

function num(name: string, v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') bad(name, v, 'a number');
  return v;
}

function int(name: string, v: unknown): number {
  const n = num(name, v);
  if (!Number.isInteger(n)) bad(name, v, 'an integer');
  return n;
}

/** Wraps a function so that any null argument gives null. */
function nullIn(f: Fn): Fn {
  return (args, node) => (args.some((a) => a === null || a === undefined) ? null : f(args, node));
}

const FUNCTIONS: Record<string, { arity: [number, number]; fn: Fn }> = {
  id: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof NodeVal || v instanceof RelVal ? v.id : bad('id', v, 'a node or relationship'))) },
  elementid: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof NodeVal || v instanceof RelVal ? String(v.id) : bad('elementId', v, 'a node or relationship'))) },
  labels: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof NodeVal ? [...v.labels] : bad('labels', v, 'a node'))) },
  type: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof RelVal ? v.type : bad('type', v, 'a relationship'))) },
  properties: {
    arity: [1, 1],
    fn: nullIn(([v]) => (v instanceof NodeVal || v instanceof RelVal ? { ...v.properties } : isMap(v) ? { ...v } : bad('properties', v, 'a node, relationship or map'))),
  },
  keys: {
    arity: [1, 1],
    fn: nullIn(([v]) => (v instanceof NodeVal || v instanceof RelVal ? Object.keys(v.properties) : isMap(v) ? Object.keys(v) : bad('keys', v, 'a node, relationship or map'))),
  },
  startnode: { arity: [1, 1], fn: nullIn(([v], node) => (v instanceof RelVal ? node(v.from) ?? null : bad('startNode', v, 'a relationship'))) },
  endnode: { arity: [1, 1], fn: nullIn(([v], node) => (v instanceof RelVal ? node(v.to) ?? null : bad('endNode', v, 'a relationship'))) },
  nodes: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof PathVal ? [...v.nodes] : bad('nodes', v, 'a path'))) },
  relationships: { arity: [1, 1], fn: nullIn(([v]) => (v instanceof PathVal ? [...v.rels] : bad('relationships', v, 'a path'))) },
  length: {
    arity: [1, 1],
    fn: nullIn(([v]) => (v instanceof PathVal ? v.rels.length : typeof v === 'string' || Array.isArray(v) ? v.length : bad('length', v, 'a path'))),
  },
  size: { arity: [1, 1], fn: nullIn(([v]) => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : bad('size', v, 'a list or a string'))) },
  coalesce: { arity: [1, Infinity], fn: (args) => args.find((a) => a !== null && a !== undefined) ?? null },
  head: { arity: [1, 1], fn: nullIn(([v]) => (Array.isArray(v) ? v[0] ?? null : bad('head', v, 'a list'))) },
  last: { arity: [1, 1], fn: nullIn(([v]) => (Array.isArray(v) ? v[v.length - 1] ?? null : bad('last', v, 'a list'))) },
  tail: { arity: [1, 1], fn: nullIn(([v]) => (Array.isArray(v) ? v.slice(1) : bad('tail', v, 'a list'))) },
  reverse: { arity: [1, 1], fn: nullIn(([v]) => (Array.isArray(v) ? [...v].reverse() : typeof v === 'string' ? [...v].reverse().join('') : bad('reverse', v, 'a list or a string'))) },
  range: {
    arity: [2, 3],
    fn: nullIn(([a, b, s]) => {
      const lo = int('range', a), hi = int('range', b), step = s === undefined ? 1 : int('range', s);
      if (step === 0) throw new LarderError('BAD_QUERY', 'range() step must not be 0');
      const out: number[] = [];
      for (let i = lo; step > 0 ? i <= hi : i >= hi; i += step) {
        out.push(i);
        if (out.length > 1e6) throw new LarderError('BAD_QUERY', 'range() is limited to 1,000,000 elements');
      }
      return out;
    }),
  },
  toupper: { arity: [1, 1], fn: nullIn(([v]) => str('toUpper', v).toUpperCase()) },
  tolower: { arity: [1, 1], fn: nullIn(([v]) => str('toLower', v).toLowerCase()) },
  upper: { arity: [1, 1], fn: nullIn(([v]) => str('upper', v).toUpperCase()) },
  lower: { arity: [1, 1], fn: nullIn(([v]) => str('lower', v).toLowerCase()) },
  trim: { arity: [1, 1], fn: nullIn(([v]) => str('trim', v).trim()) },
  ltrim: { arity: [1, 1], fn: nullIn(([v]) => str('ltrim', v).trimStart()) },
  rtrim: { arity: [1, 1], fn: nullIn(([v]) => str('rtrim', v).trimEnd()) },
  replace: { arity: [3, 3], fn: nullIn(([s, a, b]) => str('replace', s).split(str('replace', a)).join(str('replace', b))) },
  split: { arity: [2, 2], fn: nullIn(([s, d]) => str('split', s).split(str('split', d))) },
  substring: {
    arity: [2, 3],
    fn: nullIn(([s, a, n]) => {
      const t = str('substring', s), from = int('substring', a);
      return n === undefined ? t.slice(from) : t.slice(from, from + int('substring', n));
    }),
  },
  left: { arity: [2, 2], fn: nullIn(([s, n]) => str('left', s).slice(0, int('left', n))) },
  right: { arity: [2, 2], fn: nullIn(([s, n]) => { const t = str('right', s); const k = int('right', n); return k === 0 ? '' : t.slice(-k); }) },
  tostring: {
    arity: [1, 1],
    fn: nullIn(([v]) => {
      if (typeof v === 'string') return v;
      if (isNum(v) || typeof v === 'boolean') return String(v);
      if (v instanceof Date) return v.toISOString();
      return bad('toString', v, 'a number, boolean or string');
    }),
  },
  tointeger: {
    arity: [1, 1],
    fn: nullIn(([v]) => {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') { const n = Number(v.trim()); return v.trim() !== '' && Number.isFinite(n) ? Math.trunc(n) : null; }
      return bad('toInteger', v, 'a number, boolean or string');
    }),
  },
  tofloat: {
    arity: [1, 1],
    fn: nullIn(([v]) => {
      if (isNum(v)) return Number(v);
      if (typeof v === 'string') { const n = Number(v.trim()); return v.trim() !== '' && !Number.isNaN(n) ? n : null; }
      return bad('toFloat', v, 'a number or string');
    }),
  },
  toboolean: {
    arity: [1, 1],
    fn: nullIn(([v]) => {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') { const t = v.trim().toLowerCase(); return t === 'true' ? true : t === 'false' ? false : null; }
      return bad('toBoolean', v, 'a boolean or string');
    }),
  },
  abs: { arity: [1, 1], fn: nullIn(([v]) => (typeof v === 'bigint' ? (v < 0n ? -v : v) : Math.abs(num('abs', v)))) },
  ceil: { arity: [1, 1], fn: nullIn(([v]) => Math.ceil(num('ceil', v))) },
  floor: { arity: [1, 1], fn: nullIn(([v]) => Math.floor(num('floor', v))) },
  round: { arity: [1, 2], fn: nullIn(([v, d]) => { const p = 10 ** (d === undefined ? 0 : int('round', d)); return Math.round(num('round', v) * p) / p; }) },
  sqrt: { arity: [1, 1], fn: nullIn(([v]) => Math.sqrt(num('sqrt', v))) },
  sign: { arity: [1, 1], fn: nullIn(([v]) => Math.sign(num('sign', v))) },
  exists: { arity: [1, 1], fn: ([v]) => v !== null && v !== undefined },
};

/** Names of every scalar function (lower case). */
export const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set(Object.keys(FUNCTIONS));

/** Checks the argument count of `name`; undefined when the function is unknown. */
export function arityOf(name: string): [number, number] | undefined {
  return FUNCTIONS[name]?.arity;
}

/** Calls scalar function `name` (already known to exist, arity checked) on evaluated arguments. */
export function callFunction(name: string, args: unknown[], node: (id: number) => NodeVal | undefined): unknown {
  return FUNCTIONS[name].fn(args, node);
}
