/**
 * `store.collection(name)`: MongoDB for the browser (issue 5), with the MongoDB Node driver's
 * method names, options and result shapes. Each method is one call to the 'docs' view in the
 * worker (src/views/docs); cursors, change streams and live queries live in cursor.ts,
 * change-stream.ts and live-query.ts.
 *
 * As the driver does, insertOne/insertMany add a generated ObjectId `_id` to the caller's
 * documents when they have none, so `insertedId` is known and the object matches what is stored.
 */
import { ObjectId } from '../codec/object-id.js';
import { LarderError } from '../errors.js';
import type { CallQueue } from './call-queue.js';
import { ChangeStream, type ChangeStreamOptions } from './change-stream.js';
import { AggregationCursor, FindCursor } from './cursor.js';
import type { Feed } from './feed.js';
import { queryArg } from './query-args.js';

/** A plain document. */
export type Document = Record<string, unknown>;
/** A filter (MongoDB query document). */
export type Filter<_T = Document> = Record<string, unknown>;
/** An update document or pipeline. */
export type UpdateFilter<_T = Document> = Record<string, unknown> | Record<string, unknown>[];
/** A document as returned: with its _id. */
export type WithId<T> = T & { _id: any };

/** insertOne's result. */
export interface InsertOneResult {
  acknowledged: boolean;
  insertedId: any;
}
/** insertMany's result. */
export interface InsertManyResult {
  acknowledged: boolean;
  insertedCount: number;
  insertedIds: Record<number, any>;
}
/** updateOne/updateMany/replaceOne's result. */
export interface UpdateResult {
  acknowledged: boolean;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: any;
}
/** deleteOne/deleteMany's result. */
export interface DeleteResult {
  acknowledged: boolean;
  deletedCount: number;
}
/** bulkWrite's result. */
export interface BulkWriteResult {
  acknowledged: boolean;
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  insertedIds: Record<number, any>;
  upsertedIds: Record<number, any>;
  ok: 1;
}
/** find()'s options. */
export interface FindOptions {
  sort?: Record<string, 1 | -1 | 'asc' | 'desc'>;
  skip?: number;
  limit?: number;
  projection?: Document;
  batchSize?: number;
  hint?: string | Document;
}
/** findOneAndUpdate/Replace/Delete's options. */
export interface FindOneAndOptions {
  sort?: Record<string, 1 | -1>;
  projection?: Document;
  upsert?: boolean;
  returnDocument?: 'before' | 'after';
  includeResultMetadata?: boolean;
  arrayFilters?: Document[];
}
/** createIndex's options. */
export interface IndexOptions {
  name?: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

/** One operation of bulkWrite. */
export type AnyBulkWriteOperation =
  | { insertOne: { document: Document } }
  | { updateOne: { filter: Filter; update: UpdateFilter; upsert?: boolean; arrayFilters?: Document[] } }
  | { updateMany: { filter: Filter; update: UpdateFilter; upsert?: boolean; arrayFilters?: Document[] } }
  | { replaceOne: { filter: Filter; replacement: Document; upsert?: boolean } }
  | { deleteOne: { filter: Filter } }
  | { deleteMany: { filter: Filter } };

function withId(doc: unknown): unknown {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc) && (doc as Document)._id === undefined) {
    try {
      (doc as Document)._id = new ObjectId();
      // Keep _id first, as it is stored.
    } catch {
      // frozen object: the worker generates the id
    }
  }
  return doc;
}

/** Throws the driver-like bulk error when a batch reported write errors. */
/**
 * insertMany's result with `insertedIds`: the worker leaves them out when every document came
 * with its `_id` (the usual case, as withId gives each one), and they are then the caller's own
 * `_id`s, as the driver reports them: every document inserted but the write errors' (and, when
 * ordered, none after the first).
 */
export function withInsertedIds(r: Document, docs: ReadonlyArray<unknown>, ordered: boolean): Document {
  if (r.insertedIds !== undefined) return r;
  const errs = (r.writeErrors as Array<{ index: number }> | undefined) ?? [];
  const failed = new Set(errs.map((e) => e.index));
  const end = ordered && errs.length > 0 ? errs[0]!.index : docs.length;
  const insertedIds: Record<number, unknown> = {};
  for (let i = 0; i < end; i++) if (!failed.has(i)) insertedIds[i] = (docs[i] as Document)._id;
  const out: Document = { acknowledged: r.acknowledged, insertedCount: r.insertedCount, insertedIds };
  if (r.writeErrors !== undefined) out.writeErrors = r.writeErrors;
  return out;
}

function throwWriteErrors<R extends Document>(r: R): R {
  const errs = r.writeErrors as Array<{ code: number; errmsg: string }> | undefined;
  if (!errs || errs.length === 0) return r;
  const { writeErrors, ...result } = r;
  const first = errs[0]!;
  throw new LarderError(first.code === 11000 ? 'DUPLICATE_KEY' : 'BAD_VALUE', `${errs.length} write error(s); first: ${first.errmsg}`, { code: first.code, writeErrors, result, ...result });
}

/** A collection of documents, bound to a store or a transaction. */
export class Collection<T = Record<string, unknown>> {
  /** The collection's name. */
  readonly collectionName: string;
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;
  /** @internal Phantom use of T so the type parameter is kept. */
  protected readonly _t?: T;

  /** @internal Use store.collection(name). */
  constructor(q: CallQueue, feed: Feed, name: string, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.collectionName = name;
    this.tx = tx;
  }

  private c<R>(method: string, args: unknown[]): Promise<R> {
    try {
      return this.q.call<R>('docs', method, [this.collectionName, ...args], this.tx);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private qa(method: string, args: unknown[]): Promise<any> {
    let prepared: unknown[];
    try {
      prepared = args.map((a) => queryArg(a));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.c(method, prepared);
  }

  /** The collection's name (driver alias). */
  get name(): string {
    return this.collectionName;
  }

  // ---- inserts ----

  /** Inserts one document; `_id` is generated (ObjectId) when absent. */
  insertOne(doc: T | Document): Promise<InsertOneResult> {
    return this.c('insertOne', [withId(doc)]);
  }

  /** Inserts documents; `ordered` (default true) stops at the first duplicate key. */
  async insertMany(docs: Array<T | Document>, options?: { ordered?: boolean }): Promise<InsertManyResult> {
    if (!Array.isArray(docs)) throw new LarderError('BAD_VALUE', 'insertMany takes an array of documents');
    for (const d of docs) withId(d);
    return throwWriteErrors(withInsertedIds(await this.c<Document>('insertMany', [docs, options]), docs, options?.ordered !== false)) as unknown as InsertManyResult;
  }

  // ---- reads ----

  /** A cursor over the matching documents. */
  find<U = WithId<T>>(filter: Filter<T> = {}, options?: FindOptions): FindCursor<U> {
    return new FindCursor<U>(this.q, this.feed, this.collectionName, filter, options as Record<string, unknown>, this.tx);
  }

  /** The first matching document, or null. */
  findOne<U = WithId<T>>(filter: Filter<T> = {}, options?: FindOptions): Promise<U | null> {
    return this.qa('findOne', [filter, options]);
  }

  /** The number of matching documents (honours skip and limit). */
  countDocuments(filter: Filter<T> = {}, options?: { skip?: number; limit?: number; hint?: string | Document }): Promise<number> {
    return this.qa('countDocuments', [filter, options]);
  }

  /** The number of documents in the collection. */
  estimatedDocumentCount(): Promise<number> {
    return this.c('estimatedDocumentCount', []);
  }

  /** Distinct values of `field` among matching documents. */
  distinct(field: string, filter: Filter<T> = {}): Promise<any[]> {
    return this.qa('distinct', [field, filter]);
  }

  /** Runs an aggregation pipeline. */
  aggregate<U = Document>(pipeline: Document[] = [], options?: { batchSize?: number; hint?: string | Document; let?: Document }): AggregationCursor<U> {
    return new AggregationCursor<U>(this.q, this.collectionName, pipeline, options as Record<string, unknown>, this.tx);
  }

  // ---- updates ----

  /** Updates the first matching document. */
  updateOne(filter: Filter<T>, update: UpdateFilter<T>, options?: { upsert?: boolean; arrayFilters?: Document[]; hint?: string | Document; sort?: Document }): Promise<UpdateResult> {
    return this.qa('updateOne', [filter, update, options]);
  }

  /** Updates every matching document. */
  updateMany(filter: Filter<T>, update: UpdateFilter<T>, options?: { upsert?: boolean; arrayFilters?: Document[]; hint?: string | Document }): Promise<UpdateResult> {
    return this.qa('updateMany', [filter, update, options]);
  }

  /** Replaces the first matching document. */
  replaceOne(filter: Filter<T>, replacement: T | Document, options?: { upsert?: boolean; hint?: string | Document }): Promise<UpdateResult> {
    return this.qa('replaceOne', [filter, replacement, options]);
  }

  /** Updates one document and returns it (before by default, or after). */
  findOneAndUpdate(filter: Filter<T>, update: UpdateFilter<T>, options?: FindOneAndOptions): Promise<any> {
    return this.qa('findOneAndUpdate', [filter, update, options]);
  }

  /** Replaces one document and returns it (before by default, or after). */
  findOneAndReplace(filter: Filter<T>, replacement: T | Document, options?: FindOneAndOptions): Promise<any> {
    return this.qa('findOneAndReplace', [filter, replacement, options]);
  }

  /** Deletes one document and returns it. */
  findOneAndDelete(filter: Filter<T>, options?: FindOneAndOptions): Promise<any> {
    return this.qa('findOneAndDelete', [filter, options]);
  }

  // ---- deletes ----

  /** Deletes the first matching document. */
  deleteOne(filter: Filter<T> = {}, options?: { hint?: string | Document }): Promise<DeleteResult> {
    return this.qa('deleteOne', [filter, options]);
  }

  /** Deletes every matching document. */
  deleteMany(filter: Filter<T> = {}, options?: { hint?: string | Document }): Promise<DeleteResult> {
    return this.qa('deleteMany', [filter, options]);
  }

  /** Runs many writes in one call; `ordered` (default true) stops at the first duplicate key. */
  async bulkWrite(ops: AnyBulkWriteOperation[], options?: { ordered?: boolean }): Promise<BulkWriteResult> {
    if (!Array.isArray(ops)) throw new LarderError('BAD_QUERY', 'bulkWrite takes an array of operations');
    const prepared = ops.map((op) => {
      const ins = (op as { insertOne?: { document?: unknown } }).insertOne;
      if (ins && typeof ins === 'object') return { insertOne: { ...ins, document: withId(ins.document) } };
      return queryArg(op);
    });
    return throwWriteErrors(await this.c<Document>('bulkWrite', [prepared, options])) as unknown as BulkWriteResult;
  }

  // ---- indexes and admin ----

  /** Creates an index; returns its name. */
  createIndex(keys: Record<string, 1 | -1> | string, options?: IndexOptions): Promise<string> {
    return this.qa('createIndex', [keys, options]);
  }

  /** Creates several indexes; returns their names. */
  createIndexes(specs: Array<{ key: Record<string, 1 | -1> } & IndexOptions>): Promise<string[]> {
    return this.qa('createIndexes', [specs]);
  }

  /** Drops an index by name or key pattern. */
  dropIndex(nameOrKeys: string | Record<string, 1 | -1>): Promise<{ ok: 1 }> {
    return this.c('dropIndex', [nameOrKeys]);
  }

  /** Drops every index except _id. */
  dropIndexes(): Promise<{ ok: 1 }> {
    return this.c('dropIndexes', []);
  }

  /** The collection's indexes (a cursor-like object with toArray(), as in the driver). */
  listIndexes(): { toArray(): Promise<Document[]> } {
    return { toArray: () => this.c('listIndexes', []) };
  }

  /** The collection's indexes as an array (driver: indexes()). */
  indexes(): Promise<Document[]> {
    return this.c('listIndexes', []);
  }

  /** Removes the collection with its documents and indexes; false when it did not exist. */
  drop(): Promise<boolean> {
    return this.c('drop', []);
  }

  /** A change stream of this collection's committed changes (from every tab). */
  watch<U = T>(pipeline: Document[] = [], options?: ChangeStreamOptions): ChangeStream<U> {
    return new ChangeStream<U>(this.feed, this.collectionName, pipeline, options);
  }
}

/** Names and counts of the store's collections (store.listCollections). */
export function listCollections(q: CallQueue, tx?: number): Promise<Array<{ name: string; count?: number }>> {
  return q.call('docs', 'listCollections', [], tx);
}
