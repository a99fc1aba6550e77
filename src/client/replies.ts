/**
 * Replies: the results of one message, handed out to its calls in call order.
 *
 * Every call of a message gets its promise from `done.then(takeReply)` on the message's one
 * `done` promise (see CallQueue). A promise's reactions run in the order they were added, so the
 * i-th call's reaction is the i-th to run and takes the i-th result: no resolve/reject function
 * pair, context and list entry per call (a `then` on a shared promise is less than half the bytes
 * of a `new Promise`, and 100k reads in a tick kept all of them alive until the reply).
 */
import { decodeValueAt } from '../codec/value.js';
import { LarderError, type LarderErrorCode } from '../errors.js';
import type { WireError, WireResult } from '../worker/protocol.js';
import { isPackedResults, resultSpans } from '../worker/wire.js';

/** Rebuilds a LarderError (a real Error subclass) from its wire form. */
export function fromWire(w: WireError): LarderError {
  return new LarderError(w.code as LarderErrorCode, w.message, w.details);
}

/** The results of a message of `count` calls; `next()` is the next call's result. */
export class Replies {
  /** The next call's index. */
  private i = 0;
  /** Packed reply: status and range of result j are spans[3j], [3j + 1, 3j + 2) in `packed`. */
  private readonly packed: Uint8Array | null;
  private readonly spans: Float64Array | null;
  /** A reply sent as a list. */
  private readonly list: WireResult[] | null;
  /** What every call rejects with (the transport failed, or the packed framing is malformed). */
  private readonly failure: unknown;
  /** Results in the reply. */
  private readonly n: number;
  /** The message was refused whole (closed store, unreadable message): one error for all calls. */
  private readonly whole: boolean;

  private constructor(count: number, packed: Uint8Array | null, list: WireResult[] | null, failure: unknown) {
    let spans: Float64Array | null = null;
    if (packed !== null) {
      try {
        spans = resultSpans(packed);
      } catch (e) {
        failure = e;
      }
    }
    this.packed = packed;
    this.spans = spans;
    this.list = list;
    this.failure = failure;
    if (spans !== null) {
      this.n = spans.length / 3;
      this.whole = this.n === 1 && count > 1 && spans[0] === 0;
    } else if (list !== null) {
      this.n = list.length;
      this.whole = list.length === 1 && count > 1 && list[0][0] === 0;
    } else {
      this.n = 0;
      this.whole = false;
    }
  }

  /** The replies of `count` calls answered with `reply` (packed, see src/worker/wire.ts, or a list). */
  static of(count: number, reply: Uint8Array | WireResult[]): Replies {
    if (isPackedResults(reply)) return new Replies(count, reply, null, undefined);
    if (Array.isArray(reply)) return new Replies(count, null, reply, undefined);
    return Replies.failed(new LarderError('CORRUPT', 'malformed reply: neither packed results nor a list'));
  }

  /** Replies that reject every call with `err`. */
  static failed(err: unknown): Replies {
    return new Replies(0, null, null, err);
  }

  /** The next call's result; throws its error (a LarderError). */
  next(): unknown {
    const i = this.i++;
    const spans = this.spans;
    if (spans !== null) {
      const j = this.whole ? 0 : i;
      if (j >= this.n) throw new LarderError('INTERNAL', 'missing result');
      const v = decodeValueAt(this.packed!, spans[3 * j + 1], spans[3 * j + 2]);
      if (spans[3 * j] === 1) return v;
      throw fromWire(v as WireError);
    }
    const list = this.list;
    if (list === null) throw this.failure;
    const r = list[this.whole ? 0 : i];
    if (!r) throw new LarderError('INTERNAL', 'missing result');
    if (r[0] !== 1) throw fromWire(r[1]);
    return r[1] instanceof Uint8Array ? decodeValueAt(r[1], 0, r[1].length) : r[1];
  }
}

/** The reaction every call adds to its message's `done` promise (shared: no closure per call). */
export function takeReply(r: Replies): unknown {
  return r.next();
}
