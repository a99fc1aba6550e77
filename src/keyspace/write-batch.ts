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

  /**
   * Writes many entries, in order: the same as `put` for each, in two engine calls per chunk
   * instead of two per entry. Every previous value is read before any is written; for a key
   * written twice both undo records then hold the value from before the batch, and rolling back
   * (newest first) still ends at that value.
   */
  putMany(entries: Array<readonly [Uint8Array, Uint8Array]>): void {
    const n = entries.length;
    if (n === 0) return;
    const keys: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) keys[i] = entries[i][0];
    const prev = this.ks.getMany(keys);
    // Undo first: if the engine fails part way (out of memory), rolling back restores every key,
    // written or not (restoring an unwritten one rewrites the value it still has).
    for (let i = 0; i < n; i++) {
      const [key, value] = entries[i];
      this.undoKeys.push(key);
      this.undoPrev.push(prev[i]);
      this.redo.push({ op: 'put', key, value });
    }
    this.ks.putManyRaw(entries);
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
