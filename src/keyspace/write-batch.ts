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
 * A counter entry keeps its delta and, once applied, the running total before it (`before`):
 * rolling back over it restores that total, and `ops()` writes each counter once, at its last
 * entry, with the final total.
 */
import { compareBytes } from '../bytes.js';
import type { Keyspace } from './keyspace.js';

/** One effect on the keyspace, as the WAL records it. */
export type KeyOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** What a deferred log entry still has to do. */
const enum Pending { None = 0, PutNew = 1, Del = 2, Counter = 3 }

/** The redo op of a counter entry; `ops()` replaces it with the counter's final total. */
const COUNTER_OP: KeyOp = { op: 'del', key: new Uint8Array(0) };

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
  /** Counter deltas by log position. */
  private readonly deltas = new Map<number, number>();
  /** For applied counter entries, by log position: the counter's total before the entry. */
  private readonly before = new Map<number, number>();
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
    this.deltas.set(this.redo.length, delta);
    this.deferred.push(this.redo.length);
    this.log(key, undefined, COUNTER_OP, Pending.Counter);
  }

  /** The counter at `key` as this batch sees it: the stored value plus pending deltas. */
  counter(key: Uint8Array): number {
    let n = readF64(this.ks.getView(key));
    for (const i of this.deferred) if (this.pending[i] === Pending.Counter && !this.before.has(i) && compareBytes(this.undoKeys[i], key) === 0) n += this.deltas.get(i)!;
    return n;
  }

  /**
   * Applies every deferred entry: runs of new keys in one sorted engine call each, deletes in log
   * order, then one write per counter. Afterwards the batch is an ordinary one (its log holds
   * plain puts and deletes with exact undo); safe to call any number of times.
   */
  applyDeferred(): void {
    if (this.deferred.length === 0) return;
    const positions = this.deferred;
    this.deferred = [];
    const counters: number[] = [];
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
      if (kind !== Pending.Counter) this.pending[i] = Pending.None;
      if (kind === Pending.PutNew) {
        const op = this.redo[i] as { key: Uint8Array; value: Uint8Array };
        run.push([op.key, op.value]);
      } else if (kind === Pending.Del) {
        flushRun();
        const key = this.undoKeys[i];
        this.undoPrev[i] = this.ks.get(key);
        this.ks.deleteRaw(key);
      } else counters.push(i);
    }
    flushRun();
    if (counters.length) this.applyCounters(counters);
  }

  /**
   * Applies the counter entries at `positions` (ascending): records each one's running total
   * before it (for rollback), then writes each counter's total once.
   */
  private applyCounters(positions: number[]): void {
    const totals: Array<{ key: Uint8Array; n: number }> = [];
    for (const i of positions) {
      const key = this.undoKeys[i];
      let t = totals.find((x) => compareBytes(x.key, key) === 0);
      if (t === undefined) totals.push(t = { key, n: readF64(this.ks.getView(key)) });
      this.before.set(i, t.n);
      t.n += this.deltas.get(i)!;
    }
    for (const t of totals) writeCounter(this.ks, t.key, t.n);
  }

  /** The ops with each counter written once, at its last entry, as its final total. */
  private opsWithCounters(): KeyOp[] {
    const out: KeyOp[] = [];
    const done: Uint8Array[] = [];
    for (let i = this.redo.length - 1; i >= 0; i--) {
      const op = this.redo[i];
      if (op !== COUNTER_OP) { out.push(op); continue; }
      const key = this.undoKeys[i];
      if (done.some((k) => compareBytes(k, key) === 0)) continue;
      done.push(key);
      const n = this.before.get(i)! + this.deltas.get(i)!;
      out.push(n === 0 ? { op: 'del', key } : { op: 'put', key, value: f64Bytes(n) });
    }
    return out.reverse();
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
      if (this.pending[i] === Pending.Counter) {
        const was = this.before.get(i);
        if (was !== undefined) writeCounter(this.ks, this.undoKeys[i], was);
        this.before.delete(i);
        this.deltas.delete(i);
        continue;
      }
      if (this.pending[i] !== Pending.None) continue; // never applied: nothing to undo
      const prev = this.undoPrev[i];
      if (prev === undefined) this.ks.deleteRaw(this.undoKeys[i]);
      else this.ks.putRaw(this.undoKeys[i], prev);
    }
    this.undoKeys.length = mark;
    this.undoPrev.length = mark;
    this.redo.length = mark;
    this.pending.length = mark;
    while (this.deferred.length && this.deferred[this.deferred.length - 1] >= mark) this.deferred.pop();
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
    return this.deltas.size ? this.opsWithCounters() : this.redo;
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

/** Stores counter `n` at `key` (0 is stored as absence). */
function writeCounter(ks: Keyspace, key: Uint8Array, n: number): void {
  if (n === 0) ks.deleteRaw(key);
  else ks.putRaw(key, f64Bytes(n));
}

/** `n` as 8 bytes f64 LE. */
function f64Bytes(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, n, true);
  return out;
}
