/**
 * Page-side cursors, shaped like the MongoDB driver's FindCursor and AggregationCursor. Options
 * are collected by chaining (sort, skip, limit, project, batchSize...); nothing runs until
 * toArray(), next() or iteration. toArray() fetches the whole result in one call; next() and
 * `for await` open a snapshot cursor in the worker and fetch `batchSize` documents per call.
 * `subscribe(cb)` turns a find cursor into a live query.
 */
import { LarderError } from '../errors.js';
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';
import { liveQuery } from './live-query.js';
import { queryArg } from './query-args.js';

interface Batch {
  id: number;
  batch: unknown[];
}

/** What both cursor kinds share: batching, iteration, map, close. */
abstract class BaseCursor<T> implements AsyncIterable<T> {
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly coll: string;
  /** @internal */
  protected opts: Record<string, unknown> = {};
  private buffer: unknown[] = [];
  private cursorId = 0;
  private started = false;
  private exhausted = false;
  /** @internal */
  protected mapper: ((d: unknown) => unknown) | undefined;
  /** @internal A bad argument found while building the cursor: reported when it runs, as the driver does. */
  protected pending: unknown;

  /** @internal */
  constructor(q: CallQueue, coll: string, tx?: number) {
    this.q = q;
    this.coll = coll;
    this.tx = tx;
  }

  /** @internal Runs the query whole. */
  protected abstract fetchAll(): Promise<unknown[]>;
  /** @internal Opens a worker cursor. */
  protected abstract open(): Promise<Batch>;

  /** @internal Prepares a query argument, keeping the first error for later. */
  protected arg(v: unknown): unknown {
    try {
      return queryArg(v);
    } catch (e) {
      this.pending ??= e;
      return undefined;
    }
  }

  /** @internal The driver's MongoCursorInUseError: a started cursor's query and transform are fixed. */
  protected throwIfStarted(): void {
    if (this.started) throw new LarderError('BAD_QUERY', 'cursor options cannot change once iteration has started');
  }

  /** @internal */
  protected set(k: string, v: unknown): this {
    this.throwIfStarted();
    this.opts[k] = v;
    return this;
  }

  /** Documents per round trip once iterating (default 101 first, then the same). */
  batchSize(n: number): this {
    return this.set('batchSize', n);
  }

  /** Applies `fn` to every document returned from now on. */
  map<U>(fn: (doc: T) => U): BaseCursor<U> {
    // As the driver: documents already fetched were meant for the old transform.
    this.throwIfStarted();
    const prev = this.mapper;
    this.mapper = prev ? (d) => fn(prev(d) as T) : (d) => fn(d as T);
    return this as unknown as BaseCursor<U>;
  }

  private out(d: unknown): T {
    return (this.mapper ? this.mapper(d) : d) as T;
  }

  /** Every (remaining) document. */
  async toArray(): Promise<T[]> {
    if (this.pending) throw this.pending;
    if (!this.started) {
      this.started = true;
      this.exhausted = true;
      const docs = await this.fetchAll();
      // The array was just decoded for this call: returned as it is unless a mapper applies.
      return (this.mapper ? docs.map((d) => this.out(d)) : docs) as T[];
    }
    const all: T[] = [];
    for (;;) {
      const d = await this.next();
      if (d === null) return all;
      all.push(d);
    }
  }

  /** Fills the buffer from the worker when it is empty; false at the end. */
  private async fill(): Promise<boolean> {
    if (this.pending) throw this.pending;
    if (!this.started) {
      this.started = true;
      const b = await this.open();
      this.buffer = b.batch;
      this.cursorId = b.id;
      if (b.id === 0) this.exhausted = true;
    }
    while (this.buffer.length === 0) {
      if (this.exhausted || this.cursorId === 0) return false;
      const b = await this.q.call<Batch>('docs', 'cursorNext', [this.cursorId, this.opts.batchSize ?? 101], this.tx);
      this.buffer = b.batch;
      this.cursorId = b.id;
      if (b.id === 0) this.exhausted = true;
    }
    return true;
  }

  /** The next document, or null at the end. */
  async next(): Promise<T | null> {
    return (await this.fill()) ? this.out(this.buffer.shift()) : null;
  }

  /** True when next() would return a document. */
  hasNext(): Promise<boolean> {
    return this.fill();
  }

  /** Releases the worker-side cursor (iteration may be abandoned at any point). */
  async close(): Promise<void> {
    this.exhausted = true;
    this.buffer = [];
    if (this.cursorId) {
      const id = this.cursorId;
      this.cursorId = 0;
      await this.q.call('docs', 'cursorClose', [[id]], this.tx);
    }
  }

  /**
   * Puts the cursor back in its unstarted state, options kept (the driver's rewind): the next
   * read runs the query again, as of that moment.
   */
  rewind(): void {
    if (!this.started) return;
    const id = this.cursorId;
    this.started = false;
    this.exhausted = false;
    this.buffer = [];
    this.cursorId = 0;
    // Fire and forget, as the driver's rewind is synchronous: an unknown id is harmless.
    if (id) this.q.call('docs', 'cursorClose', [[id]], this.tx).catch(() => undefined);
  }

  /** Iterates with `for await`; breaking out closes the cursor. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        const d = await this.next();
        if (d === null) return;
        yield d;
      }
    } finally {
      await this.close();
    }
  }
}

/** The result of `collection.find()`. */
export class FindCursor<T = Record<string, unknown>> extends BaseCursor<T> {
  private filterDoc: unknown;
  private readonly feed: Feed;

  /** @internal Use collection.find(). */
  constructor(q: CallQueue, feed: Feed, coll: string, filter: unknown, options: Record<string, unknown> | undefined, tx?: number) {
    super(q, coll, tx);
    this.feed = feed;
    this.filterDoc = this.arg(filter ?? {});
    for (const [k, v] of Object.entries(options ?? {})) this.opts[k] = k === 'projection' || k === 'sort' ? this.arg(v) : v;
  }

  /** Replaces the filter. */
  filter(f: Record<string, unknown>): this {
    this.throwIfStarted();
    this.filterDoc = this.arg(f);
    return this;
  }

  /** Sort order: `{ field: 1 | -1 }`, or a field name and direction. */
  sort(spec: Record<string, 1 | -1 | 'asc' | 'desc'> | string, dir: 1 | -1 = 1): this {
    return this.set('sort', typeof spec === 'string' ? { [spec]: dir } : spec);
  }

  /** Skips the first `n` documents. */
  skip(n: number): this {
    return this.set('skip', n);
  }

  /** Returns at most `n` documents (0: no limit). */
  limit(n: number): this {
    return this.set('limit', n);
  }

  /** Projection: which fields to return. */
  project<U = T>(spec: Record<string, unknown>): FindCursor<U> {
    this.set('projection', this.arg(spec));
    return this as unknown as FindCursor<U>;
  }

  /** Forces an index (by name or key pattern). */
  hint(h: string | Record<string, 1 | -1>): this {
    return this.set('hint', h);
  }

  /**
   * The plan and the work done (IXSCAN / COLLSCAN, keys and documents examined). Verbosity as the
   * driver's: true (the default) or 'allPlansExecution'/'executionStats' include executionStats;
   * false or 'queryPlanner' leave it out.
   */
  explain(verbosity: string | boolean = true): Promise<Record<string, unknown>> {
    if (this.pending) return Promise.reject(this.pending);
    if (verbosity !== true && verbosity !== false && !['queryPlanner', 'executionStats', 'allPlansExecution'].includes(verbosity)) {
      return Promise.reject(new LarderError('BAD_QUERY', `explain verbosity must be queryPlanner, executionStats or allPlansExecution, got ${String(verbosity)}`));
    }
    const plannerOnly = verbosity === false || verbosity === 'queryPlanner';
    return this.q.call<Record<string, unknown>>('docs', 'explain', [this.coll, this.filterDoc, this.queryOptions()], this.tx).then((r) => {
      // MongoDB's queryPlanner verbosity plans without running: no executionStats section.
      if (plannerOnly) delete r.executionStats;
      return r;
    });
  }

  /** A fresh, unstarted cursor with the same query. */
  clone(): FindCursor<T> {
    return this.cloneIn(this.tx);
  }

  /** clone(), in transaction `tx` (undefined: outside any). */
  private cloneIn(tx: number | undefined): FindCursor<T> {
    const c = new FindCursor<T>(this.q, this.feed, this.coll, {}, {}, tx);
    c.filterDoc = this.filterDoc;
    c.pending = this.pending;
    c.opts = { ...this.opts };
    c.mapper = this.mapper;
    return c;
  }

  /** countDocuments() of this cursor's filter (skip and limit included). */
  count(): Promise<number> {
    if (this.pending) return Promise.reject(this.pending);
    return this.q.call('docs', 'countDocuments', [this.coll, this.filterDoc, { skip: this.opts.skip, limit: this.opts.limit }], this.tx);
  }

  private queryOptions(): Record<string, unknown> {
    const { batchSize: _b, ...rest } = this.opts;
    return rest;
  }

  /** @internal */
  protected fetchAll(): Promise<unknown[]> {
    return this.q.call('docs', 'find', [this.coll, this.filterDoc, this.queryOptions()], this.tx);
  }

  /** @internal */
  protected open(): Promise<Batch> {
    return this.q.call('docs', 'findCursor', [this.coll, this.filterDoc, this.opts], this.tx);
  }

  /**
   * A live query: calls `cb` with the result now and again whenever a committed write (from this
   * tab or another) changes it. Returns a function that stops it. Errors go to `onError`. It
   * follows committed writes only, so one made inside a transaction runs outside it: its first
   * result comes once that transaction has ended.
   */
  subscribe(cb: (docs: T[]) => void, onError?: (e: unknown) => void): () => void {
    return liveQuery(this.feed, this.coll, () => this.cloneIn(undefined).toArray(), cb, onError);
  }
}

/** The result of `collection.aggregate()`. */
export class AggregationCursor<T = Record<string, unknown>> extends BaseCursor<T> {
  private readonly pipeline: unknown[];

  /** @internal Use collection.aggregate(). */
  constructor(q: CallQueue, coll: string, pipeline: unknown[], options: Record<string, unknown> | undefined, tx?: number) {
    super(q, coll, tx);
    this.pipeline = this.arg(pipeline ?? []) as unknown[];
    this.opts = { ...(options ?? {}) };
  }

  /** A fresh, unstarted cursor with the same pipeline and options (the driver's clone). */
  clone(): AggregationCursor<T> {
    const c = new AggregationCursor<T>(this.q, this.coll, [], {}, this.tx);
    // The pipeline is already converted for the wire: copied, not passed through arg() again.
    (c as unknown as { pipeline: unknown[] }).pipeline = this.pipeline;
    c.pending = this.pending;
    c.opts = { ...this.opts };
    c.mapper = this.mapper;
    return c;
  }

  /** @internal */
  protected fetchAll(): Promise<unknown[]> {
    const { batchSize: _b, ...rest } = this.opts;
    return this.q.call('docs', 'aggregate', [this.coll, this.pipeline, rest], this.tx);
  }

  /** @internal */
  protected open(): Promise<Batch> {
    return this.q.call('docs', 'aggregateCursor', [this.coll, this.pipeline, this.opts], this.tx);
  }
}
