/** Test helper: a record list (src/core/records.ts) holding `entries`, in order. */
import type { RecordList } from '../src/core/records.js';

export function recordList(entries: Array<[Uint8Array, Uint8Array]>): RecordList {
  const bytes = new Uint8Array(entries.reduce((n, [k, v]) => n + 8 + k.length + v.length, 0));
  const dv = new DataView(bytes.buffer);
  let p = 0;
  for (const [k, v] of entries) {
    dv.setUint32(p, k.length, true);
    dv.setUint32(p + 4, v.length, true);
    bytes.set(k, p + 8);
    bytes.set(v, p + 8 + k.length);
    p += 8 + k.length + v.length;
  }
  return { bytes, count: entries.length };
}
