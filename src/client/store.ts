/**
 * Store: what `openStore` returns. Plain values (inherited from ValuesApi), atomic batches,
 * interactive transactions, the change feed, info, checkpoint, export, close and destroy. Views
 * (kv, collections, graphs) hang off it in later issues.
 */
import { LarderError } from '../errors.js';
import type { ChangeEvent, WorkerApi } from '../worker/protocol.js';
import { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';
import { Scope } from './scope.js';
import { encodeStored, type BatchOp } from './values.js';

/** A transaction's handle: every model's API, bound to the transaction. */
export class Transaction extends Scope {
  /** The transaction id. */
  get id(): number {
    return this.tx!;
  }
}

type ChangeListener = (e: ChangeEvent) => void;

/** An open store. */
export class Store extends Scope {
  /** The store's name. */
  readonly name: string;
  private readonly api: WorkerApi;
  private readonly conn: number;
  private readonly listeners = new Set<ChangeListener>();
  private subscribed = false;
  private closed = false;
  private readonly onClose: () => void;
  private readonly proxy: (cb: ChangeListener) => ChangeListener;

  /** @internal Use openStore(). */
  constructor(name: string, api: WorkerApi, conn: number, proxy: (cb: ChangeListener) => ChangeListener, onClose: () => void) {
    const q = new CallQueue((calls) => api.dispatch(conn, calls));
    const feed: Feed = (cb) => this.on('change', cb);
    super(q, feed);
    this.name = name;
    this.api = api;
    this.conn = conn;
    this.proxy = proxy;
    this.onClose = onClose;
  }

  private live(): void {
    if (this.closed) throw new LarderError('CLOSED', `store "${this.name}" is closed`);
  }

  /** Applies every op or none, as one call and one WAL record. Returns each op's result. */
  batch(ops: BatchOp[]): Promise<unknown[]> {
    if (!Array.isArray(ops)) return Promise.reject(new LarderError('BAD_VALUE', 'batch takes an array of ops'));
    let calls;
    try {
      calls = ops.map((o, i) => {
      if (o?.op === 'set') return { t: 'values', m: 'set', a: [o.key, encodeStored(o.value, `batch op ${i}`)] };
      if (o?.op === 'delete') return { t: 'values', m: 'delete', a: [o.key] };
        throw new LarderError('BAD_VALUE', `batch op ${i}: op must be 'set' or 'delete'`);
      });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.q.call('store', 'atomic', [calls]);
  }

  /**
   * Runs `fn` as an interactive, serializable transaction: its reads see its own writes, every
   * other call waits until it ends, and a throw (or running past the timeout) rolls it all back.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
    const begun = this.q.call<number>('store', 'txBegin', []);
    this.q.endMessage();
    const id = await begun;
    if (typeof id !== 'number') throw new LarderError('INTERNAL', 'the worker did not begin the transaction');
    const tx = new Transaction(this.q, this.feed, id);
    // Known to the queue while open: closing this handle rolls it back (see CallQueue.close).
    this.q.txOpened(id);
    const end = (m: 'txCommit' | 'txRollback'): Promise<unknown> => {
      this.q.txEnded(id);
      return this.q.call('store', m, [], id);
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      await end('txRollback').catch(() => {});
      throw e;
    }
    await end('txCommit');
    return result;
  }

  /** Subscribes to committed changes (from every tab); returns an unsubscribe function. */
  on(event: 'change', cb: ChangeListener): () => void {
    if (event !== 'change') throw new LarderError('BAD_VALUE', `unknown event "${String(event)}"`);
    if (typeof cb !== 'function') throw new LarderError('BAD_VALUE', 'the listener must be a function');
    this.live();
    this.listeners.add(cb);
    if (!this.subscribed) {
      this.subscribed = true;
      void this.api.subscribe(this.conn, this.proxy((e) => { for (const l of this.listeners) l(e); }));
    }
    return () => this.listeners.delete(cb);
  }

  /** Statistics: entries, memory, WAL, last checkpoint, ops served, commit latency p50/p99. */
  info(): Promise<Record<string, any>> {
    return this.q.call('store', 'info', []);
  }

  /** Writes a checkpoint now. */
  async checkpoint(): Promise<void> {
    this.live();
    await this.api.checkpoint(this.conn);
  }

  /** A portable snapshot of the whole store as a Blob of self-checking chunks (see importInto). */
  async export(): Promise<Blob> {
    this.live();
    const chunks = await this.api.exportChunks(this.conn);
    return new Blob(chunks as BlobPart[], { type: 'application/x-larder-export' });
  }

  /** Closes this handle (pending writes finish first). Later calls fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.q.close(new LarderError('CLOSED', `store "${this.name}" is closed`));
    await this.api.close(this.conn);
    this.onClose();
  }

  /** Closes the store and deletes all of its data. */
  async destroy(): Promise<void> {
    this.live();
    this.closed = true;
    this.q.close(new LarderError('CLOSED', `store "${this.name}" was destroyed`));
    await this.api.destroy(this.conn);
    this.onClose();
  }

  /** @internal Sends one call outside the values API (used by importInto). */
  call<T>(t: string, m: string, a: unknown[]): Promise<T> {
    return this.q.call<T>(t, m, a);
  }
}
