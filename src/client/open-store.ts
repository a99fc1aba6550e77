/**
 * openStore: connects the page to the store's single writer and returns a Store.
 *
 * - `worker: true` (default in browsers): a SharedWorker shared by every tab of the origin, so
 *   there is exactly one writer per store. Where SharedWorker does not exist (Chrome on Android),
 *   the tabs elect a leader with Web Locks: it runs the one dedicated worker and the others reach
 *   it over a BroadcastChannel (leader-election.ts). Without Web Locks either, a dedicated worker
 *   per tab (one writer per tab: only safe with one tab).
 * - `worker: false`: the engine runs in this thread (Node, tests, simple pages); one host per
 *   thread, so two openStore calls on the same name share one writer here too.
 */
import * as Comlink from 'comlink';
import { LarderError } from '../errors.js';
import type { ChangeEvent, StoreOptions, WorkerApi } from '../worker/protocol.js';
import type { WorkerHost } from '../worker/host.js';
import { installErrorTransfer } from '../worker/comlink-errors.js';
import { ExportSplitter } from '../worker/export-format.js';
import { Store } from './store.js';
import { canElectLeader, connectTabs } from './leader-election.js';
import { DispatchPort } from './dispatch-port.js';

export type { StoreOptions } from '../worker/protocol.js';

let localHost: Promise<WorkerHost> | undefined;
let remote: WorkerApi | undefined;

function connectWorker(): WorkerApi {
  if (remote) return remote;
  installErrorTransfer();
  if (typeof SharedWorker !== 'undefined') {
    const w = new SharedWorker(new URL('../worker/worker-main.ts', import.meta.url), { type: 'module', name: 'larder' });
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    remote = failWhenGone(withDispatchPort(Comlink.wrap<WorkerApi>(w.port) as unknown as WorkerApi, new DispatchPort(w.port)), locks, (guarded) => {
      if (remote === guarded) remote = undefined; // the next openStore starts a new worker
    });
  } else if (typeof Worker !== 'undefined' && canElectLeader()) {
    // The `new Worker(new URL(...))` stays here, literally, so bundlers find the worker entry.
    remote = connectTabs(() => new Worker(new URL('../worker/worker-main.ts', import.meta.url), { type: 'module', name: 'larder' }));
  } else if (typeof Worker !== 'undefined') {
    const w = new Worker(new URL('../worker/worker-main.ts', import.meta.url), { type: 'module', name: 'larder' });
    remote = withDispatchPort(Comlink.wrap<WorkerApi>(w) as unknown as WorkerApi, new DispatchPort(w));
  } else {
    throw new LarderError('BAD_VALUE', 'no Worker in this environment: pass { worker: false }');
  }
  return remote;
}

/**
 * `api` (Comlink's) with dispatch, the hot path, sent as a plain message on the same port instead
 * (see src/worker/dispatch-port.ts). Not for the leader-election api, whose dispatch may be sent
 * again to a new leader and goes through the tab channel.
 */
function withDispatchPort(api: WorkerApi, port: DispatchPort): WorkerApi {
  const dispatch: WorkerApi['dispatch'] = (conn, calls, rid) => port.dispatch(conn, calls, rid);
  return new Proxy(api, { get: (target, prop) => (prop === 'dispatch' ? dispatch : (target as unknown as Record<PropertyKey, unknown>)[prop]) });
}

/**
 * `api` with every call failing with CLOSED once its worker has ended (a crash, or the browser
 * stopping it): a call to a dead SharedWorker never settles otherwise. The worker holds a Web
 * Lock for as long as it lives (WorkerApi.holdLifeLock); this page's request for the same lock
 * (through `locks`) is granted when it ends. Then the calls in flight and every later call of its
 * stores reject, and `onGone` is told (with the guarded api), so the next openStore starts a new
 * worker, which recovers the stores from disk. Without Web Locks the api is returned as it is.
 *
 * Each call in flight is kept in a set and leaves it when it settles. Not Promise.race with one
 * never-settling "gone" promise: every race adds a reaction to that promise that is only dropped
 * when it settles, and the reaction holds the race's own promise and so its result, so every
 * reply the page ever received stayed in memory for the worker's whole life.
 */
export function failWhenGone(api: WorkerApi, locks: LockManager | undefined, onGone: (guarded: WorkerApi) => void): WorkerApi {
  if (!locks) return api;
  const inFlight = new Set<(e: LarderError) => void>();
  let goneWith: LarderError | null = null;
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => {
    if (goneWith) return Promise.reject(goneWith);
    const call = f(...a);
    return new Promise<R>((resolve, reject) => {
      inFlight.add(reject);
      call.then(
        (v) => { inFlight.delete(reject); resolve(v); },
        (e: unknown) => { inFlight.delete(reject); reject(e); },
      );
    });
  };
  const guarded: WorkerApi = {
    open: guard((name, options) => api.open(name, options)),
    dispatch: guard((conn, calls, rid) => api.dispatch(conn, calls, rid)),
    subscribe: guard((conn, cb) => api.subscribe(conn, cb)),
    checkpoint: guard((conn) => api.checkpoint(conn)),
    exportChunks: guard((conn) => api.exportChunks(conn)),
    close: guard((conn) => api.close(conn)),
    destroy: guard((conn) => api.destroy(conn)),
  };
  const name = `larder:worker-alive:${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  void api.holdLifeLock?.(name).then((held) => {
    if (!held) return;
    void locks.request(name, () => {
      onGone(guarded);
      goneWith = new LarderError('CLOSED', 'the Larder worker has ended (it crashed or the browser stopped it); open the store again');
      const calls = [...inFlight];
      inFlight.clear();
      for (const reject of calls) reject(goneWith);
    });
  }, () => {});
  return guarded;
}

function validate(name: unknown, options: StoreOptions): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new LarderError('BAD_VALUE', 'store name must be a non-empty string of at most 200 characters');
  if (options.durability !== undefined && options.durability !== 'strict' && options.durability !== 'relaxed') throw new LarderError('BAD_VALUE', `durability must be 'strict' or 'relaxed'`);
  if (options.passphrase !== undefined && (typeof options.passphrase !== 'string' || options.passphrase.length === 0)) throw new LarderError('BAD_VALUE', 'passphrase must be a non-empty string');
}

/** Opens (creating if needed) the store `name`, recovering everything committed before. */
export async function openStore(name: string, options: StoreOptions = {}): Promise<Store> {
  validate(name, options);
  const useWorker = options.worker ?? (typeof Worker !== 'undefined' || typeof SharedWorker !== 'undefined');
  const opts: StoreOptions = { ...options, persist: options.persist ?? (typeof indexedDB !== 'undefined' || !!options.indexedDB) };
  if (!useWorker) {
    // Loaded only here, so a page that uses the worker does not carry the engine in its bundle.
    // One host per thread (so one writer per store), created once even by concurrent opens.
    localHost ??= import('../worker/host.js').then((m) => new m.WorkerHost());
    const host = await localHost;
    const conn = await host.open(name, opts);
    return new Store(name, host, conn, (cb) => cb, () => {});
  }
  const api = connectWorker();
  const { indexedDB: _factory, ...cloneable } = opts; // an IDBFactory cannot cross to a worker
  const conn = await api.open(name, cloneable);
  return new Store(name, api, conn, (cb) => Comlink.proxy((e: ChangeEvent) => cb(e)), () => {});
}

/**
 * Loads an export into `store`, atomically: a Blob from `store.export()`, its bytes, or its bytes
 * in pieces split anywhere (an iterable or async iterable of Uint8Array, such as a File's or a
 * fetch response's `body` stream).
 */
export async function importInto(store: Store, data: Blob | ArrayBuffer | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
  let pieces: Iterable<unknown> | AsyncIterable<unknown>;
  if (typeof Blob !== 'undefined' && data instanceof Blob) pieces = [new Uint8Array(await data.arrayBuffer())];
  else if (data instanceof ArrayBuffer) pieces = [new Uint8Array(data)];
  else if (data instanceof Uint8Array) pieces = [data];
  else if (data && (Symbol.asyncIterator in Object(data) || Symbol.iterator in Object(data))) pieces = data as Iterable<unknown> | AsyncIterable<unknown>;
  else throw new LarderError('BAD_VALUE', 'importInto takes a Blob, an ArrayBuffer, a Uint8Array or chunks');
  const split = new ExportSplitter();
  const chunks: Uint8Array[] = [];
  for await (const p of pieces) {
    if (!(p instanceof Uint8Array)) throw new LarderError('BAD_VALUE', 'import chunks must be Uint8Array');
    for (const c of split.push(p)) chunks.push(c);
  }
  split.end();
  const counts = await store.call<number[]>('store', 'atomic', [chunks.map((c) => ({ t: 'store', m: 'importChunk', a: [c] }))]);
  return counts.reduce((a, b) => a + b, 0);
}
