/**
 * WriteBatch: the unit of atomicity. Every write a call (or a transaction) makes goes through one;
 * it applies the write to the keyspace at once (so later reads in the same call or transaction see
 * it) and remembers the previous value, so `rollback()` restores the keyspace exactly, and the
 * redo list, so a committed batch becomes one WAL record.
 *
 * Invariant: replaying `undo` in reverse order restores every touched key to its value before the
 * batch; `ops` lists the batch's effects in order, with only the last write to a key kept.
 */
import type { Keyspace } from './keyspace.js';

/** One effect on the keyspace, as the WAL records it. */
export type KeyOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** A changed key reported to change-feed subscribers. */
export interface ChangedKey {
  key: Uint8Array;
  /** 'put' or 'del'. */
  op: 'put' | 'del';
}

/** Accumulates writes with undo and redo. */
export class WriteBatch {
  private readonly ks: Keyspace;
  private readonly undo: Array<{ key: Uint8Array; prev: Uint8Array | undefined }> = [];
  /** Last op per key (hex of the key -> op), in first-touch order. */
  private readonly redo = new Map<string, KeyOp>();
  private closed = false;

  /** Starts a batch over `ks`. */
  constructor(ks: Keyspace) {
    this.ks = ks;
  }

  /** The current value of `key` as this batch sees it (its own writes included). */
  get(key: Uint8Array): Uint8Array | undefined {
    return this.ks.get(key);
  }

  /** Writes `value` at `key`. */
  put(key: Uint8Array, value: Uint8Array): void {
    this.undo.push({ key, prev: this.ks.get(key) });
    this.ks.putRaw(key, value);
    this.redo.set(hexKey(key), { op: 'put', key, value });
  }

  /** Deletes `key`; true when it existed. */
  del(key: Uint8Array): boolean {
    const prev = this.ks.get(key);
    if (prev === undefined) return false;
    this.undo.push({ key, prev });
    this.ks.deleteRaw(key);
    this.redo.set(hexKey(key), { op: 'del', key });
    return true;
  }

  /** A savepoint: the undo length, to roll back one failed call inside a larger batch. */
  mark(): number {
    return this.undo.length;
  }

  /** Undoes every write after `mark` (redo entries of keys touched only then are dropped too). */
  rollbackTo(mark: number): void {
    for (let i = this.undo.length - 1; i >= mark; i--) {
      const { key, prev } = this.undo[i];
      if (prev === undefined) this.ks.deleteRaw(key);
      else this.ks.putRaw(key, prev);
    }
    this.undo.length = mark;
    // Rebuild redo from the surviving undo entries' keys and the keyspace's current state.
    const keep = new Map<string, KeyOp>();
    for (const { key } of this.undo) {
      const h = hexKey(key);
      if (keep.has(h)) continue;
      const cur = this.ks.get(key);
      keep.set(h, cur === undefined ? { op: 'del', key } : { op: 'put', key, value: cur });
    }
    this.redo.clear();
    for (const [h, op] of keep) this.redo.set(h, op);
  }

  /** Undoes everything. */
  rollback(): void {
    this.rollbackTo(0);
    this.closed = true;
  }

  /** True when the batch changed nothing. */
  get empty(): boolean {
    return this.redo.size === 0;
  }

  /** The redo ops, in first-touch order. */
  ops(): KeyOp[] {
    return [...this.redo.values()];
  }

  /** True after rollback(). */
  get rolledBack(): boolean {
    return this.closed;
  }
}

function hexKey(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]);
  return s;
}
