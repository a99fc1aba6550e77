/**
 * The graph view's key layout. Every key is: tag byte, the graph name as an order-preserving
 * string component (src/keys/encode.ts: escaped and terminated, so it is prefix-free and one
 * graph's keys never run into another's whose name extends it), then the tag's own parts.
 *
 *   G g 01                          -> catalog: id counters { node, edge }
 *   G g 02 kind label prop          -> an index definition { unique }
 *   N g node                        -> [labels, properties]   (value codec)
 *   E g edge                        -> [from, to, type, properties]
 *   O g src type dst edge           -> empty (outgoing adjacency)
 *   R g dst type src edge           -> empty (incoming adjacency)
 *   A g kind label id               -> empty (label index of nodes; kind 'e': type index of edges)
 *   P g kind label prop value id    -> empty (property index; unique ones are checked on write)
 *
 * Ids (node and edge) are positive integers below 2^53 handed out by per-graph counters, written
 * as 8 bytes big-endian: fixed width, so they sort numerically and can be read from the end of a
 * key without parsing what comes before. Labels, types, property names and values are key
 * components (self-delimiting), so `O g src type` is an exact prefix for "edges of this type out
 * of src" and `P g n label prop value` for "nodes with this value".
 *
 * `kind` is 'n' (0x6e) for node labels or 'e' (0x65) for edge types: edge types get the same
 * label index and property indexes as node labels, so findEdges({ type, where }) seeks too.
 */
import { decodeKeyComponent, KeyBuilder, prefixSuccessor } from '../../keys/encode.js';

/** Keyspace tags owned by the graph view. */
export const TAG = {
  catalog: 0x47, // 'G'
  node: 0x4e, // 'N'
  edge: 0x45, // 'E'
  out: 0x4f, // 'O'
  in: 0x52, // 'R'
  label: 0x41, // 'A'
  prop: 0x50, // 'P'
} as const;

/** Which kind of element an index covers. */
export type Kind = 'n' | 'e';
/** Kind byte written into A, P and index-definition keys. */
export const KIND_BYTE: Record<Kind, number> = { n: 0x6e, e: 0x65 };

/** Catalog sub-key of the id counters. */
export const CATALOG_META = 0x01;
/** Catalog sub-key of index definitions. */
export const CATALOG_INDEX = 0x02;

const TWO_32 = 4294967296;

/** Appends an id as 8 bytes big-endian. */
export function addId(b: KeyBuilder, id: number): KeyBuilder {
  b.ensure(8);
  const hi = Math.floor(id / TWO_32);
  const lo = id >>> 0;
  const buf = b.buf;
  let p = b.length;
  buf[p++] = hi >>> 24;
  buf[p++] = (hi >>> 16) & 0xff;
  buf[p++] = (hi >>> 8) & 0xff;
  buf[p++] = hi & 0xff;
  buf[p++] = lo >>> 24;
  buf[p++] = (lo >>> 16) & 0xff;
  buf[p++] = (lo >>> 8) & 0xff;
  buf[p++] = lo & 0xff;
  b.length = p;
  return b;
}

/** Reads an 8-byte id at `at`. */
export function readId(k: Uint8Array, at: number): number {
  const hi = ((k[at] << 24) | (k[at + 1] << 16) | (k[at + 2] << 8) | k[at + 3]) >>> 0;
  const lo = ((k[at + 4] << 24) | (k[at + 5] << 16) | (k[at + 6] << 8) | k[at + 7]) >>> 0;
  return hi * TWO_32 + lo;
}

/** Reads a string key component (label, type, property name) at `at`; returns it and the end. */
export function readName(k: Uint8Array, at: number): { value: string; offset: number } {
  const r = decodeKeyComponent(k, at);
  return { value: r.value as string, offset: r.offset };
}

/**
 * Key factory for one graph: holds the encoded graph prefix so each key is a couple of appends.
 * Methods return fresh copies (the keyspace keeps references in undo logs).
 */
export class GraphKeys {
  /** The graph's name. */
  readonly name: string;
  /** The encoded name component. */
  private readonly g: Uint8Array;
  private readonly b = new KeyBuilder(128);

  private static readonly byName = new Map<string, GraphKeys>();

  /**
   * The key factory of graph `name`, made once and reused by every call: making one allocates
   * two buffers, which adds up (and feeds the GC) at a million calls. Sharing is safe because each
   * method builds and copies its key before it returns.
   */
  static of(name: string): GraphKeys {
    let k = GraphKeys.byName.get(name);
    if (!k) {
      if (GraphKeys.byName.size >= 1024) GraphKeys.byName.clear();
      GraphKeys.byName.set(name, (k = new GraphKeys(name)));
    }
    return k;
  }

  /** Keys of the graph `name`. */
  constructor(name: string) {
    this.name = name;
    this.g = new KeyBuilder(name.length + 8).add(name).finish();
  }

  /** Starts a key: tag + graph. */
  private start(tag: number): KeyBuilder {
    return this.b.reset().byte(tag).bytes(this.g);
  }

  /** Length of `tag + graph`, where the per-tag parts start. */
  get headLength(): number {
    return 1 + this.g.length;
  }

  /** The prefix of every key of `tag` in this graph. */
  prefix(tag: number): Uint8Array {
    return this.start(tag).finish();
  }

  /** The catalog key holding the id counters. */
  meta(): Uint8Array {
    return this.start(TAG.catalog).byte(CATALOG_META).finish();
  }

  /** The catalog key of an index definition (or, without prop, the prefix of a label's). */
  indexDef(kind?: Kind, label?: string, prop?: string): Uint8Array {
    const b = this.start(TAG.catalog).byte(CATALOG_INDEX);
    if (kind !== undefined) b.byte(KIND_BYTE[kind]);
    if (label !== undefined) b.add(label);
    if (prop !== undefined) b.add(prop);
    return b.finish();
  }

  /** N g id */
  node(id: number): Uint8Array {
    return addId(this.start(TAG.node), id).finish();
  }

  /** E g id */
  edge(id: number): Uint8Array {
    return addId(this.start(TAG.edge), id).finish();
  }

  /** O g src type dst edge, or R g dst type src edge: `a` is the end whose adjacency this is. */
  adj(tag: number, a: number, type: string, b: number, edge: number): Uint8Array {
    const k = addId(this.start(tag), a).add(type);
    addId(k, b);
    return addId(k, edge).finish();
  }

  /** Prefix of a node's adjacency in one direction, optionally of one type. */
  adjPrefix(tag: number, a: number, type?: string): Uint8Array {
    const k = addId(this.start(tag), a);
    if (type !== undefined) k.add(type);
    return k.finish();
  }

  /** A g kind label id */
  label(kind: Kind, label: string, id: number): Uint8Array {
    return addId(this.start(TAG.label).byte(KIND_BYTE[kind]).add(label), id).finish();
  }

  /** Prefix of every element with `label` (or of every labelled element of `kind`). */
  labelPrefix(kind: Kind, label?: string): Uint8Array {
    const b = this.start(TAG.label).byte(KIND_BYTE[kind]);
    if (label !== undefined) b.add(label);
    return b.finish();
  }

  /** P g kind label prop value id */
  prop(kind: Kind, label: string, prop: string, value: unknown, id: number): Uint8Array {
    return addId(this.start(TAG.prop).byte(KIND_BYTE[kind]).add(label).add(prop).add(value), id).finish();
  }

  /** Prefix of a property index, optionally narrowed to one value. */
  propPrefix(kind: Kind, label: string, prop: string, ...value: [unknown?]): Uint8Array {
    const b = this.start(TAG.prop).byte(KIND_BYTE[kind]).add(label).add(prop);
    if (value.length) b.add(value[0]);
    return b.finish();
  }
}

/** Range bounds covering every key that starts with `prefix`. */
export function prefixRange(prefix: Uint8Array): { gte: Uint8Array; lt?: Uint8Array } {
  const hi = prefixSuccessor(prefix);
  return hi ? { gte: prefix, lt: hi } : { gte: prefix };
}
