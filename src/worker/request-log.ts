/**
 * The request log: makes a resent write message take effect once.
 *
 * Without SharedWorker, tabs reach the writer through a leader tab (src/client/leader-election.ts),
 * and when the leader dies a tab resends every message it had no answer to. A message the old
 * leader committed but could not answer would then run twice: harmless for `set`, wrong for an
 * increment or an insert that generates an id. So a tab names each message (its client id and a
 * sequence number), and the writer stores the results of every message that wrote, under 'Q',
 * in the same batch as the message's own writes: both commit, or neither does. A message whose
 * name is already in the log is answered from it and not run again.
 *
 *   Q len client seq (u53 big-endian)  ->  [time f64 LE][the encoded results]
 *
 * Entries go away with the tab's next write message once the tab has had its answer (a message
 * carries the lowest sequence number the tab still waits on), and by age (REQUEST_TTL_MS) for a
 * tab that never writes again. The entries are bookkeeping: the change feed and export skip them.
 */
import { decodeValue, encodeValue } from '../codec/value.js';
import { LarderError } from '../errors.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { WriteBatch } from '../keyspace/write-batch.js';
import type { RequestId, WireResult } from './protocol.js';

/** Keyspace tag of the request log. */
export const REQUEST_TAG = 0x51; // 'Q'

/** How long an entry is kept when its tab never writes again (a day: any resend comes sooner). */
export const REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

const enc = new TextEncoder();
const MAX_CLIENT = 64;

/** Checks a request id from the page; a bad one is a BAD_VALUE (the message is not run). */
export function checkRequestId(rid: unknown): RequestId {
  const r = rid as RequestId;
  if (
    !r || typeof r !== 'object' || typeof r.client !== 'string' || r.client.length === 0 || r.client.length > MAX_CLIENT ||
    !Number.isSafeInteger(r.seq) || r.seq < 1 || !Number.isSafeInteger(r.waiting) || r.waiting < 1 || r.waiting > r.seq
  ) {
    throw new LarderError('BAD_VALUE', 'a request id is { client: a string of 1-64 characters, seq >= 1, waiting: 1..seq }');
  }
  return r;
}

/** 'Q' len client: the prefix of one client's entries. */
function clientPrefix(client: string): Uint8Array {
  const c = enc.encode(client);
  const k = new Uint8Array(2 + c.length);
  k[0] = REQUEST_TAG;
  k[1] = c.length;
  k.set(c, 2);
  return k;
}

/** The entry key of message `seq` under a client prefix. */
function entryKey(prefix: Uint8Array, seq: number): Uint8Array {
  const k = new Uint8Array(prefix.length + 7);
  k.set(prefix);
  // 53 bits big-endian in 7 bytes, so a client's keys sort by seq.
  let x = seq;
  for (let i = 6; i >= 0; i--) {
    k[prefix.length + i] = x % 256;
    x = Math.floor(x / 256);
  }
  return k;
}

/** The results recorded for message `rid`, or undefined when it never committed a write. */
export function recordedResults(ks: Keyspace, rid: RequestId): WireResult[] | undefined {
  const v = ks.get(entryKey(clientPrefix(rid.client), rid.seq));
  if (v === undefined) return undefined;
  return decodeValue(v.subarray(8)) as WireResult[];
}

/**
 * Records the results of message `rid` in `batch` (which holds its writes) and forgets the
 * client's messages below `rid.waiting`, which it has had answers to.
 */
export function recordResults(batch: WriteBatch, ks: Keyspace, rid: RequestId, results: WireResult[], now: number): void {
  const prefix = clientPrefix(rid.client);
  const done: Uint8Array[] = [];
  for (const [k] of ks.range({ prefix, lt: entryKey(prefix, rid.waiting), keysOnly: true })) done.push(k);
  for (const k of done) batch.del(k);
  const body = encodeValue(results);
  const v = new Uint8Array(8 + body.length);
  new DataView(v.buffer).setFloat64(0, now, true);
  v.set(body, 8);
  batch.put(entryKey(prefix, rid.seq), v);
}

/** Deletes entries older than REQUEST_TTL_MS (housekeeping); a few entries per live tab at most. */
export function pruneResults(batch: WriteBatch, ks: Keyspace, now: number): void {
  const old: Uint8Array[] = [];
  for (const [k, v] of ks.range({ prefix: Uint8Array.of(REQUEST_TAG) })) {
    if (v.length < 8 || new DataView(v.buffer, v.byteOffset, 8).getFloat64(0, true) < now - REQUEST_TTL_MS) old.push(k);
  }
  for (const k of old) batch.del(k);
}
