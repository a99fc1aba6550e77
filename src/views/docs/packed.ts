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
import { decodeValueAt, fieldSelector } from '../../codec/value.js';
import { KeyBuilder } from '../../keys/encode.js';
import { MAX_DEPTH } from '../../codec/limits.js';
import { T_ARRAY, T_BYTES, T_DATE, T_F64, T_FALSE, T_HOLE, T_NINT, T_NULL, T_OBJECT, T_OID, T_SMALL, T_STR, T_TRUE, T_UINT, T_UNDEFINED } from '../../codec/tags.js';
import { DECLINED, type ViewContext } from '../view.js';
import { indexFields, readMeta } from './catalog.js';
import { indexKeys, type IndexKeys, type LiveIndex } from './indexes.js';
import type { InsertSource } from './insert-source.js';
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

/**
 * The parsed arguments of a packed insertMany: document i is buf[start[i], end[i]), its `_id`
 * value buf[idStart[i], idEnd[i]), and the value of selected top-level field f (see parse) is at
 * buf[fieldStart[f * n + i], fieldEnd[...]) (0 when the document has no such field). Offsets,
 * not a subarray and an object per document: those were a third of a 100k-document insert.
 */
interface PackedInsert {
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

/** Encoded names of the selected fields (as object keys: varint length, then the bytes), while parsing. */
let selected: readonly Uint8Array[] = [];

/** Index of the selected field whose encoded name starts at `p`, or -1. */
function selectedAt(p: number): number {
  for (let f = 0; f < selected.length; f++) {
    const name = selected[f]!;
    let b = 0;
    while (b < name.length && src[p + b] === name[b]) b++;
    if (b === name.length) return f;
  }
  return -1;
}

/**
 * Walks document i at `at` into `out`'s columns, or throws NO (not an object, no `_id`, an array
 * or undefined `_id`, over 16 MiB, not canonical). Returns where its `_id` field's name starts
 * when that is not the first field (the document must be reordered), else -1.
 */
function document(out: PackedInsert, i: number): number {
  const start = at;
  if (src[at++] !== T_OBJECT) throw NO;
  const n = varint();
  if (n > src.length - at) throw NO;
  const fieldsStart = at;
  const starts = (nameStarts[0] ??= []);
  starts.length = 0;
  let idField = -1;
  const nf = selected.length;
  for (let k = 0; k < n; k++) {
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
      out.idStart[i] = vs;
      out.idEnd[i] = at;
    } else if (nf > 0) {
      const f = selectedAt(ks);
      if (f >= 0) {
        out.fieldStart[f * out.n + i] = vs;
        out.fieldEnd[f * out.n + i] = at;
      }
    }
  }
  if (idField < 0 || at - start > MAX_DOC_BYTES) throw NO;
  out.start[i] = start;
  out.end[i] = at;
  return idField === fieldsStart ? -1 : idField;
}

/**
 * Parses `[coll, docs, options?]`, recording where the top-level fields named `fields` are in
 * each document; throws NO for anything not taken here. The collection name comes first, so
 * `fieldsOf(coll)` says which fields to record.
 */
function parse(args: Uint8Array, fieldsOf: (coll: string) => string[]): PackedInsert {
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
  // A name's encoding as an object key, the bytes the walk compares (codec fieldSelector).
  selected = fieldSelector(fieldsOf(coll)).keys;
  if (src[at++] !== T_ARRAY) throw NO;
  const n = varint();
  if (n > src.length - at) throw NO;
  const nf = selected.length;
  const out: PackedInsert = {
    coll, ordered: true, n, buf: src,
    start: new Uint32Array(n), end: new Uint32Array(n), idStart: new Uint32Array(n), idEnd: new Uint32Array(n),
    fieldStart: new Uint32Array(nf * n), fieldEnd: new Uint32Array(nf * n),
  };
  let moved: Array<[number, number]> | undefined;
  for (let i = 0; i < n; i++) {
    const idField = document(out, i);
    if (idField >= 0) (moved ??= []).push([i, idField]);
  }
  if (argc === 3) {
    // Options: none, or exactly { ordered: boolean }.
    const t = src[at++];
    if (t === T_OBJECT) {
      if (src[at++] !== 1) throw NO;
      const name = [7, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x65, 0x64]; // 'ordered'
      for (let i = 0; i < name.length; i++) if (src[at++] !== name[i]) throw NO;
      const b = src[at++];
      if (b !== T_TRUE && b !== T_FALSE) throw NO;
      out.ordered = b === T_TRUE;
    } else if (t !== T_UNDEFINED && t !== T_NULL) throw NO;
  }
  if (at !== src.length) throw NO;
  if (moved) idFirst(out, moved);
  return out;
}

/**
 * Moves `_id` first in the documents listed in `moved` ([index, where its `_id` field's name
 * starts]), as prepareDoc does (the page appends a generated `_id` last): each is rewritten, in
 * place in the message (only its own bytes change), with its offsets moved along.
 */
function idFirst(out: PackedInsert, moved: Array<[number, number]>): void {
  const b = out.buf;
  const nf = selected.length;
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

/** The key component of the canonical scalar at buf[s], appended to `kb`; false (nothing appended) for other values. */
function scalarKey(buf: Uint8Array, s: number, kb: KeyBuilder, dir: 1 | -1): boolean {
  const tag = buf[s]!;
  if (tag >= T_SMALL) {
    kb.add(tag & 0x7f, dir);
    return true;
  }
  switch (tag) {
    case T_STR: {
      src = buf;
      at = s + 1;
      const n = varint();
      kb.addUtf8(buf, at, at + n, dir);
      return true;
    }
    case T_UINT:
    case T_NINT: {
      src = buf;
      at = s + 1;
      const m = varint();
      kb.add(tag === T_UINT ? m : -m, dir);
      return true;
    }
    case T_F64:
      src = buf;
      at = s + 1;
      kb.add(readF64(), dir);
      return true;
    case T_NULL:
      kb.add(null, dir);
      return true;
    case T_TRUE:
    case T_FALSE:
      kb.add(tag === T_TRUE, dir);
      return true;
    default:
      return false; // Dates, ObjectIds, binary, arrays, objects, undefined: decoded (see PackedSource)
  }
}

const NO_VALUES: unknown[][] = [];

/**
 * The documents of a packed insertMany (InsertSource): keys come straight from the message bytes
 * for the usual documents, whose `_id` and indexed fields are top-level scalars; any other
 * document, index or value (arrays: multikey; partial or unique indexes; dotted paths; Dates...)
 * is decoded and goes through indexKeys as on the ordinary path.
 */
class PackedSource implements InsertSource {
  private readonly p: PackedInsert;
  /**
   * Per index: the selected-field column of each of its fields, with the builder and result its
   * keys are made in (reused: a key is a view, valid until the next call for that index), or null
   * (decode instead).
   */
  private readonly plans = new Map<LiveIndex, { cols: number[]; kb: KeyBuilder; out: IndexKeys } | null>();

  constructor(p: PackedInsert, indexes: readonly LiveIndex[], fields: readonly string[]) {
    this.p = p;
    for (const ix of indexes) {
      const simple = !ix.partial && !ix.def.unique && ix.fields.every((f) => f.parts.length === 1 && fields.includes(f.parts[0]!));
      const cols = ix.fields.map((f) => fields.indexOf(f.parts[0]!));
      this.plans.set(ix, simple ? { cols, kb: new KeyBuilder(64), out: { keys: [], values: NO_VALUES, multikey: false } } : null);
    }
  }

  get length(): number {
    return this.p.n;
  }

  buf(): Uint8Array {
    return this.p.buf;
  }

  start(i: number): number {
    return this.p.start[i]!;
  }

  end(i: number): number {
    return this.p.end[i]!;
  }

  idKey(i: number, kb: KeyBuilder): void {
    const p = this.p;
    if (!scalarKey(p.buf, p.idStart[i]!, kb, 1)) kb.add(decodeValueAt(p.buf, p.idStart[i]!, p.idEnd[i]!));
  }

  indexKeys(i: number, ix: LiveIndex): IndexKeys {
    const plan = this.plans.get(ix);
    if (!plan) return indexKeys(ix, this.doc(i));
    const p = this.p;
    const kb = plan.kb.reset();
    let present = false;
    for (let j = 0; j < plan.cols.length; j++) {
      const s = p.fieldStart[plan.cols[j]! * p.n + i]!;
      const dir = ix.fields[j]!.dir;
      if (s === 0) kb.add(null, dir); // missing: null, as indexKeys keys it
      else if (scalarKey(p.buf, s, kb, dir)) present = true;
      else return indexKeys(ix, this.doc(i));
    }
    const out = plan.out;
    out.keys.length = 0;
    // A view, not a copy: the writer copies each key into its record list before asking again.
    if (!ix.def.sparse || present) out.keys.push(kb.view());
    // `values` only serve unique indexes' errors, and those take the decoded path.
    return out;
  }

  doc(i: number): Doc {
    return decodeValueAt(this.p.buf, this.p.start[i]!, this.p.end[i]!) as Doc;
  }

  idBytes(i: number): Uint8Array {
    return this.p.buf.subarray(this.p.idStart[i]!, this.p.idEnd[i]!);
  }
}

/**
 * The top-level fields the indexes of `coll` read, as the catalog has them (none for a new
 * collection): those the walk can match, short ASCII names (no other name is canonical, see
 * fieldName; an index on one takes the decoded path).
 */
function indexedFields(ctx: ViewContext, coll: string): string[] {
  const names = new Set<string>();
  for (const def of readMeta(ctx, coll)?.indexes ?? []) {
    for (const f of indexFields(def)) {
      const name = f.parts[0]!;
      if (f.parts.length === 1 && name.length < 0x80 && /^[\x00-\x7f]*$/.test(name)) names.add(name);
    }
  }
  return [...names];
}

/**
 * insertMany from the message bytes (see the file header): the same result, writes, events and
 * errors as the ordinary method, or DECLINED before anything is written.
 */
export function insertManyPacked(ctx: ViewContext, args: Uint8Array): unknown {
  let p: PackedInsert;
  let fields: string[] = [];
  try {
    p = parse(args, (coll) => (fields = indexedFields(ctx, coll)));
  } catch (e) {
    if (e === NO) return DECLINED;
    throw e;
  } finally {
    src = new Uint8Array(0);
    nameStarts.length = 0;
    selected = [];
  }
  const w = new Writer(ctx, p.coll, true);
  try {
    return insertManyResult(w, new PackedSource(p, w.indexes, fields), p.ordered);
  } finally {
    // scalarKey reads through the walk's state: drop the message it points at.
    src = new Uint8Array(0);
  }
}
