/**
 * The protocol between the page (src/client) and the single writer (src/worker), in one place.
 * The transport is Comlink over a Worker, a SharedWorker port, or a direct in-thread object; every
 * message carries a list of calls, so calls made in the same tick cost one round trip.
 */

/** Options accepted by `openStore`. */
export interface StoreOptions {
  /** 'strict' (default): a write resolves after IndexedDB committed it. 'relaxed': once applied in memory; written within milliseconds, lost only if the tab dies in those moments. */
  durability?: 'strict' | 'relaxed';
  /** Run the engine in a worker (default true where Worker exists). */
  worker?: boolean;
  /** Persist to IndexedDB (default true where indexedDB exists). */
  persist?: boolean;
  /** Encrypt at rest with a key derived from this passphrase. */
  passphrase?: string;
  /** Open a damaged store by dropping what cannot be read (reported in `info().recovery`). */
  repair?: boolean;
  /** Interactive transaction timeout in ms (default 5000). */
  transactionTimeout?: number;
  /** WAL bytes that trigger a checkpoint (default 4 MiB). */
  checkpointBytes?: number;
  /** An IDBFactory to use instead of globalThis.indexedDB (Node tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory;
  /** How often views' periodic work (active expiry) runs, in ms (default 100). */
  housekeepingMs?: number;
  /** PBKDF2 iterations (tests lower it). */
  pbkdf2Iterations?: number;
}

/** One queued call: a target (view), a method and its arguments. */
export interface Call {
  /** Target: 'store', 'values', later 'kv', 'docs', 'graph'. */
  t: string;
  /** Method name. */
  m: string;
  /**
   * Arguments: the argument array encoded with the value codec (src/codec/value.ts), so every
   * supported type crosses the boundary exactly; nested calls (inside `store.atomic`) carry the
   * decoded array.
   */
  a: Uint8Array | unknown[];
  /** Interactive transaction id when the call belongs to one. */
  tx?: number;
}

/** An error as it crosses the boundary; the client rebuilds a LarderError from it. */
export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

/** Result of one call: `[1, value encoded with the value codec]` or `[0, error]`. */
export type WireResult = [1, Uint8Array] | [0, WireError];

/** A committed change, as the change feed delivers it. */
export interface ChangeEvent {
  /** Commit sequence (monotonic per store). */
  seq: number;
  /** The changed keys of the plain-values view (strings), and raw keyspace keys of other views. */
  changes: Array<{ target: string; key: string; op: 'put' | 'del' }>;
  /** View-level events (pub/sub messages, keyspace notifications), in order. */
  events?: Array<{ type: string; data: unknown }>;
}

/**
 * A write message's name, so a message resent after a leader change takes effect once (see
 * src/worker/request-log.ts): the sending tab's id, the message's sequence number in that tab, and
 * the lowest sequence number the tab is still waiting on (everything below it was answered).
 */
export interface RequestId {
  client: string;
  seq: number;
  waiting: number;
}

/**
 * WorkerApi.dispatch as a plain message on the worker's port, beside Comlink (see
 * src/worker/dispatch-port.ts): id (chosen by the page), connection, calls, optional request id.
 */
export type DispatchRequest = [id: number, conn: number, calls: Call[] | Uint8Array, rid?: RequestId];

/** The answer to a DispatchRequest: its id, then 1 and the results, or 0 and the error. */
export type DispatchReply = [id: number, ok: 1, result: WireResult[] | Uint8Array] | [id: number, ok: 0, error: WireError];

/** What the worker exposes (through Comlink or directly). */
export interface WorkerApi {
  /** Opens (or joins) the store `name`; resolves once recovered. Returns a connection id. */
  open(name: string, options: StoreOptions): Promise<number>;
  /**
   * Runs calls in order; one result per call. Calls packed into one buffer (src/worker/wire.ts)
   * get their results packed the same way. With `rid`, a message that wrote is recorded, and the
   * same `rid` again is answered from the record instead of running twice.
   */
  dispatch(conn: number, calls: Call[] | Uint8Array, rid?: RequestId): Promise<WireResult[] | Uint8Array>;
  /** Registers a change-feed callback for this connection. */
  subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void>;
  /** Writes a checkpoint now (waits for pending commits). */
  checkpoint(conn: number): Promise<void>;
  /** A portable snapshot of the store, as export chunks (src/worker/export-format.ts). */
  exportChunks(conn: number): Promise<Uint8Array[]>;
  /** Closes this connection (the store closes when its last connection does). */
  close(conn: number): Promise<void>;
  /** Closes every connection of the store and deletes its data. */
  destroy(conn: number): Promise<void>;
  /**
   * Takes the Web Lock `name` and holds it for as long as this worker lives; resolves true once
   * held (false without Web Locks). A page's own request for that lock is granted only when the
   * worker has ended, which is how it learns that a crashed worker will never answer.
   */
  holdLifeLock?(name: string): Promise<boolean>;
}
