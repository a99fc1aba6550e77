/**
 * DiskStore: one Larder store persisted to one IndexedDB database, `larder:<name>`, as a
 * write-ahead log plus checkpoint pages. It sees only byte keys and byte values.
 *
 * Object stores (all out-of-line keys):
 * - `meta`:  `"format"` (FormatMeta), `"crypto"` (CryptoMeta, only when encrypted),
 *            `"checkpoint"` (CheckpointMeta: seq, pageCount, time, page directory).
 * - `wal`:   key = sequence number (1, 2, 3, ...), value = one WAL record = one write batch
 *            (wal-record.ts), sealed with AES-GCM when encrypted (associated data `"wal:<seq>"`).
 * - `pages`: key = page id, value = every live entry hashing to that page (page.ts), sealed when
 *            encrypted (associated data `"page:<id>"`). Only non-empty pages have records.
 *
 * INVARIANTS — true of what is on disk after every committed IndexedDB transaction (and
 * IndexedDB transactions are atomic, so nothing in between is ever visible):
 *  I1. The pages listed in meta.checkpoint.pages, decoded, hold exactly the live state after the
 *      batch with sequence number C = meta.checkpoint.seq (all batches 1..C applied). Pages not
 *      listed are empty and have no record. The directory's sizes and entry counts are exact.
 *  I2. The `wal` store holds exactly the records C+1, C+2, ..., L: contiguous, no gaps, each a
 *      whole batch whose promise resolved or is about to (its transaction committed).
 *  I3. A batch is durable iff its record is in `wal` or C >= its seq; never half of a batch.
 *  I4. Every record carries a checksum (and a GCM tag when encrypted) binding it to its key.
 * Recovery (recovery.ts) therefore loads the listed pages and applies records C+1..L in order: by
 * I1 + I2 that is the state after batch L, the last batch whose transaction committed. Anything
 * that breaks I1/I2/I4 (a bad checksum, a failed tag, a gap, a missing page) is CORRUPT.
 *
 * How the invariants are kept:
 *  - One transaction at a time (`busy`): WAL commits and checkpoints are serialised in one queue.
 *  - Sequence numbers are assigned when a transaction is built, not when append() is called. If
 *    the transaction fails, nothing of it is on disk (atomicity) and no later transaction has
 *    started, so its numbers are handed out again: the WAL stays gap-free (I2), and a gap on disk
 *    always means damage.
 *  - Group commit: batches that arrive while a transaction is in flight queue up and ride the next
 *    transaction together, one `wal` record per batch (so a record is still one atomic batch, and a
 *    damaged record loses one batch, not a group).
 *  - A checkpoint is one readwrite transaction over meta + pages + wal: it rewrites the dirty
 *    pages, updates meta.checkpoint and deletes wal records <= the new C (keeps I1, I2). Batches
 *    still queued when it starts are absorbed: their state is in the snapshot, so they get their
 *    sequence numbers <= C and resolve when the checkpoint commits, with no WAL record at all.
 *
 * Durability: with `durability: 'strict'` (default) a promise resolves after the transaction's
 * `complete` event with IndexedDB's strict durability (flushed to disk). With 'relaxed' the
 * transaction uses `{ durability: 'relaxed' }`: faster, but an OS crash or power loss may lose
 * the last moments of committed batches (never corrupt the store: lost transactions are a suffix).
 */

import { unwrap } from 'idb';
import { LarderError, isLarderError } from '../errors.js';
import { DEFAULT_ITERATIONS, IV_BYTES, SALT_BYTES, TAG_BYTES, checkVerifier, deriveKey, makeVerifier, randomBytes, seal } from './crypto.js';
import {
  checkCheckpointMeta,
  checkCryptoMeta,
  dbNameOf,
  deleteDatabase,
  openDatabase,
  resolveFactory,
  toLarderError,
  type CheckpointMeta,
  type CryptoMeta,
  type Db,
  type FormatMeta,
  type PageDirRow,
} from './db.js';
import { MAX_PAGE_COUNT, PAGE_HEADER_BYTES, PageWriter, entrySizeOf, isPageCount, pageHashAt, pageOf } from './page.js';
import { noop, recover, type RecoveryReport } from './recovery.js';
import { recordEntries, type RecordList } from '../core/records.js';
import { prepareBatch, stampBatch, type PreparedBatch, type WalOp } from './wal-record.js';

export type { RecoveryReport, DroppedWalRecord, LostPage } from './recovery.js';
export type { WalOp } from './wal-record.js';

/** Options of `DiskStore.open`. */
export interface DiskStoreOptions {
  /** Encrypt at rest. Required to open an encrypted store; must be absent for a plain one. */
  passphrase?: string;
  /** Drop damaged records instead of failing with CORRUPT (see RecoveryReport). */
  repair?: boolean;
  /** IndexedDB transaction durability for WAL commits and checkpoints; default 'strict'. */
  durability?: 'strict' | 'relaxed';
  /** The IDBFactory to use; default globalThis.indexedDB. */
  indexedDB?: IDBFactory;
  /** Initial page count of a NEW store (power of two, default 16); an existing store keeps its own. */
  pageCount?: number;
  /** needsCheckpoint() turns true once the WAL since the last checkpoint exceeds this; default 4 MiB. */
  checkpointBytes?: number;
  /** PBKDF2 iterations for a NEW encrypted store (default 600,000); an existing store keeps its own. */
  pbkdf2Iterations?: number;
  /** A checkpoint doubles the page count when the average page would exceed this; default 1 MiB. */
  targetPageBytes?: number;
}

/** What a checkpoint did. */
export interface CheckpointResult {
  /** The new checkpoint sequence number: every batch <= it is now in the pages. */
  seq: number;
  /** Page count after the checkpoint. */
  pageCount: number;
  /** True when the page count was doubled (one or more times) and every page rewritten. */
  repartitioned: boolean;
  /** Page records written, and deleted because they became empty. */
  pagesWritten: number;
  pagesDeleted: number;
  /** Bytes of page records written. */
  bytesWritten: number;
  /** WAL records deleted, and queued batches absorbed without a WAL record. */
  walRecordsDropped: number;
  batchesAbsorbed: number;
  /** Pages rewritten although not dirty, because the snapshot's entry count disagreed with the directory. */
  healedPages: number[];
}

/** A snapshot of DiskStore's bookkeeping, from `info()`. */
export interface DiskInfo {
  name: string;
  encrypted: boolean;
  durability: 'strict' | 'relaxed';
  /** Last sequence number handed out (committed, in flight or queued batches included). */
  lastSeq: number;
  /** WAL since the last checkpoint: records and stored bytes (queued and in-flight batches included). */
  wal: { records: number; bytes: number; queuedBatches: number };
  /** The last checkpoint: seq, time (ms epoch, null if never) and checkpoints taken since open. */
  checkpoint: { seq: number; time: number | null; sinceOpen: number };
  /** Pages: count, records stored, total stored bytes and entries, dirty pages, and per-page rows. */
  pages: { count: number; stored: number; bytes: number; entries: number; dirty: number; list: Array<{ page: number; bytes: number; entries: number }> };
  /** Commit transactions since open: how many, batches they carried, failures, and latency (ms, over the last 256). */
  commits: { transactions: number; batches: number; failed: number; latencyMs: { p50: number; p99: number; samples: number } };
}

interface Pending {
  /**
   * The encoded WAL record; null for a batch given to commitByCheckpoint, which is encoded from
   * `ops` only if its checkpoint fails and it falls back to the WAL.
   */
  prepared: PreparedBatch | null;
  ops: (() => readonly WalOp[]) | null;
  seq: number;
  resolve: () => void;
  reject: (e: LarderError) => void;
}

/**
 * A snapshot that encodes its own pages, where its entries live (the engine, over its memory: see
 * core/pages.ts), so that no entry is copied into JavaScript on the way. `measure(n)` partitions
 * every live entry into n pages by pageOf and returns what it found.
 */
export interface EncodingSnapshot {
  measure(pageCount: number): MeasuredPages;
}

/** One partition of an EncodingSnapshot's entries, until release(). */
export interface MeasuredPages {
  /** Entries per page. */
  readonly entries: ArrayLike<number>;
  /** Encoded payload bytes per page (the page header excluded: entrySizeOf summed). */
  readonly bytes: ArrayLike<number>;
  /** The pages `ids` (each with entries), encoded and sealed as encodePage would (entries in any order). */
  encode(ids: readonly number[]): Uint8Array[];
  /** Frees what the partition holds; called exactly once. */
  release(): void;
}

/** What a checkpoint reads: every live entry, as [key, value] pairs, or encoding its own pages. */
export type Snapshot = Iterable<readonly [Uint8Array, Uint8Array]> | EncodingSnapshot;

function isEncodingSnapshot(s: Snapshot): s is EncodingSnapshot {
  return typeof (s as EncodingSnapshot).measure === 'function';
}

interface CheckpointRequest {
  snapshot: () => Snapshot;
  resolve: (r: CheckpointResult) => void;
  reject: (e: LarderError) => void;
}

const DEFAULT_PAGE_COUNT = 16;
const DEFAULT_CHECKPOINT_BYTES = 4 * 1024 * 1024;
/**
 * A checkpoint rewrites every dirty page, and a bulk load dirties them all: with a fixed WAL
 * threshold, loading a store of size S rewrote about S^2 / (2 * checkpointBytes) bytes (a 100k
 * node, 500k edge graph: 15 s of IndexedDB writes). Letting the WAL grow to half the stored pages
 * first keeps the total rewritten a small multiple of S, and recovery replays at most that much.
 */
const CHECKPOINT_WAL_RATIO = 0.5;
const DEFAULT_TARGET_PAGE_BYTES = 1024 * 1024;
const LATENCY_SAMPLES = 256;
const FORMAT_VERSION = 1;
const SEAL_OVERHEAD = IV_BYTES + TAG_BYTES;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The persistence of one store: WAL with group commit, checkpoint pages, recovery, encryption. */
export class DiskStore {
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closedWhy = 'the store is closed';
  private closePromise: Promise<void> | null = null;
  private busy = false;
  private pumpScheduled = false;
  private queue: Pending[] = [];
  private cpRequests: CheckpointRequest[] = [];
  private outstanding = new Set<Promise<unknown>>();
  private dirty: Set<number>;
  private pageDir: Map<number, { bytes: number; entries: number }>;
  private walBytes: number;
  private walRecords: number;
  private nextSeq: number;
  private cpSeq: number;
  private cpTime: number;
  private pageCount: number;
  private checkpointsSinceOpen = 0;
  private commitCount = 0;
  private commitBatches = 0;
  private commitFailures = 0;
  private latency = new Float64Array(LATENCY_SAMPLES);
  private latencyN = 0;
  /** The connection without idb's wrappers, for the WAL commit (see runWal). */
  private readonly raw: IDBDatabase;

  private constructor(
    /** The store name (the database is `larder:<name>`). */
    readonly name: string,
    private db: Db,
    private readonly key: CryptoKey | null,
    private readonly durability: 'strict' | 'relaxed',
    private readonly checkpointBytes: number,
    private readonly targetPageBytes: number,
    cp: CheckpointMeta,
    rec: { lastSeq: number; dirty: Set<number>; walBytes: number; walRecords: number; pages: PageDirRow[] },
  ) {
    this.raw = unwrap(db);
    this.cpSeq = cp.seq;
    this.cpTime = cp.time;
    this.pageCount = cp.pageCount;
    this.pageDir = new Map(rec.pages.map(([id, bytes, entries]) => [id, { bytes, entries }]));
    this.nextSeq = rec.lastSeq + 1;
    this.dirty = rec.dirty;
    this.walBytes = rec.walBytes;
    this.walRecords = rec.walRecords;
  }

  /**
   * Opens (creating if needed) store `name` and recovers it: loads the checkpoint pages, replays
   * the WAL tail, and returns every live entry (unsorted) as one record list for the caller to
   * bulk-load, plus a report of what was found. `entries` makes the same entries as [key, value]
   * views into that list each time it is read (for tests and tools; the worker loads `records`).
   * Throws BAD_PASSPHRASE (encrypted store without or with the wrong passphrase, or a passphrase
   * for a plain store), CORRUPT (a damaged record, unless `repair`), QUOTA_EXCEEDED / INTERNAL
   * from IndexedDB.
   */
  static async open(
    name: string,
    options: DiskStoreOptions = {},
  ): Promise<{ disk: DiskStore; records: RecordList; readonly entries: Array<[Uint8Array, Uint8Array]>; report: RecoveryReport }> {
    const t0 = now();
    if (typeof name !== 'string' || name.length === 0) throw new LarderError('BAD_VALUE', 'store name must be a non-empty string');
    const durability = options.durability ?? 'strict';
    if (durability !== 'strict' && durability !== 'relaxed') throw new LarderError('BAD_VALUE', `durability must be 'strict' or 'relaxed'`);
    const initialPages = options.pageCount ?? DEFAULT_PAGE_COUNT;
    if (!isPageCount(initialPages)) throw new LarderError('BAD_VALUE', `pageCount must be a power of two from 1 to ${MAX_PAGE_COUNT}`);
    const checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
    const targetPageBytes = options.targetPageBytes ?? DEFAULT_TARGET_PAGE_BYTES;
    if (!(checkpointBytes > 0) || !(targetPageBytes > 0)) throw new LarderError('BAD_VALUE', 'checkpointBytes and targetPageBytes must be positive');
    const factory = resolveFactory(options.indexedDB);
    const where = `store "${name}"`;

    let store: DiskStore | null = null;
    let goneDuringOpen: string | null = null;
    const db: Db = await openDatabase(factory, dbNameOf(name), (why) => {
      if (store) store.lose(why);
      else {
        goneDuringOpen = why;
        db.close(); // never block a delete or upgrade, even mid-open
      }
    });
    try {
      let format: FormatMeta | undefined, cryptoMeta: CryptoMeta | undefined, cpMeta: CheckpointMeta | undefined;
      let walCount = 0, pageCount = 0;
      try {
        const tx = db.transaction(['meta', 'wal', 'pages'], 'readonly');
        const meta = tx.objectStore('meta');
        [format, cryptoMeta, cpMeta, walCount, pageCount] = (await Promise.all([
          meta.get('format'),
          meta.get('crypto'),
          meta.get('checkpoint'),
          tx.objectStore('wal').count(),
          tx.objectStore('pages').count(),
        ])) as [FormatMeta | undefined, CryptoMeta | undefined, CheckpointMeta | undefined, number, number];
      } catch (e) {
        throw toLarderError(e, `${where}: reading meta`);
      }
      const report: RecoveryReport = {
        created: false,
        encrypted: false,
        checkpointSeq: 0,
        pageCount: 0,
        pagesLoaded: 0,
        pageEntries: 0,
        walRecordsReplayed: 0,
        walOpsReplayed: 0,
        lastSeq: 0,
        entries: 0,
        repaired: false,
        droppedWalRecords: [],
        lostPages: [],
        stale: { walRecords: [], pages: [] },
        problems: [],
        durationMs: 0,
      };
      let key: CryptoKey | null = null;
      if (format === undefined) {
        if (walCount > 0 || pageCount > 0 || cpMeta !== undefined) {
          throw new LarderError('CORRUPT', `${where}: meta "format" is missing but the store holds data`, { objectStore: 'meta', key: 'format' });
        }
        // A new store: write its meta in one transaction.
        report.created = true;
        cpMeta = { seq: 0, pageCount: initialPages, time: 0, pages: [] };
        if (options.passphrase !== undefined) {
          const iterations = options.pbkdf2Iterations ?? DEFAULT_ITERATIONS;
          const salt = randomBytes(SALT_BYTES);
          key = await deriveKey(options.passphrase, salt, iterations);
          cryptoMeta = { scheme: 'PBKDF2-SHA-256/AES-GCM-256', iterations, salt, verifier: await makeVerifier(key) };
        }
        try {
          const tx = db.transaction('meta', 'readwrite');
          const fm: FormatMeta = { magic: 'larder', version: FORMAT_VERSION, createdAt: Date.now() };
          tx.store.put(fm, 'format').catch(noop);
          if (cryptoMeta) tx.store.put(cryptoMeta, 'crypto').catch(noop);
          tx.store.put(cpMeta, 'checkpoint').catch(noop);
          await tx.done;
        } catch (e) {
          throw toLarderError(e, `${where}: creating the store`);
        }
      } else {
        if (format?.magic !== 'larder') throw new LarderError('CORRUPT', `${where}: meta "format" is malformed`, { objectStore: 'meta', key: 'format' });
        if (format.version !== FORMAT_VERSION) throw new LarderError('CORRUPT', `${where}: unsupported on-disk format version ${format.version}`);
        cpMeta = checkCheckpointMeta(cpMeta, where);
        if (cryptoMeta !== undefined) {
          const c = checkCryptoMeta(cryptoMeta, where);
          if (options.passphrase === undefined) throw new LarderError('BAD_PASSPHRASE', `${where} is encrypted: a passphrase is required`);
          key = await deriveKey(options.passphrase, c.salt, c.iterations);
          await checkVerifier(key, c.verifier, name);
        } else if (options.passphrase !== undefined) {
          throw new LarderError('BAD_PASSPHRASE', `${where} is not encrypted, but a passphrase was given`);
        }
      }
      report.encrypted = key !== null;
      const rec = await recover(db, { storeName: name, key, repair: options.repair === true, checkpoint: cpMeta, report });
      if (goneDuringOpen !== null) throw new LarderError('CLOSED', `${where} was closed while opening: ${goneDuringOpen}`);
      store = new DiskStore(name, db, key, durability, checkpointBytes, targetPageBytes, cpMeta, rec);
      report.durationMs = now() - t0;
      const records = rec.records;
      return { disk: store, records, get entries() { return recordEntries(records); }, report };
    } catch (e) {
      db.close();
      throw isLarderError(e) ? e : toLarderError(e, `${where}: opening`);
    }
  }

  /**
   * Deletes store `name`'s database and everything in it. An open DiskStore on it (in this
   * context) is closed first via IndexedDB's versionchange; its later calls reject with CLOSED.
   */
  static async destroy(name: string, options: { indexedDB?: IDBFactory } = {}): Promise<void> {
    await deleteDatabase(resolveFactory(options.indexedDB), dbNameOf(name));
  }

  /**
   * Makes one atomic write batch (its ops, or a function called once, now, that returns them)
   * durable. Copies the ops' bytes before returning, so the caller
   * may reuse its buffers at once. Batches arriving while a transaction is in flight ride the next
   * one together (group commit); each batch gets the next sequence number and its own WAL record.
   * Resolves after that transaction completes; rejects with a LarderError (QUOTA_EXCEEDED,
   * CLOSED, INTERNAL, ...) if it fails, in which case nothing of the batch is on disk.
   *
   * Contract with checkpoint(): call append() after the batch is applied to the in-memory state
   * the snapshot reads (see checkpoint()).
   */
  append(batch: readonly WalOp[] | (() => readonly WalOp[])): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    let prepared: PreparedBatch;
    let ops: readonly WalOp[];
    try {
      ops = typeof batch === 'function' ? batch() : batch;
      prepared = prepareBatch(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    this.markDirty(ops);
    this.countWal(prepared, 1);
    return this.enqueue(prepared, null);
  }

  /**
   * Makes one atomic write batch durable through a checkpoint instead of a WAL record: the same
   * as append(ops()) followed by checkpoint(snapshot) in the same synchronous step (the snapshot
   * absorbs the batch), without building or encoding the record. For a batch that makes a
   * checkpoint due (see needsCheckpoint(pendingBytes)), this writes its bytes to IndexedDB once,
   * in the pages, instead of twice (a WAL record, then the pages), in one transaction, not two.
   * Every page is rewritten: the batch is not looked at to find the ones it touched, and when a
   * checkpoint is due the WAL is already at least half the size of the stored pages.
   *
   * Resolves when the batch is durable, with null, or with the checkpoint's error when the
   * checkpoint failed and the batch went to the WAL instead: `ops()` is called then, and must
   * still give the batch. Rejects like append() when the batch could not be made durable at all.
   * The snapshot contract is checkpoint()'s; the snapshot must include the batch.
   */
  commitByCheckpoint(ops: () => readonly WalOp[], snapshot: () => Snapshot): Promise<LarderError | null> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    for (let p = 0; p < this.pageCount; p++) this.dirty.add(p);
    const batch = this.enqueue(null, ops);
    const cp = this.checkpoint(snapshot).then(
      () => null,
      (e: unknown) => (isLarderError(e) ? e : toLarderError(e, `store "${this.name}": checkpoint`)),
    );
    return Promise.all([batch, cp]).then(([, err]) => err);
  }

  /** Marks the pages `ops` touch dirty; once every page is dirty there is nothing left to mark (a big batch gets there early). */
  private markDirty(ops: readonly WalOp[]): void {
    const dirty = this.dirty;
    const pageCount = this.pageCount;
    for (let i = 0; i < ops.length && dirty.size < pageCount; i++) dirty.add(pageOf(ops[i]!.key, pageCount));
  }

  /** Adds (sign 1) or removes (sign -1) an encoded record from the WAL bookkeeping. */
  private countWal(prepared: PreparedBatch, sign: 1 | -1): void {
    this.walBytes += sign * (this.key ? prepared.bytes.length + SEAL_OVERHEAD : prepared.bytes.length);
    this.walRecords += sign;
  }

  /** Queues a batch for the next commit transaction. */
  private enqueue(prepared: PreparedBatch | null, ops: (() => readonly WalOp[]) | null): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.queue.push({ prepared, ops, seq: 0, resolve, reject });
    });
    this.track(p);
    this.schedule();
    return p;
  }

  /** Resolves once every batch and checkpoint queued before this call has settled (even if some failed). */
  async flush(): Promise<void> {
    if (this.state === 'closed') throw this.closedError();
    await Promise.all([...this.outstanding]);
  }

  /**
   * True when the WAL since the last checkpoint exceeds `checkpointBytes`, or, for a large store,
   * CHECKPOINT_WAL_RATIO of its stored pages, whichever is more; with `pendingBytes`, as it would
   * be once that many more bytes of WAL are appended. Throws CLOSED after close.
   */
  needsCheckpoint(pendingBytes = 0): boolean {
    if (this.state !== 'open') throw this.closedError();
    const wal = this.walBytes + pendingBytes;
    if (wal <= this.checkpointBytes) return false;
    let pages = 0;
    for (const r of this.pageDir.values()) pages += r.bytes;
    return wal > pages * CHECKPOINT_WAL_RATIO;
  }

  /**
   * Writes a checkpoint: rewrites the dirty pages (and deletes those that became empty), updates
   * meta and deletes the covered WAL records, all in ONE readwrite transaction.
   *
   * SNAPSHOT CONTRACT. `snapshot()` is called when the checkpoint's turn comes in the commit queue
   * (not necessarily during this call), synchronously, possibly twice in a row within the same
   * synchronous step; each call must return a fresh iterable (or an EncodingSnapshot,
   * read at once) over ALL live entries of the in-memory state AT THAT MOMENT,
   * and that state must be exactly the result of every batch passed to append() so far (apply a
   * batch in memory, then call append() — in the same synchronous step). Batches still queued at
   * that moment are absorbed: they are covered by the snapshot and resolve with the checkpoint
   * without a WAL record of their own. Entries are copied
   * as they are read, so the iterator may yield views it later reuses. Keys must be unique.
   *
   * A batch whose append() rejected must have been undone in memory before the next snapshot.
   * If the checkpoint fails, nothing changes on disk, absorbed batches go back to the queue and
   * are written to the WAL as usual, and only this promise rejects.
   *
   * When the average page would exceed `targetPageBytes`, the page count doubles (until it
   * fits) and every page is rewritten.
   */
  checkpoint(snapshot: () => Snapshot): Promise<CheckpointResult> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    if (typeof snapshot !== 'function') return Promise.reject(new LarderError('BAD_VALUE', 'checkpoint(snapshot): snapshot must be a function'));
    const p = new Promise<CheckpointResult>((resolve, reject) => this.cpRequests.push({ snapshot, resolve, reject }));
    this.track(p);
    this.schedule();
    return p;
  }

  /** Bookkeeping: WAL since the checkpoint, last checkpoint, pages, commit counts and latency. Throws CLOSED after close. */
  info(): DiskInfo {
    if (this.state === 'closed') throw this.closedError();
    const list = [...this.pageDir].map(([page, r]) => ({ page, bytes: r.bytes, entries: r.entries })).sort((a, b) => a.page - b.page);
    const n = Math.min(this.latencyN, LATENCY_SAMPLES);
    const samples = Array.from(this.latency.subarray(0, n)).sort((a, b) => a - b);
    const pct = (q: number): number => (n === 0 ? 0 : samples[Math.min(n - 1, Math.floor(q * n))]!);
    return {
      name: this.name,
      encrypted: this.key !== null,
      durability: this.durability,
      lastSeq: this.nextSeq - 1 + this.queue.length,
      wal: { records: this.walRecords, bytes: this.walBytes, queuedBatches: this.queue.length },
      checkpoint: { seq: this.cpSeq, time: this.cpTime === 0 ? null : this.cpTime, sinceOpen: this.checkpointsSinceOpen },
      pages: {
        count: this.pageCount,
        stored: list.length,
        bytes: list.reduce((s, r) => s + r.bytes, 0),
        entries: list.reduce((s, r) => s + r.entries, 0),
        dirty: this.dirty.size,
        list,
      },
      commits: {
        transactions: this.commitCount,
        batches: this.commitBatches,
        failed: this.commitFailures,
        latencyMs: { p50: pct(0.5), p99: pct(0.99), samples: n },
      },
    };
  }

  /**
   * Closes the store: later calls reject with CLOSED; work already queued finishes first, then
   * the connection closes. Calling close() again returns the same promise.
   */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    if (this.state === 'open') {
      this.state = 'closing';
      this.closedWhy = `store "${this.name}" is closed`;
    }
    this.closePromise = (async () => {
      await Promise.all([...this.outstanding]);
      this.state = 'closed';
      this.db.close();
    })();
    return this.closePromise;
  }

  // ---- internals ----

  private closedError(): LarderError {
    return new LarderError('CLOSED', this.closedWhy);
  }

  /** The connection is gone (versionchange / browser close): fail everything not yet in a transaction. */
  private lose(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedWhy = `store "${this.name}" was closed: ${why}`;
    this.db.close();
    this.schedule();
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(noop, noop);
    this.outstanding.add(settled);
    void settled.then(() => this.outstanding.delete(settled));
  }

  /** Runs the pump in a microtask, so appends issued in the same synchronous step share a transaction. */
  private schedule(): void {
    if (this.pumpScheduled || this.busy) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy) return;
    if (this.state === 'closed') {
      const err = this.closedError();
      for (const b of this.queue.splice(0)) b.reject(err);
      for (const c of this.cpRequests.splice(0)) c.reject(err);
      return;
    }
    let job: Promise<boolean>;
    if (this.cpRequests.length > 0) job = this.runCheckpoint();
    else if (this.queue.length > 0) job = this.runWal();
    else return;
    this.busy = true;
    void job.then((failed) => {
      const next = (): void => {
        this.busy = false;
        this.pump();
      };
      // After a failed commit, pause one macrotask so every rejection handler (however many
      // promise hops away) can undo its batch in memory before a checkpoint snapshot is read.
      if (failed) setTimeout(next, 0);
      else next();
    });
  }

  private sample(ms: number): void {
    this.latency[this.latencyN % LATENCY_SAMPLES] = ms;
    this.latencyN++;
  }

  private txOptions(): IDBTransactionOptions {
    return { durability: this.durability };
  }

  /** One group commit: every queued batch, one WAL record each, one readwrite transaction. Resolves true if it failed. */
  private async runWal(): Promise<boolean> {
    const batches = this.queue.splice(0);
    const firstSeq = this.nextSeq;
    const t0 = now();
    try {
      // A batch whose checkpoint failed (commitByCheckpoint) is encoded now.
      for (const b of batches) {
        if (b.prepared !== null) continue;
        b.prepared = prepareBatch(b.ops!());
        b.ops = null;
        this.countWal(b.prepared, 1);
      }
      const records: Uint8Array[] = [];
      for (const b of batches) {
        b.seq = this.nextSeq++;
        records.push(stampBatch(b.prepared!, b.seq));
      }
      const stored = this.key ? await Promise.all(records.map((r, i) => seal(this.key!, r, `wal:${batches[i]!.seq}`))) : records;
      if (this.state === 'closed') throw this.closedError();
      // Straight to IndexedDB, not through idb's wrappers (a promise and listeners per request),
      // and commit() as soon as the puts are issued: otherwise the transaction commits only after
      // their success events have come back to this thread and found nothing more to do, one more
      // round trip to the browser's IndexedDB per commit. Still resolves on `complete` only.
      const tx = this.raw.transaction('wal', 'readwrite', this.txOptions());
      const done = settled(tx);
      try {
        const wal = tx.objectStore('wal');
        for (let i = 0; i < batches.length; i++) wal.put(stored[i]!, batches[i]!.seq);
        if (typeof tx.commit === 'function') tx.commit(); // absent before Safari 15 / Chrome 76
      } catch (e) {
        done.catch(noop);
        abortRaw(tx);
        throw e;
      }
      await done;
      this.commitCount++;
      this.commitBatches += batches.length;
      this.sample(now() - t0);
      for (const b of batches) b.resolve();
      return false;
    } catch (e) {
      // Nothing of this transaction is on disk and no later one has begun: reuse its numbers.
      this.nextSeq = firstSeq;
      this.commitFailures++;
      for (const b of batches) if (b.prepared !== null) this.countWal(b.prepared, -1);
      const err = this.state === 'closed' ? this.closedError() : toLarderError(e, `store "${this.name}": committing ${batches.length} batch(es), seq ${firstSeq}..${firstSeq + batches.length - 1}`);
      for (const b of batches) b.reject(err);
      return true;
    }
  }

  /** One checkpoint transaction (see checkpoint()). Resolves true if it failed. */
  private async runCheckpoint(): Promise<boolean> {
    const reqs = this.cpRequests.splice(0);
    const snapshot = reqs[reqs.length - 1]!.snapshot;
    const absorbed = this.queue.splice(0);
    const firstSeq = this.nextSeq;
    for (const b of absorbed) b.seq = this.nextSeq++;
    const cpSeq = this.nextSeq - 1;
    const dirty = this.dirty;
    this.dirty = new Set();
    const covered = { bytes: this.walBytes, records: this.walRecords };
    this.walBytes = 0;
    this.walRecords = 0;
    const oldCount = this.pageCount;
    const t0 = now();
    try {
      // Synchronous: the snapshot is read in the same step as the numbers above are fixed.
      const plan = planCheckpoint(snapshot, oldCount, dirty, this.pageDir, this.targetPageBytes);
      const ids = [...plan.writers.keys()];
      const plain = ids.map((id) => plan.writers.get(id)!.finish());
      const stored = this.key ? await Promise.all(plain.map((b, i) => seal(this.key!, b, `page:${ids[i]}`))) : plain;
      if (this.state === 'closed') throw this.closedError();

      const newDir = plan.repartitioned ? new Map<number, { bytes: number; entries: number }>() : new Map(this.pageDir);
      const toDelete: number[] = [];
      if (plan.repartitioned) {
        for (const id of this.pageDir.keys()) if (!plan.writers.has(id)) toDelete.push(id);
      } else {
        for (const id of plan.rewrite) if (!plan.writers.has(id) && this.pageDir.has(id)) toDelete.push(id);
      }
      for (const id of toDelete) newDir.delete(id);
      ids.forEach((id, i) => newDir.set(id, { bytes: stored[i]!.length, entries: plan.writers.get(id)!.entries }));
      const meta: CheckpointMeta = {
        seq: cpSeq,
        pageCount: plan.pageCount,
        time: Date.now(),
        pages: [...newDir].map(([id, r]) => [id, r.bytes, r.entries] as PageDirRow).sort((a, b) => a[0] - b[0]),
      };

      // Raw IndexedDB and an early commit(), as in runWal: one round trip less per checkpoint.
      const tx = this.raw.transaction(['meta', 'pages', 'wal'], 'readwrite', this.txOptions());
      const done = settled(tx);
      try {
        const pages = tx.objectStore('pages');
        ids.forEach((id, i) => pages.put(stored[i]!, id));
        for (const id of toDelete) pages.delete(id);
        if (this.cpSeq < cpSeq) tx.objectStore('wal').delete(IDBKeyRange.upperBound(cpSeq));
        tx.objectStore('meta').put(meta, 'checkpoint');
        if (typeof tx.commit === 'function') tx.commit();
      } catch (e) {
        done.catch(noop);
        abortRaw(tx);
        throw e;
      }
      await done;

      // Absorbed batches from commitByCheckpoint were never counted as WAL records.
      let walDropped = covered.records;
      for (const b of absorbed) if (b.prepared !== null) walDropped--;
      this.cpSeq = cpSeq;
      this.cpTime = meta.time;
      this.pageDir = newDir;
      if (plan.pageCount !== oldCount) {
        // Pages dirtied after the snapshot were numbered under the old count: widen them.
        const widened = new Set<number>();
        for (const p of this.dirty) for (let q = p; q < plan.pageCount; q += oldCount) widened.add(q);
        this.dirty = widened;
        this.pageCount = plan.pageCount;
      }
      this.checkpointsSinceOpen++;
      this.commitCount++;
      this.commitBatches += absorbed.length;
      this.sample(now() - t0);
      for (const b of absorbed) b.resolve();
      const result: CheckpointResult = {
        seq: cpSeq,
        pageCount: plan.pageCount,
        repartitioned: plan.pageCount !== oldCount,
        pagesWritten: ids.length,
        pagesDeleted: toDelete.length,
        bytesWritten: stored.reduce((s, b) => s + b.length, 0),
        walRecordsDropped: walDropped,
        batchesAbsorbed: absorbed.length,
        healedPages: plan.healed,
      };
      for (const r of reqs) r.resolve(result);
      return false;
    } catch (e) {
      // Nothing changed on disk: put everything back as it was.
      this.commitFailures++;
      this.nextSeq = firstSeq;
      for (const b of absorbed) b.seq = 0;
      this.queue = absorbed.concat(this.queue);
      for (const p of dirty) this.dirty.add(p);
      this.walBytes += covered.bytes;
      this.walRecords += covered.records;
      const err = isLarderError(e) ? e : this.state === 'closed' ? this.closedError() : toLarderError(e, `store "${this.name}": checkpoint`);
      for (const r of reqs) r.reject(err);
      return false; // no batch failed: absorbed ones are back in the queue
    }
  }
}

/** A page a checkpoint writes: its entry count, and its encoded bytes once finished. */
interface PageOut {
  readonly entries: number;
  finish(): Uint8Array;
}

interface Plan {
  pageCount: number;
  repartitioned: boolean;
  /** Pages being rewritten (written if non-empty, deleted if empty and stored). */
  rewrite: Set<number>;
  /** The non-empty rewritten pages. */
  writers: Map<number, PageOut>;
  healed: number[];
}

/** The page count a checkpoint partitions by: doubled until the average page fits `targetPageBytes`. */
function grownPageCount(totalBytes: number, pageCount: number, targetPageBytes: number): number {
  let n = pageCount;
  while (n < MAX_PAGE_COUNT && (totalBytes + n * PAGE_HEADER_BYTES) / n > targetPageBytes) n *= 2;
  return n;
}

/** Pages not dirty whose entry count disagrees with the directory: rewritten to heal it. */
function pagesToHeal(entries: ArrayLike<number>, dirty: Set<number>, dir: Map<number, { bytes: number; entries: number }>): number[] {
  const healed: number[] = [];
  for (let p = 0; p < entries.length; p++) if (!dirty.has(p) && entries[p] !== (dir.get(p)?.entries ?? 0)) healed.push(p);
  return healed;
}

/**
 * Reads the snapshot (once, or twice when pages must be re-collected) and buckets the entries of
 * the pages to rewrite. Pass 1 collects the dirty pages and measures every page; pass 2 (only if
 * needed) collects every page under a doubled page count, or the non-dirty pages whose entry
 * count disagrees with the directory. A snapshot that encodes its own pages decides the same way
 * from its measured figures (planEncoded).
 */
function planCheckpoint(
  snapshot: () => Snapshot,
  pageCount: number,
  dirty: Set<number>,
  dir: Map<number, { bytes: number; entries: number }>,
  targetPageBytes: number,
): Plan {
  const take = (): Snapshot => {
    try {
      return snapshot();
    } catch (e) {
      throw isLarderError(e) ? e : new LarderError('INTERNAL', `checkpoint: snapshot() threw: ${String(e)}`);
    }
  };
  let first: Snapshot | null = take();
  if (isEncodingSnapshot(first)) return planEncoded(first, pageCount, dirty, dir, targetPageBytes);
  const counts = new Uint32Array(pageCount);
  let total = 0;
  const writers = new Map<number, PageWriter>();
  // Every entry as (key bytes, value bytes) ranges.
  type Visit = (km: Uint8Array, ko: number, kl: number, vm: Uint8Array, vo: number, vl: number) => void;
  const read = (fn: Visit): void => {
    const snap = first ?? take();
    first = null;
    if (isEncodingSnapshot(snap)) throw new LarderError('INTERNAL', 'checkpoint: snapshot() changed kind between reads');
    for (const entry of snap) {
      const k = entry?.[0];
      const v = entry?.[1];
      if (!(k instanceof Uint8Array) || !(v instanceof Uint8Array)) throw new LarderError('BAD_VALUE', 'checkpoint: snapshot yielded an entry that is not [Uint8Array, Uint8Array]');
      fn(k, 0, k.length, v, 0, v.length);
    }
  };
  const add = (id: number, count: number, km: Uint8Array, ko: number, kl: number, vm: Uint8Array, vo: number, vl: number): void => {
    let w = writers.get(id);
    if (!w) writers.set(id, (w = new PageWriter(id, count, (dir.get(id)?.bytes ?? 0) + 1024)));
    w.addAt(km, ko, kl, vm, vo, vl);
  };
  const mask = pageCount - 1;

  read((km, ko, kl, vm, vo, vl) => {
    const p = pageHashAt(km, ko, ko + kl) & mask;
    counts[p]!++;
    total += entrySizeOf(kl, vl);
    if (dirty.has(p)) add(p, pageCount, km, ko, kl, vm, vo, vl);
  });

  const newCount = grownPageCount(total, pageCount, targetPageBytes);
  if (newCount !== pageCount) {
    writers.clear();
    const newMask = newCount - 1;
    read((km, ko, kl, vm, vo, vl) => add(pageHashAt(km, ko, ko + kl) & newMask, newCount, km, ko, kl, vm, vo, vl));
    return { pageCount: newCount, repartitioned: true, rewrite: new Set(writers.keys()), writers, healed: [] };
  }
  const healed = pagesToHeal(counts, dirty, dir);
  if (healed.length > 0) {
    const h = new Set(healed);
    read((km, ko, kl, vm, vo, vl) => {
      const p = pageHashAt(km, ko, ko + kl) & mask;
      if (h.has(p)) add(p, pageCount, km, ko, kl, vm, vo, vl);
    });
  }
  return { pageCount, repartitioned: false, rewrite: new Set([...dirty, ...healed]), writers, healed };
}

/** planCheckpoint for a snapshot that encodes its own pages: measure, decide, encode. */
function planEncoded(
  snap: EncodingSnapshot,
  pageCount: number,
  dirty: Set<number>,
  dir: Map<number, { bytes: number; entries: number }>,
  targetPageBytes: number,
): Plan {
  let m = snap.measure(pageCount);
  try {
    let total = 0;
    for (let p = 0; p < pageCount; p++) total += m.bytes[p]!;
    const newCount = grownPageCount(total, pageCount, targetPageBytes);
    let rewrite: Set<number>;
    let healed: number[] = [];
    if (newCount !== pageCount) {
      const old = m;
      m = snap.measure(newCount);
      old.release();
      rewrite = new Set();
      for (let p = 0; p < newCount; p++) if (m.entries[p]! > 0) rewrite.add(p);
    } else {
      healed = pagesToHeal(m.entries, dirty, dir);
      rewrite = new Set([...dirty, ...healed]);
    }
    const ids = [...rewrite].filter((p) => m.entries[p]! > 0);
    const pages = m.encode(ids);
    const writers = new Map<number, PageOut>();
    ids.forEach((id, i) => writers.set(id, { entries: m.entries[id]!, finish: () => pages[i]! }));
    return { pageCount: newCount, repartitioned: newCount !== pageCount, rewrite, writers, healed };
  } finally {
    m.release();
  }
}

/**
 * Settles with `tx`: resolves on `complete`, rejects on `abort` with the transaction's error (a
 * failed request's error, QuotaExceededError, ...), or an AbortError when it has none.
 */
function settled(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'));
  });
}

function abortRaw(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    /* already finished */
  }
}
