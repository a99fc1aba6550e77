/**
 * WorkerHost: implements the WorkerApi for every page connected to this worker. In a SharedWorker
 * all tabs of the origin share one host, so each store has exactly one StoreEngine (one writer);
 * in a dedicated worker or in-thread (`worker: false`) the host serves one page.
 */
import { LarderError } from '../errors.js';
import { valuesView } from '../views/values.js';
import { kvView } from '../views/kv/index.js';
import { docsView } from '../views/docs/index.js';
import { graphView } from '../views/graph/index.js';
import type { View } from '../views/view.js';
import type { Call, ChangeEvent, RequestId, StoreOptions, WireResult, WorkerApi } from './protocol.js';
import { StoreEngine, toWire } from './store-engine.js';
import { destroyDisk } from './disk.js';
import type { WasmSource } from '../core/engine.js';

/** Every view the worker serves. */
const VIEWS: View[] = [valuesView, kvView, docsView, graphView];

interface Opened {
  engine: Promise<StoreEngine>;
  conns: Set<number>;
  options: StoreOptions;
}

/** Serves stores to connections. */
export class WorkerHost implements WorkerApi {
  private readonly stores = new Map<string, Opened>();
  private readonly conns = new Map<number, { name: string; unsubscribe?: () => void }>();
  private connSeq = 0;
  private readonly wasm?: WasmSource;

  /** A host that loads the engine from `wasm` (default: the packaged larder.wasm). */
  constructor(wasm?: WasmSource) {
    this.wasm = wasm;
  }

  /** See WorkerApi.holdLifeLock: the lock is released only when this worker's thread ends. */
  async holdLifeLock(name: string): Promise<boolean> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (typeof name !== 'string' || !locks) return false;
    await new Promise<void>((held) => {
      void locks.request(name, () => {
        held();
        return new Promise<void>(() => {}); // never released while the worker lives
      });
    });
    return true;
  }

  /** Opens or joins a store. A second opener must give the same passphrase. */
  async open(name: string, options: StoreOptions = {}): Promise<number> {
    let opened = this.stores.get(name);
    if (opened) {
      if ((opened.options.passphrase ?? '') !== (options.passphrase ?? '')) {
        throw new LarderError('BAD_PASSPHRASE', `store "${name}" is open with a different passphrase`);
      }
    } else {
      opened = { engine: StoreEngine.open(name, options, VIEWS, this.wasm), conns: new Set(), options };
      this.stores.set(name, opened);
      opened.engine.catch(() => this.stores.delete(name));
    }
    await opened.engine;
    const id = ++this.connSeq;
    opened.conns.add(id);
    this.conns.set(id, { name });
    return id;
  }

  private async engineOf(conn: number): Promise<StoreEngine> {
    const c = this.conns.get(conn);
    const opened = c && this.stores.get(c.name);
    if (!c || !opened) throw new LarderError('CLOSED', 'the store is closed');
    return opened.engine;
  }

  /** Runs calls for a connection (`rid`: see RequestId). */
  async dispatch(conn: number, calls: Call[] | Uint8Array, rid?: RequestId): Promise<WireResult[] | Uint8Array> {
    let engine: StoreEngine;
    try {
      engine = await this.engineOf(conn);
    } catch (e) {
      return (Array.isArray(calls) ? calls : [null]).map(() => [0, toWire(e)] as WireResult);
    }
    return engine.dispatch(calls, rid);
  }

  /** Exports the store of `conn` as chunks. */
  async exportChunks(conn: number): Promise<Uint8Array[]> {
    return (await this.engineOf(conn)).exportChunks();
  }

  /** Forces a checkpoint. */
  async checkpoint(conn: number): Promise<void> {
    return (await this.engineOf(conn)).checkpoint();
  }

  /** Registers a change-feed callback for a connection. */
  async subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void> {
    const engine = await this.engineOf(conn);
    const c = this.conns.get(conn)!;
    c.unsubscribe?.();
    c.unsubscribe = engine.subscribe(cb);
  }

  /** Closes a connection; the store closes with its last connection. */
  async close(conn: number): Promise<void> {
    const c = this.conns.get(conn);
    if (!c) return;
    c.unsubscribe?.();
    this.conns.delete(conn);
    const opened = this.stores.get(c.name);
    if (!opened) return;
    opened.conns.delete(conn);
    if (opened.conns.size === 0) {
      this.stores.delete(c.name);
      await (await opened.engine).close();
    }
  }

  /** Closes every connection to the store and deletes its data. */
  async destroy(conn: number): Promise<void> {
    const c = this.conns.get(conn);
    if (!c) throw new LarderError('CLOSED', 'the store is closed');
    const opened = this.stores.get(c.name);
    const options = opened?.options ?? {};
    if (opened) {
      this.stores.delete(c.name);
      for (const id of opened.conns) {
        this.conns.get(id)?.unsubscribe?.();
        this.conns.delete(id);
      }
      await (await opened.engine).close();
    }
    await destroyDisk(c.name, options);
  }
}
