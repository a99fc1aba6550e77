/**
 * WriteBatch: the unit of atomicity. Every write a call (or a transaction) makes goes through one;
 * it applies the write to the keyspace at once (so later reads in the same call or transaction see
 * it) and remembers the previous value, so `rollback()` restores the keyspace exactly, and the
 * redo op, so a committed batch becomes one WAL record.
 *
 * Invariant: `undo[i]` and `redo[i]` describe the same write i. Replaying `undo` in reverse order
 * restores every touched key to its value before the batch; replaying `redo` in order over the
 * state before the batch gives the state after it. Rolling back to a mark truncates both.
 */
import type { Keyspace } from './keyspace.js';

/** One effect on the keyspace, as the WAL records it. */
export type KeyOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** Accumulates writes with undo and redo. */
export class WriteBatch {
  private readonly ks: Keyspace;
  private readonly undoKeys: Uint8Array[] = [];
  private readonly undoPrev: Array<Uint8Array | undefined> = [];
  private readonly redo: KeyOp[] = [];
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
    const prev = this.ks.get(key);
    this.ks.putRaw(key, value);
    this.undoKeys.push(key);
    this.undoPrev.push(prev);
    this.redo.push({ op: 'put', key, value });
  }

  /** Deletes `key`; true when it existed. */
  del(key: Uint8Array): boolean {
    const prev = this.ks.get(key);
    if (prev === undefined) return false;
    this.ks.deleteRaw(key);
    this.undoKeys.push(key);
    this.undoPrev.push(prev);
    this.redo.push({ op: 'del', key });
    return true;
  }

  /** A savepoint: the number of writes so far, to roll back one failed call inside a batch. */
  mark(): number {
    return this.redo.length;
  }

  /** Undoes every write after `mark`, newest first. */
  rollbackTo(mark: number): void {
    for (let i = this.redo.length - 1; i >= mark; i--) {
      const prev = this.undoPrev[i];
      if (prev === undefined) this.ks.deleteRaw(this.undoKeys[i]);
      else this.ks.putRaw(this.undoKeys[i], prev);
    }
    this.undoKeys.length = mark;
    this.undoPrev.length = mark;
    this.redo.length = mark;
  }

  /** Undoes everything. */
  rollback(): void {
    this.rollbackTo(0);
    this.closed = true;
  }

  /** True when the batch changed nothing. */
  get empty(): boolean {
    return this.redo.length === 0;
  }

  /** The redo ops, in order (a key written twice appears twice; replay keeps the last). */
  ops(): KeyOp[] {
    return this.redo;
  }

  /** True after rollback(). */
  get rolledBack(): boolean {
    return this.closed;
  }
}
