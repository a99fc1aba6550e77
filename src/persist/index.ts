/**
 * src/persist: IndexedDB persistence of the byte keyspace — WAL with group commit, checkpoint
 * pages, recovery and repair, optional encryption at rest. It sees only byte keys and values.
 *
 * Files, one concept each:
 * - crc32.ts       CRC-32C, slicing-by-8.
 * - bytes.ts       varints, u32/u53 fields, a bounds-checked reader.
 * - wal-record.ts  one WAL record = one atomic write batch (binary, checksummed).
 * - page.ts        one checkpoint page = all entries hashing to it; the fixed page hash.
 * - crypto.ts      PBKDF2 -> AES-GCM 256, seal/open, passphrase verifier.
 * - db.ts          the IndexedDB schema, open/delete via idb, meta records, DOM error mapping.
 * - recovery.ts    pages + WAL tail -> live entries; repair.
 * - disk-store.ts  DiskStore: the class the worker uses; the on-disk invariants are at its top.
 *
 * Decisions worth knowing (and why):
 * - One WAL record per batch even under group commit: a damaged record then costs exactly one
 *   batch, and "one batch = one record" keeps recovery trivially atomic.
 * - Sequence numbers are assigned when a transaction is built and reused after a failed one, so
 *   the WAL on disk is always gap-free and a gap is detectable damage.
 * - Pages are located by a fixed hash with a power-of-two count, so doubling the count (when the
 *   average page passes ~1 MiB) splits pages cleanly; the page count never shrinks.
 * - The page directory (ids, sizes, entry counts) lives in meta, so a missing page is detected and
 *   info() needs no reads. It is plaintext even when encrypted: it reveals sizes, never bytes.
 * - In Node, idb needs the IDB globals: import "fake-indexeddb/auto" before opening a store.
 */

export { DiskStore } from './disk-store.js';
export type { CheckpointResult, DiskInfo, DiskStoreOptions } from './disk-store.js';
export type { DroppedWalRecord, LostPage, RecoveryReport } from './recovery.js';
export { encodeBatch, decodeBatch, type WalOp, type WalBatch } from './wal-record.js';
export { encodePage, decodePage, pageOf, pageHash, type Page } from './page.js';
export { crc32c } from './crc32.js';
export { deriveKey, seal, open, DEFAULT_ITERATIONS } from './crypto.js';
