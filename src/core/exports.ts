/**
 * The wasm module's exports, typed: the whole protocol between TypeScript and the engine in one
 * place. Conventions (see assembly/io.ts):
 *
 * - Inputs are written to scratch; an export takes their lengths. A single key is at scratch[0];
 *   a key and value are key then value, back to back.
 * - A *record list* in scratch or out is `n` records, each `[klen u32 LE][vlen u32 LE][key][value]`
 *   with no padding; a *key list* is `n` records `[klen u32 LE][key]`.
 * - Negative results are status codes (assembly/errors.ts, src/core/status.ts); -1 is "not found".
 */

/** Slot indexes of the u32 status block at `ioBase()`. */
export const IO = {
  SCRATCH_PTR: 0,
  SCRATCH_CAP: 1,
  OUT_PTR: 2,
  OUT_CAP: 3,
  /** Bytes the last call wrote to out. */
  OUT_LEN: 4,
  /** Address of a single zero-copy value result; valid until the next call. */
  RESULT_PTR: 5,
  /** Its length. */
  RESULT_LEN: 6,
  /** Scans: 1 when the call stopped at a limit and more entries remain. Table scans: next cursor. */
  MORE: 7,
  /** First of 8 slots `engineStats()` fills. */
  STAT0: 8,
} as const;

/** Range flags for `treeRange` / `treeSeek`. */
export const RANGE = {
  HAS_LOW: 1,
  LOW_EXCLUSIVE: 2,
  HAS_HIGH: 4,
  HIGH_EXCLUSIVE: 8,
  REVERSE: 16,
  /** Write records with vlen 0 and no value bytes. */
  KEYS_ONLY: 32,
} as const;

/** Everything `assembly/index.ts` exports. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  /** Address of the status block. */
  ioBase(): number;
  /** Grows scratch to at least n bytes (contents lost); returns its address. */
  ensureScratch(n: number): number;
  /** Shrinks out back to its default size after a large result. */
  trimOut(): void;
  /** Fills status slots STAT0.. with liveBytes (lo, hi), liveBlocks (lo, hi), allocatedBytes (lo, hi). */
  engineStats(): void;

  // Table: hash table of byte keys to byte values (assembly/hashtable.ts).
  /** New empty table; returns a handle or a negative status. */
  tableNew(): number;
  /** Frees a table and everything in it; 0 or BAD_HANDLE. */
  tableFree(h: number): number;
  /** key = scratch[0,klen), value = scratch[klen,klen+vlen). 1 inserted, 0 replaced. */
  tablePut(h: number, klen: number, vlen: number): number;
  /** Value length (RESULT_PTR/RESULT_LEN set) or -1. */
  tableGet(h: number, klen: number): number;
  /** 1 present, 0 absent. */
  tableHas(h: number, klen: number): number;
  /** 1 deleted, 0 absent. */
  tableDel(h: number, klen: number): number;
  /** Number of entries. */
  tableCount(h: number): number;
  /** One past the highest position ever handed out: every tableScan cursor lies below it. */
  tableCursorEnd(h: number): number;
  /** Removes every entry (memory returned to the allocator). */
  tableClear(h: number): number;
  /**
   * Writes a record list of up to maxEntries entries (and about maxBytes, at least one entry) to
   * out, starting at `cursor` (0 = start). Returns the count; MORE = next cursor, 0 when done.
   * Entries present for the whole iteration are returned exactly once; inserts/deletes between
   * calls are allowed.
   */
  tableScan(h: number, cursor: number, maxEntries: number, maxBytes: number): number;
  /** Scratch holds a record list of n entries in len bytes; validated whole, then applied. Returns new inserts. */
  tablePutMany(h: number, n: number, len: number): number;
  /** Scratch holds a key list; out gets n records `[vlen i32 (-1 = missing)][value]`. Returns hits. */
  tableGetMany(h: number, n: number, len: number): number;
  /** Scratch holds a key list; returns how many were deleted. */
  tableDelMany(h: number, n: number, len: number): number;

  // Tree: B+tree of byte keys in memcmp order (assembly/btree.ts).
  treeNew(): number;
  treeFree(h: number): number;
  /** 1 inserted, 0 replaced. */
  treePut(h: number, klen: number, vlen: number): number;
  /** Value length (RESULT_PTR/RESULT_LEN set) or -1. */
  treeGet(h: number, klen: number): number;
  treeHas(h: number, klen: number): number;
  treeDel(h: number, klen: number): number;
  treeCount(h: number): number;
  treeClear(h: number): number;
  /** Writes the first (flags REVERSE: last) entry as one record to out; 1, or -1 when empty. */
  treeEnd(h: number, flags: number): number;
  /**
   * Range scan. Scratch: low key [0,lowLen), high key [lowLen,lowLen+highLen); flags from RANGE.
   * Writes a record list of up to maxEntries entries (stopping after about maxBytes, at least one)
   * to out, in ascending order (descending with REVERSE). Returns the count; MORE = 1 if stopped at
   * a limit with entries left. Resume by making the last key returned the exclusive bound.
   */
  treeRange(h: number, lowLen: number, highLen: number, flags: number, maxEntries: number, maxBytes: number): number;
  /** Appends a record list sorted strictly ascending whose keys all exceed the current last key. Returns n. */
  treeBulkLoad(h: number, n: number, len: number): number;
  treePutMany(h: number, n: number, len: number): number;
  /**
   * treePutMany that writes to out the value list of what the records replaced, in list order
   * (a key put twice: its first record's value for the second). OUT_LEN covers the records
   * applied so far even if the call aborts.
   */
  treeSwapMany(h: number, n: number, len: number): number;
  treeGetMany(h: number, n: number, len: number): number;
  /** treeGetMany for the keys of a record list in scratch. */
  treeGetManyOfRecords(h: number, n: number, len: number): number;
  treeDelMany(h: number, n: number, len: number): number;
  /** Debug aid: 0 when every B+tree invariant (assembly/btree.ts) holds, else a negative code. */
  treeCheck(h: number): number;

  // Checkpoint page builder (assembly/pages.ts; the page format is src/persist/page.ts's).
  /** New builder of pageCount pages (a power of two up to 2^20); a handle or a negative status. */
  pagesNew(pageCount: number): number;
  /** Counts every entry of tree or table `s` into its page's entries and payload bytes; returns how many. */
  pagesMeasure(h: number, s: number): number;
  /** Scratch: one u32 per page, non-zero to reserve it at its measured size. Returns pages reserved. */
  pagesReserve(h: number): number;
  /** Copies the entries of the reserved pages from `s` (measured, and unchanged since); returns entries walked. */
  pagesCollect(h: number, s: number): number;
  /** Address of pageCount records [entries u32][payload bytes u32][buffer u32][collected u32]. */
  pagesInfo(h: number): number;
  /** Seals a reserved, fully collected page; returns its length (RESULT_PTR = its address). */
  pagesFinish(h: number, page: number): number;
  /** Frees the pages reserved so far, keeping the measured figures. */
  pagesDrop(h: number): number;
  /** Frees the builder and its pages. */
  pagesFree(h: number): number;
}
