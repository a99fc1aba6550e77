/**
 * The graph catalog ('G'): per graph, the id counters and the index definitions.
 *
 * Counters are read once per call and written back once (flush) when they moved, so a bulk import
 * of 10,000 nodes writes the counter key once, not 10,000 times. Ids are never reused: a counter
 * only goes up, even when the newest node is removed, so a stale id can never name a new node.
 */
import { decodeValue, encodeValue } from '../../codec/value.js';
import { decodeKeyComponent } from '../../keys/encode.js';
import type { Keyspace } from '../../keyspace/keyspace.js';
import type { WriteBatch } from '../../keyspace/write-batch.js';
import { CATALOG_META, GraphKeys, KIND_BYTE, TAG, prefixRange, readName, type Kind } from './keys.js';

/** An index definition. */
export interface IndexDef {
  /** 'n' for node labels, 'e' for edge types. */
  kind: Kind;
  /** The node label (or edge type) the index covers. */
  label: string;
  /** The indexed property. */
  property: string;
  /** Whether two elements may share a value. */
  unique: boolean;
}

interface Meta {
  node: number;
  edge: number;
}

/** Counters and index definitions of one graph, as one call sees them. */
export class Catalog {
  private meta: Meta | undefined;
  private dirty = false;
  private defs: IndexDef[] | undefined;

  constructor(
    private readonly ks: Keyspace,
    private readonly batch: WriteBatch,
    private readonly keys: GraphKeys,
  ) {}

  private load(): Meta {
    if (!this.meta) {
      const v = this.ks.get(this.keys.meta());
      this.meta = v ? (decodeValue(v) as Meta) : { node: 0, edge: 0 };
    }
    return this.meta;
  }

  /** True once anything was ever written to this graph. */
  exists(): boolean {
    return this.ks.has(this.keys.meta());
  }

  /** Hands out the next id of `which`. */
  nextId(which: 'node' | 'edge'): number {
    const m = this.load();
    this.dirty = true;
    return ++m[which];
  }

  /** Writes the counters back if they moved (or the graph is new). Call at the end of a write. */
  flush(): void {
    if (this.dirty || (this.meta && !this.exists())) {
      this.batch.put(this.keys.meta(), encodeValue(this.load()));
      this.dirty = false;
    }
  }

  /** Makes sure the graph is recorded in the catalog (so it is listed even before ids are used). */
  touch(): void {
    this.load();
    this.dirty = true;
  }

  /** Every index definition of the graph. */
  indexes(): IndexDef[] {
    if (!this.defs) {
      this.defs = [];
      const prefix = this.keys.indexDef();
      for (const [k, v] of this.ks.range(prefixRange(prefix))) {
        const kind: Kind = k[prefix.length] === KIND_BYTE.n ? 'n' : 'e';
        const l = readName(k, prefix.length + 1);
        const p = readName(k, l.offset);
        this.defs.push({ kind, label: l.value, property: p.value, unique: !!(decodeValue(v) as { unique?: boolean }).unique });
      }
    }
    return this.defs;
  }

  /** Index definitions that cover elements with one of `labels`. */
  indexesFor(kind: Kind, labels: readonly string[]): IndexDef[] {
    const all = this.indexes();
    if (all.length === 0) return all;
    return all.filter((d) => d.kind === kind && labels.includes(d.label));
  }

  /** The index on (label, property), if any. */
  find(kind: Kind, label: string, property: string): IndexDef | undefined {
    return this.indexes().find((d) => d.kind === kind && d.label === label && d.property === property);
  }

  /** Records an index definition. */
  addIndex(def: IndexDef): void {
    this.touch();
    this.batch.put(this.keys.indexDef(def.kind, def.label, def.property), encodeValue({ unique: def.unique }));
    this.indexes().push(def);
  }

  /** Forgets an index definition. */
  dropIndex(def: IndexDef): void {
    this.batch.del(this.keys.indexDef(def.kind, def.label, def.property));
    this.defs = this.indexes().filter((d) => d !== def);
  }
}

/** Names of every graph in the keyspace (those with a catalog entry), in order. */
export function listGraphs(ks: Keyspace): string[] {
  const out: string[] = [];
  for (const [k] of ks.range({ ...prefixRange(Uint8Array.of(TAG.catalog)), keysOnly: true })) {
    const r = decodeKeyComponent(k, 1);
    if (k[r.offset] === CATALOG_META && r.offset + 1 === k.length) out.push(r.value as string);
  }
  return out;
}
