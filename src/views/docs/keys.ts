/**
 * The document view's keyspace layout. Every key starts with a tag byte and the collection name
 * as an order-preserving string component (prefix-free, so one collection's keys never run into
 * another's):
 *
 *   'C' name                                   -> catalog entry (indexes, options), value codec
 *   'D' name enc(_id)                          -> the document, value codec
 *   'I' name u32(indexId) enc(k1..kn) enc(_id) -> empty (one entry per index key of a document)
 *
 * enc() is keys/encode.ts: byte order is MongoDB's comparison order, so a scan of 'D' name is
 * the collection in _id order and an index range is a key range. Index components are encoded in
 * their index direction (descending inverts the bytes). All tags live in the B+tree: documents are
 * range-scanned by collection, and indexes are ranges by nature.
 */
import { LarderError } from '../../errors.js';
import { decodeKeyComponent, encodeKey, KeyBuilder } from '../../keys/encode.js';

/** Catalog tag. */
export const CATALOG_TAG = 0x43; // 'C'
/** Document tag. */
export const DOC_TAG = 0x44; // 'D'
/** Index entry tag. */
export const INDEX_TAG = 0x49; // 'I'

/** Longest collection name accepted (MongoDB's namespace limit is 255 bytes). */
export const MAX_NAME = 255;

/** Checks a collection name: a non-empty string without '$' or NUL, at most 255 characters. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new LarderError('BAD_VALUE', 'collection name must be a non-empty string');
  if (name.length > MAX_NAME) throw new LarderError('BAD_VALUE', `collection name is longer than ${MAX_NAME} characters`);
  if (name.includes('$') || name.includes('\0')) throw new LarderError('BAD_VALUE', `invalid collection name '${name}': no '$' or NUL characters`);
  return name;
}

const nameCache = new Map<string, Uint8Array>();

/** The encoded collection name component (cached: every key of a call repeats it). */
export function nameBytes(name: string): Uint8Array {
  let b = nameCache.get(name);
  if (!b) {
    b = encodeKey(name);
    if (nameCache.size > 1000) nameCache.clear();
    nameCache.set(name, b);
  }
  return b;
}

function prefixed(tag: number, name: string): Uint8Array {
  const n = nameBytes(name);
  const out = new Uint8Array(1 + n.length);
  out[0] = tag;
  out.set(n, 1);
  return out;
}

/** 'C' name. */
export function catalogKey(name: string): Uint8Array {
  return prefixed(CATALOG_TAG, name);
}

/** 'D' name: the prefix of every document of a collection. */
export function docPrefix(name: string): Uint8Array {
  return prefixed(DOC_TAG, name);
}

/** 'D' name enc(_id). */
export function docKey(name: string, id: unknown): Uint8Array {
  return new KeyBuilder(64).bytes(docPrefix(name)).add(id).finish();
}

/** 'D' prefix + already-encoded _id bytes. */
export function docKeyFromIdBytes(prefix: Uint8Array, idBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + idBytes.length);
  out.set(prefix);
  out.set(idBytes, prefix.length);
  return out;
}

/** 'I' name u32(indexId): the prefix of every entry of one index. */
export function indexPrefix(name: string, indexId: number): Uint8Array {
  const n = nameBytes(name);
  const out = new Uint8Array(1 + n.length + 4);
  out[0] = INDEX_TAG;
  out.set(n, 1);
  const p = 1 + n.length;
  out[p] = indexId >>> 24;
  out[p + 1] = (indexId >>> 16) & 0xff;
  out[p + 2] = (indexId >>> 8) & 0xff;
  out[p + 3] = indexId & 0xff;
  return out;
}

/** 'I' name: the prefix of every index entry of a collection. */
export function allIndexesPrefix(name: string): Uint8Array {
  return prefixed(INDEX_TAG, name);
}

/** The collection name and the _id of a 'D' key (for the change feed); undefined if malformed. */
export function describeDocKey(key: Uint8Array): { collection: string; id: unknown } | undefined {
  try {
    const n = decodeKeyComponent(key, 1);
    const id = decodeKeyComponent(key, n.offset);
    return { collection: n.value as string, id: id.value };
  } catch {
    return undefined;
  }
}
