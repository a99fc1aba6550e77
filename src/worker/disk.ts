/**
 * Disk: what the writer needs from persistence, and the two kinds it gets — the IndexedDB
 * DiskStore (src/persist) and a memory-only stand-in for `persist: false`.
 */
import { DiskStore, type Snapshot } from '../persist/disk-store.js';
import type { LarderError } from '../errors.js';
import type { KeyOp } from '../keyspace/write-batch.js';
import type { StoreOptions } from './protocol.js';

/** The persistence operations the writer uses. */
export interface Disk {
  /**
   * Makes one group of ops durable; resolves after the IndexedDB transaction completed. The ops
   * are built by calling `ops` (a memory-only store never needs them).
   */
  append(ops: () => KeyOp[]): Promise<void>;
  /** True when the WAL has grown past the checkpoint threshold (with `pendingBytes`: once that much more is appended). */
  needsCheckpoint(pendingBytes?: number): boolean;
  /**
   * Makes one group of ops durable by a checkpoint of `snapshot` (which includes them) instead of
   * a WAL record; resolves with null, or with the checkpoint's error if it fell back to the WAL.
   */
  commitByCheckpoint(ops: () => KeyOp[], snapshot: () => Snapshot): Promise<LarderError | null>;
  /** Rewrites dirty pages from `snapshot` and drops the covered WAL, in one transaction. */
  checkpoint(snapshot: () => Snapshot): Promise<unknown>;
  /** WAL and page statistics. */
  info(): unknown;
  /** Closes the database. */
  close(): Promise<void>;
}

/** Disk for `persist: false`: everything succeeds at once and nothing survives. */
class MemoryDisk implements Disk {
  async append(): Promise<void> {}
  needsCheckpoint(): boolean {
    return false;
  }
  async checkpoint(): Promise<void> {}
  async commitByCheckpoint(): Promise<null> {
    return null;
  }
  info(): unknown {
    return { persist: false };
  }
  async close(): Promise<void> {}
}

/** Opens the store's disk and returns it with the recovered entries. */
export async function openDisk(name: string, options: StoreOptions): Promise<{ disk: Disk; entries: Array<[Uint8Array, Uint8Array]>; report: unknown }> {
  if (options.persist === false) return { disk: new MemoryDisk(), entries: [], report: null };
  const { disk, entries, report } = await DiskStore.open(name, {
    passphrase: options.passphrase,
    repair: options.repair,
    durability: options.durability,
    indexedDB: options.indexedDB,
    checkpointBytes: options.checkpointBytes,
    pbkdf2Iterations: options.pbkdf2Iterations,
  });
  return { disk, entries, report };
}

/** Deletes the store's data. */
export async function destroyDisk(name: string, options: StoreOptions): Promise<void> {
  if (options.persist === false) return;
  await DiskStore.destroy(name, { indexedDB: options.indexedDB });
}
