/**
 * Recovery: rebuild the live entries of a store from its pages plus the WAL tail, verifying every
 * record, and (with `repair`) cut away whatever is damaged so the store is clean again.
 *
 * Correctness rests on the invariants stated in disk-store.ts: the pages hold exactly the state
 * after WAL record `checkpoint.seq`, and the WAL holds records `checkpoint.seq + 1 .. last` with no
 * gaps, each one whole batch. So state = pages, then each WAL record applied in seq order.
 */

import { LarderError, isLarderError } from '../errors.js';
import { open as openSealed } from './crypto.js';
import type { CheckpointMeta, Db, PageDirRow } from './db.js';
import { toLarderError } from './db.js';
import { decodePage, decodePageRecords, pageOf } from './page.js';
import { RecordBuilder, type RecordList } from '../core/records.js';
import { decodeBatch } from './wal-record.js';

/** A WAL record recovery dropped (repair only). */
export interface DroppedWalRecord {
  /** Its sequence number (its key in the `wal` object store). */
  seq: number;
  /** Its stored size in bytes. */
  bytes: number;
  /** Number of ops it held, when it could still be decoded; null when it was the damaged one. */
  ops: number | null;
  /** Why it was dropped. */
  reason: string;
}

/** A page recovery could not load (repair only): its entries are lost unless the WAL tail rewrote them. */
export interface LostPage {
  /** The page id (its key in the `pages` object store). */
  page: number;
  /** Entries the page directory says it held. */
  entries: number;
  /** Its stored size in bytes per the directory. */
  bytes: number;
  /** Why it could not be loaded. */
  reason: string;
}

/** What `DiskStore.open` found and did. */
export interface RecoveryReport {
  /** True when this open created the store. */
  created: boolean;
  /** True when the store is encrypted. */
  encrypted: boolean;
  /** The checkpoint's sequence number (0 = never checkpointed). */
  checkpointSeq: number;
  /** Page count the keyspace is partitioned into. */
  pageCount: number;
  /** Pages loaded, and how many entries they held. */
  pagesLoaded: number;
  pageEntries: number;
  /** WAL records (and their ops) replayed over the pages. */
  walRecordsReplayed: number;
  walOpsReplayed: number;
  /** Highest sequence number now in the store (next append gets lastSeq + 1). */
  lastSeq: number;
  /** Live entries returned. */
  entries: number;
  /** True when `repair` dropped anything; `dropped*` and `lostPages` then say exactly what. */
  repaired: boolean;
  /** WAL records dropped: the first damaged (or missing) record's successors and itself. */
  droppedWalRecords: DroppedWalRecord[];
  /** Pages that could not be loaded and were removed. */
  lostPages: LostPage[];
  /** Harmless leftovers that break no invariant but should not exist (removed when repairing). */
  stale: { walRecords: number[]; pages: number[] };
  /** Human-readable account of every problem found. */
  problems: string[];
  /** Wall time of the open, ms. */
  durationMs: number;
}

/** What recovery hands back to DiskStore. */
export interface Recovered {
  /**
   * The live entries as one record list (src/core/records.ts): the worker loads it into the
   * engine whole, with no JavaScript object per entry.
   */
  records: RecordList;
  report: RecoveryReport;
  lastSeq: number;
  /** Pages whose on-disk content is older than the live state (touched by the WAL tail, or lost). */
  dirty: Set<number>;
  /** Stored bytes and count of WAL records kept since the checkpoint. */
  walBytes: number;
  walRecords: number;
  /** The page directory after repair. */
  pages: PageDirRow[];
}

/** Turns key bytes into a string usable as a Map key (one UTF-16 unit per byte, injective). */
export function keyString(k: Uint8Array): string {
  if (k.length <= 4096) return String.fromCharCode.apply(null, k as unknown as number[]);
  let s = '';
  for (let i = 0; i < k.length; i += 4096) s += String.fromCharCode.apply(null, k.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/**
 * Reads the `wal` and `pages` object stores of `db` and rebuilds the live entries. Throws
 * LarderError('CORRUPT') naming the object store and key of the first damaged record unless
 * `repair`, in which case it drops what is damaged (WAL: the bad record and all after it; pages:
 * the bad page), deletes it from IndexedDB in one transaction, and reports it.
 */
export async function recover(
  db: Db,
  ctx: { storeName: string; key: CryptoKey | null; repair: boolean; checkpoint: CheckpointMeta; report: RecoveryReport },
): Promise<Recovered> {
  const { storeName, key, repair, checkpoint: cp, report } = ctx;
  const where = `store "${storeName}"`;
  let walKeys: number[], walVals: Uint8Array[], pageKeys: number[], pageVals: Uint8Array[];
  try {
    const tx = db.transaction(['wal', 'pages'], 'readonly');
    [walKeys, walVals, pageKeys, pageVals] = await Promise.all([
      tx.objectStore('wal').getAllKeys(),
      tx.objectStore('wal').getAll(),
      tx.objectStore('pages').getAllKeys(),
      tx.objectStore('pages').getAll(),
    ]);
  } catch (e) {
    throw toLarderError(e, `${where}: reading the WAL and pages`);
  }

  const damaged = (objectStore: 'wal' | 'pages', k: number, e: unknown): LarderError => {
    const msg = isLarderError(e) ? e.message : String(e);
    return new LarderError('CORRUPT', `${where}: object store "${objectStore}", key ${k}: ${msg}`, { objectStore, key: k });
  };

  // ---- WAL tail: records cp.seq+1, cp.seq+2, ... with no gap. ----
  const opened: Array<Result<Uint8Array>> = await Promise.all(
    walVals.map((v, i) =>
      key && walKeys[i]! > cp.seq
        ? openSealed(key, v, `wal:${walKeys[i]}`, 'sealed record').then(ok, (e: unknown) => fail<Uint8Array>(e))
        : Promise.resolve(ok(v)),
    ),
  );
  const effects = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();
  const walTouched = new Set<number>();
  const dropWal: number[] = [];
  let expected = cp.seq + 1;
  let broken: string | null = null; // set once a record is damaged: everything after is dropped
  let walBytes = 0;
  let walRecords = 0;
  for (let i = 0; i < walKeys.length; i++) {
    const seq = walKeys[i]!;
    const stored = walVals[i]!;
    const size = stored instanceof Uint8Array ? stored.length : 0;
    if (seq <= cp.seq) {
      report.stale.walRecords.push(seq);
      report.problems.push(`wal record ${seq} is already covered by checkpoint ${cp.seq} (stale, ignored)`);
      if (repair) dropWal.push(seq);
      continue;
    }
    if (broken !== null) {
      let ops: number | null = null;
      const o = opened[i]!;
      if (o.ok) {
        try {
          ops = decodeBatch(o.value).ops.length;
        } catch {
          /* damaged too; it is being dropped anyway */
        }
      }
      report.droppedWalRecords.push({ seq, bytes: size, ops, reason: broken });
      dropWal.push(seq);
      continue;
    }
    let batchOps;
    try {
      if (seq !== expected) throw new LarderError('CORRUPT', `wal record ${expected} is missing (the next record is ${seq})`);
      const o = opened[i]!;
      if (!o.ok) throw o.error;
      const batch = decodeBatch(o.value, 'WAL record');
      if (batch.seq !== seq) throw new LarderError('CORRUPT', `WAL record: header says seq ${batch.seq}`);
      batchOps = batch.ops;
    } catch (e) {
      const err = damaged('wal', seq === expected ? seq : expected, e);
      if (!repair) throw err;
      report.problems.push(err.message);
      broken = `follows damaged or missing wal record ${seq === expected ? seq : expected}`;
      if (seq === expected) report.droppedWalRecords.push({ seq, bytes: size, ops: null, reason: err.message });
      else report.droppedWalRecords.push({ seq, bytes: size, ops: null, reason: broken });
      dropWal.push(seq);
      continue;
    }
    for (const op of batchOps) {
      effects.set(keyString(op.key), { key: op.key, value: op.op === 'put' ? op.value : null });
      walTouched.add(pageOf(op.key, cp.pageCount));
    }
    report.walRecordsReplayed++;
    report.walOpsReplayed += batchOps.length;
    walBytes += size;
    walRecords++;
    expected = seq + 1;
  }

  // ---- Pages: exactly those in the directory. ----
  const pageVal = new Map<number, Uint8Array>();
  pageKeys.forEach((k, i) => pageVal.set(k, pageVals[i]!));
  const listed = new Set(cp.pages.map((r) => r[0]));
  const dropPages: number[] = [];
  for (const k of pageKeys) {
    if (!listed.has(k)) {
      report.stale.pages.push(k);
      report.problems.push(`page ${k} is not in the page directory (stale, ignored)`);
      if (repair) dropPages.push(k);
    }
  }
  const keptDir: PageDirRow[] = [];
  const dirty = new Set<number>(walTouched);
  // Decrypting is asynchronous; decoding then runs in directory order, into one record list
  // sized up front from the bytes read (a record's 8-byte header replaces a page entry's two
  // varints, at least 2 bytes; the directory's count is trusted no further than that).
  const plain = await Promise.all(
    cp.pages.map(async ([id]): Promise<Result<Uint8Array>> => {
      const stored = pageVal.get(id);
      if (stored === undefined) return fail(new LarderError('CORRUPT', 'page record is missing'));
      try {
        return ok(key ? await openSealed(key, stored, `page:${id}`, 'sealed record') : stored);
      } catch (e) {
        return fail(e);
      }
    }),
  );
  let capacity = 0;
  plain.forEach((o, i) => {
    if (o.ok && o.value instanceof Uint8Array) capacity += o.value.length + 6 * Math.min(cp.pages[i]![2], o.value.length >>> 1);
  });
  const out = new RecordBuilder(capacity);
  cp.pages.forEach((row, i) => {
    const [id, bytes, count] = row;
    const o = plain[i]!;
    const mark = out.mark;
    const before = out.count;
    let err: LarderError | null = null;
    let held = 0;
    if (!o.ok) err = damaged('pages', id, o.error);
    else {
      try {
        held = walTouched.has(id) ? addPageExcept(o.value, id, cp.pageCount, effects, out) : decodePageRecords(o.value, out, { pageId: id, pageCount: cp.pageCount }, 'page').count;
        if (held !== count) err = damaged('pages', id, `page holds ${held} entries, the directory says ${count}`);
      } catch (e) {
        err = damaged('pages', id, e);
      }
    }
    if (err) {
      out.truncate(mark, before);
      if (!repair) throw err;
      report.problems.push(err.message);
      report.lostPages.push({ page: id, entries: count, bytes, reason: err.message });
      dropPages.push(id);
      dirty.add(id);
      return;
    }
    keptDir.push(row);
    report.pagesLoaded++;
    report.pageEntries += held;
  });
  for (const { key: k, value } of effects.values()) {
    if (value === null) continue;
    out.begin(k.length, value.length);
    out.append(k, 0, k.length);
    out.append(value, 0, value.length);
  }
  const records = out.list();

  // ---- Repair: make the store say exactly what we recovered. ----
  if (repair && (dropWal.length > 0 || dropPages.length > 0)) {
    try {
      const tx = db.transaction(['meta', 'wal', 'pages'], 'readwrite');
      const w = tx.objectStore('wal');
      const p = tx.objectStore('pages');
      for (const s of dropWal) w.delete(s).catch(noop);
      for (const id of dropPages) p.delete(id).catch(noop);
      const lost = new Set(report.lostPages.map((l) => l.page));
      if (lost.size > 0) tx.objectStore('meta').put({ ...cp, pages: keptDir.filter((r) => !lost.has(r[0])) }, 'checkpoint').catch(noop);
      await tx.done;
    } catch (e) {
      throw toLarderError(e, `${where}: repairing`);
    }
  }
  report.repaired = report.droppedWalRecords.length > 0 || report.lostPages.length > 0;
  report.checkpointSeq = cp.seq;
  report.pageCount = cp.pageCount;
  report.lastSeq = expected - 1;
  report.entries = records.count;
  return { records, report, lastSeq: expected - 1, dirty, walBytes, walRecords, pages: keptDir };
}

/**
 * Decodes page `id` (of `pageCount`) and appends to `out` its entries whose keys are not in
 * `except` (by keyString: the keys the WAL tail wrote, whose values go in after the pages).
 * Returns how many entries the page held, skipped ones included.
 */
function addPageExcept(
  bytes: Uint8Array,
  id: number,
  pageCount: number,
  except: Map<string, unknown>,
  out: RecordBuilder,
): number {
  const page = decodePage(bytes, { pageId: id, pageCount }, 'page');
  for (const [k, v] of page.entries) {
    if (except.has(keyString(k))) continue;
    out.begin(k.length, v.length);
    out.append(k, 0, k.length);
    out.append(v, 0, v.length);
  }
  return page.entries.length;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: unknown };
function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
function fail<T>(error: unknown): Result<T> {
  return { ok: false, error };
}
/** Swallows a rejection that the transaction's own outcome already reports. */
export function noop(): void {}
