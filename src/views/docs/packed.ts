/**
 * insertMany's fast path from the message bytes (View.packedMethods): the page encodes each
 * document with the value codec, and a valid document with `_id` is stored as exactly those
 * bytes (prepareDoc then encodeValue give them back), so decoding 100k documents into objects
 * only to encode them again was most of the worker's share of a bulk insert. Here the documents
 * are checked in place instead, and only `_id` and the top-level fields the indexes read are
 * decoded.
 *
 * The check (packed-walk.ts) is deliberately narrow: it accepts a document only when its bytes
 * are the canonical encoding of a valid document. Anything else, including every invalid input,
 * is DECLINED before anything is written, and the ordinary method decodes, stores or reports it
 * as always. A document whose `_id` is not its first field (the page appends a generated one)
 * has its `_id` field moved first, as prepareDoc does.
 */
import { decodeValueAt, fieldSelector } from '../../codec/value.js';
import { KeyBuilder } from '../../keys/encode.js';
import { DECLINED, type ViewContext } from '../view.js';
import { indexFields, readMeta } from './catalog.js';
import { indexKeys, scalarKey, type IndexKeys, type LiveIndex } from './indexes.js';
import type { InsertSource } from './insert-source.js';
import { NO, parse, type PackedInsert } from './packed-walk.js';
import type { Doc } from './util.js';
import { Writer } from './writer.js';
import { insertManyResult } from './write.js';

const NO_VALUES: unknown[][] = [];

/**
 * The documents of a packed insertMany (InsertSource): keys come straight from the message bytes
 * for the usual documents, whose `_id` and indexed fields are top-level scalars; any other
 * document, index or value (arrays: multikey; partial or unique indexes; dotted paths; Dates...)
 * is decoded and goes through indexKeys as on the ordinary path.
 */
class PackedSource implements InsertSource {
  private readonly p: PackedInsert;
  /** The collection's indexes; plans[x] is indexes[x]'s. */
  private readonly indexes: readonly LiveIndex[];
  /**
   * Per index: the selected-field column of each of its fields, with the builder and result its
   * keys are made in by indexKeys (reused: a key is a view, valid until the next call for that
   * index), or null (decode instead).
   */
  private readonly plans: Array<{ cols: number[]; kb: KeyBuilder; out: IndexKeys } | null>;

  constructor(p: PackedInsert, indexes: readonly LiveIndex[], fields: readonly string[]) {
    this.p = p;
    this.indexes = indexes;
    this.plans = indexes.map((ix) => {
      const simple = !ix.partial && !ix.def.unique && ix.fields.every((f) => f.parts.length === 1 && fields.includes(f.parts[0]!));
      const cols = ix.fields.map((f) => fields.indexOf(f.parts[0]!));
      return simple ? { cols, kb: new KeyBuilder(64), out: { keys: [], values: NO_VALUES, multikey: false } } : null;
    });
  }

  /** The plan of `ix` (a scan, not a Map: a collection has a few indexes, and this runs per document). */
  private planOf(ix: LiveIndex): { cols: number[]; kb: KeyBuilder; out: IndexKeys } | null {
    const xs = this.indexes;
    for (let x = 0; x < xs.length; x++) if (xs[x] === ix) return this.plans[x]!;
    return null;
  }

  /**
   * Appends document i's key in `ix` to `kb` by the plan's columns: 1 when a field of it is
   * present, 0 when none is, -1 (`kb` then partly written) when a value is not a top-level scalar.
   */
  private build(i: number, ix: LiveIndex, cols: readonly number[], kb: KeyBuilder): number {
    const p = this.p;
    let present = 0;
    for (let j = 0; j < cols.length; j++) {
      const s = p.fieldStart[cols[j]! * p.n + i]!;
      const dir = ix.fields[j]!.dir;
      if (s === 0) kb.add(null, dir); // missing: null, as indexKeys keys it
      else if (scalarKey(p.buf, s, kb, dir)) present = 1;
      else return -1;
    }
    return present;
  }

  get length(): number {
    return this.p.n;
  }

  buf(): Uint8Array {
    return this.p.buf;
  }

  start(i: number): number {
    return this.p.start[i]!;
  }

  end(i: number): number {
    return this.p.end[i]!;
  }

  idKey(i: number, kb: KeyBuilder): void {
    const p = this.p;
    if (!scalarKey(p.buf, p.idStart[i]!, kb, 1)) kb.add(decodeValueAt(p.buf, p.idStart[i]!, p.idEnd[i]!));
  }

  indexKeys(i: number, ix: LiveIndex): IndexKeys {
    const plan = this.planOf(ix);
    if (!plan) return indexKeys(ix, this.doc(i));
    const kb = plan.kb.reset();
    const present = this.build(i, ix, plan.cols, kb);
    if (present < 0) return indexKeys(ix, this.doc(i));
    const out = plan.out;
    out.keys.length = 0;
    // A view, not a copy: the writer copies each key into its record list before asking again.
    if (!ix.def.sparse || present) out.keys.push(kb.view());
    // `values` only serve unique indexes' errors, and those take the decoded path.
    return out;
  }

  oneKey(i: number, ix: LiveIndex, kb: KeyBuilder): boolean {
    const plan = this.planOf(ix);
    // A sparse index may give a document no key.
    if (!plan || ix.def.sparse) return false;
    const mark = kb.length;
    if (this.build(i, ix, plan.cols, kb) >= 0) return true;
    kb.length = mark;
    return false;
  }

  doc(i: number): Doc {
    return decodeValueAt(this.p.buf, this.p.start[i]!, this.p.end[i]!) as Doc;
  }

  idBytes(i: number): Uint8Array {
    return this.p.buf.subarray(this.p.idStart[i]!, this.p.idEnd[i]!);
  }
}

/**
 * The top-level fields the indexes of `coll` read, as the catalog has them (none for a new
 * collection): those the walk can match, short ASCII names (no other name is canonical, see
 * fieldName; an index on one takes the decoded path).
 */
function indexedFields(ctx: ViewContext, coll: string): string[] {
  const names = new Set<string>();
  for (const def of readMeta(ctx, coll)?.indexes ?? []) {
    for (const f of indexFields(def)) {
      const name = f.parts[0]!;
      if (f.parts.length === 1 && name.length < 0x80 && /^[\x00-\x7f]*$/.test(name)) names.add(name);
    }
  }
  return [...names];
}

/**
 * insertMany from the message bytes (see the file header): the same result, writes, events and
 * errors as the ordinary method, or DECLINED before anything is written.
 */
export function insertManyPacked(ctx: ViewContext, args: Uint8Array): unknown {
  let p: PackedInsert;
  let fields: string[] = [];
  try {
    // A name's encoding as an object key, the bytes the walk compares (codec fieldSelector).
    p = parse(args, (coll) => fieldSelector((fields = indexedFields(ctx, coll))).keys);
  } catch (e) {
    if (e === NO) return DECLINED;
    throw e;
  }
  const w = new Writer(ctx, p.coll, true);
  return insertManyResult(w, new PackedSource(p, w.indexes, fields), p.ordered);
}
