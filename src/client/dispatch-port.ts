/**
 * The page's end of src/worker/dispatch-port.ts: `dispatch` as a plain array message on the
 * worker's port, next to Comlink (which keeps every other method, on the same port and so in the
 * same order). One pending entry per message in flight, not per call: the call queue packs a
 * tick's calls into one message. A worker that ends never answers: failWhenGone (open-store.ts)
 * fails what is in flight then, as it does for the Comlink methods.
 */
import { LarderError } from '../errors.js';
import type { Call, DispatchReply, DispatchRequest, RequestId, WireResult } from '../worker/protocol.js';
import { transferable, type DispatchEndpoint } from '../worker/dispatch-port.js';
import { fromWire } from './replies.js';

interface Pending {
  resolve: (r: WireResult[] | Uint8Array) => void;
  reject: (e: unknown) => void;
}

/** Sends dispatch requests on a worker's port and settles each with its reply. */
export class DispatchPort {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  /** Listens on `ep` for replies (array messages; Comlink's are objects and are left alone). */
  constructor(private readonly ep: DispatchEndpoint) {
    ep.addEventListener('message', (ev: MessageEvent) => {
      const reply = ev.data as unknown;
      if (!Array.isArray(reply)) return;
      const r = reply as DispatchReply;
      const p = this.pending.get(r[0]);
      if (p === undefined) return;
      this.pending.delete(r[0]);
      if (r[1] === 1) p.resolve(r[2]);
      else p.reject(fromWire(r[2]));
    });
    ep.start?.();
  }

  /**
   * Runs `calls` on connection `conn` in the worker (WorkerApi.dispatch). A big packed message's
   * buffer is handed over, not copied: the call queue makes it for this message alone.
   */
  dispatch(conn: number, calls: Call[] | Uint8Array, rid?: RequestId): Promise<WireResult[] | Uint8Array> {
    const id = ++this.seq;
    const req: DispatchRequest = rid === undefined ? [id, conn, calls] : [id, conn, calls, rid];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.ep.postMessage(req, transferable(calls));
      } catch (e) {
        // Only bytes and plain call lists are sent, so this is a closed or broken port.
        this.pending.delete(id);
        reject(new LarderError('CLOSED', `the worker cannot be reached: ${(e as Error)?.message ?? e}`));
      }
    });
  }
}
