/**
 * Writer: every change to a collection's documents goes through one, so the 'D' entry, every
 * index entry and the change event stay in step. Checks (validity, size, _id, unique keys) all
 * run before the first write of each document, so a refused document leaves nothing behind even
 * inside a larger call; the engine's undo covers anything else.
 *
 * Change events (`ctx.emit('docs', ...)`) carry the collection, the operation, the encoded _id
 * and the stored bytes before/after: the page decodes them only if someone watches.
 */
import { encodeValue } from '../../codec/value.js';
import { LarderError } from '../../errors.js';
import { KeyBuilder, compareBytes } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { ensureMeta, readMeta, writeMeta, type CollectionMeta } from './catalog.js';
import { checkUnique, delEntries, duplicate, indexKeys, latin1, liveIndex, putEntries, type LiveIndex } from './indexes.js';
import { docPrefix } from './keys.js';
import type { Found } from './scan.js';
import { valuesEqual, type Doc } from './util.js';
import { checkSize, prepareDoc } from './validate.js';

/** The payload of a 'docs' change event. */
export interface DocEvent {
  /** Collection. */
  c: string;
  /** Operation. */
  o: 'insert' | 'update' | 'replace' | 'delete' | 'drop';
  /** _id, value-codec encoded. */
  k?: Uint8Array;
  /** Document after (insert, update, replace). */
  d?: Uint8Array;
  /** Document before (update, replace, delete). */
  b?: Uint8Array;
}

/** Validates and encodes a document for insert (so a batch can check everything before writing). */
export function prepareInsert(raw: unknown): { doc: Doc; bytes: Uint8Array } {
  const doc = prepareDoc(raw);
  const bytes = encodeValue(doc);
  checkSize(bytes);
  return { doc, bytes };
}

/** Writes documents of one collection within one call. */
export class Writer {
  readonly ctx: ViewContext;
  readonly coll: string;
  readonly prefix: Uint8Array;
  meta: CollectionMeta | undefined;
  indexes: LiveIndex[];
  /** The document the last insert() stored (with its _id), for upserts that return it. */
  lastInserted: Doc | null = null;
  private dirty = false;
  private readonly kb = new KeyBuilder(64);

  /** A writer for `coll`; the collection is created (catalog entry) when `create` is set. */
  constructor(ctx: ViewContext, coll: string, create: boolean) {
    this.ctx = ctx;
    this.coll = coll;
    this.meta = create ? ensureMeta(ctx, coll) : readMeta(ctx, coll);
    this.prefix = docPrefix(coll);
    this.indexes = (this.meta?.indexes ?? []).map((d) => liveIndex(coll, d));
  }

  /** Creates the collection if needed (an upsert discovers it needs to write). */
  ensure(): void {
    if (!this.meta) {
      this.meta = ensureMeta(this.ctx, this.coll);
      this.indexes = [];
    }
  }

  private idBytes(id: unknown): Uint8Array {
    return this.kb.reset().add(id).finish();
  }

  private docKey(idBytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.prefix.length + idBytes.length);
    out.set(this.prefix);
    out.set(idBytes, this.prefix.length);
    return out;
  }

  private noteMultikey(ix: LiveIndex, multikey: boolean): void {
    if (multikey && !ix.def.multikey) {
      ix.def.multikey = true;
      this.dirty = true;
    }
  }

  /** Inserts a document (validated here); returns its _id. DUPLICATE_KEY leaves nothing written. */
  insert(raw: unknown, prepared?: { doc: Doc; bytes: Uint8Array }): unknown {
    this.ensure();
    const doc = prepared ? prepared.doc : prepareDoc(raw);
    const bytes = prepared ? prepared.bytes : encodeValue(doc);
    if (!prepared) checkSize(bytes);
    const idb = this.idBytes(doc._id);
    const key = this.docKey(idb);
    if (this.ctx.ks.has(key)) throw duplicate(this.coll, '_id_', { _id: 1 }, [doc._id]);
    const keys = this.indexes.map((ix) => {
      const k = indexKeys(ix, doc);
      for (let i = 0; i < k.keys.length; i++) checkUnique(this.ctx, this.coll, ix, k.keys[i]!, k.values[i]!, idb);
      return k;
    });
    this.ctx.batch.put(key, bytes);
    this.indexes.forEach((ix, i) => {
      putEntries(this.ctx, ix, keys[i]!.keys, idb);
      this.noteMultikey(ix, keys[i]!.multikey);
    });
    this.emit({ c: this.coll, o: 'insert', k: encodeValue(doc._id), d: bytes });
    this.lastInserted = doc;
    return doc._id;
  }

  /**
   * Replaces a found document with `next` (already updated); returns false when nothing changed.
   * `op` names the change event ('update' or 'replace').
   */
  replace(found: Found, next: Doc, op: 'update' | 'replace'): boolean {
    const doc = prepareDoc(next);
    if (!valuesEqual(doc._id, found.doc._id)) {
      throw new LarderError('BAD_VALUE', "Performing an update on the path '_id' would modify the immutable field '_id'", { code: 66 });
    }
    const bytes = encodeValue(doc);
    if (compareBytes(bytes, found.bytes) === 0) return false;
    checkSize(bytes);
    const idb = found.key.subarray(this.prefix.length);
    const plans = this.indexes.map((ix) => {
      const before = indexKeys(ix, found.doc);
      const after = indexKeys(ix, doc);
      // The usual case: one key each, unchanged, so nothing to do for this index.
      if (before.keys.length === 1 && after.keys.length === 1 && compareBytes(before.keys[0]!, after.keys[0]!) === 0) {
        return { added: [], removed: [], multikey: after.multikey };
      }
      const old = new Set(before.keys.map(latin1));
      const now = new Set(after.keys.map(latin1));
      const added: Uint8Array[] = [];
      after.keys.forEach((k, i) => {
        if (!old.has(latin1(k))) {
          checkUnique(this.ctx, this.coll, ix, k, after.values[i]!, idb);
          added.push(k);
        }
      });
      const removed = before.keys.filter((k) => !now.has(latin1(k)));
      return { added, removed, multikey: after.multikey };
    });
    this.indexes.forEach((ix, i) => {
      delEntries(this.ctx, ix, plans[i]!.removed, idb);
      putEntries(this.ctx, ix, plans[i]!.added, idb);
      this.noteMultikey(ix, plans[i]!.multikey);
    });
    this.ctx.batch.put(found.key, bytes);
    this.emit({ c: this.coll, o: op, k: encodeValue(doc._id), d: bytes, b: found.bytes });
    found.doc = doc;
    found.bytes = bytes;
    return true;
  }

  /** Deletes a found document and its index entries. */
  remove(found: Found): void {
    const idb = found.key.subarray(this.prefix.length);
    for (const ix of this.indexes) delEntries(this.ctx, ix, indexKeys(ix, found.doc).keys, idb);
    this.ctx.batch.del(found.key);
    this.emit({ c: this.coll, o: 'delete', k: encodeValue(found.doc._id), b: found.bytes });
  }

  /** Emits a change event for the change feed. */
  emit(e: DocEvent): void {
    // A before-image may be a view into a shared chunk of scan results; the event crosses to the
    // page by structured clone, which would copy the whole chunk with it.
    if (e.b && e.b.byteLength !== e.b.buffer.byteLength) e.b = e.b.slice();
    this.ctx.emit('docs', e);
  }

  /** Saves catalog changes (multikey flags) made while writing. */
  finish(): void {
    if (this.dirty && this.meta) writeMeta(this.ctx, this.meta);
    this.dirty = false;
  }
}
