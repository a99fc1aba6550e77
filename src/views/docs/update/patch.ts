/**
 * The update of a stored document patched in its bytes: `$inc` and `$set` of top-level fields
 * holding numbers, strings, booleans or null, the usual counter or status update. The ordinary
 * path decodes the document, copies it, applies the operators, checks it again and encodes all
 * of it, for a value of a few bytes; here the new value is encoded alone and spliced in where the
 * old one lay. Stored documents are canonical encodings (what encodeValue gives for the decoded
 * document), and an object's encoding holds no byte length, so the result is byte for byte what
 * the ordinary path stores.
 *
 * Anything else goes the ordinary way, decided per update (other operators, dotted or positional
 * paths, `_id`, other argument types, an index that is partial, or unique or sparse over a
 * patched field) or per document (a field that is missing or holds another type: adding a field,
 * `$inc` of a non-number, which fails there as always, and bigints).
 */
import { T_F64, T_FALSE, T_NINT, T_NULL, T_SMALL, T_STR, T_TRUE, T_UINT } from '../../../codec/tags.js';
import { fieldSelector, locatePath, numberAt, ValueWriter } from '../../../codec/value.js';
import type { LiveIndex } from '../indexes.js';
import { lastVarintEnd, readVarint } from '../../../codec/varint.js';
import type { CompiledUpdate } from './apply.js';

/** One operator of a patch: the field's path as locatePath takes it, and `$inc`'s amount or `$set`'s encoded value. */
interface PatchOp {
  path: Uint8Array[];
  inc?: number;
  set?: Uint8Array;
}

/** An update that patches stored bytes (see compilePatch). */
export interface BytePatch {
  /**
   * The document `bytes` with the update applied (always new bytes, possibly a view into a chunk
   * shared with the call's other patched documents: the caller compares them with `bytes` to tell
   * an update that changes nothing), or undefined when this document needs the ordinary path.
   */
  apply(bytes: Uint8Array): Uint8Array | undefined;
  /** True when the patch may change the keys of the document in `ix`. */
  touches(ix: LiveIndex): boolean;
}

/** Encodes the new values ($inc's sums), reused across documents. */
const writer = new ValueWriter(16);

/**
 * The patch for `u`, or undefined when the update needs the ordinary path for every document:
 * see the file header for what qualifies. `indexes` are the collection's.
 */
export function compilePatch(u: CompiledUpdate, indexes: readonly LiveIndex[]): BytePatch | undefined {
  if (u.kind !== 'ops') return undefined;
  const names: string[] = [];
  const values: Array<number | Uint8Array> = [];
  for (const o of u.ops) {
    const name = o.parts[0]!;
    // `$`-names: positional parts or field names prepareDoc refuses; `__proto__` is set as an own
    // property by setPath's rules, which are not worth repeating here.
    if (o.parts.length !== 1 || name === '_id' || name === '__proto__' || name.startsWith('$')) return undefined;
    if (o.op === '$inc' && typeof o.arg === 'number') values.push(o.arg);
    else if (o.op === '$set' && isPatchScalar(o.arg)) {
      writer.pos = 0;
      writer.value(o.arg);
      values.push(writer.slice());
    } else return undefined;
    names.push(name);
  }
  for (const ix of indexes) {
    if (ix.partial) return undefined; // its filter may read a patched field
    if ((ix.def.unique || ix.def.sparse) && touchesIndex(ix, names)) return undefined;
  }
  const keys = fieldSelector(names).keys; // in `names` order: the names are distinct (conflicts are refused)
  const ops: PatchOp[] = names.map((_, i) => {
    const v = values[i]!;
    return typeof v === 'number' ? { path: [keys[i]!], inc: v } : { path: [keys[i]!], set: v };
  });
  const room = new Room();
  return {
    apply: (bytes) => patchBytes(bytes, ops, room),
    touches: (ix) => touchesIndex(ix, names),
  };
}

/** The `$set` arguments patched: what scalarEnd measures and clone() returns as it is. */
function isPatchScalar(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

function touchesIndex(ix: LiveIndex, names: readonly string[]): boolean {
  return ix.fields.some((f) => names.includes(f.parts[0]!));
}

/** Applies `ops` in order (the update's path order) to the top-level fields of `bytes`. */
function patchBytes(bytes: Uint8Array, ops: readonly PatchOp[], room: Room): Uint8Array | undefined {
  let cur = bytes;
  for (const op of ops) {
    const at = locatePath(cur, 0, cur.length, op.path);
    if (at < 0) return undefined; // missing: the field is added (at the end) on the ordinary path
    const end = scalarEnd(cur, at);
    if (end < 0) return undefined;
    if (op.set) {
      cur = splice(cur, at, end, op.set, op.set.length, room);
      continue;
    }
    const n = numberAt(cur, at);
    if (n === undefined) return undefined; // not a number (an error there) or a bigint
    writer.pos = 0;
    writer.value(n + op.inc!);
    cur = splice(cur, at, end, writer.buf, writer.pos, room);
  }
  return cur;
}

/**
 * Where one call's patched documents are made: views into shared chunks rather than an array
 * each (a typed array over 64 bytes has a backing store of its own, and making one per document
 * was the patch's largest cost). The documents live as long as the call's write batch and
 * results; the engine copies what it stores.
 */
class Room {
  private chunk: Uint8Array | undefined;
  private used = 0;

  /** `n` fresh bytes. */
  take(n: number): Uint8Array {
    let c = this.chunk;
    if (c === undefined || n > c.length - this.used) {
      if (n > CHUNK >>> 3) return new Uint8Array(n); // large documents get an array of their own
      c = this.chunk = new Uint8Array(CHUNK);
      this.used = 0;
    }
    this.used += n;
    return c.subarray(this.used - n, this.used);
  }
}

/** Bytes per chunk of a Room. */
const CHUNK = 64 * 1024;

/** Below this many bytes, copies are byte loops: set() of subarray views allocates two views per copy. */
const LOOP_COPY_MAX = 256;

/** A copy of `b` with `b[at, end)` replaced by `value[0, n)`. */
function splice(b: Uint8Array, at: number, end: number, value: Uint8Array, n: number, room: Room): Uint8Array {
  const len = b.length;
  const out = room.take(len - (end - at) + n);
  if (len <= LOOP_COPY_MAX) {
    for (let i = 0; i < at; i++) out[i] = b[i]!;
    for (let i = end, j = at + n; i < len; i++, j++) out[j] = b[i]!;
  } else {
    out.set(b.subarray(0, at));
    out.set(b.subarray(end), at + n);
  }
  for (let i = 0; i < n; i++) out[at + i] = value[i]!;
  return out;
}

/** Where the scalar whose tag is at bytes[at] ends: numbers, strings, booleans, null; -1 for anything else. */
function scalarEnd(bytes: Uint8Array, at: number): number {
  const tag = bytes[at]!;
  if (tag >= T_SMALL || tag === T_NULL || tag === T_TRUE || tag === T_FALSE) return at + 1;
  switch (tag) {
    case T_F64:
      return at + 9;
    case T_UINT:
    case T_NINT:
      return readVarint(bytes, at + 1) < 0 ? -1 : lastVarintEnd();
    case T_STR: {
      const n = readVarint(bytes, at + 1);
      return n < 0 ? -1 : lastVarintEnd() + n;
    }
    default:
      return -1;
  }
}
