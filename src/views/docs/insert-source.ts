/**
 * Where Writer.insertMany reads a call's documents from. The ordinary path has them decoded and
 * encoded (prepareInsert); the packed path (packed.ts) has only the message bytes and offsets
 * into them, and builds keys from those bytes without making an object per document. The writer
 * asks each source the same questions, so both insert exactly alike.
 */
import type { KeyBuilder } from '../../keys/encode.js';
import { indexKeys, type IndexKeys, type LiveIndex } from './indexes.js';
import type { Doc } from './util.js';

/** A call's documents, in order. */
export interface InsertSource {
  /** The number of documents. */
  readonly length: number;
  /** The buffer holding document i's stored bytes, at [start(i), end(i)). */
  buf(i: number): Uint8Array;
  /** Where document i's stored bytes start in buf(i). */
  start(i: number): number;
  /** Where document i's stored bytes end in buf(i). */
  end(i: number): number;
  /** Appends document i's _id to `kb` as a key component. */
  idKey(i: number, kb: KeyBuilder): void;
  /**
   * Document i's keys in index `ix` (as indexKeys gives them); they may be views that the next
   * call for the same index overwrites, so a caller copies what it keeps.
   */
  indexKeys(i: number, ix: LiveIndex): IndexKeys;
  /**
   * Optional, for sources that build keys from bytes: when document i has exactly one key in
   * index `ix` (not unique: the writer checks those with indexKeys' values) that the source
   * builds directly, appends it to `kb` and returns true; else returns false with `kb` unchanged,
   * and the caller asks indexKeys. Saves the view and the result object of indexKeys per
   * document and index.
   */
  oneKey?(i: number, ix: LiveIndex, kb: KeyBuilder): boolean;
  /** Document i, decoded (for errors, events and the per-entry path: not on the bulk path). */
  doc(i: number): Doc;
  /** The value-codec encoding of document i's _id, when the source has it (else undefined). */
  idBytes(i: number): Uint8Array | undefined;
}

/** Documents already decoded and encoded (prepareInsert's results). */
export class PreparedSource implements InsertSource {
  private readonly docs: ReadonlyArray<{ doc: Doc; bytes: Uint8Array }>;

  /** A source over `docs`. */
  constructor(docs: ReadonlyArray<{ doc: Doc; bytes: Uint8Array }>) {
    this.docs = docs;
  }

  get length(): number {
    return this.docs.length;
  }

  buf(i: number): Uint8Array {
    return this.docs[i]!.bytes;
  }

  start(): number {
    return 0;
  }

  end(i: number): number {
    return this.docs[i]!.bytes.length;
  }

  idKey(i: number, kb: KeyBuilder): void {
    kb.add(this.docs[i]!.doc._id);
  }

  indexKeys(i: number, ix: LiveIndex): IndexKeys {
    return indexKeys(ix, this.docs[i]!.doc);
  }

  doc(i: number): Doc {
    return this.docs[i]!.doc;
  }

  idBytes(): undefined {
    return undefined;
  }
}

/** Document i of `source` as prepareInsert gives it (for Writer.insert). */
export function preparedOf(source: InsertSource, i: number): { doc: Doc; bytes: Uint8Array } {
  const b = source.buf(i);
  const s = source.start(i);
  const e = source.end(i);
  return { doc: source.doc(i), bytes: s === 0 && e === b.length ? b : b.subarray(s, e) };
}
