/**
 * WriteBatch: the unit of atomicity. Every write a call (or a transaction) makes goes through one;
 * it applies the write to the keyspace at once (so later reads in the same call or transaction see
 * it) and remembers the previous value, so `rollback()` restores the keyspace exactly, and the
 * redo op, so a committed batch becomes one WAL record.
 *
 * Invariant: slot i of the log describes write i: its key, the value before and the value after.
 * Replaying the befores newest first restores every touched key to its value before the batch;
 * replaying the afters in order over the state before the batch gives the state after it.
 * Rolling back to a mark truncates the log there.
 */
import { concatBytes } from '../bytes.js';
import { recordEntries, valueListEntries, type RecordList } from '../core/records.js';
import type { Keyspace } from './keyspace.js';

/** One effect on the keyspace, as the WAL records it. */
export type KeyOp = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };

/** Accumulates writes with undo and redo. */
export class WriteBatch {
  private readonly ks: Keyspace;
  /**
   * The log, one slot per write i in three parallel arrays: the key, its value before the batch's
   * write (undefined: absent) and the value written (undefined: a delete). Parallel arrays rather
   * than an op object per write: the log lives as long as its batch, often thousands of writes,
   * so every object in it survives young-generation GCs, and each one more per write cost a
   * bulk SET of new keys about a tenth of its time. A bulk write of a record list (putRecords)
   * takes one slot: the list, the value list of what its records replaced (Tree.swapRecords: per
   * record, the value just before it was put; only the records written, should the engine have
   * failed part way) and undefined.
   */
  private readonly keys: Array<Uint8Array | RecordList> = [];
  private readonly prev: Array<Uint8Array | undefined> = [];
  private readonly next: Array<Uint8Array | undefined> = [];
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
    this.log(key, prev, value);
  }

  /**
   * Writes `value` at `key`, which the caller knows is absent (it has just looked it up, or an
   * invariant ties it to a key that was): the same as `put` without reading the previous value,
   * one engine call instead of two. Rolling back deletes the key.
   */
  putNew(key: Uint8Array, value: Uint8Array): void {
    this.putOver(key, value, undefined);
  }

  /**
   * Writes `value` at `key`, whose current value the caller knows is `prev` (undefined: absent),
   * because it read it in this batch (a document it has just fetched) or an invariant fixes it (an
   * index entry of a document's old or new keys): `put` without reading the previous value. A
   * wrong `prev` would make a rollback restore that instead, so only exact knowledge qualifies.
   */
  putOver(key: Uint8Array, value: Uint8Array, prev: Uint8Array | undefined): void {
    this.ks.putRaw(key, value);
    this.log(key, prev, value);
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
    for (let i = 0; i < n; i++) this.log(entries[i][0], prev[i], entries[i][1]);
    this.ks.putManyRaw(entries);
  }

  /**
   * Writes a record list (core/records.ts), in order: the same as `put` for each record, with no
   * object per record; the log keeps the list and the values it replaced as one slot. The engine
   * puts each chunk and returns what it replaced in one call (Keyspace.swapRecords).
   */
  putRecords(list: RecordList): void {
    if (list.count === 0) return;
    const prev: Uint8Array[] = [];
    let held = false;
    try {
      held = this.ks.swapRecords(list, prev);
    } finally {
      // Also when the engine failed part way: the values then cover the records written, and
      // rolling back (as the failed call's caller does) restores exactly those.
      if (prev.length > 0) this.log(list, prev.length === 1 ? prev[0]! : concatBytes(prev), undefined);
    }
    if (!held) this.putMany(recordEntries(list));
  }

  /** Deletes `key`; true when it existed. */
  del(key: Uint8Array): boolean {
    const prev = this.ks.get(key);
    if (prev === undefined) return false;
    this.ks.deleteRaw(key);
    this.log(key, prev, undefined);
    return true;
  }

  /**
   * Deletes `key`, whose current value the caller knows is `prev` (see putOver): `del` without
   * reading it first.
   */
  delKnown(key: Uint8Array, prev: Uint8Array): void {
    // The engine says whether it was there anyway: an absent key logs nothing, as in `del`.
    if (this.ks.deleteRaw(key)) this.log(key, prev, undefined);
  }

  private log(key: Uint8Array | RecordList, prev: Uint8Array | undefined, next: Uint8Array | undefined): void {
    this.keys.push(key);
    this.prev.push(prev);
    this.next.push(next);
  }

  /** A savepoint: the number of writes so far, to roll back one failed call inside a batch. */
  mark(): number {
    return this.keys.length;
  }

  /** Undoes every write after `mark`, newest first. */
  rollbackTo(mark: number): void {
    for (let i = this.keys.length - 1; i >= mark; i--) {
      const key = this.keys[i]!;
      if (!(key instanceof Uint8Array)) {
        this.undoRecords(key, this.prev[i]!);
        continue;
      }
      const prev = this.prev[i];
      if (prev === undefined) this.ks.deleteRaw(key);
      else this.ks.putRaw(key, prev);
    }
    this.keys.length = mark;
    this.prev.length = mark;
    this.next.length = mark;
  }

  /**
   * Undoes a record list slot, newest record first. Each value is the one its record replaced
   * (for a key put twice, the earlier record's), so the oldest record's restore comes last and
   * leaves the value from before the list.
   */
  private undoRecords(list: RecordList, prevList: Uint8Array): void {
    const entries = recordEntries(list);
    const prevs = valueListEntries(prevList, list.count);
    for (let j = prevs.length - 1; j >= 0; j--) {
      const prev = prevs[j];
      if (prev === undefined) this.ks.deleteRaw(entries[j]![0]);
      else this.ks.putRaw(entries[j]![0], prev);
    }
  }

  /** Undoes everything. */
  rollback(): void {
    this.rollbackTo(0);
    this.closed = true;
  }

  /** True when the batch changed nothing. */
  get empty(): boolean {
    return this.keys.length === 0;
  }

  /**
   * The redo ops, in order (a key written twice appears twice; replay keeps the last): a new
   * array each call, built from the log when the batch commits.
   */
  ops(): KeyOp[] {
    const n = this.keys.length;
    const out: KeyOp[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.keys[i]!;
      if (!(key instanceof Uint8Array)) {
        for (const [k, value] of recordEntries(key)) out.push({ op: 'put', key: k, value });
        continue;
      }
      const value = this.next[i];
      out.push(value === undefined ? { op: 'del', key } : { op: 'put', key, value });
    }
    return out;
  }

  /** About the bytes the redo ops take in a WAL record, without building them. */
  redoBytes(): number {
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      n += key instanceof Uint8Array ? 6 + key.length + (this.next[i]?.length ?? 0) : key.bytes.length;
    }
    return n;
  }

  /** True after rollback(). */
  get rolledBack(): boolean {
    return this.closed;
  }
}
