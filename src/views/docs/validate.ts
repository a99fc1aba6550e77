/**
 * What a stored document must be: a plain object, no field name starting with '$' (at any depth:
 * such names would read as operators), an `_id` that is not an array (generated as an ObjectId
 * when absent, and moved first as MongoDB does), and at most 16 MiB encoded.
 */
import { ObjectId } from '../../codec/object-id.js';
import { MAX_DEPTH } from '../../codec/limits.js';
import { LarderError } from '../../errors.js';
import { isPlainObject, setOwn, type Doc } from './util.js';

/** MongoDB's document size limit. */
export const MAX_DOC_BYTES = 16 * 1024 * 1024;

function checkNames(v: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new LarderError('BAD_VALUE', `document is nested deeper than ${MAX_DEPTH} levels at ${path}`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkNames(v[i], `${path}.${i}`, depth + 1);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (k.startsWith('$')) throw new LarderError('BAD_VALUE', `field names may not start with '$': '${k}' at ${path || '(root)'}`, { code: 52 });
      checkNames(v[k], path ? `${path}.${k}` : k, depth + 1);
    }
  }
}

/** Checks a document to store and returns it with `_id` first (generated when absent). */
export function prepareDoc(doc: unknown): Doc {
  if (!isPlainObject(doc)) throw new LarderError('BAD_VALUE', `a document must be a plain object, got ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`);
  checkNames(doc, '', 0);
  let id = doc._id;
  if (Object.prototype.hasOwnProperty.call(doc, '_id') && id === undefined) id = undefined;
  if (Array.isArray(id)) throw new LarderError('BAD_VALUE', 'The _id field cannot be an array', { code: 2 });
  const keys = Object.keys(doc);
  if (id !== undefined && keys[0] === '_id') return doc;
  const out: Doc = { _id: id === undefined ? new ObjectId() : id };
  for (const k of keys) if (k !== '_id') setOwn(out, k, doc[k]);
  return out;
}

/** Throws TOO_LARGE for an encoded document over 16 MiB. */
export function checkSize(bytes: Uint8Array): void {
  if (bytes.length > MAX_DOC_BYTES) throw new LarderError('TOO_LARGE', `document is ${bytes.length} bytes; the limit is ${MAX_DOC_BYTES} (16 MiB)`, { code: 10334 });
}
