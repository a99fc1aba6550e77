/**
 * The walk of a packed insertMany's message (see packed.ts): checks that every document is the
 * canonical encoding of a valid document, i.e. what encodeValue(prepareDoc(decodeValue(bytes)))
 * returns (smallest integer forms, no duplicate or integer-like object keys, ASCII field names not
 * starting with '$', UTF-8 strings, in-range Dates, ...), and records where each document, its
 * `_id` and the top-level fields the indexes read are. Anything else throws NO (the caller then
 * declines, and the ordinary method decodes and reports the input as always).
 *
 * The walk reads every byte of a bulk insert (it was a third of the worker's time for one), so it
 * is written for speed: positions are passed and returned (locals, not module state read on every
 * byte), strings are checked for non-ASCII bytes with one test each, and the field names of each
 * object are compared with those of the previous object at the same depth. A bulk insert's
 * documents nearly all have one shape, and a name equal to the one in the same place of an
 * object that passed is itself valid and distinct from the names before it (those equal the
 * previous object's too), so only a name that differs is checked in full (ASCII, first character,
 * against every earlier name).
 */
import { decodeValueAt } from '../../codec/value.js';
import { MAX_DEPTH } from '../../codec/limits.js';
import { lastVarintEnd, readVarint } from '../../codec/varint.js';
import { T_ARRAY, T_BYTES, T_DATE, T_F64, T_FALSE, T_HOLE, T_NINT, T_NULL, T_OBJECT, T_OID, T_SMALL, T_STR, T_TRUE, T_UINT, T_UNDEFINED } from '../../codec/tags.js';
import { checkName, MAX_NAME } from './keys.js';
import { MAX_DOC_BYTES } from './validate.js';

/** Thrown inside the walk for bytes it does not accept. */
export const NO = new Error('declined');

/** Where the last varint read by `varint` ended (a second result, so positions stay locals). */
let varintEnd = 0;

/**
 * The canonical varint at b[p] (readVarint); it ends at `varintEnd`. Anything else is declined.
 * Counts and lengths are nearly always one byte: that case is taken here without the general read.
 */
function varint(b: Uint8Array, p: number): number {
  const x = b[p];
  if (x !== undefined && x < 0x80) {
    varintEnd = p + 1;
    return x;
  }
  const n = readVarint(b, p);
  if (n < 0) throw NO;
  varintEnd = lastVarintEnd();
  return n;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** The float64 at b[p, p + 8). */
function readF64(b: Uint8Array, p: number): number {
  if (p + 8 > b.length) throw NO;
  for (let i = 0; i < 8; i++) f64b[i] = b[p + i]!;
  return f64[0]!;
}

/** Well-formed UTF-8 in b[start, end) (no overlongs, surrogates or code points past U+10FFFF). */
function utf8(b: Uint8Array, start: number, end: number): void {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= end || (b[i + 1]! & 0xc0) !== 0x80) throw NO;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= end) throw NO;
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2]! & 0xc0) !== 0x80) throw NO;
      if (c === 0xe0 && c1 < 0xa0) throw NO; // overlong
      if (c === 0xed && c1 >= 0xa0) throw NO; // a surrogate
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= end) throw NO;
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) throw NO;
      if (c === 0xf0 && c1 < 0x90) throw NO; // overlong
      if (c === 0xf4 && c1 >= 0x90) throw NO; // past U+10FFFF
      i += 4;
    } else throw NO;
  }
}

/** Walks a string's body (after its tag) at b[p]: well-formed UTF-8; returns where it ends. */
function string(b: Uint8Array, p: number): number {
  const n = varint(b, p);
  p = varintEnd;
  const end = p + n;
  if (end > b.length) throw NO;
  // Mostly ASCII: one test per string rather than a branch per byte.
  let or = 0;
  for (let i = p; i < end; i++) or |= b[i]!;
  if (or >= 0x80) utf8(b, p, end);
  return end;
}

/**
 * Walks the value at b[p] (see value), taking the usual small integers and strings without a
 * call (value recurses, so is not inlined).
 */
function field(b: Uint8Array, p: number, depth: number, inArray: boolean): number {
  const tag = b[p];
  if (tag !== undefined && tag >= T_SMALL) return p + 1;
  if (tag === T_STR) return string(b, p + 1);
  return value(b, p, depth, inArray);
}

/**
 * Walks the value at b[p] that must be canonical and storable (see the file header), inside an
 * array when `inArray` (the only place a hole may be); returns where it ends.
 */
function value(b: Uint8Array, p: number, depth: number, inArray: boolean): number {
  if (p >= b.length) throw NO;
  const tag = b[p++]!;
  if (tag >= T_SMALL) return p;
  switch (tag) {
    case T_STR:
      return string(b, p);
    case T_NULL:
    case T_UNDEFINED:
    case T_FALSE:
    case T_TRUE:
      return p;
    case T_HOLE:
      if (!inArray) throw NO;
      return p;
    case T_UINT:
      if (varint(b, p) < 0x80) throw NO;
      return varintEnd;
    case T_NINT:
      if (varint(b, p) === 0) throw NO;
      return varintEnd;
    case T_F64: {
      const v = readF64(b, p);
      // The encoder writes safe integers (but -0) as integers, and NaN in one bit pattern only.
      if (Number.isNaN(v) || (Number.isSafeInteger(v) && !Object.is(v, -0))) throw NO;
      return p + 8;
    }
    case T_DATE: {
      const ms = readF64(b, p);
      if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15 || Object.is(ms, -0)) throw NO;
      return p + 8;
    }
    case T_BYTES: {
      const n = varint(b, p);
      p = varintEnd;
      if (p + n > b.length) throw NO;
      return p + n;
    }
    case T_OID:
      if (p + 12 > b.length) throw NO;
      return p + 12;
    case T_ARRAY: {
      if (depth >= MAX_DEPTH / 2) throw NO;
      const n = varint(b, p);
      p = varintEnd;
      if (n > b.length - p) throw NO;
      for (let i = 0; i < n; i++) p = field(b, p, depth + 1, true);
      return p;
    }
    case T_OBJECT:
      if (depth >= MAX_DEPTH / 2) throw NO;
      return object(b, p, depth + 1);
    default:
      throw NO; // WTF-8 strings, bigints: rare, left to the ordinary path
  }
}

/**
 * Per depth, where the field names of the last object walked at that depth start (`shapes[d]`,
 * `shapeLength[d]` of them): in the message, so valid for one parse. A name equal to the one at
 * the same place there (and all before it equal too) needs no other check (see the file header).
 */
const shapes: number[][] = [];
const shapeLength: number[] = [];

/** True when the field names (varint length, then the bytes) at b[p] and b[q] are the same. */
function sameName(b: Uint8Array, p: number, q: number): boolean {
  const kl = b[p];
  if (kl !== b[q]) return false;
  for (let i = 1; i <= kl!; i++) if (b[p + i] !== b[q + i]) return false;
  return true;
}

/**
 * Checks the field name at b[p] (varint length, bytes), the k-th of its object, against the
 * names before it (`starts[0, k)`): ASCII, not starting with '$' (not storable) or a digit (an
 * integer-like name would be reordered by a JS object), and not a repeat. Returns where it ends.
 */
function newName(b: Uint8Array, p: number, starts: number[], k: number): number {
  const kl = b[p];
  if (kl === undefined || kl >= 0x80) throw NO; // names of 128+ bytes: left to the ordinary path
  const s = p + 1;
  const e = s + kl;
  if (e > b.length) throw NO;
  if (kl > 0) {
    const c = b[s]!;
    if (c === 0x24 || (c >= 0x30 && c <= 0x39)) throw NO;
  }
  let or = 0;
  for (let i = s; i < e; i++) or |= b[i]!;
  if (or >= 0x80) throw NO;
  for (let j = 0; j < k; j++) if (sameName(b, starts[j]!, p)) throw NO;
  return e;
}

/**
 * Walks the k-th field name of an object at b[p], whose depth's names are `starts` (`same`: the
 * names before it were those of the depth's last object, which had a k-th), leaving it as the
 * depth's k-th name; returns where it ends, negated when it differs from that object's (the next
 * names are then checked in full).
 */
function fieldName(b: Uint8Array, p: number, starts: number[], k: number, same: boolean): number {
  if (same && sameName(b, starts[k]!, p)) return p + 1 + b[p]!;
  const end = newName(b, p, starts, k);
  starts[k] = p;
  return -end;
}

/** Makes sure `shapes[depth]` exists. */
function shapeAt(depth: number): void {
  if (shapes.length <= depth) for (let d = shapes.length; d <= depth; d++) {
    shapes.push([]);
    shapeLength.push(0);
  }
}

/** Walks an object's body (after its tag) at `depth`; returns where it ends. */
function object(b: Uint8Array, p: number, depth: number): number {
  const n = varint(b, p);
  p = varintEnd;
  if (n > b.length - p) throw NO;
  shapeAt(depth);
  const starts = shapes[depth]!;
  // Names of the last object's still to compare with: none after the first that differs.
  let known = shapeLength[depth]!;
  for (let k = 0; k < n; k++) {
    const e = fieldName(b, p, starts, k, k < known);
    if (e < 0) known = 0;
    p = field(b, e < 0 ? -e : e, depth, false);
  }
  // Set after the values: deeper objects use other depths, so nothing has changed it meanwhile.
  shapeLength[depth] = n;
  return p;
}

/**
 * The parsed arguments of a packed insertMany: document i is buf[start[i], end[i]), its `_id`
 * value buf[idStart[i], idEnd[i]), and the value of selected top-level field f (see parse) is at
 * buf[fieldStart[f * n + i], fieldEnd[...]) (0 when the document has no such field). Offsets,
 * not a subarray and an object per document: those were a third of a 100k-document insert.
 */
export interface PackedInsert {
  coll: string;
  ordered: boolean;
  n: number;
  buf: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
  idStart: Uint32Array;
  idEnd: Uint32Array;
  fieldStart: Uint32Array;
  fieldEnd: Uint32Array;
}

/** `_id` as an encoded field name. */
const ID_NAME = [3, 0x5f, 0x69, 0x64] as const;

/** The role of a top-level field in the walk: `_id`, another field (-1), or selected field f (>= 0). */
const ID_FIELD = -2;

/** The role of the top-level field whose name starts at b[p], given the selected names' encodings. */
function roleOf(b: Uint8Array, p: number, selected: readonly Uint8Array[]): number {
  if (b[p] === ID_NAME[0] && b[p + 1] === ID_NAME[1] && b[p + 2] === ID_NAME[2] && b[p + 3] === ID_NAME[3]) return ID_FIELD;
  for (let f = 0; f < selected.length; f++) {
    const name = selected[f]!;
    let i = 0;
    while (i < name.length && b[p + i] === name[i]) i++;
    if (i === name.length) return f;
  }
  return -1;
}

/** Per place in the depth-0 shape (the last document's fields), that field's role (roleOf). */
const roles: number[] = [];

/**
 * Walks document i at b[p] into `out`'s columns, or throws NO (not an object, no `_id`, an array
 * or undefined `_id`, over 16 MiB, not canonical). Returns where it ends; `moved` gets [i, where
 * its `_id` field's name starts] when that is not the first field (the document must be
 * reordered).
 */
function document(b: Uint8Array, p: number, out: PackedInsert, i: number, selected: readonly Uint8Array[], moved: Array<[number, number]>): number {
  const start = p;
  if (b[p++] !== T_OBJECT) throw NO;
  const n = varint(b, p);
  p = varintEnd;
  if (n > b.length - p) throw NO;
  const fieldsStart = p;
  let idField = -1;
  const starts = shapes[0]!;
  let known = shapeLength[0]!;
  const docs = out.n;
  for (let k = 0; k < n; k++) {
    const ks = p;
    let vs = fieldName(b, p, starts, k, k < known);
    if (vs < 0) {
      known = 0;
      vs = -vs;
      roles[k] = roleOf(b, ks, selected);
    }
    const role = roles[k]!;
    const tag = b[vs];
    p = field(b, vs, 0, false);
    if (role === ID_FIELD) {
      // prepareDoc generates an id for an undefined one, and refuses an array.
      if (tag === T_UNDEFINED || tag === T_ARRAY) throw NO;
      idField = ks;
      out.idStart[i] = vs;
      out.idEnd[i] = p;
    } else if (role >= 0) {
      out.fieldStart[role * docs + i] = vs;
      out.fieldEnd[role * docs + i] = p;
    }
  }
  shapeLength[0] = n;
  if (idField < 0 || p - start > MAX_DOC_BYTES) throw NO;
  out.start[i] = start;
  out.end[i] = p;
  if (idField !== fieldsStart) moved.push([i, idField]);
  return p;
}

/**
 * Parses `[coll, docs, options?]`, recording where the top-level fields named by `fieldsOf(coll)`
 * (their encodings as object keys: codec fieldSelector) are in each document; throws NO for
 * anything not taken here. The collection name comes first, so it can say which fields to record.
 */
export function parse(b: Uint8Array, fieldsOf: (coll: string) => readonly Uint8Array[]): PackedInsert {
  let p = 0;
  if (b[p++] !== T_ARRAY) throw NO;
  const argc = varint(b, p);
  p = varintEnd;
  if (argc !== 2 && argc !== 3) throw NO;
  // The collection name: a short ASCII string, checked by checkName.
  const nameAt = p;
  if (b[p++] !== T_STR) throw NO;
  const nl = varint(b, p);
  p = varintEnd;
  if (nl > MAX_NAME || p + nl > b.length) throw NO;
  for (let i = p; i < p + nl; i++) if (b[i]! >= 0x80) throw NO;
  const coll = decodeValueAt(b, nameAt, p + nl) as string;
  p += nl;
  try {
    checkName(coll);
  } catch {
    throw NO;
  }
  const selected = fieldsOf(coll);
  if (b[p++] !== T_ARRAY) throw NO;
  const n = varint(b, p);
  p = varintEnd;
  if (n > b.length - p) throw NO;
  const nf = selected.length;
  const out: PackedInsert = {
    coll, ordered: true, n, buf: b,
    start: new Uint32Array(n), end: new Uint32Array(n), idStart: new Uint32Array(n), idEnd: new Uint32Array(n),
    fieldStart: new Uint32Array(nf * n), fieldEnd: new Uint32Array(nf * n),
  };
  const moved: Array<[number, number]> = [];
  // The shapes may hold positions in an earlier message: forget them.
  shapeAt(0);
  shapeLength.fill(0);
  for (let i = 0; i < n; i++) p = document(b, p, out, i, selected, moved);
  if (argc === 3) {
    // Options: none, or exactly { ordered: boolean }.
    const t = b[p++];
    if (t === T_OBJECT) {
      if (b[p++] !== 1) throw NO;
      const name = [7, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x65, 0x64]; // 'ordered'
      for (let i = 0; i < name.length; i++) if (b[p++] !== name[i]) throw NO;
      const v = b[p++];
      if (v !== T_TRUE && v !== T_FALSE) throw NO;
      out.ordered = v === T_TRUE;
    } else if (t !== T_UNDEFINED && t !== T_NULL) throw NO;
  }
  if (p !== b.length) throw NO;
  if (moved.length > 0) idFirst(out, moved, nf);
  return out;
}

/**
 * Moves `_id` first in the documents listed in `moved` ([index, where its `_id` field's name
 * starts]), as prepareDoc does (the page appends a generated `_id` last): each is rewritten, in
 * place in the message (only its own bytes change), with its offsets (and those of its `nf`
 * selected fields) moved along.
 */
function idFirst(out: PackedInsert, moved: Array<[number, number]>, nf: number): void {
  const b = out.buf;
  for (const [i, idField] of moved) {
    const start = out.start[i]!;
    const idValue = out.idStart[i]!;
    const idEnd = out.idEnd[i]!;
    // The fields start after the object tag and its field count (one varint).
    let fieldsStart = start + 1;
    while (b[fieldsStart]! >= 0x80) fieldsStart++;
    fieldsStart++;
    const idLen = idEnd - idField;
    const before = b.slice(fieldsStart, idField); // the fields ahead of `_id`
    b.copyWithin(fieldsStart, idField, idEnd);
    b.set(before, fieldsStart + idLen);
    // An offset in [fieldsStart, idField) moves right by idLen; one in the `_id` field moves to
    // its new place; the rest (after `_id`) stay.
    const shift = (o: number): number => (o >= fieldsStart && o < idField ? o + idLen : o >= idField && o < idEnd ? o - (idField - fieldsStart) : o);
    out.idStart[i] = shift(idValue);
    out.idEnd[i] = out.idStart[i]! + (idEnd - idValue);
    for (let f = 0; f < nf; f++) {
      const k = f * out.n + i;
      const s0 = out.fieldStart[k]!;
      if (s0 === 0) continue;
      const len = out.fieldEnd[k]! - s0;
      out.fieldStart[k] = shift(s0);
      out.fieldEnd[k] = out.fieldStart[k]! + len;
    }
  }
}
