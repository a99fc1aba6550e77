/**
 * TTL indexes: documents whose indexed date (the earliest, for an array of dates) is more than
 * expireAfterSeconds in the past are deleted by the view's housekeeping, like MongoDB's TTL
 * monitor (which runs every 60 s; here every housekeeping tick, ~100 ms). Only Date values
 * expire; documents without a date in the field stay. The scan is a key range over the index
 * (dates are a contiguous block of keys), so it costs nothing when nothing has expired.
 */
import { encodeKey, KeyType, decodeKey, prefixSuccessor } from '../../keys/encode.js';
import type { ViewContext } from '../view.js';
import { listMeta } from './catalog.js';
import { latin1 } from './indexes.js';
import { docKeyFromIdBytes } from './keys.js';
import { Found } from './scan.js';
import { Writer } from './writer.js';

/** Most documents removed per collection per tick, so one tick never stalls the writer. */
export const TTL_BATCH = 1000;

function invert(b: Uint8Array): Uint8Array {
  return b.map((x) => ~x & 0xff);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** Deletes expired documents of every TTL index; returns how many. */
export function expire(ctx: ViewContext): number {
  let removed = 0;
  for (const meta of listMeta(ctx)) {
    const ttls = meta.indexes.filter((ix) => ix.expireAfterSeconds !== undefined);
    if (ttls.length === 0) continue;
    const w = new Writer(ctx, meta.name, false);
    for (const ix of w.indexes) {
      if (ix.def.expireAfterSeconds === undefined) continue;
      const cutoff = encodeKey(new Date(ctx.now - ix.def.expireAfterSeconds * 1000));
      const dateStart = new Uint8Array([KeyType.Date]);
      const dir = ix.fields[0]!.dir;
      // Dates below the cutoff: [Date class start, cutoff) ascending; inverted when descending.
      const range =
        dir === 1
          ? { gte: concat(ix.prefix, dateStart), lt: concat(ix.prefix, cutoff) }
          : { gte: prefixSuccessor(concat(ix.prefix, invert(cutoff))) ?? concat(ix.prefix, invert(cutoff)), lt: prefixSuccessor(concat(ix.prefix, invert(dateStart)))! };
      const ids = new Map<string, Uint8Array>();
      for (const [k] of ctx.ks.range({ ...range, keysOnly: true })) {
        const { offset } = decodeKey(k, { offset: ix.prefix.length, directions: [dir], count: 1 });
        const id = k.subarray(offset);
        ids.set(latin1(id), id);
        if (ids.size >= TTL_BATCH) break;
      }
      for (const id of ids.values()) {
        const key = docKeyFromIdBytes(w.prefix, id);
        const bytes = ctx.ks.get(key);
        if (bytes === undefined) continue;
        const found = new Found(bytes, key);
        w.remove(found);
        removed++;
      }
    }
  }
  return removed;
}
