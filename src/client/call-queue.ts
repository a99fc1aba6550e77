/**
 * CallQueue: automatic batching. Calls made in the same tick are carried to the worker in one
 * message; each call's promise settles with its own result. Consecutive calls of the same
 * transaction (or of none) share a message; messages leave in call order.
 */
import { decodeValue, encodeValue } from '../codec/value.js';
import { LarderError, isLarderError, type LarderErrorCode } from '../errors.js';
import type { Call, WireError, WireResult } from '../worker/protocol.js';
import { isPackedResults, packCalls, unpackResults } from '../worker/wire.js';

interface Pending {
  call: Call;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** Rebuilds a LarderError (a real Error subclass) from its wire form. */
export function fromWire(w: WireError): LarderError {
  return new LarderError(w.code as LarderErrorCode, w.message, w.details);
}

/** Batches calls into messages. */
export class CallQueue {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly send: (calls: Call[] | Uint8Array) => Promise<WireResult[] | Uint8Array>;
  private closedWith: LarderError | null = null;

  /**
   * A queue that sends each message with `send`: packed into one buffer (src/worker/wire.ts),
   * which the worker answers with packed results, or as a list of calls.
   */
  constructor(send: (calls: Call[] | Uint8Array) => Promise<WireResult[] | Uint8Array>) {
    this.send = send;
  }

  /**
   * Queues a call; resolves with its result or rejects with a LarderError. Arguments are encoded
   * with the value codec now, so what cannot be stored fails here, alone, with BAD_VALUE, and
   * ObjectIds, Dates, bigints and binary arrive in the worker exactly as given.
   */
  call<T = unknown>(t: string, m: string, a: unknown[], tx?: number): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    let args: Uint8Array;
    try {
      args = encodeValue(a);
    } catch (e) {
      return Promise.reject(isLarderError(e) ? new LarderError(e.code, `${t}.${m}: ${e.message}`, e.details) : e);
    }
    return new Promise<T>((resolve, reject) => {
      const call: Call = tx === undefined ? { t, m, a: args } : { t, m, a: args, tx };
      this.queue.push({ call, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Rejects every later call with `err` (the store was closed). */
  close(err: LarderError): void {
    this.closedWith = err;
  }

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    let start = 0;
    for (let i = 1; i <= q.length; i++) {
      if (i === q.length || q[i].call.tx !== q[start].call.tx) {
        void this.deliver(q.slice(start, i));
        start = i;
      }
    }
  }

  private async deliver(items: Pending[]): Promise<void> {
    let results: WireResult[];
    try {
      const calls = items.map((p) => p.call);
      // One buffer instead of an object and an ArrayBuffer per call for the browser to clone.
      const reply = await this.send(packCalls(calls) ?? calls);
      results = isPackedResults(reply) ? unpackResults(reply) : reply as WireResult[];
      // A message refused whole (closed store, unreadable message) has one error for all calls.
      if (results.length === 1 && items.length > 1 && results[0][0] === 0) results = items.map(() => results[0]);
    } catch (e) {
      // Arguments were encoded in call(), so a message is only bytes and always clones: what
      // rejects here is the transport or the worker itself.
      const err = e instanceof LarderError ? e : new LarderError('CLOSED', `the worker is gone: ${(e as Error)?.message ?? e}`);
      for (const p of items) p.reject(err);
      return;
    }
    for (let i = 0; i < items.length; i++) {
      const r = results[i];
      if (!r) items[i].reject(new LarderError('INTERNAL', 'missing result'));
      else if (r[0] === 1) {
        try {
          items[i].resolve(r[1] instanceof Uint8Array ? decodeValue(r[1]) : r[1]);
        } catch (e) {
          items[i].reject(e);
        }
      }
      else items[i].reject(fromWire(r[1]));
    }
  }
}
