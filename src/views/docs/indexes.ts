/**
 * Secondary index maintenance: which keys a document has in an index, and keeping the 'I' entries
 * in step with the documents. Rules (MongoDB's):
 * - a field's key values are keyValues() (array elements one level down, missing as null, an
 *   empty array as a value below null); a compound index holds every combination (capped: a
 *   document with more than MAX_KEYS keys in one index is refused, like "parallel arrays");
 * - sparse: a document with none of the indexed fields is left out;
 * - partial: a document not matching partialFilterExpression is left out;
 * - unique: two documents may not share a key (missing counts as null, so two documents without
 *   the field collide unless the index is sparse or partial). A violation is DUPLICATE_KEY with
 *   MongoDB's code 11000, keyPattern and keyValue in the details.
 */
import { concatBytes } from '../../bytes.js';
import { T_FALSE, T_NULL, T_STR, T_TRUE } from '../../codec/tags.js';
import { encodeValue, locatePath, numberAt, PATH_MISSING } from '../../codec/value.js';
import { lastVarintEnd, readVarint } from '../../codec/varint.js';
import { LarderError } from '../../errors.js';
import { KeyBuilder, compareBytes, prefixSuccessor } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { indexFields, type IndexDef } from './catalog.js';
import { docPrefix, indexPrefix } from './keys.js';
import { queryValues, keyValuesOf } from './paths.js';
import { compileFilter, type Predicate } from './query/matcher.js';
import { setOwn, type Doc } from './util.js';

const sharedBuilder = new KeyBuilder(256);

/** Most keys one document may have in one index. */
export const MAX_KEYS = 1000;

/** An index ready for use in one call: its definition plus compiled parts. */
export interface LiveIndex {
  def: IndexDef;
  fields: Array<{ path: string; parts: string[]; dir: 1 | -1 }>;
  prefix: Uint8Array;
  partial?: Predicate;
  /** Each field's path as locatePath takes it (see bytePaths), made when first needed. */
  bytePaths?: Uint8Array[][];
}

/** The paths of `ix`'s fields as locatePath takes them: each part as an object key is stored. */
export function bytePaths(ix: LiveIndex): Uint8Array[][] {
  // A string's encoding is its tag then exactly the bytes an object key is stored as.
  return (ix.bytePaths ??= ix.fields.map((f) => f.parts.map((p) => encodeValue(p).subarray(1))));
}

/** Prepares an index definition for a call. */
export function liveIndex(coll: string, def: IndexDef): LiveIndex {
  const li: LiveIndex = { def, fields: indexFields(def), prefix: indexPrefix(coll, def.id) };
  if (def.partialFilterExpression) li.partial = compileFilter(def.partialFilterExpression);
  return li;
}

/** A document's keys in one index (without prefix and _id), the values each was built from, and whether it is multikey there. */
export interface IndexKeys {
  keys: Uint8Array[];
  values: unknown[][];
  multikey: boolean;
}

/** The key values (without prefix and _id) of `doc` in `ix`, and whether the document is multikey there. */
export function indexKeys(ix: LiveIndex, doc: Doc): IndexKeys {
  if (ix.partial && !ix.partial(doc)) return { keys: [], values: [], multikey: false };
  const fields = ix.fields;
  // The query candidates of each field, read once: keyValues() is a function of them.
  const cands: unknown[][] = new Array(fields.length);
  let multikey = false;
  let anyPresent = false;
  for (let i = 0; i < fields.length; i++) {
    const c = queryValues(doc, fields[i]!.parts);
    if (c.length > 1) multikey = true;
    for (let j = 0; j < c.length; j++) {
      const v = c[j];
      if (v !== undefined) anyPresent = true;
      if (Array.isArray(v)) multikey = true;
    }
    cands[i] = c;
  }
  if (ix.def.sparse && !anyPresent) return { keys: [], values: [], multikey: false };
  const kb = sharedBuilder.reset();
  if (!multikey) {
    // The usual document: at most one scalar per field, so exactly one key (keyValues' rules
    // for that case: missing, or no candidate at all, is null).
    const combo: unknown[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const v = cands[i]!.length === 0 ? undefined : cands[i]![0];
      combo[i] = v === undefined ? null : v;
      kb.add(combo[i], fields[i]!.dir);
    }
    return { keys: [kb.finish()], values: [combo], multikey: false };
  }
  const perField = cands.map(keyValuesOf);
  let combos: unknown[][] = [[]];
  for (const vals of perField) {
    const next: unknown[][] = [];
    for (const c of combos) for (const v of vals) next.push([...c, v]);
    if (next.length > MAX_KEYS) throw new LarderError('BAD_VALUE', `document has more than ${MAX_KEYS} keys in index '${ix.def.name}' (cannot index parallel arrays)`, { code: 171 });
    combos = next;
  }
  const keys: Uint8Array[] = [];
  const values: unknown[][] = [];
  // Deduplicate only when there is more than one key (multikey); the common case builds one.
  const seen = combos.length > 1 ? new Set<string>() : undefined;
  for (const combo of combos) {
    kb.reset();
    for (let i = 0; i < combo.length; i++) kb.add(combo[i], fields[i]!.dir);
    const k = kb.finish();
    if (seen) {
      const h = latin1(k);
      if (seen.has(h)) continue;
      seen.add(h);
    }
    keys.push(k);
    values.push(combo);
  }
  return { keys, values, multikey };
}

/** The key component of the canonical scalar at buf[s], appended to `kb`; false (nothing appended) for other values. */
export function scalarKey(buf: Uint8Array, s: number, kb: KeyBuilder, dir: 1 | -1): boolean {
  const x = numberAt(buf, s);
  if (x !== undefined) {
    kb.addNumber(x, dir);
    return true;
  }
  switch (buf[s]) {
    case T_STR: {
      const n = readVarint(buf, s + 1);
      if (n < 0) return false; // not a string's length: decoded, which reports it
      const at = lastVarintEnd();
      kb.addUtf8(buf, at, at + n, dir);
      return true;
    }
    case T_NULL:
      kb.add(null, dir);
      return true;
    case T_TRUE:
    case T_FALSE:
      kb.add(buf[s] === T_TRUE, dir);
      return true;
    default:
      return false; // Dates, ObjectIds, binary, arrays, objects, undefined: decoded (see PackedSource)
  }
}

/**
 * The one entry of the encoded document `bytes` (whose _id has key bytes `idBytes`) in `ix`: the
 * 'I' key entryKey gives for the key indexKeys builds from the decoded document, built from the
 * bytes, for an index that is neither partial nor sparse. Undefined when a field's value is not a
 * scalar scalarKey keys or its path runs through an array (the document may have several keys
 * there, or keyValues' rules for other types apply): the caller decodes then.
 */
export function scalarEntryKey(ix: LiveIndex, bytes: Uint8Array, idBytes: Uint8Array, kb: KeyBuilder): Uint8Array | undefined {
  const paths = bytePaths(ix);
  kb.reset().bytes(ix.prefix);
  for (let i = 0; i < paths.length; i++) {
    const dir = ix.fields[i]!.dir;
    const at = locatePath(bytes, 0, bytes.length, paths[i]!);
    if (at === PATH_MISSING) kb.add(null, dir); // missing: null, as indexKeys keys it
    else if (at < 0 || !scalarKey(bytes, at, kb, dir)) return undefined;
  }
  return kb.bytes(idBytes).finish();
}

/** Bytes as a string usable as a Map/Set key. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** The full 'I' key of one entry. */
export function entryKey(ix: LiveIndex, key: Uint8Array, idBytes: Uint8Array): Uint8Array {
  return concatBytes([ix.prefix, key, idBytes]);
}

const EMPTY = new Uint8Array(0);

/**
 * Throws DUPLICATE_KEY when a unique index already holds `key` for a document other than the one
 * with `idBytes`.
 */
export function checkUnique(ctx: ViewContext, coll: string, ix: LiveIndex, key: Uint8Array, values: unknown[], idBytes: Uint8Array): void {
  if (!ix.def.unique) return;
  const p = concatBytes([ix.prefix, key]);
  for (const [k] of ctx.ks.range({ gte: p, lt: prefixSuccessor(p), keysOnly: true })) {
    if (compareBytes(k.subarray(p.length), idBytes) !== 0) throw duplicate(coll, ix.def.name, ix.def.key, values);
  }
}

/** The DUPLICATE_KEY error MongoDB reports (code 11000, keyPattern, keyValue). */
export function duplicate(coll: string, index: string, keyPattern: Record<string, number>, values: unknown[]): LarderError {
  const keyValue: Doc = {};
  Object.keys(keyPattern).forEach((k, i) => setOwn(keyValue, k, values[i]));
  const shown = Object.keys(keyPattern).map((k, i) => `${k}: ${show(values[i])}`).join(', ');
  return new LarderError('DUPLICATE_KEY', `E11000 duplicate key error collection: ${coll} index: ${index} dup key: { ${shown} }`, { code: 11000, index, keyPattern, keyValue });
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Adds the entries of a document to an index (after checkUnique). */
export function putEntries(ctx: ViewContext, ix: LiveIndex, keys: Uint8Array[], idBytes: Uint8Array): void {
  for (const k of keys) putEntry(ctx, entryKey(ix, k, idBytes));
}

/** Adds one entry (its whole 'I' key) that the document did not have. */
export function putEntry(ctx: ViewContext, entry: Uint8Array): void {
  // An entry names its document's _id, and the callers add only keys the document did not have
  // in this index (a new document, a new index, or an update's added keys): the entry is absent,
  // so its previous value is not read back for the undo log.
  ctx.batch.putOver(entry, EMPTY, undefined);
}

/** Removes the entries of a document from an index (keys the stored document has there). */
export function delEntries(ctx: ViewContext, ix: LiveIndex, keys: Uint8Array[], idBytes: Uint8Array): void {
  for (const k of keys) delEntry(ctx, entryKey(ix, k, idBytes));
}

/** Removes one entry (its whole 'I' key) the stored document has. */
export function delEntry(ctx: ViewContext, entry: Uint8Array): void {
  // Every entry's value is empty, so the undo log needs no read of it.
  ctx.batch.delKnown(entry, EMPTY);
}

/** Deletes every key in [prefix, successor): used by drop and dropIndex. Returns the count. */
export function deleteRange(ctx: ViewContext, prefix: Uint8Array): number {
  const keys: Uint8Array[] = [];
  for (const [k] of ctx.ks.range({ gte: prefix, lt: prefixSuccessor(prefix), keysOnly: true })) keys.push(k);
  for (const k of keys) ctx.batch.del(k);
  return keys.length;
}

export { docPrefix };
