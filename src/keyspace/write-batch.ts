/**
 * WriteBatch: the unit of atomicity. Every write a call (or a transaction) makes goes through one;
 * it applies the write to the keyspace at once (so later reads in the same call or transaction see
 * it) and remembers the previous value, so `rollback()` restores the keyspace exactly, and the
 * redo op, so a committed batch becomes one WAL record.
 *
 * Deferred writes: bookkeeping entries that no read in the batch needs at once (kv's key directory
 * and key count) can be logged now and applied together by `applyDeferred()` — one sorted engine
 * call for all the directory entries of a batch and one write of each counter, instead of an
 * engine round per key. Whoever reads such entries calls `applyDeferred()` first; the store calls
 * it before it takes a batch's ops.
 *
 * Invariant: `undo[i]` and `redo[i]` describe the same write i. Replaying `undo` in reverse order
 * restores every touched key to its value before the batch; replaying `redo` in order over the
 * state before the batch gives the state after it. Rolling back to a mark truncates both. A
 * deferred entry sits in the log at the position of the call that made it but is not yet in the
 * keyspace (`pending[i]`); rolling back over it just drops it. Deferred keys are written by
 * deferred entries only, so applying them later than their log position changes nothing else.
 *
 * Counters live beside the log: each `addCounter` appends (log position, delta) to its counter's
 * lists, and `applyDeferred()` folds the deltas not yet applied into one ordinary logged put of
 * the total, remembering which log position folded how many. Rolling back to a mark undoes the
 * puts after it through the log like any write, drops the deltas added after it, and makes the
 * deltas those undone puts had folded in pending again.
 */
import { compareBytes } from '../bytes.js';
import type { Keyspace } from './keyspace.js';

/** One effect on the keyspace, as the WAL records it. */
export type KeyOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** What a deferred log entry still has to do. */
const enum Pending { None = 0, PutNew = 1, Del = 2 }

/**
 * The log entry an addCounter leaves: it gives the delta its own log position (so a mark taken
 * right after it keeps it), changes nothing, and is left out of `ops()`.
 */
const COUNTER_MARK: KeyOp = { op: 'del', key: new Uint8Array(0) };

/** One counter's deltas in this batch. */
interface Counter {
  key: Uint8Array;
  /** Log position at which each delta was added (ascending), and the delta. */
  at: number[];
  delta: number[];
  /** How many deltas (from the first) are in the keyspace. */
  applied: number;
  /** The puts that folded deltas in: their log position, and `applied` after each. */
  applies: Array<{ at: number; count: number }>;
}

/** Accumulates writes with undo and redo. */
export class WriteBatch {
  private readonly ks: Keyspace;
  private readonly undoKeys: Uint8Array[] = [];
  private readonly undoPrev: Array<Uint8Array | undefined> = [];
  private readonly redo: KeyOp[] = [];
  /** Per log entry: what is still to be applied (Pending.None once in the keyspace). */
  private readonly pending: Pending[] = [];
  /** Log positions of entries not yet applied (ascending). */
  private deferred: number[] = [];
  /** The counters this batch changed (a handful: found by a linear search). */
  private readonly counters: Counter[] = [];
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
    this.log(key, prev, { op: 'put', key, value }, Pending.None);
  }

  /**
   * Writes `value` at `key`, which the caller knows is absent (it has just looked it up, or an
   * invariant ties it to a key that was): the same as `put` without reading the previous value,
   * one engine call instead of two. Rolling back deletes the key.
   */
  putNew(key: Uint8Array, value: Uint8Array): void {
    this.ks.putRaw(key, value);
    this.log(key, undefined, { op: 'put', key, value }, Pending.None);
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
      this.log(key, prev[i], { op: 'put', key, value }, Pending.None);
    }
    this.ks.putManyRaw(entries);
  }

  /** Deletes `key`; true when it existed. */
  del(key: Uint8Array): boolean {
    const prev = this.ks.get(key);
    if (prev === undefined) return false;
    this.ks.deleteRaw(key);
    this.log(key, prev, { op: 'del', key }, Pending.None);
    return true;
  }

  /**
   * Logs a write of `key`, which must be absent when it is applied, to be applied by
   * `applyDeferred()`. Only deferred entries may write a deferred key.
   */
  deferPutNew(key: Uint8Array, value: Uint8Array): void {
    this.deferred.push(this.redo.length);
    this.log(key, undefined, { op: 'put', key, value }, Pending.PutNew);
  }

  /** Logs a delete of `key` (a deferred key) to be applied by `applyDeferred()`. */
  deferDel(key: Uint8Array): void {
    this.deferred.push(this.redo.length);
    this.log(key, undefined, { op: 'del', key }, Pending.Del);
  }

  /**
   * Adds `delta` to the counter at `key` (an f64 LE; absent reads as 0 and a total of 0 deletes
   * the entry). The deltas of a batch are summed and written once by `applyDeferred()`; until
   * then `counter(key)` includes them.
   */
  addCounter(key: Uint8Array, delta: number): void {
    let c = this.findCounter(key);
    if (c === undefined) this.counters.push((c = { key, at: [], delta: [], applied: 0, applies: [] }));
    c.at.push(this.redo.length);
    c.delta.push(delta);
    this.log(key, undefined, COUNTER_MARK, Pending.None);
  }

  /** The counter at `key` as this batch sees it: the stored value plus pending deltas. */
  counter(key: Uint8Array): number {
    let n = readF64(this.ks.getView(key));
    const c = this.findCounter(key);
    if (c) for (let i = c.applied; i < c.delta.length; i++) n += c.delta[i];
    return n;
  }

  private findCounter(key: Uint8Array): Counter | undefined {
    for (const c of this.counters) if (c.key === key || compareBytes(c.key, key) === 0) return c;
    return undefined;
  }

  /**
   * Applies every deferred entry: runs of new keys in one sorted engine call each, deletes in log
   * order, then one logged write per changed counter. Afterwards the batch is an ordinary one (its
   * log holds plain puts and deletes with exact undo); safe to call any number of times.
   */
  applyDeferred(): void {
    if (this.deferred.length > 0) this.applyEntries();
    for (const c of this.counters) if (c.applied < c.delta.length) this.applyCounter(c);
  }

  private applyEntries(): void {
    const positions = this.deferred;
    this.deferred = [];
    let run: Array<readonly [Uint8Array, Uint8Array]> = [];
    const flushRun = (): void => {
      if (run.length === 0) return;
      // Distinct absent keys: their order does not matter, and sorted inserts walk the tree once.
      run.sort((a, b) => compareBytes(a[0], b[0]));
      this.ks.putManyRaw(run);
      run = [];
    };
    for (const i of positions) {
      const kind = this.pending[i];
      this.pending[i] = Pending.None;
      if (kind === Pending.PutNew) {
        const op = this.redo[i] as { key: Uint8Array; value: Uint8Array };
        run.push([op.key, op.value]);
      } else {
        flushRun();
        const key = this.undoKeys[i];
        this.undoPrev[i] = this.ks.get(key);
        this.ks.deleteRaw(key);
      }
    }
    flushRun();
  }

  /** Folds a counter's pending deltas into one logged put of its total (a delete at 0). */
  private applyCounter(c: Counter): void {
    const prev = this.ks.get(c.key);
    let n = readF64(prev);
    for (let i = c.applied; i < c.delta.length; i++) n += c.delta[i];
    const at = this.redo.length;
    if (n === 0) {
      if (prev !== undefined) this.ks.deleteRaw(c.key);
      this.log(c.key, prev, { op: 'del', key: c.key }, Pending.None);
    } else {
      const value = f64Bytes(n);
      this.ks.putRaw(c.key, value);
      this.log(c.key, prev, { op: 'put', key: c.key, value }, Pending.None);
    }
    c.applied = c.delta.length;
    c.applies.push({ at, count: c.applied });
  }

  private log(key: Uint8Array, prev: Uint8Array | undefined, op: KeyOp, pending: Pending): void {
    this.undoKeys.push(key);
    this.undoPrev.push(prev);
    this.redo.push(op);
    this.pending.push(pending);
  }

  /** A savepoint: the number of writes so far, to roll back one failed call inside a batch. */
  mark(): number {
    return this.redo.length;
  }

  /** Undoes every write after `mark`, newest first. */
  rollbackTo(mark: number): void {
    for (let i = this.redo.length - 1; i >= mark; i--) {
      // Deferred entries never applied, and counter marks, changed nothing to undo.
      if (this.pending[i] !== Pending.None || this.redo[i] === COUNTER_MARK) continue;
      const prev = this.undoPrev[i];
      if (prev === undefined) this.ks.deleteRaw(this.undoKeys[i]);
      else this.ks.putRaw(this.undoKeys[i], prev);
    }
    this.undoKeys.length = mark;
    this.undoPrev.length = mark;
    this.redo.length = mark;
    this.pending.length = mark;
    while (this.deferred.length && this.deferred[this.deferred.length - 1] >= mark) this.deferred.pop();
    for (const c of this.counters) {
      // The puts after the mark were undone above: the deltas they folded in are pending again.
      while (c.applies.length && c.applies[c.applies.length - 1].at >= mark) c.applies.pop();
      c.applied = c.applies.length ? c.applies[c.applies.length - 1].count : 0;
      let n = c.at.length;
      while (n > 0 && c.at[n - 1] >= mark) n--;
      c.at.length = n;
      c.delta.length = n;
    }
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
    this.applyDeferred();
    return this.counters.length ? this.redo.filter((op) => op !== COUNTER_MARK) : this.redo;
  }

  /** True after rollback(). */
  get rolledBack(): boolean {
    return this.closed;
  }
}

/** An f64 LE counter's value (absent reads as 0). */
function readF64(v: Uint8Array | undefined): number {
  return v === undefined ? 0 : new DataView(v.buffer, v.byteOffset, 8).getFloat64(0, true);
}

/** `n` as 8 bytes f64 LE. */
function f64Bytes(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, n, true);
  return out;
}
