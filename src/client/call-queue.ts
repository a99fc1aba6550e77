/**
 * CallQueue: automatic batching. Calls made in the same tick are carried to the worker in one
 * message; each call's promise settles with its own result. Consecutive calls of the same
 * transaction (or of none) share a message; messages leave in call order.
 *
 * Each call is framed and its arguments encoded straight into the queue's message buffer (the
 * packed form, src/worker/wire.ts) when it is made, and each result is decoded where it lies in
 * the reply: 100k calls in a tick make one message buffer, not an argument buffer per call, a
 * list of calls and a copy of it all. Each call's promise hangs off its message's one `done`
 * promise and takes its result from there in call order (see replies.ts).
 */
import { T_ARRAY } from '../codec/tags.js';
import { ValueWriter } from '../codec/value.js';
import { LarderError, isLarderError } from '../errors.js';
import type { Call, WireResult } from '../worker/protocol.js';
import { packCallsFrom, writeCallHead } from '../worker/wire.js';
import { Replies, takeReply } from './replies.js';

/**
 * Writes the encoding of a call's argument list (one array) into the message: for a caller that
 * builds it from parts (many pre-encoded values) instead of encoding a list of JS values.
 */
export type ArgsWriter = (w: ValueWriter) => void;

/**
 * What a call's arguments are given as: a list of JS values, an ArgsWriter, or a string standing
 * for the one-argument list `[key]` (see callKey).
 */
type Args = unknown[] | ArgsWriter | string;

type Settle = (v: unknown) => void;

/** The calls of one message being gathered. */
interface Segment {
  tx: number | undefined;
  /** No more calls join this message (see endMessage). */
  ended?: boolean;
  /** Calls in the message. */
  count: number;
  /** Packed: the calls' frames are `w.buf[start, end)`. Null for a plain list. */
  start: number;
  end: number;
  /** A plain list of calls, for a transaction id the packed form cannot carry. */
  calls: Call[] | null;
  /** Resolves with the message's Replies; call i's promise is the i-th `done.then(takeReply)`. */
  done: Promise<Replies>;
  settle: (r: Replies) => void;
}

/** A call made while another call's arguments were being encoded (see call()). */
interface Nested {
  t: string;
  m: string;
  tx: number | undefined;
  args: Uint8Array;
  resolve: Settle;
  reject: Settle;
}

// The executor of the promises made here, shared (no closure per promise): it hands the
// promise's functions over through these two slots, read right after `new Promise` returns.
let lastResolve: Settle = () => {};
let lastReject: Settle = () => {};
function takeSettlers(resolve: Settle, reject: Settle): void {
  lastResolve = resolve;
  lastReject = reject;
}

/** The message buffer is kept from tick to tick unless a big message grew it past this. */
const KEEP_BYTES = 1 << 20;

/**
 * A tick's calls leave as soon as a message holds this many, instead of all at the end of the
 * tick: the worker answers the first part while the page is still making the rest, and the page
 * takes the first answers while the worker works on the last part (100k gets in a tick overlap
 * the two threads instead of taking turns). Messages still leave in call order.
 */
export const POST_EARLY_CALLS = 8192;

/** Batches calls into messages. */
export class CallQueue {
  private segments: Segment[] = [];
  /** The head last written by head(), for the next call with the same t, m and transaction. */
  private headT = '';
  private headM = '';
  private headTx = -1;
  private headBytes = new Uint8Array(0);
  private w = new ValueWriter(4096);
  private scheduled = false;
  /** True while a call's arguments are being encoded into `w`. */
  private writing = false;
  private nested: Nested[] = [];
  private readonly send: (calls: Call[] | Uint8Array) => Promise<WireResult[] | Uint8Array>;
  private closedWith: LarderError | null = null;
  /** Transactions begun through this queue and not yet committed or rolled back. */
  private readonly openTx = new Set<number>();

  /**
   * A queue that sends each message with `send`: packed into one buffer (src/worker/wire.ts),
   * which the worker answers with packed results, or as a list of calls.
   */
  constructor(send: (calls: Call[] | Uint8Array) => Promise<WireResult[] | Uint8Array>) {
    this.send = send;
  }

  /**
   * Queues a call; resolves with its result or rejects with a LarderError. Arguments are encoded
   * with the value codec now, so what cannot be stored fails here, alone, with BAD_VALUE (named
   * `t.m: ...`), and ObjectIds, Dates, bigints and binary arrive in the worker exactly as given.
   * `a` is the argument list, or an ArgsWriter that writes its encoding (what it throws rejects
   * the call as it is).
   */
  call<T = unknown>(t: string, m: string, a: unknown[] | ArgsWriter, tx?: number): Promise<T> {
    return this.enqueue<T>(t, m, a, tx);
  }

  /**
   * `call(t, m, [key], tx)` for the commonest call, one string argument (get, has, delete...):
   * the same bytes and results, with no list made per call.
   */
  callKey<T = unknown>(t: string, m: string, key: string, tx?: number): Promise<T> {
    return this.enqueue<T>(t, m, key, tx);
  }

  private enqueue<T>(t: string, m: string, a: Args, tx: number | undefined): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.writing) {
      // A getter of the value being encoded made this call: it was made first, so it goes first.
      // Its arguments are encoded on their own, now; the outer call places it (see below).
      const promise = new Promise<T>(takeSettlers as (resolve: (v: T) => void, reject: Settle) => void);
      const resolve = lastResolve;
      const reject = lastReject;
      try {
        this.nested.push({ t, m, tx, args: encodeAlone(a), resolve, reject });
      } catch (e) {
        reject(withName(e, t, m, a));
      }
      return promise;
    }
    const w = this.w;
    const mark = w.pos;
    const segCount = this.segments.length;
    const seg = this.segmentFor(tx);
    let call: Call | undefined;
    let failed: unknown;
    let ok = true;
    this.writing = true;
    try {
      if (seg.calls === null) {
        this.head(t, m, tx === undefined ? 0 : tx + 1);
        const len = w.beginLength();
        writeArgs(w, a);
        w.endLength(len);
      } else {
        call = tx === undefined ? { t, m, a: encodeAlone(a) } : { t, m, a: encodeAlone(a), tx };
      }
    } catch (e) {
      ok = false;
      failed = e;
    } finally {
      this.writing = false;
    }
    if (this.nested.length > 0) {
      // Take this call's frame out, queue the nested calls, then put it back after them.
      const frame = ok && call === undefined ? w.buf.slice(mark, w.pos) : null;
      w.pos = mark;
      if (this.segments.length > segCount) this.segments.length = segCount;
      else seg.end = mark;
      const nested = this.nested;
      this.nested = [];
      for (const n of nested) this.place(n.t, n.m, n.tx, n.args).then(n.resolve, n.reject);
      if (!ok) return Promise.reject(withName(failed, t, m, a));
      if (frame) {
        const s = this.segmentFor(tx);
        w.raw(frame);
        return this.add(s) as Promise<T>;
      }
      return this.place(t, m, tx, call!.a as Uint8Array) as Promise<T>;
    }
    if (!ok) {
      w.pos = mark;
      if (this.segments.length > segCount) this.segments.length = segCount;
      return Promise.reject(withName(failed, t, m, a));
    }
    if (call) seg.calls!.push(call);
    return this.add(seg) as Promise<T>;
  }

  /**
   * Ends the message being gathered: the tick's later calls go in a new one. A transaction's
   * txBegin ends its message, because the worker begins one transaction per message (after that
   * message's own calls), so a second txBegin in the same tick needs a message of its own, which
   * the worker runs once the first transaction has ended.
   */
  endMessage(): void {
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined) last.ended = true;
  }

  /** Notes a transaction begun through this queue, open until txEnded (see close()). */
  txOpened(id: number): void {
    this.openTx.add(id);
  }

  /** Notes that a transaction's commit or rollback was queued. */
  txEnded(id: number): void {
    this.openTx.delete(id);
  }

  /**
   * Rejects every later call with `err` (the store was closed). A transaction still open is
   * rolled back first, and everything queued goes out now, before the caller closes the
   * connection: the worker serves other connections and tabs, which would otherwise wait for
   * that transaction until its timeout.
   */
  close(err: LarderError): void {
    if (this.closedWith) return;
    if (this.openTx.size > 0) {
      for (const id of this.openTx) this.enqueue('store', 'txRollback', [], id).catch(() => {});
      this.openTx.clear();
      this.post();
    }
    this.closedWith = err;
  }

  /** The open segment for `tx`: the last one when it is for the same transaction, else a new one. */
  private segmentFor(tx: number | undefined): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined && last.tx === tx && last.ended !== true) return last;
    const packable = tx === undefined || (Number.isSafeInteger(tx) && tx >= 0 && tx < Number.MAX_SAFE_INTEGER);
    const done = new Promise<Replies>(takeSettlers as (resolve: (r: Replies) => void, reject: Settle) => void);
    const settle = lastResolve;
    const seg: Segment = { tx, count: 0, start: this.w.pos, end: this.w.pos, calls: packable ? null : [], done, settle };
    this.segments.push(seg);
    return seg;
  }

  /**
   * Writes a call's head (see writeCallHead). Calls in a tick are mostly the same call over and
   * over (100k `values.get`): the last head's bytes are kept and copied again while t, m and the
   * transaction stay the same.
   */
  private head(t: string, m: string, txPlusOne: number): void {
    const w = this.w;
    if (t !== this.headT || m !== this.headM || txPlusOne !== this.headTx) {
      const start = w.pos;
      writeCallHead(w, t, m, txPlusOne);
      this.headT = t;
      this.headM = m;
      this.headTx = txPlusOne;
      this.headBytes = w.buf.slice(start, w.pos);
      return;
    }
    w.raw(this.headBytes);
  }

  /** Queues a call whose arguments are already encoded. */
  private place(t: string, m: string, tx: number | undefined, args: Uint8Array): Promise<unknown> {
    const seg = this.segmentFor(tx);
    if (seg.calls === null) {
      this.head(t, m, tx === undefined ? 0 : tx + 1);
      this.w.varint(args.length);
      this.w.raw(args);
    } else seg.calls.push(tx === undefined ? { t, m, a: args } : { t, m, a: args, tx });
    return this.add(seg);
  }

  /**
   * Counts the call just written into `seg` and returns its promise: the next reaction on the
   * segment's `done`, which takes the next result in call order (see replies.ts).
   */
  private add(seg: Segment): Promise<unknown> {
    if (seg.calls === null) seg.end = this.w.pos;
    seg.count++;
    const done = seg.done;
    if (seg.count >= POST_EARLY_CALLS) {
      // Everything queued goes now (earlier segments first, so order is kept); the tick's later
      // calls start a new message, which the scheduled flush sends.
      this.post();
      return done.then(takeReply);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return done.then(takeReply);
  }

  private flush(): void {
    this.scheduled = false;
    this.post();
  }

  /** Sends every queued segment, in order, and empties the message buffer. */
  private post(): void {
    const segs = this.segments;
    this.segments = [];
    const w = this.w;
    for (const seg of segs) {
      if (seg.count === 0) continue;
      // An exact-size buffer per message: posting a view would clone all of `w.buf`.
      const msg = seg.calls ?? packCallsFrom(seg.count, w.buf.subarray(seg.start, seg.end));
      void this.deliver(seg, msg);
    }
    w.pos = 0;
    if (w.buf.length > KEEP_BYTES) this.w = new ValueWriter(4096);
  }

  private async deliver(seg: Segment, msg: Call[] | Uint8Array): Promise<void> {
    let reply: WireResult[] | Uint8Array;
    try {
      reply = await this.send(msg);
    } catch (e) {
      // Arguments were encoded in call(), so a message is only bytes and always clones: what
      // rejects here is the transport or the worker itself.
      const err = e instanceof LarderError ? e : new LarderError('CLOSED', `the worker is gone: ${(e as Error)?.message ?? e}`);
      seg.settle(Replies.failed(err));
      return;
    }
    seg.settle(Replies.of(seg.count, reply));
  }
}

/** An argument list's encoding error, named after the call; an ArgsWriter's errors are its own. */
function withName(e: unknown, t: string, m: string, a: Args): unknown {
  if (typeof a === 'function') return e;
  return isLarderError(e) ? new LarderError(e.code, `${t}.${m}: ${e.message}`, e.details) : e;
}

function writeArgs(w: ValueWriter, a: Args): void {
  if (typeof a === 'string') {
    // `[key]` written without the general encoder: the same bytes as encoding the list.
    w.arrayHeader(1);
    w.string(a);
    return;
  }
  if (typeof a !== 'function') {
    // A list of one string argument made by a caller of call(): as above.
    if (Array.isArray(a) && a.length === 1 && typeof a[0] === 'string') return writeArgs(w, a[0]);
    w.value(a);
    return;
  }
  const start = w.pos;
  a(w);
  // An ArgsWriter must write one array; anything else would not decode as an argument list.
  if (w.pos === start || w.buf[start] !== T_ARRAY) throw new LarderError('INTERNAL', 'an argument writer wrote no argument list');
}

/** The encoding of an argument list on its own. */
function encodeAlone(a: Args): Uint8Array {
  const w = new ValueWriter(256);
  writeArgs(w, a);
  return w.slice();
}
