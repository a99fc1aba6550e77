/**
 * `collection.watch()`: a change stream shaped like the driver's. Change documents are built on
 * the page from the 'docs' events of the change feed (the worker ships the stored bytes of the
 * document before/after; they are decoded only here). Supports `$match` stages over the change
 * documents, `fullDocument: 'updateLookup' | 'whenAvailable' | 'required'` for updates and
 * `fullDocumentBeforeChange`. Iterate with `for await`, `next()`, or `on('change', cb)`.
 */
import { decodeValue } from '../codec/value.js';
import { LarderError } from '../errors.js';
import { compileFilter, type Predicate } from '../views/docs/query/index.js';
import type { ChangeEvent } from '../worker/protocol.js';
import type { Feed } from './feed.js';
import { queryArg } from './query-args.js';

/** One change, as the driver reports it. */
export interface ChangeStreamDocument<T = Record<string, unknown>> {
  _id: { _data: string };
  operationType: 'insert' | 'update' | 'replace' | 'delete' | 'drop';
  ns: { db: string; coll: string };
  documentKey?: { _id: unknown };
  fullDocument?: T | null;
  fullDocumentBeforeChange?: T | null;
  updateDescription?: { updatedFields: Record<string, unknown>; removedFields: string[]; truncatedArrays: unknown[] };
  wallTime: Date;
}

/** Options of watch(). */
export interface ChangeStreamOptions {
  fullDocument?: 'default' | 'updateLookup' | 'whenAvailable' | 'required';
  fullDocumentBeforeChange?: 'off' | 'whenAvailable' | 'required';
}

interface DocEvent {
  c: string;
  o: ChangeStreamDocument['operationType'];
  k?: Uint8Array;
  d?: Uint8Array;
  b?: Uint8Array;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && !(v instanceof Date);
}

function sameValue(a: unknown, b: unknown): boolean {
  // Before ===: 0 and -0 are stored apart (an update from one to the other modifies the
  // document), and NaN equals NaN.
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
  }
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && String(a) === String(b) && a.constructor === b.constructor;
}

/**
 * Adds `k` as an own field: a stored document may have a field named `__proto__`, which plain
 * assignment would turn into a prototype change (the field lost, the object's inherited fields changed).
 */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** updatedFields / removedFields between two versions (dotted paths into sub-documents). */
function diff(before: Record<string, unknown>, after: Record<string, unknown>, prefix = '', out = { updatedFields: {} as Record<string, unknown>, removedFields: [] as string[], truncatedArrays: [] as unknown[] }) {
  for (const k of Object.keys(after)) {
    const p = prefix + k;
    const a = before[k];
    const b = after[k];
    if (!Object.prototype.hasOwnProperty.call(before, k)) setOwn(out.updatedFields, p, b);
    else if (isObj(a) && isObj(b)) diff(a, b, p + '.', out);
    else if (!sameValue(a, b)) setOwn(out.updatedFields, p, b);
  }
  for (const k of Object.keys(before)) if (!Object.prototype.hasOwnProperty.call(after, k)) out.removedFields.push(prefix + k);
  return out;
}

/** A change stream over one collection. */
export class ChangeStream<T = Record<string, unknown>> implements AsyncIterable<ChangeStreamDocument<T>> {
  private readonly queue: ChangeStreamDocument<T>[] = [];
  private readonly waiting: Array<(d: ChangeStreamDocument<T> | null) => void> = [];
  private readonly listeners = new Set<(d: ChangeStreamDocument<T>) => void>();
  private readonly unsubscribe: () => void;
  private readonly filters: Predicate[];
  private closedFlag = false;

  /** @internal Use collection.watch(). */
  constructor(feed: Feed, private readonly coll: string, pipeline: unknown[] = [], private readonly options: ChangeStreamOptions = {}) {
    if (!Array.isArray(pipeline)) throw new LarderError('BAD_QUERY', 'watch() takes an array of pipeline stages');
    this.filters = pipeline.map((s) => {
      if (!isObj(s) || Object.keys(s).length !== 1 || !('$match' in s)) throw new LarderError('BAD_QUERY', 'watch() pipelines support $match stages only');
      return compileFilter(queryArg(s.$match));
    });
    this.unsubscribe = feed((e) => this.onChange(e));
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  private onChange(e: ChangeEvent): void {
    if (this.closedFlag) return;
    (e.events ?? []).forEach((ev, i) => {
      if (ev.type !== 'docs') return;
      const d = ev.data as DocEvent;
      if (!d || d.c !== this.coll) return;
      const doc = this.toChange(d, `${e.seq}:${i}`);
      if (!this.filters.every((f) => f(doc as unknown as Record<string, unknown>))) return;
      for (const l of this.listeners) l(doc);
      const w = this.waiting.shift();
      if (w) w(doc);
      else if (this.listeners.size === 0) this.queue.push(doc);
    });
  }

  private toChange(d: DocEvent, token: string): ChangeStreamDocument<T> {
    const out: ChangeStreamDocument<T> = { _id: { _data: token }, operationType: d.o, ns: { db: 'larder', coll: this.coll }, wallTime: new Date() };
    if (d.k) out.documentKey = { _id: decodeValue(d.k) };
    const after = d.d ? (decodeValue(d.d) as Record<string, unknown>) : undefined;
    const before = d.b ? (decodeValue(d.b) as Record<string, unknown>) : undefined;
    if (d.o === 'insert' || d.o === 'replace') out.fullDocument = after as T;
    if (d.o === 'update') {
      out.updateDescription = diff(before ?? {}, after ?? {});
      const fd = this.options.fullDocument;
      if (fd === 'updateLookup' || fd === 'whenAvailable' || fd === 'required') out.fullDocument = after as T;
    }
    const fb = this.options.fullDocumentBeforeChange;
    if ((fb === 'whenAvailable' || fb === 'required') && (d.o === 'update' || d.o === 'replace' || d.o === 'delete')) out.fullDocumentBeforeChange = (before ?? null) as T | null;
    return out;
  }

  /** Calls `cb` for every change ('change' is the only event). */
  on(event: 'change', cb: (d: ChangeStreamDocument<T>) => void): this {
    if (event !== 'change') throw new LarderError('BAD_VALUE', `unknown change stream event ${String(event)}`);
    this.listeners.add(cb);
    return this;
  }

  /** The next change (waits for one); null once closed. */
  next(): Promise<ChangeStreamDocument<T> | null> {
    const d = this.queue.shift();
    if (d) return Promise.resolve(d);
    if (this.closedFlag) return Promise.resolve(null);
    // Callers waiting at once are served in order, one change each.
    return new Promise((resolve) => {
      this.waiting.push(resolve);
    });
  }

  /** The next change if one is already here, else null. */
  tryNext(): Promise<ChangeStreamDocument<T> | null> {
    return Promise.resolve(this.queue.shift() ?? null);
  }

  /** Stops the stream; every pending next() resolves with null. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.unsubscribe();
    this.listeners.clear();
    for (const w of this.waiting.splice(0)) w(null);
  }

  /** `for await (const change of stream)`; ends when the stream is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<ChangeStreamDocument<T>> {
    for (;;) {
      const d = await this.next();
      if (d === null) return;
      yield d;
    }
  }
}
