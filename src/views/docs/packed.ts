/**
 * insertMany's fast path from the message bytes (View.packedMethods): the page encodes each
 * document with the value codec, and a valid document with `_id` is stored as exactly those
 * bytes (prepareDoc then encodeValue give them back), so decoding 100k documents into objects
 * only to encode them again was most of the worker's share of a bulk insert. Here the documents
 * are checked in place instead, and only `_id` and the top-level fields the indexes read are
 * decoded.
 *
 * The check is deliberately narrow: it accepts a document only when its bytes are the canonical
 * encoding of a valid document, i.e. what encodeValue(prepareDoc(decodeValue(bytes))) returns
 * (smallest integer forms, no duplicate or integer-like object keys, ASCII field names not
 * starting with '$', UTF-8 strings, in-range Dates, ...). Anything else, including every invalid
 * input, is DECLINED before anything is written, and the ordinary method decodes, stores or
 * reports it as always. A document whose `_id` is not its first field (the page appends a
 * generated one) has its `_id` field moved first, as prepareDoc does.
 */
import { decodeFields, decodeValueAt, fieldSelector, type FieldSelector } from '../../codec/value.js';
import { MAX_DEPTH } from '../../codec/limits.js';
import { T_ARRAY, T_BYTES, T_DATE, T_F64, T_FALSE, T_HOLE, T_NINT, T_NULL, T_OBJECT, T_OID, T_SMALL, T_STR, T_TRUE, T_UINT, T_UNDEFINED } from '../../codec/tags.js';
import { DECLINED, type ViewContext } from '../view.js';
import { checkName, MAX_NAME } from './keys.js';
import { MAX_DOC_BYTES } from './validate.js';
import type { Doc } from './util.js';
import { Writer } from './writer.js';
import { insertManyResult } from './write.js';


/** Thrown inside the walk for bytes it does not accept (caught in insertManyPacked: DECLINED). */
const NO = new Error('declined');

let src: Uint8Array = new Uint8Array(0);
let at = 0;
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** A canonical varint (shortest form, at most 2^53 - 1). */
function varint(): number {
  let b = src[at++];
  if (b === undefined) throw NO;
  if (b < 0x80) return b;
  let result = b & 0x7f;
  let mul = 128;
  for (let i = 1; ; i++) {
    b = src[at++];
    if (b === undefined) throw NO;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (b === 0) throw NO; // a trailing zero group: not the shortest form
      break;
    }
    if (i === 7) throw NO;
    mul *= 128;
  }
  if (result > Number.MAX_SAFE_INTEGER) throw NO;
  return result;
}

function readF64(): number {
  if (at + 8 > src.length) throw NO;
  for (let i = 0; i < 8; i++) f64b[i] = src[at + i]!;
  at += 8;
  return f64[0]!;
}

/** Well-formed UTF-8 in src[start, end) (no overlongs, surrogates or code points past U+10FFFF). */
function utf8(start: number, end: number): void {
  let i = start;
  while (i < end) {
    const b = src[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 >= end || (src[i + 1]! & 0xc0) !== 0x80) throw NO;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 >= end) throw NO;
      const c1 = src[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (src[i + 2]! & 0xc0) !== 0x80) throw NO;
      if (b === 0xe0 && c1 < 0xa0) throw NO; // overlong
      if (b === 0xed && c1 >= 0xa0) throw NO; // a surrogate
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 >= end) throw NO;
      const c1 = src[i + 1]!;
      if ((c1 & 0xc0) !== 0x80 || (src[i + 2]! & 0xc0) !== 0x80 || (src[i + 3]! & 0xc0) !== 0x80) throw NO;
      if (b === 0xf0 && c1 < 0x90) throw NO; // overlong
      if (b === 0xf4 && c1 >= 0x90) throw NO; // past U+10FFFF
      i += 4;
    } else throw NO;
  }
}

/**
 * Walks one value at `at` that must be canonical and storable (see the file header), inside an
 * array when `inArray` (the only place a hole may be).
 */
function value(depth: number, inArray: boolean): void {
  const tag = src[at++];
  if (tag === undefined) throw NO;
  if (tag >= T_SMALL) return;
  switch (tag) {
    case T_NULL:
    case T_UNDEFINED:
    case T_FALSE:
    case T_TRUE:
      return;
    case T_HOLE:
      if (!inArray) throw NO;
      return;
    case T_UINT:
      if (varint() < 0x80) throw NO;
      return;
    case T_NINT:
      if (varint() === 0) throw NO;
      return;
    case T_F64: {
      const v = readF64();
      // The encoder writes safe integers (but -0) as integers, and NaN in one bit pattern only.
      if (Number.isNaN(v) || (Number.isSafeInteger(v) && !Object.is(v, -0))) throw NO;
      return;
    }
    case T_STR: {
      const n = varint();
      const end = at + n;
      if (end > src.length) throw NO;
      for (let i = at; i < end; i++) {
        if (src[i]! >= 0x80) {
          utf8(i, end);
          break;
        }
      }
      at = end;
      return;
    }
    case T_DATE: {
      const ms = readF64();
      if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15 || Object.is(ms, -0)) throw NO;
      return;
    }
    case T_BYTES: {
      const n = varint();
      if (at + n > src.length) throw NO;
      at += n;
      return;
    }
    case T_OID:
      if (at + 12 > src.length) throw NO;
      at += 12;
      return;
    case T_ARRAY: {
      if (depth >= MAX_DEPTH / 2) throw NO;
      const n = varint();
      if (n > src.length - at) throw NO;
      for (let i = 0; i < n; i++) value(depth + 1, true);
      return;
    }
    case T_OBJECT:
      if (depth >= MAX_DEPTH / 2) throw NO;
      object(depth + 1);
      return;
    default:
      throw NO; // WTF-8 strings, bigints: rare, left to the ordinary path
  }
}

/** Field name starts of the object being walked, per depth (reused: no array per object). */
const nameStarts: number[][] = [];

/** Walks an object's body (after its tag); field names must be canonical (see fieldName). */
function object(depth: number): void {
  const n = varint();
  if (n > src.length - at) throw NO;
  const starts = (nameStarts[depth] ??= []);
  starts.length = 0;
  for (let i = 0; i < n; i++) {
    const ks = at;
    fieldName(starts);
    starts.push(ks);
    value(depth, false);
  }
}

/**
 * Checks a field name at `at` (varint length, bytes) and moves past it: ASCII, not starting with
 * '$' (not storable) or a digit (an integer-like name would be reordered by a JS object), and not
 * a repeat of an earlier name of the same object (`starts`: where each earlier name begins).
 */
function fieldName(starts: number[]): void {
  const kl = src[at]!;
  if (kl >= 0x80) throw NO; // names of 128+ bytes: left to the ordinary path
  const s = at + 1;
  const e = s + kl;
  if (e > src.length) throw NO;
  if (kl > 0) {
    const c = src[s]!;
    if (c === 0x24 || (c >= 0x30 && c <= 0x39)) throw NO;
  }
  for (let i = s; i < e; i++) if (src[i]! >= 0x80) throw NO;
  for (let j = 0; j < starts.length; j++) {
    const o = starts[j]!;
    if (src[o] !== kl) continue;
    let b = 0;
    while (b < kl && src[o + 1 + b] === src[s + b]) b++;
    if (b === kl) throw NO;
  }
  at = e;
}

/** `_id` as an encoded field name. */
const ID_NAME = [3, 0x5f, 0x69, 0x64] as const;

function isIdName(p: number): boolean {
  return src[p] === ID_NAME[0] && src[p + 1] === ID_NAME[1] && src[p + 2] === ID_NAME[2] && src[p + 3] === ID_NAME[3];
}

/** One document found in the message. */
interface PackedDoc {
  /** The stored bytes: a view into the message, or a copy with `_id` moved first. */
  bytes: Uint8Array;
  /** The encoded `_id` value, a view into `bytes`. */
  id: Uint8Array;
}

/**
 * Walks one document at `at`: returns its stored bytes and `_id`, or throws NO (not an object,
 * no `_id`, an array or undefined `_id`, over 16 MiB, not canonical).
 */
function document(): PackedDoc {
  const start = at;
  if (src[at++] !== T_OBJECT) throw NO;
  const n = varint();
  if (n > src.length - at) throw NO;
  const fieldsStart = at;
  const starts = (nameStarts[0] ??= []);
  starts.length = 0;
  let idField = -1;
  let idValue = -1;
  let idEnd = -1;
  for (let i = 0; i < n; i++) {
    const ks = at;
    fieldName(starts);
    starts.push(ks);
    const vs = at;
    const tag = src[at];
    value(0, false);
    if (isIdName(ks)) {
      // prepareDoc generates an id for an undefined one, and refuses an array.
      if (tag === T_UNDEFINED || tag === T_ARRAY) throw NO;
      idField = ks;
      idValue = vs;
      idEnd = at;
    }
  }
  const end = at;
  if (idField < 0 || end - start > MAX_DOC_BYTES) throw NO;
  if (idField === fieldsStart) return { bytes: src.subarray(start, end), id: src.subarray(idValue, idEnd) };
  // `_id` first, the other fields in their order (prepareDoc's object, encoded).
  const bytes = new Uint8Array(end - start);
  const head = fieldsStart - start;
  bytes.set(src.subarray(start, fieldsStart));
  bytes.set(src.subarray(idField, idEnd), head);
  bytes.set(src.subarray(fieldsStart, idField), head + idEnd - idField);
  bytes.set(src.subarray(idEnd, end), head + idEnd - fieldsStart);
  const idAt = head + 4 + (idValue - idField - 4);
  return { bytes, id: bytes.subarray(idAt, idAt + idEnd - idValue) };
}

/** The parsed arguments of a packed insertMany. */
interface PackedInsert {
  coll: string;
  docs: PackedDoc[];
  ordered: boolean;
}

/** Parses `[coll, docs, options?]`; throws NO for anything not taken here. */
function parse(args: Uint8Array): PackedInsert {
  src = args;
  at = 0;
  if (src[at++] !== T_ARRAY) throw NO;
  const argc = varint();
  if (argc !== 2 && argc !== 3) throw NO;
  // The collection name: a short ASCII string, checked by checkName.
  const nameAt = at;
  if (src[at++] !== T_STR) throw NO;
  const nl = varint();
  if (nl > MAX_NAME || at + nl > src.length) throw NO;
  for (let i = at; i < at + nl; i++) if (src[i]! >= 0x80) throw NO;
  const coll = decodeValueAt(src, nameAt, at + nl) as string;
  at += nl;
  try {
    checkName(coll);
  } catch {
    throw NO;
  }
  if (src[at++] !== T_ARRAY) throw NO;
  const n = varint();
  if (n > src.length - at) throw NO;
  const docs: PackedDoc[] = new Array(n);
  for (let i = 0; i < n; i++) docs[i] = document();
  let ordered = true;
  if (argc === 3) {
    // Options: none, or exactly { ordered: boolean }.
    const t = src[at++];
    if (t === T_OBJECT) {
      if (src[at++] !== 1) throw NO;
      const name = [7, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x65, 0x64]; // 'ordered'
      for (let i = 0; i < name.length; i++) if (src[at++] !== name[i]) throw NO;
      const b = src[at++];
      if (b !== T_TRUE && b !== T_FALSE) throw NO;
      ordered = b === T_TRUE;
    } else if (t !== T_UNDEFINED && t !== T_NULL) throw NO;
  }
  if (at !== src.length) throw NO;
  return { coll, docs, ordered };
}

/** The selector of `_id` and the top-level fields the writer's indexes read. */
function selectorFor(w: Writer): FieldSelector {
  const names = ['_id'];
  for (const ix of w.indexes) for (const f of ix.fields) names.push(f.parts[0]!);
  return fieldSelector(names);
}

/**
 * insertMany from the message bytes (see the file header): the same result, writes, events and
 * errors as the ordinary method, or DECLINED before anything is written.
 */
export function insertManyPacked(ctx: ViewContext, args: Uint8Array): unknown {
  let p: PackedInsert;
  try {
    p = parse(args);
  } catch (e) {
    if (e === NO) return DECLINED;
    throw e;
  } finally {
    src = new Uint8Array(0);
    nameStarts.length = 0;
  }
  const w = new Writer(ctx, p.coll, true);
  // A partial index's filter may read any field: those documents are decoded whole.
  const whole = w.indexes.some((ix) => ix.partial !== undefined);
  const sel = whole ? undefined : selectorFor(w);
  const prepared = p.docs.map((d) => {
    const doc = (sel ? decodeFields(d.bytes, 0, d.bytes.length, sel) : decodeValueAt(d.bytes, 0, d.bytes.length)) as Doc;
    return { doc, bytes: d.bytes, id: d.id };
  });
  return insertManyResult(w, prepared, p.ordered);
}
