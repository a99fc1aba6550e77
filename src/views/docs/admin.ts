/**
 * Collection and index management: createIndex(es), dropIndex(es), listIndexes, drop,
 * listCollections. Building an index scans the collection once; a unique violation fails the
 * whole call (nothing is written), as MongoDB refuses to build it.
 */
import { LarderError } from '../../errors.js';
import { prefixSuccessor } from '../../keys/encode.js';
import { decodeValue } from '../../codec/value.js';
import type { ViewContext } from '../view.js';
import { ensureMeta, listMeta, readMeta, writeMeta, type IndexDef } from './catalog.js';
import { checkUnique, deleteRange, indexKeys, liveIndex, putEntries } from './indexes.js';
import { allIndexesPrefix, catalogKey, checkName, docPrefix, indexPrefix } from './keys.js';
import { compileFilter } from './query/matcher.js';
import { isPlainObject, show, splitPath, type Doc } from './util.js';

const INDEX_OPTIONS = new Set(['name', 'unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'background', 'v', 'hidden', 'collation']);

function defaultName(key: Record<string, 1 | -1>): string {
  return Object.keys(key).map((k) => `${k}_${key[k]}`).join('_');
}

function parseKey(key: unknown): Record<string, 1 | -1> {
  if (typeof key === 'string') return { [key]: 1 };
  if (!isPlainObject(key) || Object.keys(key).length === 0) throw new LarderError('BAD_QUERY', `index key pattern must be a non-empty object, got ${show(key)}`);
  if (Object.keys(key).length > 32) throw new LarderError('BAD_QUERY', 'an index may have at most 32 fields');
  const out: Record<string, 1 | -1> = {};
  for (const k of Object.keys(key)) {
    splitPath(k, 'index field');
    if (k.split('.').some((p) => p.startsWith('$'))) throw new LarderError('BAD_QUERY', `index field names may not start with '$': ${k}`);
    const d = key[k];
    if (d === 1 || d === -1) out[k] = d;
    else throw new LarderError('BAD_QUERY', `unsupported index type ${show(d)} for field '${k}': only 1 and -1 are available (no text, 2dsphere or hashed indexes)`);
  }
  return out;
}

function sameKey(a: Record<string, number>, b: Record<string, number>): boolean {
  return JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));
}

function sameOptions(a: IndexDef, b: IndexDef): boolean {
  return !!a.unique === !!b.unique && !!a.sparse === !!b.sparse && a.expireAfterSeconds === b.expireAfterSeconds && JSON.stringify(a.partialFilterExpression ?? null) === JSON.stringify(b.partialFilterExpression ?? null);
}

/** Creates one index (described like an element of createIndexes' argument); returns its name. */
function buildIndex(ctx: ViewContext, coll: string, spec: unknown): string {
  if (!isPlainObject(spec)) throw new LarderError('BAD_QUERY', 'index spec must be an object');
  for (const k of Object.keys(spec)) if (k !== 'key' && !INDEX_OPTIONS.has(k)) throw new LarderError('BAD_QUERY', `unknown index option '${k}'`);
  const key = parseKey(spec.key);
  const name = spec.name === undefined ? defaultName(key) : spec.name;
  if (typeof name !== 'string' || name.length === 0) throw new LarderError('BAD_QUERY', 'index name must be a non-empty string');
  if (key._id !== undefined && Object.keys(key).length === 1 && key._id === 1) return '_id_';
  if (name === '_id_') throw new LarderError('BAD_QUERY', "the index name '_id_' is reserved");
  const def: IndexDef = { id: 0, name, key };
  if (spec.unique !== undefined) def.unique = !!spec.unique;
  if (spec.sparse !== undefined) def.sparse = !!spec.sparse;
  if (spec.partialFilterExpression !== undefined) {
    if (!isPlainObject(spec.partialFilterExpression)) throw new LarderError('BAD_QUERY', 'partialFilterExpression must be an object');
    compileFilter(spec.partialFilterExpression);
    if (def.sparse) throw new LarderError('BAD_QUERY', 'cannot mix partialFilterExpression and sparse');
    def.partialFilterExpression = spec.partialFilterExpression;
  }
  if (spec.expireAfterSeconds !== undefined) {
    const s = spec.expireAfterSeconds;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw new LarderError('BAD_QUERY', 'expireAfterSeconds must be a non-negative number');
    if (Object.keys(key).length !== 1) throw new LarderError('BAD_QUERY', 'TTL indexes are single-field indexes, compound indexes do not support TTL');
    def.expireAfterSeconds = s;
  }
  const meta = ensureMeta(ctx, coll);
  for (const ix of meta.indexes) {
    if (ix.name === name) {
      if (sameKey(ix.key, key) && sameOptions(ix, def)) return name;
      throw new LarderError('BAD_QUERY', `An existing index has the same name as the requested index: ${name}`, { code: 86 });
    }
    if (sameKey(ix.key, key) && !ix.partialFilterExpression && !def.partialFilterExpression) {
      throw new LarderError('BAD_QUERY', `Index already exists with a different name or options: ${ix.name}`, { code: 85 });
    }
  }
  def.id = meta.nextIndexId++;
  const live = liveIndex(coll, def);
  const p = docPrefix(coll);
  const docs: Array<[Uint8Array, Doc]> = [];
  for (const [k, v] of ctx.ks.range({ gte: p, lt: prefixSuccessor(p) })) docs.push([k, decodeValue(v) as Doc]);
  for (const [k, doc] of docs) {
    const idBytes = k.subarray(p.length);
    const r = indexKeys(live, doc);
    for (let i = 0; i < r.keys.length; i++) checkUnique(ctx, coll, live, r.keys[i]!, r.values[i]!, idBytes);
    putEntries(ctx, live, r.keys, idBytes);
    if (r.multikey) def.multikey = true;
  }
  meta.indexes.push(def);
  writeMeta(ctx, meta);
  return name;
}

/** createIndex(keys, options): the index name. */
export function createIndex(ctx: ViewContext, coll: unknown, key: unknown, options?: unknown): string {
  const o = options === undefined || options === null ? {} : options;
  if (!isPlainObject(o)) throw new LarderError('BAD_QUERY', 'index options must be an object');
  return buildIndex(ctx, checkName(coll), { ...o, key });
}

/** createIndexes([{ key, ...options }]): the names. */
export function createIndexes(ctx: ViewContext, coll: unknown, specs: unknown): string[] {
  if (!Array.isArray(specs)) throw new LarderError('BAD_QUERY', 'createIndexes takes an array of index specs');
  return specs.map((s) => buildIndex(ctx, checkName(coll), s));
}

/** dropIndex(name | keyPattern). */
export function dropIndex(ctx: ViewContext, coll: unknown, which: unknown): { ok: 1 } {
  const name = checkName(coll);
  const meta = readMeta(ctx, name);
  if (which === '_id_' || (isPlainObject(which) && sameKey(which as Record<string, number>, { _id: 1 }))) throw new LarderError('BAD_QUERY', 'cannot drop _id index');
  const i = meta ? meta.indexes.findIndex((ix) => (typeof which === 'string' ? ix.name === which : isPlainObject(which) && sameKey(ix.key, which as Record<string, number>))) : -1;
  if (!meta || i < 0) throw new LarderError('NOT_FOUND', `index not found with name [${typeof which === 'string' ? which : show(which)}]`, { code: 27 });
  const [def] = meta.indexes.splice(i, 1);
  deleteRange(ctx, indexPrefix(name, def!.id));
  writeMeta(ctx, meta);
  return { ok: 1 };
}

/** dropIndexes(): every index but _id. */
export function dropIndexes(ctx: ViewContext, coll: unknown): { ok: 1 } {
  const name = checkName(coll);
  const meta = readMeta(ctx, name);
  if (!meta) return { ok: 1 };
  deleteRange(ctx, allIndexesPrefix(name));
  meta.indexes = [];
  writeMeta(ctx, meta);
  return { ok: 1 };
}

/** listIndexes(): the index specs, _id first, in the driver's shape. */
export function listIndexes(ctx: ViewContext, coll: unknown): Doc[] {
  const meta = readMeta(ctx, checkName(coll));
  if (!meta) return [];
  return [
    { v: 2, key: { _id: 1 }, name: '_id_' },
    ...meta.indexes.map((ix) => {
      const o: Doc = { v: 2, key: ix.key, name: ix.name };
      if (ix.unique) o.unique = true;
      if (ix.sparse) o.sparse = true;
      if (ix.partialFilterExpression) o.partialFilterExpression = ix.partialFilterExpression;
      if (ix.expireAfterSeconds !== undefined) o.expireAfterSeconds = ix.expireAfterSeconds;
      return o;
    }),
  ];
}

/** drop(): removes the collection, its documents and indexes; false when it did not exist. */
export function drop(ctx: ViewContext, coll: unknown): boolean {
  const name = checkName(coll);
  if (!readMeta(ctx, name)) return false;
  deleteRange(ctx, docPrefix(name));
  deleteRange(ctx, allIndexesPrefix(name));
  ctx.batch.del(catalogKey(name));
  ctx.emit('docs', { c: name, o: 'drop' });
  return true;
}

/** listCollections(): names (in order) with document counts. */
export function listCollections(ctx: ViewContext): Array<{ name: string; type: 'collection'; count: number }> {
  return listMeta(ctx).map((m) => {
    const p = docPrefix(m.name);
    let count = 0;
    for (const _ of ctx.ks.range({ gte: p, lt: prefixSuccessor(p), keysOnly: true })) count++;
    return { name: m.name, type: 'collection' as const, count };
  });
}
