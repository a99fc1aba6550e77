/**
 * Larder's public API. Everything an app needs comes from here.
 */
export { openStore, importInto } from './client/open-store.js';
export type { StoreOptions } from './client/open-store.js';
export { Store, Transaction } from './client/store.js';
export { KvApi } from './client/kv.js';
export type { KvMulti, RedisArg, SetOptions, GetExOptions, ScanOptions, ZAddOptions, ZRangeOptions, ZMember, KeyspaceEvent, KvInfo } from './client/kv.js';
export { Collection } from './client/collection.js';
export type { Document, Filter, UpdateFilter, WithId, InsertOneResult, InsertManyResult, UpdateResult, DeleteResult, BulkWriteResult, FindOptions, FindOneAndOptions, IndexOptions, AnyBulkWriteOperation } from './client/collection.js';
export type { FindCursor, AggregationCursor } from './client/cursor.js';
export type { ChangeStream, ChangeStreamDocument, ChangeStreamOptions } from './client/change-stream.js';
export { Graph } from './client/graph.js';
export type { GraphNode, GraphEdge, Direction, AdjacencyOptions, TraverseOptions, Visit, PathOptions, Path, QueryResult, ImportProgress, ImportOptions, CsvImportOptions, GraphJSON } from './client/graph.js';
export { ObjectId } from './codec/object-id.js';
export type { BatchOp, ListOptions } from './client/values.js';
export type { ChangeEvent } from './worker/protocol.js';
export { LarderError, isLarderError } from './errors.js';
export type { LarderErrorCode } from './errors.js';
