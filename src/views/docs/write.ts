/**
 * Write commands with the MongoDB Node driver's names, options and result shapes: insertOne,
 * insertMany, updateOne, updateMany, replaceOne, deleteOne, deleteMany, findOneAndUpdate,
 * findOneAndReplace, findOneAndDelete and bulkWrite.
 *
 * Errors: malformed input (BAD_QUERY, BAD_VALUE, TOO_LARGE) fails the whole call and writes
 * nothing. A duplicate key fails a single-document command the same way; in insertMany and
 * bulkWrite it is a per-operation write error as in MongoDB: ordered batches stop there (earlier
 * writes stay), unordered ones go on, and the result carries `writeErrors` (the client facade
 * turns that into a thrown DUPLICATE_KEY error carrying the partial result, like the driver's
 * MongoBulkWriteError).
 */
import { decodeValue, Encoded, ValueWriter } from '../../codec/value.js';
import { compareBytes } from '../../keys/encode.js';
import { LarderError, isLarderError } from '../../errors.js';
import { undoMark, undoTo, type ViewContext } from '../view.js';
import { compilePipeline } from './aggregate/pipeline.js';
import { runQuery } from './find.js';
import { checkName } from './keys.js';
import { compileProjection } from './projection.js';
import { pipelineEnv } from './read.js';
import type { Found } from './scan.js';
import { applyUpdate, compileUpdate, type CompiledUpdate } from './update/apply.js';
import { compilePatch } from './update/patch.js';
import { positionalIndex, upsertSeed } from './update/upsert.js';
import { isPlainObject, show, type Doc } from './util.js';
import { prepareInsert, Writer } from './writer.js';
import { PreparedSource, preparedOf, type InsertSource } from './insert-source.js';

/** A per-operation failure inside insertMany/bulkWrite. */
export interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  keyValue?: unknown;
  keyPattern?: unknown;
}

/** The driver's UpdateResult. */
export interface UpdateResult {
  acknowledged: true;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

function opts(o: unknown): Doc {
  if (o === undefined || o === null) return {};
  if (!isPlainObject(o)) throw new LarderError('BAD_QUERY', 'options must be an object');
  return o;
}

function compile(ctx: ViewContext, update: unknown, o: Doc, kind: 'update' | 'replace'): CompiledUpdate {
  return compileUpdate(update, {
    arrayFilters: o.arrayFilters,
    replacementOnly: kind === 'replace',
    operatorsOnly: kind === 'update',
    pipeline: (stages) => {
      const p = compilePipeline(stages, pipelineEnv(ctx), true);
      return (doc) => p([doc])[0]!;
    },
  });
}

/** Applies an update to each found document (or upserts); the heart of every update command. */
function updateFound(ctx: ViewContext, w: Writer, found: Found[], filter: unknown, u: CompiledUpdate, o: Doc, kind: 'update' | 'replace'): UpdateResult & { doc?: Doc | null; before?: Doc | null } {
  const res: UpdateResult & { doc?: Doc | null; before?: Doc | null } = { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
  if (found.length === 0) {
    if (!o.upsert) return res;
    const seed = upsertSeed(filter);
    let doc = applyUpdate(seed, u, { now: ctx.now, isInsert: true, positional: () => undefined });
    if (u.kind === 'replace' && seed._id !== undefined && doc._id === undefined) doc = { _id: seed._id, ...doc };
    const id = w.insert(doc);
    res.upsertedCount = 1;
    res.upsertedId = id;
    res.before = null;
    res.doc = w.lastInserted;
    return res;
  }
  const patch = compilePatch(u, w.indexes);
  // The stored bytes of the last document when it was patched: decoded for res.before at the end,
  // not every document as it goes (only findOneAndUpdate, with one document, reads it).
  let patchedBefore: Uint8Array | undefined;
  for (const f of found) {
    res.matchedCount++;
    if (patch) {
      const stored = f.bytes;
      const next = patch.apply(stored);
      const same = next !== undefined && compareBytes(next, stored) === 0;
      if (same || (next !== undefined && w.replacePatched(f, next, patch.touches))) {
        if (!same) res.modifiedCount++;
        patchedBefore = stored;
        continue;
      }
    }
    patchedBefore = undefined;
    const before = f.doc;
    const next = applyUpdate(f.doc, u, { now: ctx.now, isInsert: false, positional: (path) => positionalIndex(before, filter, path) });
    if (w.replace(f, next, kind)) res.modifiedCount++;
    res.before = before;
    res.doc = f.doc;
  }
  if (patchedBefore) {
    res.before = decodeValue(patchedBefore) as Doc;
    res.doc = found[found.length - 1]!.doc;
  }
  return res;
}

function update(ctx: ViewContext, coll: unknown, filter: unknown, upd: unknown, options: unknown, multi: boolean, kind: 'update' | 'replace'): UpdateResult & { doc?: Doc | null; before?: Doc | null } {
  const name = checkName(coll);
  const o = opts(options);
  const u = compile(ctx, upd, o, kind);
  const found = runQuery(ctx, name, filter, { sort: o.sort, limit: multi ? 0 : 1, hint: o.hint }).found;
  const w = new Writer(ctx, name, false);
  const r = updateFound(ctx, w, found, filter, u, o, kind);
  w.finish();
  return r;
}

function strip(r: UpdateResult & { doc?: unknown; before?: unknown }): UpdateResult {
  return { acknowledged: true, matchedCount: r.matchedCount, modifiedCount: r.modifiedCount, upsertedCount: r.upsertedCount, upsertedId: r.upsertedId };
}

/** insertOne(): `{ acknowledged, insertedId }`. */
export function insertOne(ctx: ViewContext, coll: unknown, doc: unknown): { acknowledged: true; insertedId: unknown } {
  const w = new Writer(ctx, checkName(coll), true);
  const insertedId = w.insert(doc);
  w.finish();
  return { acknowledged: true, insertedId };
}

function writeErrorOf(e: unknown, index: number): WriteError {
  const d = (isLarderError(e) ? (e.details as Doc | undefined) : undefined) ?? {};
  const we: WriteError = { index, code: typeof d.code === 'number' ? d.code : 11000, errmsg: (e as Error).message };
  if (d.keyValue !== undefined) we.keyValue = d.keyValue;
  if (d.keyPattern !== undefined) we.keyPattern = d.keyPattern;
  return we;
}

/** Runs `f` as one operation of a batch: a duplicate key becomes a write error (its writes undone); anything else fails the call. */
function asOperation(ctx: ViewContext, index: number, errors: WriteError[], f: () => void): boolean {
  const mark = undoMark(ctx);
  try {
    f();
    return true;
  } catch (e) {
    if (!isLarderError(e) || e.code !== 'DUPLICATE_KEY') throw e;
    undoTo(ctx, mark); // its writes and its change events
    errors.push(writeErrorOf(e, index));
    return false;
  }
}

/** insertMany(): `{ acknowledged, insertedCount, insertedIds }` plus `writeErrors` on duplicates. */
export function insertMany(ctx: ViewContext, coll: unknown, docs: unknown, options?: unknown): Doc {
  const name = checkName(coll);
  const o = opts(options);
  if (!Array.isArray(docs)) throw new LarderError('BAD_VALUE', 'insertMany takes an array of documents');
  const ordered = o.ordered !== false;
  const prepared = docs.map((d, i) => {
    try {
      return prepareInsert(d);
    } catch (e) {
      if (isLarderError(e)) throw new LarderError(e.code, `document ${i}: ${e.message}`, e.details);
      throw e;
    }
  });
  // Without encoded _ids the result is always the object.
  return insertManyResult(new Writer(ctx, name, true), new PreparedSource(prepared), ordered) as Doc;
}

/**
 * Inserts the documents of `source` (insertMany's work after its argument checks, shared with the
 * packed path): `{ acknowledged, insertedCount, insertedIds }` plus `writeErrors` on duplicates.
 */
export function insertManyResult(w: Writer, source: InsertSource, ordered: boolean): Doc | Encoded {
  const insertedIds: Record<number, unknown> = {};
  let writeErrors: WriteError[] = [];
  let insertedCount = 0;
  const ok = w.insertMany(source, (e, i) => {
    writeErrors.push(writeErrorOf(e, i));
    return !ordered;
  });
  if (ok && source.length > 0 && source.idBytes(0) !== undefined) {
    w.finish();
    return encodeInsertResult(ok, writeErrors);
  }
  if (ok) {
    for (let i = 0; i < ok.length; i++) {
      if (!ok[i]) continue;
      insertedIds[i] = source.doc(i)._id;
      insertedCount++;
    }
  } else {
    // The per-entry path (see Writer.insertMany): the same checks, and the errors they report.
    const ctx = w.ctx;
    writeErrors = [];
    for (let i = 0; i < source.length; i++) {
      const ok = asOperation(ctx, i, writeErrors, () => {
        insertedIds[i] = w.insert(undefined, preparedOf(source, i));
      });
      if (ok) insertedCount++;
      else if (ordered) break;
    }
  }
  w.finish();
  const r: Doc = { acknowledged: true, insertedCount, insertedIds };
  if (writeErrors.length) r.writeErrors = writeErrors;
  return r;
}

/**
 * insertMany's result on the packed path, whose documents all came with their `_id` from the
 * page (packed.ts declines any without): `{ acknowledged, insertedCount, writeErrors? }` without
 * `insertedIds`, which the page rebuilds from its own documents (the driver reports the caller's
 * `_id`s too; see insertedIdsOf in the client). A 100k-entry `insertedIds` was written here and
 * decoded on the page for ids the page already has.
 */
function encodeInsertResult(ok: boolean[], writeErrors: WriteError[]): Encoded {
  let count = 0;
  for (let i = 0; i < ok.length; i++) if (ok[i]) count++;
  const w = new ValueWriter(64);
  w.objectHeader(writeErrors.length ? 3 : 2);
  w.objectKey('acknowledged');
  w.value(true);
  w.objectKey('insertedCount');
  w.value(count);
  if (writeErrors.length) {
    w.objectKey('writeErrors');
    w.value(writeErrors);
  }
  return new Encoded(w.slice());
}

/** updateOne(). */
export function updateOne(ctx: ViewContext, coll: unknown, filter: unknown, upd: unknown, options?: unknown): UpdateResult {
  return strip(update(ctx, coll, filter, upd, options, false, 'update'));
}

/** updateMany(). */
export function updateMany(ctx: ViewContext, coll: unknown, filter: unknown, upd: unknown, options?: unknown): UpdateResult {
  return strip(update(ctx, coll, filter, upd, options, true, 'update'));
}

/** replaceOne(). */
export function replaceOne(ctx: ViewContext, coll: unknown, filter: unknown, replacement: unknown, options?: unknown): UpdateResult {
  return strip(update(ctx, coll, filter, replacement, options, false, 'replace'));
}

function remove(ctx: ViewContext, coll: unknown, filter: unknown, options: unknown, multi: boolean): { deletedCount: number; doc: Doc | null } {
  const name = checkName(coll);
  const o = opts(options);
  const found = runQuery(ctx, name, filter, { sort: o.sort, limit: multi ? 0 : 1, hint: o.hint }).found;
  if (found.length === 0) return { deletedCount: 0, doc: null };
  const w = new Writer(ctx, name, false);
  for (const f of found) w.remove(f);
  return { deletedCount: found.length, doc: found[0]!.doc };
}

/** deleteOne(): `{ acknowledged, deletedCount }`. */
export function deleteOne(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): { acknowledged: true; deletedCount: number } {
  return { acknowledged: true, deletedCount: remove(ctx, coll, filter, options, false).deletedCount };
}

/** deleteMany(): `{ acknowledged, deletedCount }`. */
export function deleteMany(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): { acknowledged: true; deletedCount: number } {
  return { acknowledged: true, deletedCount: remove(ctx, coll, filter, options, true).deletedCount };
}

function findAndModifyResult(o: Doc, doc: Doc | null, lastErrorObject: Doc): unknown {
  let value = doc;
  const proj = compileProjection(o.projection, 'find');
  if (value && proj) value = proj.apply(value);
  return o.includeResultMetadata ? { value, ok: 1, lastErrorObject } : value;
}

function findAndUpdate(ctx: ViewContext, coll: unknown, filter: unknown, upd: unknown, options: unknown, kind: 'update' | 'replace'): unknown {
  const o = opts(options);
  if (o.returnDocument !== undefined && o.returnDocument !== 'before' && o.returnDocument !== 'after') throw new LarderError('BAD_QUERY', `returnDocument must be 'before' or 'after', got ${show(o.returnDocument)}`);
  const r = update(ctx, coll, filter, upd, o, false, kind);
  const after = o.returnDocument === 'after';
  const doc = after ? (r.doc ?? null) : r.upsertedCount ? null : (r.before ?? null);
  const leo: Doc = { n: r.matchedCount + r.upsertedCount, updatedExisting: r.matchedCount > 0 };
  if (r.upsertedCount) leo.upserted = r.upsertedId;
  return findAndModifyResult(o, doc, leo);
}

/** findOneAndUpdate(): the document before (default) or after the update, or null. */
export function findOneAndUpdate(ctx: ViewContext, coll: unknown, filter: unknown, upd: unknown, options?: unknown): unknown {
  return findAndUpdate(ctx, coll, filter, upd, options, 'update');
}

/** findOneAndReplace(). */
export function findOneAndReplace(ctx: ViewContext, coll: unknown, filter: unknown, replacement: unknown, options?: unknown): unknown {
  return findAndUpdate(ctx, coll, filter, replacement, options, 'replace');
}

/** findOneAndDelete(): the deleted document or null. */
export function findOneAndDelete(ctx: ViewContext, coll: unknown, filter: unknown, options?: unknown): unknown {
  const o = opts(options);
  const r = remove(ctx, coll, filter, o, false);
  return findAndModifyResult(o, r.doc, { n: r.deletedCount });
}

/** bulkWrite(): the driver's BulkWriteResult counts, plus `writeErrors` on duplicates. */
export function bulkWrite(ctx: ViewContext, coll: unknown, ops: unknown, options?: unknown): Doc {
  const name = checkName(coll);
  const o = opts(options);
  if (!Array.isArray(ops)) throw new LarderError('BAD_QUERY', 'bulkWrite takes an array of operations');
  const ordered = o.ordered !== false;
  const res = { acknowledged: true, insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: {} as Record<number, unknown>, upsertedIds: {} as Record<number, unknown> };
  const writeErrors: WriteError[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (!isPlainObject(op) || Object.keys(op).length !== 1) throw new LarderError('BAD_QUERY', `bulkWrite operation ${i} must have exactly one field`);
    const kind = Object.keys(op)[0]!;
    const a = op[kind];
    if (!isPlainObject(a)) throw new LarderError('BAD_QUERY', `bulkWrite operation ${i}: ${kind} takes an object`);
    const ok = asOperation(ctx, i, writeErrors, () => {
      switch (kind) {
        case 'insertOne':
          res.insertedIds[i] = insertOne(ctx, name, a.document).insertedId;
          res.insertedCount++;
          return;
        case 'updateOne':
        case 'updateMany':
        case 'replaceOne': {
          const r = update(ctx, name, a.filter, kind === 'replaceOne' ? a.replacement : a.update, { upsert: a.upsert, arrayFilters: a.arrayFilters, hint: a.hint }, kind === 'updateMany', kind === 'replaceOne' ? 'replace' : 'update');
          res.matchedCount += r.matchedCount;
          res.modifiedCount += r.modifiedCount;
          if (r.upsertedCount) {
            res.upsertedCount++;
            res.upsertedIds[i] = r.upsertedId;
          }
          return;
        }
        case 'deleteOne':
        case 'deleteMany':
          res.deletedCount += remove(ctx, name, a.filter, { hint: a.hint }, kind === 'deleteMany').deletedCount;
          return;
        default:
          throw new LarderError('BAD_QUERY', `bulkWrite operation ${i}: unknown operation ${kind}`);
      }
    });
    if (!ok && ordered) break;
  }
  const out: Doc = { ...res, ok: 1 };
  if (writeErrors.length) out.writeErrors = writeErrors;
  return out;
}
