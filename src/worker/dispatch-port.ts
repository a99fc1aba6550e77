/**
 * Dispatch messages without Comlink's framing, on the same port Comlink uses.
 *
 * `dispatch` is the hot path: every call a page makes travels in one. Comlink wraps each request
 * in an object tree (type, path, argument wrappers, a random string id made per call) that is
 * structured-cloned both ways, and builds a proxy per call on the page; for a point read that is
 * a good part of the round trip. Here a dispatch is a plain array, `[id, conn, calls, rid?]`,
 * answered with `[id, 1, result]` or `[id, 0, WireError]`. Everything else (open, subscribe,
 * close...) stays on Comlink, on the same port, so messages keep the one order they were sent in.
 *
 * The listener is added before Comlink's and stops the event for the array messages it takes;
 * Comlink's own messages are objects and pass by untouched.
 */
import { LarderError } from '../errors.js';
import type { Call, DispatchReply, DispatchRequest, RequestId, WireError, WireResult } from './protocol.js';

/** Replies from this size up are transferred to the page, not copied (see serveDispatch). */
export const TRANSFER_BYTES = 64 * 1024;

/** What serveDispatch needs of the worker host. */
export interface Dispatcher {
  dispatch(conn: number, calls: Call[] | Uint8Array, rid?: RequestId): Promise<WireResult[] | Uint8Array>;
}

/** A port both ends use: a MessagePort, a dedicated worker's scope, or (on the page) the Worker. */
export interface DispatchEndpoint {
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  postMessage(message: unknown, transfer: Transferable[]): void;
  start?(): void;
}

/**
 * Answers the DispatchRequests arriving at `ep` with `host.dispatch`. Must be called before
 * Comlink.expose on the same endpoint, so it sees the messages first.
 */
export function serveDispatch(host: Dispatcher, ep: DispatchEndpoint, toWire: (e: unknown) => WireError): void {
  ep.addEventListener('message', (ev: MessageEvent) => {
    const req = ev.data as unknown;
    if (!Array.isArray(req)) return; // Comlink's
    ev.stopImmediatePropagation();
    const [id, conn, calls, rid] = req as DispatchRequest;
    if (typeof id !== 'number') return; // nobody to answer
    const answered = typeof conn === 'number' ? host.dispatch(conn, calls, rid) : Promise.reject(new LarderError('BAD_VALUE', 'a dispatch request needs a connection id'));
    answered.then(
      (result) => ep.postMessage([id, 1, result] satisfies DispatchReply, transferable(result)),
      (e: unknown) => ep.postMessage([id, 0, toWire(e)] satisfies DispatchReply, NOTHING),
    );
  });
  ep.start?.();
}

/**
 * The buffer of a big packed message or reply, to hand over instead of copying: only when the
 * bytes are the whole buffer (the call queue and the results writer make exact-size buffers and
 * never touch them again), and only when big (copying a few hundred bytes is cheaper).
 */
export function transferable(bytes: unknown): Transferable[] {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < TRANSFER_BYTES) return NOTHING;
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) return NOTHING;
  return [bytes.buffer as ArrayBuffer];
}

/** The transfer list of a message that hands nothing over: one list, never written to. */
const NOTHING: Transferable[] = Object.freeze([]) as unknown as Transferable[];
