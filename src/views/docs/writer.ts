/**
 * Writer: every change to a collection's documents goes through one, so the 'D' entry, every
 * index entry and the change event stay in step. Checks (validity, size, _id, unique keys) all
 * run before the first write of each document, so a refused document leaves nothing behind even
 * inside a larger call; the engine's undo covers anything else.
 *
 * Change events (`ctx.emit('docs', ...)`) carry the collection, the operation, the encoded _id
 * and the stored bytes before/after: the page decodes them only if someone watches.
 */
import { decodeFields, encodeValue, fieldSelector } from '../../codec/value.js';
import { LarderError, isLarderError } from '../../errors.js';
import { KeyBuilder, compareBytes } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { ensureMeta, readMeta, writeMeta, type CollectionMeta } from './catalog.js';
import { checkUnique, delEntries, delEntry, duplicate, indexKeys, latin1, liveIndex, putEntries, putEntry, scalarEntryKey, type IndexKeys, type LiveIndex } from './indexes.js';
import type { InsertSource } from './insert-source.js';
import { docPrefix } from './keys.js';
import { RECORD_HEADER, RecordBuilder, u32At, type RecordList } from '../../core/records.js';
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

/** Bytes the index entries of a bulk insert are given room for, per key (beyond the index prefix and the _id). */
const KEY_GUESS = 24;

/** Selects a stored document's `_id` alone (the key of a change event). */
const ID_ONLY = fieldSelector(['_id']);

/** The _ids of one call's documents so far, by their key bytes. */
class IdSet {
  private readonly set = new Set<string>();

  /** True when an _id with key bytes `b[start, end)` was added. */
  has(b: Uint8Array, start: number, end: number): boolean {
    return this.set.has(latin1(b.subarray(start, end)));
  }

  /** Adds the _id with key bytes `b[start, end)`. */
  add(b: Uint8Array, start: number, end: number): void {
    this.set.add(latin1(b.subarray(start, end)));
  }
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
    this.ctx.batch.putNew(key, bytes); // absent: looked up above
    this.indexes.forEach((ix, i) => {
      putEntries(this.ctx, ix, keys[i]!.keys, idb);
      this.noteMultikey(ix, keys[i]!.multikey);
    });
    if (this.watched) this.emit({ c: this.coll, o: 'insert', k: encodeValue(doc._id), d: bytes });
    this.lastInserted = doc;
    return doc._id;
  }

  /**
   * insertMany's write: inserts the documents of `source` in order, as `insert` would one by one, with
   * every document and index entry going into the engine as record lists (one WriteBatch slot
   * each) instead of a put per entry. A duplicate key of document i (an _id or a unique index
   * key already stored, or taken by an earlier document of this call) writes nothing for it and
   * calls `fail(e, i)`: true goes on with the next document (unordered), false stops (ordered).
   * Any other error fails the call before anything is written. Returns which documents were
   * inserted, or undefined (having written and emitted nothing) when the call needs the
   * per-entry path: keys over the engine's limit (so the error is reported as before) or
   * documents kept outside the tree.
   */
  insertMany(source: InsertSource, fail: (e: LarderError, index: number) => boolean): boolean[] | undefined {
    this.ensure();
    const n = source.length;
    const ks = this.ctx.ks;
    const prefix = this.prefix;
    const kb = this.kb;
    // Pass 1: every document's 'D' record, so one engine call finds the _ids already stored
    // (none when they are ascending and come after the collection's last: see afterStored).
    let docBytes = 0;
    for (let i = 0; i < n; i++) docBytes += source.end(i) - source.start(i) + prefix.length + 24;
    const docs = new RecordBuilder(docBytes);
    const idAt = new Uint32Array(2 * n);
    // Ascending _id keys (ids counting up, generated ObjectIds) cannot repeat within the call,
    // so the set of this call's ids (a string per document) is only kept otherwise.
    let ascending = true;
    let idKeyBytes = 0;
    for (let i = 0; i < n; i++) {
      source.idKey(i, kb.reset());
      idKeyBytes += kb.length;
      const start = docs.mark + 8 + prefix.length;
      idAt[2 * i] = start;
      idAt[2 * i + 1] = start + kb.length;
      if (ascending && i > 0) ascending = docs.follows(idAt[2 * i - 2]!, idAt[2 * i - 1]!, kb.buf, kb.length);
      const ds = source.start(i), de = source.end(i);
      docs.begin(prefix.length + kb.length, de - ds);
      docs.append(prefix, 0, prefix.length);
      docs.append(kb.buf, 0, kb.length);
      docs.append(source.buf(i), ds, de);
    }
    if (!docs.fits) return undefined;
    const docList = docs.list();
    // Every key of the list starts with the collection's prefix: that says where they all live.
    if (!ks.treeHoldsPrefix(prefix)) return undefined;
    // What is stored at each _id; nothing when the _ids all sort after the collection's last.
    const stored = ascending && this.afterStored(docList) ? undefined : ks.getManyOfRecords(docList);
    const db = docList.bytes;
    // Pass 2, in order: the checks insert() makes, against the store and this call's earlier documents.
    const ok: boolean[] = new Array(n).fill(false);
    const nx = this.indexes.length;
    // Room for an entry per document and index (header, index prefix, a key of KEY_GUESS bytes
    // and the _id), so that the usual list never grows, a copy of all of it.
    let entryBytes = 64;
    for (const ix of this.indexes) entryBytes += n * (RECORD_HEADER + ix.prefix.length + KEY_GUESS) + idKeyBytes;
    const entries = new RecordBuilder(entryBytes);
    const ids = ascending ? undefined : new IdSet();
    const uniqueTaken = this.indexes.map((ix) => (ix.def.unique ? new Map<string, string>() : undefined));
    const keys: IndexKeys[] = new Array(nx);
    // Per index: the document's one key, when the source built it in its builder (InsertSource.oneKey).
    const oneKey = source.oneKey ? this.indexes.map((ix) => !ix.def.unique) : [];
    const built: boolean[] = new Array(nx).fill(false);
    const kbs = this.indexes.map(() => new KeyBuilder(64));
    let sp = 0;
    let inserted = 0;
    for (let i = 0; i < n; i++) {
      let present = false;
      if (stored) {
        const vl = u32At(stored, sp) | 0; // -1: absent
        present = vl !== -1;
        sp += present ? 4 + (vl >>> 0) : 4;
      }
      const is = idAt[2 * i]!, ie = idAt[2 * i + 1]!;
      let err: LarderError | undefined;
      if (present || ids?.has(db, is, ie)) err = duplicate(this.coll, '_id_', { _id: 1 }, [source.doc(i)._id]);
      if (!err) {
        for (let x = 0; x < nx; x++) {
          const ix = this.indexes[x]!;
          built[x] = oneKey[x] === true && source.oneKey!(i, ix, kbs[x]!.reset());
          if (!built[x]) keys[x] = source.indexKeys(i, ix);
        }
        try {
          for (let x = 0; x < nx; x++) {
            const taken = uniqueTaken[x];
            if (!taken) continue;
            const ix = this.indexes[x]!;
            const idb = db.subarray(is, ie);
            const k = keys[x]!;
            for (let j = 0; j < k.keys.length; j++) {
              checkUnique(this.ctx, this.coll, ix, k.keys[j]!, k.values[j]!, idb);
              const other = taken.get(latin1(k.keys[j]!));
              if (other !== undefined && other !== latin1(idb)) throw duplicate(this.coll, ix.def.name, ix.def.key, k.values[j]!);
            }
          }
        } catch (e) {
          if (!isLarderError(e) || e.code !== 'DUPLICATE_KEY') throw e;
          err = e;
        }
      }
      if (err) {
        if (fail(err, i)) continue;
        break;
      }
      ok[i] = true;
      inserted++;
      ids?.add(db, is, ie);
      for (let x = 0; x < nx; x++) {
        const ix = this.indexes[x]!;
        if (built[x]) {
          // One key, not multikey, not unique: nothing else to note.
          entries.add3(ix.prefix, kbs[x]!.buf, kbs[x]!.length, db, is, ie);
          continue;
        }
        const k = keys[x]!;
        const taken = uniqueTaken[x];
        if (taken) for (const key of k.keys) taken.set(latin1(key), latin1(db.subarray(is, ie)));
        for (const key of k.keys) entries.add3(ix.prefix, key, key.length, db, is, ie);
        // Only for documents that pass (as insert() does); should the per-entry path still be
        // taken below, it accepts the same documents and sets the same flags.
        this.noteMultikey(ix, k.multikey);
      }
    }
    if (!entries.fits) return undefined;
    // Every check passed for the documents in `ok`: write them, then their index entries.
    let write = docList;
    if (inserted < n) {
      const kept = new RecordBuilder(db.length);
      for (let i = 0; i < n; i++) {
        if (!ok[i]) continue;
        const ds = source.start(i), de = source.end(i);
        const is = idAt[2 * i]!, ie = idAt[2 * i + 1]!;
        kept.begin(prefix.length + ie - is, de - ds);
        kept.append(prefix, 0, prefix.length);
        kept.append(db, is, ie);
        kept.append(source.buf(i), ds, de);
      }
      write = kept.list();
    }
    this.ctx.batch.putRecords(write);
    this.ctx.batch.putRecords(entries.list());
    for (let i = 0; i < n && this.watched; i++) {
      if (!ok[i]) continue;
      const b = source.buf(i);
      this.emit({ c: this.coll, o: 'insert', k: source.idBytes(i) ?? encodeValue(source.doc(i)._id), d: b.subarray(source.start(i), source.end(i)) });
    }
    return ok;
  }

  /**
   * True when the first key of `docs` (document records of this collection) sorts after every
   * document stored in the collection: with the keys ascending, none of them is stored then, and
   * the lookup of each is skipped (a bulk insert into a new collection, or of ids counting up).
   */
  private afterStored(docs: RecordList): boolean {
    const b = docs.bytes;
    if (docs.count === 0) return true;
    const first = b.subarray(RECORD_HEADER, RECORD_HEADER + u32At(b, 0));
    for (const [last] of this.ctx.ks.range({ prefix: this.prefix, reverse: true, limit: 1, keysOnly: true })) return compareBytes(first, last) > 0;
    return true;
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
      const inBefore = keySetOf(before.keys);
      const inAfter = keySetOf(after.keys);
      const added: Uint8Array[] = [];
      after.keys.forEach((k, i) => {
        if (!inBefore(k)) {
          checkUnique(this.ctx, this.coll, ix, k, after.values[i]!, idb);
          added.push(k);
        }
      });
      const removed = before.keys.filter((k) => !inAfter(k));
      return { added, removed, multikey: after.multikey };
    });
    this.indexes.forEach((ix, i) => {
      delEntries(this.ctx, ix, plans[i]!.removed, idb);
      putEntries(this.ctx, ix, plans[i]!.added, idb);
      this.noteMultikey(ix, plans[i]!.multikey);
    });
    // found.bytes is the document as this batch last read or wrote it.
    this.ctx.batch.putOver(found.key, bytes, found.bytes);
    if (this.watched) this.emit({ c: this.coll, o: op, k: encodeValue(doc._id), d: bytes, b: found.bytes });
    found.doc = doc;
    found.bytes = bytes;
    return true;
  }

  /**
   * Stores `bytes` over a found document: the stored bytes patched by an update (update/patch.ts)
   * and different from them. `touches` says which indexes the patch may change a key in; the
   * document's entry there is built from the bytes before and after (scalarEntryKey). Returns
   * false, having written nothing, when a key cannot be built so (the caller takes the ordinary
   * path); otherwise writes what replace() writes for the same document, and emits its event.
   */
  replacePatched(found: Found, bytes: Uint8Array, touches: (ix: LiveIndex) => boolean): boolean {
    const idb = found.key.subarray(this.prefix.length);
    const moved: Uint8Array[] = []; // pairs: the entry before, the entry after
    for (const ix of this.indexes) {
      if (!touches(ix)) continue;
      const before = scalarEntryKey(ix, found.bytes, idb, this.kb);
      const after = before && scalarEntryKey(ix, bytes, idb, this.kb);
      if (!after) return false;
      if (compareBytes(before, after) !== 0) moved.push(before, after);
    }
    checkSize(bytes);
    for (let i = 0; i < moved.length; i += 2) {
      delEntry(this.ctx, moved[i]!);
      putEntry(this.ctx, moved[i + 1]!);
    }
    this.ctx.batch.putOver(found.key, bytes, found.bytes);
    if (this.watched) {
      // `bytes` may be a view into a chunk shared with other patched documents (see emit).
      const _id = decodeFields(found.bytes, 0, found.bytes.length, ID_ONLY)!._id;
      this.emit({ c: this.coll, o: 'update', k: encodeValue(_id), d: bytes.slice(), b: found.bytes });
    }
    found.bytes = bytes;
    // Decoded again from the new bytes if anyone asks (findOneAndUpdate's returned document).
    found.doc = undefined as unknown as Doc;
    return true;
  }

  /** Deletes a found document and its index entries. */
  remove(found: Found): void {
    const idb = found.key.subarray(this.prefix.length);
    for (const ix of this.indexes) delEntries(this.ctx, ix, indexKeys(ix, found.doc).keys, idb);
    this.ctx.batch.delKnown(found.key, found.bytes);
    if (this.watched) this.emit({ c: this.coll, o: 'delete', k: encodeValue(found.doc._id), b: found.bytes });
  }

  /** False when nobody subscribes to the change feed: events are not built then (see ViewContext.watched). */
  private get watched(): boolean {
    return this.ctx.watched !== false;
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

/**
 * Membership in a document's keys in one index. Most documents have one key or a few there, so
 * those are compared byte by byte; a string per key (and a Set) only pays off for long multikey
 * arrays, and made a 1,000-document update spend a tenth of its time building strings.
 */
function keySetOf(keys: Uint8Array[]): (k: Uint8Array) => boolean {
  if (keys.length > 8) {
    const set = new Set(keys.map(latin1));
    return (k) => set.has(latin1(k));
  }
  return (k) => {
    for (let i = 0; i < keys.length; i++) if (compareBytes(keys[i]!, k) === 0) return true;
    return false;
  };
}
