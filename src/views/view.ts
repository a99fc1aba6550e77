/**
 * What a view is to the worker: a named set of methods that read the keyspace and write through
 * the call's WriteBatch. The worker looks a call's target up here and runs the method; it never
 * knows what a view stores. Views never touch IndexedDB, Comlink or the page.
 */
import type { Keyspace } from '../keyspace/keyspace.js';
import type { WriteBatch } from '../keyspace/write-batch.js';

/** What a view method receives besides its arguments. */
export interface ViewContext {
  /** The keyspace, for reads (it already reflects this batch's own writes). */
  readonly ks: Keyspace;
  /** Where every write goes, so a failure can be undone and a commit logged. */
  readonly batch: WriteBatch;
  /** The time the call started (ms since epoch), so one call sees one clock. */
  readonly now: number;
  /**
   * Queues a view-level event (e.g. a pub/sub message or a keyspace notification) for the change
   * feed. Events of a call that fails are dropped; the others go out with the call's commit.
   */
  emit(type: string, data: unknown): void;
  /**
   * False when nobody subscribes to the change feed, so `emit` drops what it gets: a view may skip
   * building events then. Undefined counts as watched.
   */
  readonly watched?: boolean;
  /**
   * How many events this call has queued so far. A view that undoes part of its writes (an
   * operation of a bulk write, a command of MULTI: `batch.rollbackTo`) drops the events queued
   * since with `dropEventsFrom`, so the change feed never reports what did not happen. Absent
   * where nothing collects events.
   */
  eventCount?(): number;
  /** Drops the events queued after the first `count` (see eventCount). */
  dropEventsFrom?(count: number): void;
}

/** The position to undo a view's writes and events to (see ViewContext.eventCount). */
export interface UndoMark {
  batch: number;
  events: number;
}

/** Where `ctx`'s writes and events are now, for undoTo. */
export function undoMark(ctx: ViewContext): UndoMark {
  return { batch: ctx.batch.mark(), events: ctx.eventCount?.() ?? 0 };
}

/** Undoes `ctx`'s writes and drops its events made since `mark`. */
export function undoTo(ctx: ViewContext, mark: UndoMark): void {
  ctx.batch.rollbackTo(mark.batch);
  ctx.dropEventsFrom?.(mark.events);
}

/** A view method: synchronous, so a call is atomic with respect to every other call. */
export type ViewMethod = (ctx: ViewContext, ...args: any[]) => unknown;

/** What a packed method returns to decline a call: it then runs through `methods` as usual. */
export const DECLINED: unique symbol = Symbol('declined');

/**
 * A method's fast path that reads its arguments straight from the encoded bytes the page sent
 * (a bulk call's), instead of from decoded values. It returns DECLINED, before writing anything,
 * for arguments it does not handle (and so for every bad input: the ordinary method reports it).
 */
export type PackedMethod = (ctx: ViewContext, args: Uint8Array) => unknown;

/** Where a PackedRun writes each call's result, in call order. */
export interface RunResults {
  /** The next call's result is the value encoded as `mem[start, end)` (a stored encoding). */
  encoded(mem: Uint8Array, start: number, end: number): void;
  /** The next call's result is undefined. */
  undefined(): void;
}

/**
 * A read method's fast path for a run of consecutive calls to it in one message (100k concurrent
 * `get`s): call i's encoded arguments are `bytes[starts[i], ends[i])`. It runs calls from `from`
 * on, writing each one's result to `out`, until `to` or a call it declines (as a PackedMethod
 * would), and returns the index of the first call it did not run. It must not write to the
 * keyspace: a call it stops at, or throws on, runs again through `methods`, which reports it.
 */
export type PackedRun = (ctx: ViewContext, bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array, from: number, to: number, out: RunResults) => number;

/** A view: its name (the call target) and methods. */
export interface View {
  /** Call target name, e.g. 'values'. */
  readonly name: string;
  /** Methods by name. Own properties only are looked up (no prototype methods are reachable). */
  readonly methods: Readonly<Record<string, ViewMethod>>;
  /** Fast paths of some `methods`, taking the encoded arguments (see PackedMethod). */
  readonly packedMethods?: Readonly<Record<string, PackedMethod>>;
  /** Fast paths of some read `methods` for runs of calls (see PackedRun). */
  readonly packedRuns?: Readonly<Record<string, PackedRun>>;
  /** Describes a changed raw key for the change feed, or undefined to leave it out. */
  describeKey?(key: Uint8Array): string | undefined;
  /** The keyspace tag this view owns (changed keys with this tag are described by describeKey). */
  readonly tag: number;
  /** Further tags the view writes (secondary indexes, adjacency, TTL queues...). */
  readonly tags?: readonly number[];
  /** Tags whose keys are only looked up by point: they go to the hash table, not the B+tree. */
  readonly pointTags?: readonly number[];
  /**
   * Periodic work (active expiry and the like), run by the writer every `housekeepingMs` in its
   * own batch, committed like any call. Must be cheap when there is nothing to do.
   */
  housekeeping?(ctx: ViewContext): void;
  /** The view's section of `store.info()`, under its name. Reads only: nothing it writes is kept. */
  info?(ctx: ViewContext): unknown;
}
