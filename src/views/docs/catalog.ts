/**
 * The catalog: one 'C' entry per collection holding its index definitions. A collection exists
 * once it has a catalog entry; the first write creates it. Index ids are never reused within a
 * collection's life, so a dropped index's keys can never be mistaken for a new index's.
 */
import { decodeValue, encodeValue } from '../../codec/value.js';
import { LarderError } from '../../errors.js';
import { prefixSuccessor } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { CATALOG_TAG, catalogKey, checkName } from './keys.js';
import { isPlainObject, splitPath, type Doc } from './util.js';

/** One secondary index as stored in the catalog. */
export interface IndexDef {
  id: number;
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  /** Set once any document gives more than one key (or an array): ranges then use one bound only, and sorts avoid it. */
  multikey?: boolean;
}

/** A collection's catalog entry. */
export interface CollectionMeta {
  name: string;
  indexes: IndexDef[];
  nextIndexId: number;
}

/** The parsed fields of an index (path parts and directions). */
export function indexFields(def: Pick<IndexDef, 'key'>): Array<{ path: string; parts: string[]; dir: 1 | -1 }> {
  return Object.keys(def.key).map((path) => ({ path, parts: splitPath(path), dir: def.key[path]! }));
}

/** The collection's entry, or undefined when it does not exist. */
export function readMeta(ctx: ViewContext, name: string): CollectionMeta | undefined {
  const v = ctx.ks.get(catalogKey(checkName(name)));
  if (v === undefined) return undefined;
  const m = decodeValue(v);
  if (!isPlainObject(m) || !Array.isArray(m.indexes)) throw new LarderError('CORRUPT', `catalog entry of collection '${name}' is malformed`);
  return m as unknown as CollectionMeta;
}

/** Writes the collection's entry. */
export function writeMeta(ctx: ViewContext, meta: CollectionMeta): void {
  ctx.batch.put(catalogKey(meta.name), encodeValue(meta));
}

/** The entry, creating the collection when it does not exist yet. */
export function ensureMeta(ctx: ViewContext, name: string): CollectionMeta {
  const m = readMeta(ctx, name);
  if (m) return m;
  const meta: CollectionMeta = { name: checkName(name), indexes: [], nextIndexId: 1 };
  writeMeta(ctx, meta);
  return meta;
}

/** Every collection entry, in name order. */
export function listMeta(ctx: ViewContext): CollectionMeta[] {
  const p = new Uint8Array([CATALOG_TAG]);
  const out: CollectionMeta[] = [];
  for (const [, v] of ctx.ks.range({ gte: p, lt: prefixSuccessor(p) })) out.push(decodeValue(v) as CollectionMeta);
  return out;
}
