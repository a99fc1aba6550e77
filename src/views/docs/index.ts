/**
 * The document view: MongoDB's query, update, index and aggregation language over the keyspace
 * (issue 5). Key layout in keys.ts; how a query runs in planner.ts, scan.ts and find.ts; writes
 * in writer.ts and write.ts; cursors (snapshots) in cursor.ts. Every method takes the collection
 * name first; the client facade (src/client/collection.ts) gives them the driver's shape.
 */
import type { View, ViewContext } from '../view.js';
import * as admin from './admin.js';
import { CATALOG_TAG, DOC_TAG, INDEX_TAG, describeDocKey } from './keys.js';
import { insertManyPacked } from './packed.js';
import * as read from './read.js';
import { expire } from './ttl.js';
import * as write from './write.js';

export { compileFilter, matches } from './query/index.js';

/** The docs view, registered with the worker as target 'docs'. */
export const docsView: View = {
  name: 'docs',
  tag: DOC_TAG,
  tags: [INDEX_TAG, CATALOG_TAG],
  methods: {
    find: read.find,
    findCursor: read.findCursor,
    cursorNext: read.cursorNext,
    cursorClose: read.cursorClose,
    findOne: read.findOne,
    countDocuments: read.countDocuments,
    estimatedDocumentCount: read.estimatedDocumentCount,
    distinct: read.distinct,
    aggregate: read.aggregateDocs,
    aggregateCursor: read.aggregateCursor,
    explain: read.explain,
    insertOne: write.insertOne,
    insertMany: write.insertMany,
    updateOne: write.updateOne,
    updateMany: write.updateMany,
    replaceOne: write.replaceOne,
    deleteOne: write.deleteOne,
    deleteMany: write.deleteMany,
    findOneAndUpdate: write.findOneAndUpdate,
    findOneAndReplace: write.findOneAndReplace,
    findOneAndDelete: write.findOneAndDelete,
    bulkWrite: write.bulkWrite,
    createIndex: admin.createIndex,
    createIndexes: admin.createIndexes,
    dropIndex: admin.dropIndex,
    dropIndexes: admin.dropIndexes,
    listIndexes: admin.listIndexes,
    drop: admin.drop,
    listCollections: admin.listCollections,
  },
  /** insertMany straight from the message bytes (packed.ts); other calls decode their arguments. */
  packedMethods: { insertMany: insertManyPacked },
  /**
   * A changed document's key as JSON `[collection, id]` (id as its hex/string form), so the
   * change feed tells which collection changed without decoding documents.
   */
  describeKey(key: Uint8Array): string | undefined {
    const d = describeDocKey(key);
    if (!d) return undefined;
    let id: unknown = d.id;
    if (typeof id === 'object' && id !== null && !(id instanceof Date)) id = String(id);
    try {
      return JSON.stringify([d.collection, id]);
    } catch {
      return JSON.stringify([d.collection, null]);
    }
  },
  housekeeping(ctx: ViewContext): void {
    expire(ctx);
  },
};
