/**
 * StoreEngine: the single writer of one store. It owns the engine, the keyspace and the disk, runs
 * calls in arrival order, makes each call atomic, commits writes through the group-commit
 * pipeline, serializes interactive transactions and feeds committed changes to subscribers.
 *
 * Commit pipeline invariants:
 * - At most one disk operation (append or checkpoint) is in flight. Batches applied while it is in
 *   flight join `next`, which becomes the next append: group commit, one transaction for many.
 * - Memory may be ahead of disk only by the batches in `inflight` and `next` (and an open
 *   transaction). If an append fails, every one of those batches is rolled back newest first and
 *   rejected, so memory equals disk again and no later batch was built on a write that is gone.
 * - A checkpoint's snapshot is taken synchronously when memory equals disk plus the group being
 *   appended (no open transaction), and the checkpoint runs right after that append succeeds;
 *   later batches wait in `next`. So it never misses a committed write nor holds an uncommitted one.
 */
import { Encoded, ValueWriter, decodeValue, encodeValue } from '../codec/value.js';
import { loadEngine, type WasmSource } from '../core/engine.js';
import { LarderError, isLarderError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { WriteBatch, type KeyOp } from '../keyspace/write-batch.js';
import { DECLINED, type View, type ViewContext } from '../views/view.js';
import type { Call, ChangeEvent, RequestId, StoreOptions, WireError, WireResult } from './protocol.js';
import { engineSnapshot, openDisk, type Disk } from './disk.js';
import type { Snapshot } from '../persist/disk-store.js';
import { decodeExport, encodeExport } from './export-format.js';
import { LatencyWindow } from './latency.js';
import { REQUEST_TAG, checkRequestId, pruneResults, recordResults, recordedResults } from './request-log.js';
import { MessageCalls, ResultsWriter, isPackedCalls, packResults } from './wire.js';

/** A group of batches committed by one disk append. */
interface Group {
  batches: WriteBatch[];
  /** View events to deliver once the group is durable. */
  events: NonNullable<ChangeEvent['events']>;
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

interface ActiveTx {
  id: number;
  batch: WriteBatch;
  /** View events of the transaction's calls, delivered with its commit. */
  events: NonNullable<ChangeEvent['events']>;
  timer: ReturnType<typeof setTimeout>;
  ended: Promise<void>;
  end(): void;
  /** Set when the transaction was rolled back behind the caller's back (timeout, disk failure). */
  aborted?: LarderError;
}

function group(): Group {
  let resolve!: () => void, reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  done.catch(() => {}); // observed by callers; avoid unhandled-rejection noise for relaxed writes
  return { batches: [], events: [], done, resolve, reject };
}

/** Serializes any thrown value for the wire. */
export function toWire(e: unknown): WireError {
  if (isLarderError(e)) return e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
  if (e instanceof Error) return { code: 'INTERNAL', message: `${e.name}: ${e.message}` };
  return { code: 'INTERNAL', message: String(e) };
}

/** The single writer of one store. */
export class StoreEngine {
  readonly name: string;
  readonly options: StoreOptions;
  private readonly ks: Keyspace;
  private readonly disk: Disk;
  private readonly views: Map<string, View>;
  private readonly viewsByTag: Map<number, View>;
  private readonly subscribers = new Set<(e: ChangeEvent) => void>();
  private inflight: Group | null = null;
  private next: Group | null = null;
  private tx: ActiveTx | null = null;
  private txSeq = 0;
  private readonly deadTx = new Map<number, LarderError>();
  private seq = 0;
  private closed = false;
  private opsServed = 0;
  /** When housekeeping last pruned the request log (it needs doing once a minute, not every tick). */
  private lastRequestPrune = 0;
  private readonly latency = new LatencyWindow(1024);
  private lastCheckpoint: { at: number; ms: number } | null = null;
  private checkpointing: Promise<void> | null = null;
  private checkpointWanted = false;
  private flushScheduled = false;
  /** Resolved (and replaced) whenever a disk operation settles, for code waiting for quiet. */
  private pulseResolve: () => void = () => {};
  private pulsePromise: Promise<void> = new Promise((r) => { this.pulseResolve = r; });
  private checkpointWaiters: Array<{ resolve(): void; reject(e: unknown): void }> = [];
  private readonly recovery: unknown;
  private readonly housekeeper: ReturnType<typeof setInterval> | undefined;
  /** The results writer of messages answered in one synchronous step (see dispatchCalls). */
  private resultsScratch = new ValueWriter(4096);
  /** View events of the message being run (see ViewContext.emit). */
  private events: NonNullable<ChangeEvent['events']> = [];
  /** The events list `emitFn` appends to (see context()). */
  private emitTo: NonNullable<ChangeEvent['events']> | null = null;
  private emitFn: ViewContext['emit'] = () => {};
  private eventCountFn: () => number = () => 0;
  private dropEventsFn: (count: number) => void = () => {};

  private constructor(name: string, options: StoreOptions, ks: Keyspace, disk: Disk, views: View[], recovery: unknown) {
    this.name = name;
    this.options = options;
    this.ks = ks;
    this.disk = disk;
    this.views = new Map(views.map((v) => [v.name, v]));
    // Every tag a view writes, so a change to an edge or an index entry is still named by its view.
    this.viewsByTag = new Map(views.flatMap((v) => [v.tag, ...(v.tags ?? [])].map((t) => [t, v] as const)));
    this.recovery = recovery;
    if (views.some((v) => v.housekeeping)) {
      this.housekeeper = setInterval(() => void this.housekeeping(), options.housekeepingMs ?? 100);
      (this.housekeeper as { unref?: () => void }).unref?.();
    }
  }

  /** Opens a store: loads the engine, recovers from disk and bulk-loads the keyspace. */
  static async open(name: string, options: StoreOptions, views: View[], wasm?: WasmSource): Promise<StoreEngine> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new LarderError('BAD_VALUE', 'store name must be a non-empty string of at most 200 characters');
    const engine = await loadEngine(wasm);
    const ks = Keyspace.create(engine, views.flatMap((v) => v.pointTags ?? []));
    const { disk, records, report } = await openDisk(name, options);
    ks.load(records);
    return new StoreEngine(name, options, ks, disk, views, report);
  }

  /** Registers a change-feed callback; returns a function that removes it. */
  subscribe(cb: (e: ChangeEvent) => void): () => void {
    this.subscribers.add(cb);
    return () => this.subscribers.delete(cb);
  }

  /**
   * Runs a message's calls in order and returns one result per call. A packed message
   * (src/worker/wire.ts) gets its results packed the same way: same calls, same semantics, one
   * buffer each way instead of an object and an ArrayBuffer per call.
   *
   * `rid` names the message (see request-log.ts): if it wrote, its results are recorded with its
   * writes, and a message arriving again under the same name is answered from the record.
   */
  async dispatch(calls: Call[] | Uint8Array, rid?: RequestId): Promise<WireResult[] | Uint8Array> {
    if (rid !== undefined) {
      try {
        rid = checkRequestId(rid);
      } catch (e) {
        return [[0, toWire(e)]];
      }
    }
    if (!isPackedCalls(calls)) {
      if (!Array.isArray(calls)) return [[0, { code: 'BAD_VALUE', message: 'dispatch takes an array of calls' }]];
      const out = await this.dispatchCalls(MessageCalls.fromList(calls), rid);
      return Array.isArray(out) ? out : out.list();
    }
    let list: MessageCalls;
    try {
      list = MessageCalls.fromPacked(calls);
    } catch (e) {
      return [[0, toWire(e)]];
    }
    const out = await this.dispatchCalls(list, rid);
    return Array.isArray(out) ? packResults(out) ?? out : out.finish();
  }

  /** Runs a message's calls; the results come packed in a writer, or as a list when refused whole. */
  private async dispatchCalls(calls: MessageCalls, rid?: RequestId): Promise<WireResult[] | ResultsWriter> {
    const n = calls.length;
    if (this.closed) return closedResults(this.name, n);
    const txId = n > 0 ? calls.call(0).tx : undefined;
    if (txId !== undefined) return this.dispatchTx(txId, calls);
    // Anything outside the open transaction waits for it to end (serializable transactions).
    while (this.tx) await this.tx.ended;
    if (this.closed) return closedResults(this.name, n);
    let txBegin = -1;
    for (let i = 0; i < n && txBegin < 0; i++) if (calls.t[i] === 'store' && calls.m[i] === 'txBegin') txBegin = i;
    // A message that begins a transaction is not recorded: run again, it begins a new one.
    if (txBegin >= 0) rid = undefined;
    if (rid !== undefined) {
      const recorded = recordedResults(this.ks, rid);
      if (recorded !== undefined) return recorded;
    }
    const batch = new WriteBatch(this.ks);
    // The loop below is synchronous: the results can go into the engine's shared writer and be
    // copied out (sealed) right after it, before anything awaits.
    const out = new ResultsWriter(n, this.resultsScratch);
    /** The calls that wrote (a failed commit fails them). */
    const wrote: number[] = [];
    this.events = [];
    for (let i = 0; i < n; ) {
      if (i >= txBegin && txBegin >= 0 && calls.t[i] === 'store' && calls.m[i] === 'txBegin') {
        // The first is answered below, with the id. One transaction begins per message (the
        // page's queue ends a message at each txBegin): a second one here is refused.
        if (i === txBegin) out.undefined();
        else out.error({ code: 'BAD_VALUE', message: 'one transaction may begin per message' });
        i++;
        continue;
      }
      const to = this.runEnd(calls, i);
      if (to > i) {
        // A run of one read method's calls (see PackedRun): it writes nothing, and the call it
        // stops at, or throws on, runs again just below, the general way.
        const run = this.views.get(calls.t[i] as string)!.packedRuns![calls.m[i] as string];
        const done = out.count;
        try {
          i = run(this.context(batch), calls.bytes!, calls.starts, calls.ends, i, to, out);
        } catch {
          i += out.count - done;
        }
        if (i >= to) continue;
      }
      const mark = batch.mark();
      const evMark = this.events.length;
      try {
        writeResult(out, this.run(calls.call(i), batch));
      } catch (e) {
        batch.rollbackTo(mark);
        this.events.length = evMark;
        out.error(toWire(e));
      }
      if (batch.mark() !== mark) wrote.push(i);
      i++;
    }
    out.seal();
    // A big message grew the shared writer: not kept for the small ones that follow.
    if (this.resultsScratch.buf.length > RESULTS_SCRATCH_KEEP) this.resultsScratch = new ValueWriter(4096);
    this.opsServed += n;
    const events = this.events;
    this.events = [];
    // Recorded in the message's own batch: the record commits exactly when its writes do.
    if (rid !== undefined && !batch.empty) recordResults(batch, this.ks, rid, out.list(), Date.now());
    // txBegin: the transaction starts after this message's own writes, now, before their commit
    // is awaited, so that messages sent after this one (another transaction begun in the same
    // tick) wait for it: transactions begin in the order they were asked for. (No transaction is
    // open here, so it begins at once; should the commit fail, it is rolled back with it.)
    const begun = txBegin >= 0 ? this.beginTx() : undefined;
    if (batch.empty) {
      if (events.length) this.emit([], events);
    } else {
      const t0 = now();
      const commit = this.commit(batch, events);
      try {
        // Relaxed: answered now; its sample is the time until the disk commit, taken then.
        if (this.options.durability === 'relaxed') void commit.then(() => this.latency.add(now() - t0), () => {});
        else {
          await commit;
          this.latency.add(now() - t0);
        }
      } catch (e) {
        const w = toWire(e);
        const results = out.list();
        for (const i of wrote) results[i] = [0, w];
      }
    }
    if (begun !== undefined) out.list()[txBegin] = [1, encodeValue(await begun)];
    return out;
  }

  /**
   * Where the run of calls starting at `i` ends, when its method has a PackedRun (see View): the
   * following calls to the same method outside any transaction. `i` when there is none.
   */
  private runEnd(calls: MessageCalls, i: number): number {
    if (calls.bytes === null || calls.txPlusOne[i] !== 0) return i;
    const t = calls.t[i];
    const m = calls.m[i];
    if (t === 'store') return i;
    const runs = this.views.get(t as string)?.packedRuns;
    if (runs === undefined || !Object.prototype.hasOwnProperty.call(runs, m as string)) return i;
    let j = i + 1;
    while (j < calls.length && calls.t[j] === t && calls.m[j] === m && calls.txPlusOne[j] === 0) j++;
    return j;
  }

  /** Runs one call against its view (or the store itself). */
  private run(call: Call, batch: WriteBatch): unknown {
    if (!call || typeof call.t !== 'string' || typeof call.m !== 'string') throw new LarderError('UNKNOWN_OP', 'malformed call');
    // The message's bytes belong to this call alone (cloned from the page, or packed for it), so
    // binary arguments may stay views into them instead of one copy each.
    if (call.a instanceof Uint8Array && call.t !== 'store') {
      const packed = this.views.get(call.t)?.packedMethods;
      if (packed !== undefined && Object.prototype.hasOwnProperty.call(packed, call.m)) {
        const r = packed[call.m](this.context(batch), call.a);
        if (r !== DECLINED) return r;
      }
    }
    const args = call.a instanceof Uint8Array ? decodeValue(call.a, SHARE_BYTES) : call.a;
    if (!Array.isArray(args)) throw new LarderError('UNKNOWN_OP', 'malformed call: arguments must be an array');
    if (call.t === 'store') return this.runStore({ ...call, a: args }, batch);
    const view = this.views.get(call.t);
    if (!view || !Object.prototype.hasOwnProperty.call(view.methods, call.m)) {
      throw new LarderError('UNKNOWN_OP', `unknown operation ${call.t}.${call.m}`);
    }
    return view.methods[call.m](this.context(batch), ...args);
  }

  private runStore(call: Call, batch: WriteBatch): unknown {
    switch (call.m) {
      case 'atomic': {
        // The simple transaction: a list of calls, all applied or none (the caller's mark undoes).
        const list = call.a[0];
        if (!Array.isArray(list)) throw new LarderError('BAD_VALUE', 'atomic takes an array of calls');
        return list.map((c: Call, i: number) => {
          if (!c || typeof c !== 'object') throw new LarderError('BAD_VALUE', `atomic call ${i} is not a call`);
          if (c && c.t === 'store' && (c.m === 'atomic' || c.m.startsWith('tx'))) throw new LarderError('BAD_VALUE', `atomic call ${i}: cannot nest ${c.m}`);
          let r: unknown;
          try {
            r = this.run(c, batch);
          } catch (e) {
            if (isLarderError(e)) throw new LarderError(e.code, `atomic call ${i} (${c?.t}.${c?.m}): ${e.message}`, e.details);
            throw e;
          }
          // Encoded at once, like every call's result (a result may view engine memory that the
          // next call changes); the list's encoding is the same bytes as encoding it whole.
          return new Encoded(encodeResult(r));
        });
      }
      case 'info':
        return this.info();
      case 'ping':
        return call.a[0];
      case 'importChunk':
        return this.importChunk(call.a[0], batch);
      default:
        throw new LarderError('UNKNOWN_OP', `unknown operation store.${call.m}`);
    }
  }

  private context(batch: WriteBatch): ViewContext {
    const events = this.events;
    // One emit function per events list (a message's, or a transaction's), not one per call.
    if (this.emitTo !== events) {
      this.emitTo = events;
      this.emitFn = (type, data) => void events.push({ type, data });
      this.eventCountFn = () => events.length;
      this.dropEventsFn = (count) => { if (events.length > count) events.length = count; };
    }
    // Events only feed subscribers: with none, a call writing 100k documents keeps no 100k events.
    const watched = this.subscribers.size > 0;
    return { ks: this.ks, batch, now: Date.now(), emit: watched ? this.emitFn : dropEvent, watched, eventCount: this.eventCountFn, dropEventsFrom: this.dropEventsFn };
  }

  /** Runs every view's periodic work (active expiry...) as one committed batch. */
  private async housekeeping(): Promise<void> {
    if (this.closed || this.tx || this.checkpointing) return;
    const batch = new WriteBatch(this.ks);
    this.events = [];
    for (const v of this.views.values()) {
      if (!v.housekeeping) continue;
      const mark = batch.mark();
      try {
        v.housekeeping(this.context(batch));
      } catch {
        batch.rollbackTo(mark); // housekeeping retries on the next tick
      }
    }
    const clock = Date.now();
    if (clock - this.lastRequestPrune > 60_000) {
      this.lastRequestPrune = clock;
      pruneResults(batch, this.ks, clock);
    }
    const events = this.events;
    this.events = [];
    if (!batch.empty) await this.commit(batch, events).catch(() => {});
    else if (events.length) this.emit([], events);
  }

  // ---- commit pipeline ----

  /** Queues a batch for the next disk append; resolves once it is durable. */
  private commit(batch: WriteBatch, events: NonNullable<ChangeEvent['events']> = []): Promise<void> {
    const g = (this.next ??= group());
    g.batches.push(batch);
    for (const e of events) g.events.push(e); // a loop: spreading 100k+ events overflows the stack
    if (this.options.durability === 'relaxed') {
      // The caller is not waiting for the disk: send its reply first, start the append after.
      // Waiting a few ms gathers the writes of that window into one IndexedDB transaction: each
      // transaction costs the browser far more than the writes in it, and a stream of relaxed
      // writes otherwise runs one after another (still on disk within a frame).
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setTimeout(() => { this.flushScheduled = false; this.flush(); }, RELAXED_GROUP_MS);
      }
    } else this.flush();
    return g.done;
  }

  /**
   * Starts the next disk operation when none is in flight: the queued group's append, and when a
   * checkpoint is wanted and no transaction is open, a checkpoint right after it. The snapshot is
   * taken synchronously before the append starts, when memory holds exactly disk plus this group,
   * so the checkpoint neither misses a committed write nor contains an uncommitted one. Batches
   * arriving meanwhile wait in `next` until both are done. A group that makes a checkpoint due by
   * itself (a bulk load) is written by that checkpoint alone: its bytes go to IndexedDB once, in
   * the pages, not twice (a WAL record, then the same bytes again in the pages).
   */
  private flush(): void {
    if (this.inflight || this.checkpointing) return;
    const g = this.next;
    const canCheckpoint = !this.tx;
    if (!g && !(this.checkpointWanted && canCheckpoint)) return;
    this.next = null;
    const byCheckpoint = g !== null && canCheckpoint && this.checkpointDueWith(g.batches);
    const wantCheckpoint = (this.checkpointWanted && canCheckpoint) || byCheckpoint;
    // A checkpoint after the append reads a copy taken now (memory moves on while the append
    // runs); one that writes the group itself reads the keyspace in place (see liveSnapshot).
    const snapshot = wantCheckpoint && !byCheckpoint ? [...this.ks.entries()] : null;
    if (wantCheckpoint) this.checkpointWanted = false;
    this.inflight = g ?? group();
    const t0 = now();
    // The redo ops are built only when the disk needs them: not for a memory-only store, nor for
    // a group written by its checkpoint unless that checkpoint fails.
    const ops = g ? () => mergeOps(g.batches) : null;
    const appended = byCheckpoint ? this.disk.commitByCheckpoint(ops!, this.liveSnapshot()) : ops ? this.disk.append(ops) : Promise.resolve();
    appended.then(
      (checkpointError) => {
        g?.resolve();
        if (g) this.emit(g.batches, g.events);
        if (byCheckpoint) {
          // The group went to the WAL instead: checkpoint() callers wait for the next attempt.
          if (checkpointError) this.checkpointWanted = true;
          else {
            this.lastCheckpoint = { at: Date.now(), ms: now() - t0 };
            this.settleCheckpoint(null);
          }
          this.inflight = null;
          this.afterCommit();
        } else if (snapshot) this.runCheckpoint(snapshot);
        else {
          this.inflight = null;
          this.afterCommit();
        }
      },
      (e) => {
        // Undo everything memory holds beyond disk, newest first, and fail it all.
        const failed = toLarder(e);
        if (this.tx) this.abortTx(this.tx, new LarderError(failed.code, `transaction rolled back: ${failed.message}`));
        const later = this.next;
        this.next = null;
        if (later) for (let i = later.batches.length - 1; i >= 0; i--) later.batches[i].rollback();
        if (g) for (let i = g.batches.length - 1; i >= 0; i--) g.batches[i].rollback();
        this.inflight = null;
        g?.reject(failed);
        later?.reject(failed);
        if (wantCheckpoint) this.settleCheckpoint(failed);
        this.pulse();
      },
    );
  }

  /** True when appending `batches` would make a checkpoint due; false when the disk cannot tell (closed: the append reports it). */
  private checkpointDueWith(batches: readonly WriteBatch[]): boolean {
    let bytes = 0;
    for (const b of batches) bytes += b.redoBytes();
    try {
      return this.disk.needsCheckpoint(bytes);
    } catch {
      return false;
    }
  }

  /**
   * The keyspace as a checkpoint snapshot read in place: no copy of the entries, no object per
   * entry (the engine encodes the pages from its own memory). Valid only while
   * nothing writes to the keyspace, which holds when the disk reads it in the microtasks right
   * after the flush that queued it. Should a write come first (a message that waited for a
   * transaction to end resumes there), it throws: that checkpoint fails and its group goes to
   * the WAL, as after any failed checkpoint.
   */
  private liveSnapshot(): () => Snapshot {
    const ks = this.ks;
    const stamp = ks.writeStamp();
    return () => {
      if (ks.writeStamp() !== stamp) throw new LarderError('INTERNAL', 'the keyspace changed before the checkpoint read it');
      // The engine encodes the pages itself, from the keyspace's tables and tree.
      return engineSnapshot(ks.engine, ks.structures());
    };
  }

  private runCheckpoint(snapshot: Array<[Uint8Array, Uint8Array]>): void {
    const t0 = now();
    this.checkpointing = this.disk.checkpoint(() => snapshot).then(
      () => {
        this.lastCheckpoint = { at: Date.now(), ms: now() - t0 };
        this.settleCheckpoint(null);
      },
      (e) => this.settleCheckpoint(toLarder(e)),
    ).finally(() => {
      this.checkpointing = null;
      this.inflight = null;
      this.afterCommit();
    });
  }

  private settleCheckpoint(err: LarderError | null): void {
    const waiters = this.checkpointWaiters;
    this.checkpointWaiters = [];
    for (const w of waiters) (err ? w.reject(err) : w.resolve());
  }

  private pulse(): void {
    const r = this.pulseResolve;
    this.pulsePromise = new Promise((res) => { this.pulseResolve = res; });
    r();
  }

  /** Waits until nothing is queued, in flight or open (used by export and close). */
  private async quiet(): Promise<void> {
    while (this.inflight || this.checkpointing || this.next || this.tx) {
      if (this.tx) await this.tx.ended;
      else {
        const p = this.pulsePromise;
        this.flush();
        await p;
      }
    }
  }

  private afterCommit(): void {
    this.pulse();
    if (!this.checkpointWanted && !this.closed && this.disk.needsCheckpoint()) this.checkpointWanted = true;
    // Relaxed writes queued meanwhile have a timer that flushes them (see commit()).
    // A checkpoint due starts here, in this task, before the group's replies go out: started in a
    // later task (or encoded in slices between messages), its synchronous snapshot and page
    // encoding landed on the next calls instead (a docs query right after a 100k insert went
    // from 4 ms to 39 ms, an update of 1,000 documents from 25 ms to 130 ms).
    if (!this.flushScheduled) this.flush();
  }

  /** Writes a checkpoint as soon as the pipeline allows; resolves when it is on disk. */
  checkpoint(): Promise<void> {
    if (this.closed) return Promise.reject(new LarderError('CLOSED', `store "${this.name}" is closed`));
    return new Promise<void>((resolve, reject) => {
      this.checkpointWaiters.push({ resolve, reject });
      this.checkpointWanted = true;
      this.flush();
    });
  }

  private emit(batches: readonly WriteBatch[], events: NonNullable<ChangeEvent['events']>): void {
    if (batches.length) this.seq++;
    if (this.subscribers.size === 0) return;
    const changes: ChangeEvent['changes'] = [];
    for (const op of mergeOps(batches)) {
      if (op.key[0] === REQUEST_TAG) continue; // bookkeeping, not data
      const view = this.viewsByTag.get(op.key[0]);
      const key = view?.describeKey?.(op.key);
      changes.push({ target: view?.name ?? 'raw', key: key ?? hex(op.key), op: op.op });
    }
    const event: ChangeEvent = events.length ? { seq: this.seq, changes, events } : { seq: this.seq, changes };
    for (const cb of this.subscribers) {
      try {
        const r = cb(event) as unknown;
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => this.subscribers.delete(cb));
      } catch {
        this.subscribers.delete(cb);
      }
    }
  }

  // ---- interactive transactions ----

  private async beginTx(): Promise<number> {
    while (this.tx) await this.tx.ended;
    const id = ++this.txSeq;
    let end!: () => void;
    const ended = new Promise<void>((r) => { end = r; });
    const timeout = this.options.transactionTimeout ?? 5000;
    const tx: ActiveTx = {
      id,
      batch: new WriteBatch(this.ks),
      events: [],
      ended,
      end,
      timer: setTimeout(() => this.abortTx(tx, new LarderError('TIMEOUT', `transaction ${id} ran longer than ${timeout} ms and was rolled back`)), timeout),
    };
    this.tx = tx;
    return id;
  }

  private abortTx(tx: ActiveTx, why: LarderError): void {
    if (this.tx !== tx) return;
    clearTimeout(tx.timer);
    tx.batch.rollback();
    tx.aborted = why;
    this.deadTx.set(tx.id, why);
    if (this.deadTx.size > 64) this.deadTx.delete(this.deadTx.keys().next().value as number);
    this.tx = null;
    tx.end();
    this.flush();
  }

  private async dispatchTx(id: number, calls: MessageCalls): Promise<WireResult[] | ResultsWriter> {
    const tx = this.tx;
    if (!tx || tx.id !== id) {
      const why = toWire(this.deadTx.get(id) ?? new LarderError('BAD_VALUE', `transaction ${id} is not open`));
      return Array.from({ length: calls.length }, () => [0, why] as WireResult);
    }
    const out = new ResultsWriter(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const call = calls.call(i);
      if (call.tx !== id) {
        out.error({ code: 'BAD_VALUE', message: 'a message mixes transaction and non-transaction calls' });
        continue;
      }
      if (this.tx !== tx) {
        out.error(toWire(tx.aborted ?? new LarderError('BAD_VALUE', `transaction ${id} is not open`)));
        continue;
      }
      if (call.t === 'store' && call.m === 'txCommit') {
        const r = await this.commitTx(tx);
        if (r[0] === 1) out.undefined();
        else out.error(r[1]);
        continue;
      }
      if (call.t === 'store' && call.m === 'txRollback') {
        clearTimeout(tx.timer);
        tx.batch.rollback();
        this.tx = null;
        tx.end();
        this.flush();
        out.undefined();
        continue;
      }
      // A failing call inside a transaction undoes only itself; the caller decides what next
      // (an uncaught throw in the transaction function rolls the whole transaction back).
      const mark = tx.batch.mark();
      this.events = tx.events;
      const evMark = tx.events.length;
      try {
        writeResult(out, this.run(call, tx.batch));
      } catch (e) {
        tx.batch.rollbackTo(mark);
        tx.events.length = evMark;
        out.error(toWire(e));
      }
      this.events = [];
    }
    this.opsServed += calls.length;
    return out;
  }

  private async commitTx(tx: ActiveTx): Promise<WireResult> {
    clearTimeout(tx.timer);
    this.tx = null;
    tx.end();
    if (tx.batch.empty) {
      // A checkpoint wanted while the transaction was open may start now.
      this.flush();
      if (tx.events.length) this.emit([], tx.events);
      return OK_UNDEFINED;
    }
    try {
      // Queued before anything flushes: a checkpoint wanted during the transaction takes its
      // snapshot after this group's append, never before it with the writes still uncommitted
      // (an append failing then rolled them back in memory, but the checkpoint kept them).
      await this.commit(tx.batch, tx.events);
      return OK_UNDEFINED;
    } catch (e) {
      return [0, toWire(e)];
    }
  }

  // ---- export / import ----

  /** A portable snapshot of every committed entry, in chunks of about `chunkBytes`. */
  async exportChunks(chunkBytes = 1 << 20): Promise<Uint8Array[]> {
    await this.quiet();
    return encodeExport(withoutRequestLog(this.ks.entries()), chunkBytes);
  }

  private importChunk(chunk: unknown, batch: WriteBatch): number {
    if (!(chunk instanceof Uint8Array)) throw new LarderError('BAD_VALUE', 'import data must be Uint8Array chunks');
    let n = 0;
    for (const [k, v] of decodeExport(chunk)) {
      batch.put(k, v);
      n++;
    }
    return n;
  }

  // ---- info, close ----

  /** Statistics for `store.info()`. */
  info(): Record<string, unknown> {
    const s = this.ks.engine.stats();
    const disk = (this.disk.info() ?? {}) as { wal?: unknown; checkpoint?: Record<string, unknown>; pages?: unknown; commits?: unknown };
    return {
      name: this.name,
      entries: this.ks.size,
      memory: { wasmBytes: s.memoryBytes, liveBytes: s.liveBytes, liveBlocks: s.liveBlocks },
      // WAL records and bytes written since the last checkpoint (null when memory-only).
      wal: disk.wal ?? null,
      // The last checkpoint on disk (seq, time), how many this session wrote, and the last one's duration.
      checkpoint: disk.checkpoint ? { ...disk.checkpoint, lastMs: this.lastCheckpoint?.ms ?? null } : null,
      pages: disk.pages ?? null,
      diskCommits: disk.commits ?? null,
      opsServed: this.opsServed,
      commits: this.seq,
      commitLatencyMs: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99), samples: this.latency.size },
      durability: this.options.durability ?? 'strict',
      persist: this.options.persist !== false,
      encrypted: !!this.options.passphrase,
      recovery: this.recovery,
      ...this.viewInfo(),
    };
  }

  /** Each view's own section of info() (e.g. `kv`: keys, keys with a TTL, pub/sub counts). */
  private viewInfo(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const v of this.views.values()) {
      if (!v.info) continue;
      // A batch of its own, rolled back: whatever a view's read touches (lazy expiry) is not kept.
      const batch = new WriteBatch(this.ks);
      try {
        out[v.name] = v.info(this.context(batch));
      } finally {
        batch.rollback();
      }
    }
    return out;
  }


  /** Waits for pending commits, then closes the disk. Later calls fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.housekeeper !== undefined) clearInterval(this.housekeeper);
    if (this.tx) this.abortTx(this.tx, new LarderError('CLOSED', `store "${this.name}" was closed during the transaction`));
    this.checkpointWanted = false;
    await this.quiet();
    this.closed = true;
    await this.disk.close();
    this.ks.free();
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }
}

/** The ops of a group of batches, in order: one WAL append for the whole group. */
export function mergeOps(batches: readonly WriteBatch[]): KeyOp[] {
  if (batches.length === 1) return batches[0].ops();
  const out: KeyOp[] = [];
  for (const b of batches) for (const op of b.ops()) out.push(op);
  return out;
}

/** ViewContext.emit while nobody subscribes to the change feed. */
const dropEvent: ViewContext['emit'] = () => {};

const OK_UNDEFINED: WireResult = [1, encodeValue(undefined)];

/** decodeValue's options for a message's arguments (see run()). */
const SHARE_BYTES = { shareBytes: true } as const;

/** The shared results writer is replaced once a message grew it past this (see dispatchCalls). */
const RESULTS_SCRATCH_KEEP = 1 << 20;

/**
 * How long relaxed writes gather before their disk append starts (see commit()): one 60 Hz frame.
 * An append costs the worker about as much as 80 relaxed writes: with a 4 ms window, a stream of
 * awaited relaxed writes paid ~10 µs each for it (48 µs per write, against 38 µs with 16 ms and
 * 37 µs for a get; .prof/pt in Chromium, 15 rounds each).
 */
const RELAXED_GROUP_MS = 16;

/**
 * Encodes a view's result for the wire; a result the codec cannot carry is a view bug. Called
 * right after the view method returns, before any other engine call, so a result may hold views
 * of engine memory (values.get returns its stored bytes that way).
 */
function encodeResult(v: unknown): Uint8Array {
  if (v === undefined) return OK_UNDEFINED[1] as Uint8Array;
  // An Encoded result (a stored value) encodes as its bytes: copy them without the codec's walk.
  if (v instanceof Encoded) return v.bytes.slice();
  try {
    return encodeValue(v);
  } catch (e) {
    throw unencodable(e);
  }
}

/** Writes a view's result to the message's results, as encodeResult encodes it (and when). */
function writeResult(out: ResultsWriter, v: unknown): void {
  try {
    out.value(v);
  } catch (e) {
    throw unencodable(e);
  }
}

function unencodable(e: unknown): LarderError {
  return new LarderError('INTERNAL', `result cannot be encoded: ${(e as Error).message}`);
}

/** The answer to every call of a message reaching a closed store. */
function closedResults(name: string, n: number): WireResult[] {
  return Array.from({ length: n }, () => [0, { code: 'CLOSED', message: `store "${name}" is closed` }] as WireResult);
}

function toLarder(e: unknown): LarderError {
  if (isLarderError(e)) return e as LarderError;
  return new LarderError('INTERNAL', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The entries minus the request log's (bookkeeping of this store's tabs, meaningless elsewhere). */
function* withoutRequestLog(entries: Iterable<[Uint8Array, Uint8Array]>): IterableIterator<[Uint8Array, Uint8Array]> {
  for (const e of entries) if (e[0][0] !== REQUEST_TAG) yield e;
}
