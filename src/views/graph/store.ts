/**
 * GraphStore: one graph's nodes and edges as one call sees them, with every secondary structure
 * kept in step: adjacency both ways (O/R), label and type index (A), property indexes (P).
 *
 * Invariants (checked by test/graph-store.test.ts by scanning the keyspace):
 * - every E record has one O and one R entry and both of its ends exist as N records;
 * - every label of a node (type of an edge) has one A entry; every indexed property one P entry;
 * - no O/R/A/P entry exists for an id without a record.
 * Every write goes through the call's WriteBatch, so a throw anywhere undoes all of it. Checks
 * that can fail (unique indexes, unstorable values, missing ends) run before the record is put.
 */
import { decodeValue, encodeValue } from '../../codec/value.js';
import { LarderError } from '../../errors.js';
import type { Keyspace } from '../../keyspace/keyspace.js';
import type { WriteBatch } from '../../keyspace/write-batch.js';
import type { ViewContext } from '../view.js';
import { cacheFor, type AdjList, type GraphCache } from './cache.js';
import { Catalog, type IndexDef } from './catalog.js';
import { decodeKeyComponent } from '../../keys/encode.js';
import { GraphKeys, TAG, prefixRange, readId, type Kind } from './keys.js';
import type { Direction, Props } from './validate.js';

/** A node as the API returns it. */
export interface NodeRec {
  id: number;
  labels: string[];
  properties: Props;
}

/** An edge (relationship) as the API returns it. */
export interface EdgeRec {
  id: number;
  from: number;
  to: number;
  type: string;
  properties: Props;
}

/** One step along the adjacency: the edge, the node at its other end, its type and direction. */
export interface Step {
  edge: number;
  other: number;
  /** True when the edge points away from the node expanded. */
  out: boolean;
}

/** One graph of the keyspace, bound to a call. */
export class GraphStore {
  readonly keys: GraphKeys;
  readonly catalog: Catalog;
  readonly ks: Keyspace;
  readonly batch: WriteBatch;
  private readonly cache: GraphCache<NodeRec, EdgeRec>;

  constructor(ctx: ViewContext, name: string) {
    this.ks = ctx.ks;
    this.batch = ctx.batch;
    this.keys = GraphKeys.of(name);
    this.catalog = new Catalog(ctx.ks, ctx.batch, this.keys);
    this.cache = cacheFor<NodeRec, EdgeRec>(ctx.ks, name);
  }

  // -- reads ------------------------------------------------------------------------------------

  /** The node `id`, or undefined (a shared, frozen record: build a new one to change it). */
  node(id: number): NodeRec | undefined {
    return this.cache.nodes.get(id, () => this.readNode(id)) ?? undefined;
  }

  private readNode(id: number): NodeRec | null {
    const v = this.ks.get(this.keys.node(id));
    if (!v) return null;
    const [labels, properties] = decodeValue(v) as [string[], Props];
    return Object.freeze({ id, labels: Object.freeze(labels), properties: Object.freeze(properties) }) as NodeRec;
  }

  /** True when node `id` exists. */
  hasNode(id: number): boolean {
    return this.ks.has(this.keys.node(id));
  }

  /** The edge `id`, or undefined (a shared, frozen record: build a new one to change it). */
  edge(id: number): EdgeRec | undefined {
    return this.cache.edges.get(id, () => this.readEdge(id)) ?? undefined;
  }

  private readEdge(id: number): EdgeRec | null {
    const v = this.ks.get(this.keys.edge(id));
    if (!v) return null;
    const [from, to, type, properties] = decodeValue(v) as [number, number, string, Props];
    return Object.freeze({ id, from, to, type, properties: Object.freeze(properties) }) as EdgeRec;
  }

  /** The node `id`, or NOT_FOUND. */
  mustNode(id: number): NodeRec {
    const n = this.node(id);
    if (!n) throw new LarderError('NOT_FOUND', `node ${id} does not exist in graph "${this.keys.name}"`, { id });
    return n;
  }

  /** The edge `id`, or NOT_FOUND. */
  mustEdge(id: number): EdgeRec {
    const e = this.edge(id);
    if (!e) throw new LarderError('NOT_FOUND', `edge ${id} does not exist in graph "${this.keys.name}"`, { id });
    return e;
  }

  /** Every node id in id order. */
  *nodeIds(): IterableIterator<number> {
    const at = this.keys.headLength;
    for (const [k] of this.ks.range({ ...prefixRange(this.keys.prefix(TAG.node)), keysOnly: true })) yield readId(k, at);
  }

  /** Every node in id order. */
  *nodes(): IterableIterator<NodeRec> {
    const at = this.keys.headLength;
    for (const [k, v] of this.ks.range(prefixRange(this.keys.prefix(TAG.node)))) {
      const [labels, properties] = decodeValue(v) as [string[], Props];
      yield { id: readId(k, at), labels, properties };
    }
  }

  /** Every edge in id order (optionally only ids after `after`). */
  *edges(after = 0): IterableIterator<EdgeRec> {
    const at = this.keys.headLength;
    const range = prefixRange(this.keys.prefix(TAG.edge));
    for (const [k, v] of this.ks.range(after > 0 ? { gt: this.keys.edge(after), lt: range.lt } : range)) {
      const [from, to, type, properties] = decodeValue(v) as [number, number, string, Props];
      yield { id: readId(k, at), from, to, type, properties };
    }
  }

  /** Ids of nodes with `label` (kind 'n') or edges of type `label` (kind 'e'), in id order. */
  *idsByLabel(kind: Kind, label: string): IterableIterator<number> {
    const p = this.keys.labelPrefix(kind, label);
    for (const [k] of this.ks.range({ ...prefixRange(p), keysOnly: true })) yield readId(k, p.length);
  }

  /** Ids from a property index whose key lies in [lo, hi) (bounds are full P prefixes). */
  *idsByIndexRange(lo: Uint8Array, hi: Uint8Array | undefined, loInclusive = true): IterableIterator<number> {
    const r = loInclusive ? { gte: lo, lt: hi } : { gt: lo, lt: hi };
    for (const [k] of this.ks.range({ ...r, keysOnly: true })) yield readId(k, k.length - 8);
  }

  /**
   * The adjacency of `id`: each incident edge once, with the node at its other end. A self-loop
   * appears once with direction 'both' (as its outgoing side). Types, when given, are each one
   * prefix seek; without them the node's whole adjacency is one seek.
   */
  *steps(id: number, dir: Direction, types?: readonly string[]): IterableIterator<Step> {
    if (dir !== 'in') yield* this.side(TAG.out, id, types, false);
    if (dir !== 'out') yield* this.side(TAG.in, id, types, dir === 'both');
  }

  /**
   * The adjacency of `id` as parallel arrays (edge ids, other ends), the same steps in the same
   * order as `steps` — for hot loops (paths, traversals): one direction without a type filter
   * is the cached list itself, so callers must not change what they get.
   */
  adjacent(id: number, dir: Direction, types?: readonly string[]): { edges: readonly number[]; others: readonly number[] } {
    if (!types && dir !== 'both') return this.cache.adjacency(dir === 'out' ? TAG.out : TAG.in, id, () => this.readSide(dir === 'out' ? TAG.out : TAG.in, id));
    const edges: number[] = [];
    const others: number[] = [];
    for (const s of this.steps(id, dir, types)) {
      edges.push(s.edge);
      others.push(s.other);
    }
    return { edges, others };
  }

  private *side(tag: number, id: number, types: readonly string[] | undefined, skipLoops: boolean): IterableIterator<Step> {
    const out = tag === TAG.out;
    const list = this.cache.adjacency(tag, id, () => this.readSide(tag, id));
    const { edges, others } = list;
    for (let i = 0; i < edges.length; i++) {
      if (types && !types.includes(list.types[i])) continue;
      if (skipLoops && others[i] === id) continue;
      yield { edge: edges[i], other: others[i], out };
    }
  }

  /** A node's whole adjacency on one side, from the keyspace (one prefix seek). */
  private readSide(tag: number, id: number): AdjList {
    const list: AdjList = { edges: [], others: [], types: [] };
    const typeAt = this.keys.headLength + 8;
    for (const [k] of this.ks.range({ ...prefixRange(this.keys.adjPrefix(tag, id)), keysOnly: true })) {
      list.others.push(readId(k, k.length - 16));
      list.edges.push(readId(k, k.length - 8));
      list.types.push(decodeKeyComponent(k, typeAt).value as string);
    }
    return list;
  }

  /** Number of incident edges. */
  degree(id: number, dir: Direction, types?: readonly string[]): number {
    let n = 0;
    for (const _ of this.steps(id, dir, types)) n++;
    return n;
  }

  // -- writes -----------------------------------------------------------------------------------

  /** Creates a node with a fresh id (or `id`, which must be unused). Arguments are validated. */
  createNode(labels: string[], properties: Props, id?: number): NodeRec {
    if (id === undefined) id = this.catalog.nextId('node');
    else if (this.hasNode(id)) throw new LarderError('DUPLICATE_KEY', `node ${id} already exists`);
    const rec: NodeRec = { id, labels, properties };
    const sync = this.cache.sync();
    this.indexElement('n', id, [], {}, labels, properties);
    this.batch.put(this.keys.node(id), encodeValue([labels, properties]));
    this.cache.nodeWritten(sync, id, true, frozen(rec));
    return rec;
  }

  /** Replaces a node's labels and properties, keeping every index in step. */
  writeNode(old: NodeRec, labels: string[], properties: Props): NodeRec {
    const sync = this.cache.sync();
    this.indexElement('n', old.id, old.labels, old.properties, labels, properties);
    this.batch.put(this.keys.node(old.id), encodeValue([labels, properties]));
    const rec = { id: old.id, labels, properties };
    this.cache.nodeWritten(sync, old.id, false, frozen(rec));
    return rec;
  }

  /** Removes a node; with `detach` its edges first, otherwise it must have none. */
  deleteNode(n: NodeRec, detach: boolean): number {
    let removed = 0;
    const incident = [...this.steps(n.id, 'both')];
    if (incident.length > 0 && !detach) {
      throw new LarderError('BAD_VALUE', `node ${n.id} still has ${incident.length} edge(s); remove them first or pass { detach: true } (DETACH DELETE)`, { id: n.id });
    }
    for (const s of incident) {
      const e = this.edge(s.edge);
      if (e) { this.deleteEdge(e); removed++; }
    }
    const sync = this.cache.sync();
    this.indexElement('n', n.id, n.labels, n.properties, [], {});
    this.batch.del(this.keys.node(n.id));
    this.cache.nodeWritten(sync, n.id, false);
    return removed;
  }

  /** Creates an edge between two existing nodes. */
  createEdge(from: number, to: number, type: string, properties: Props): EdgeRec {
    if (!this.hasNode(from)) throw new LarderError('NOT_FOUND', `cannot add a ${type} edge from node ${from}: it does not exist`, { id: from });
    if (!this.hasNode(to)) throw new LarderError('NOT_FOUND', `cannot add a ${type} edge to node ${to}: it does not exist`, { id: to });
    const id = this.catalog.nextId('edge');
    const sync = this.cache.sync();
    this.indexElement('e', id, [], {}, [type], properties);
    this.batch.put(this.keys.edge(id), encodeValue([from, to, type, properties]));
    this.batch.put(this.keys.adj(TAG.out, from, type, to, id), EMPTY);
    this.batch.put(this.keys.adj(TAG.in, to, type, from, id), EMPTY);
    this.cache.edgeAdded(sync, id, from, to, type);
    const rec = { id, from, to, type, properties };
    this.cache.edges.written(sync.edge, id, frozenEdge(rec));
    return rec;
  }

  /** Replaces an edge's properties. */
  writeEdge(old: EdgeRec, properties: Props): EdgeRec {
    const sync = this.cache.sync();
    this.indexElement('e', old.id, [old.type], old.properties, [old.type], properties);
    this.batch.put(this.keys.edge(old.id), encodeValue([old.from, old.to, old.type, properties]));
    const rec = { ...old, properties };
    this.cache.edges.written(sync.edge, old.id, frozenEdge(rec));
    return rec;
  }

  /** Removes an edge and its adjacency and index entries. */
  deleteEdge(e: EdgeRec): void {
    const sync = this.cache.sync();
    this.indexElement('e', e.id, [e.type], e.properties, [], {});
    this.batch.del(this.keys.adj(TAG.out, e.from, e.type, e.to, e.id));
    this.batch.del(this.keys.adj(TAG.in, e.to, e.type, e.from, e.id));
    this.batch.del(this.keys.edge(e.id));
    this.cache.edgeRemoved(sync, e.id, e.from, e.to);
    this.cache.edges.written(sync.edge, e.id, undefined);
  }

  /**
   * Moves an element's A and P entries from (oldLabels, oldProps) to (newLabels, newProps).
   * Unique indexes are checked before anything of this element is written.
   */
  private indexElement(kind: Kind, id: number, oldLabels: readonly string[], oldProps: Props, newLabels: readonly string[], newProps: Props): void {
    const defs = this.catalog.indexes().length ? this.catalog.indexes().filter((d) => d.kind === kind) : [];
    const adds: Uint8Array[] = [];
    const dels: Uint8Array[] = [];
    for (const d of defs) {
      const had = oldLabels.includes(d.label) && has(oldProps, d.property);
      const will = newLabels.includes(d.label) && has(newProps, d.property);
      const same = had && will && sameValue(oldProps[d.property], newProps[d.property]);
      if (same) continue;
      if (had) dels.push(this.keys.prop(kind, d.label, d.property, oldProps[d.property], id));
      if (will) {
        if (d.unique) this.checkUnique(d, newProps[d.property], id);
        adds.push(this.keys.prop(kind, d.label, d.property, newProps[d.property], id));
      }
    }
    for (const l of oldLabels) if (!newLabels.includes(l)) dels.push(this.keys.label(kind, l, id));
    for (const l of newLabels) if (!oldLabels.includes(l)) adds.push(this.keys.label(kind, l, id));
    for (const k of dels) this.batch.del(k);
    for (const k of adds) this.batch.put(k, EMPTY);
  }

  /** Throws DUPLICATE_KEY when another element already holds `value` in a unique index. */
  checkUnique(d: IndexDef, value: unknown, id: number): void {
    const p = this.keys.propPrefix(d.kind, d.label, d.property, value);
    for (const [k] of this.ks.range({ ...prefixRange(p), keysOnly: true, limit: 2 })) {
      const other = readId(k, k.length - 8);
      if (other !== id) {
        throw new LarderError('DUPLICATE_KEY', `${d.kind === 'n' ? 'node' : 'edge'} ${other} already has ${d.label}.${d.property} = ${JSON.stringify(value) ?? String(value)} (unique index)`, { id: other, label: d.label, property: d.property });
      }
    }
  }

  /** Writes the P entries of an index over existing elements (checking uniqueness). */
  buildIndex(d: IndexDef): number {
    let n = 0;
    for (const id of [...this.idsByLabel(d.kind, d.label)]) {
      const props = d.kind === 'n' ? this.node(id)?.properties : this.edge(id)?.properties;
      if (!props || !has(props, d.property)) continue;
      if (d.unique) this.checkUnique(d, props[d.property], id);
      this.batch.put(this.keys.prop(d.kind, d.label, d.property, props[d.property], id), EMPTY);
      n++;
    }
    return n;
  }

  /** Removes every P entry of an index. */
  clearIndex(d: IndexDef): void {
    const p = this.keys.propPrefix(d.kind, d.label, d.property);
    for (const [k] of [...this.ks.range({ ...prefixRange(p), keysOnly: true })]) this.batch.del(k);
  }
}

const EMPTY = new Uint8Array(0);

function has(p: Props, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(p, k) && p[k] !== undefined && p[k] !== null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = encodeValue(a);
  const y = encodeValue(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A frozen shallow copy of a record the caller keeps, for the cache to share. */
function frozen(rec: NodeRec): NodeRec {
  return Object.freeze({ id: rec.id, labels: Object.freeze([...rec.labels]), properties: Object.freeze({ ...rec.properties }) }) as NodeRec;
}

/** A frozen shallow copy of an edge record the caller keeps, for the cache to share. */
function frozenEdge(rec: EdgeRec): EdgeRec {
  return Object.freeze({ ...rec, properties: Object.freeze({ ...rec.properties }) }) as EdgeRec;
}
