/**
 * Disk: what the writer needs from persistence, and the two kinds it gets — the IndexedDB
 * DiskStore (src/persist) and a memory-only stand-in for `persist: false`.
 */
import { DiskStore, type EncodingSnapshot, type Snapshot } from '../persist/disk-store.js';
import type { LarderError } from '../errors.js';
import type { Engine } from '../core/engine.js';
import type { RecordList } from '../core/records.js';
import { PageBuilder, type PageSourceStructure } from '../core/pages.js';
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

/** Opens the store's disk and returns it with the recovered entries, as one record list. */
export async function openDisk(name: string, options: StoreOptions): Promise<{ disk: Disk; records: RecordList; report: unknown }> {
  if (options.persist === false) return { disk: new MemoryDisk(), records: { bytes: new Uint8Array(0), count: 0 }, report: null };
  const { disk, records, report } = await DiskStore.open(name, {
    passphrase: options.passphrase,
    repair: options.repair,
    durability: options.durability,
    indexedDB: options.indexedDB,
    checkpointBytes: options.checkpointBytes,
    pbkdf2Iterations: options.pbkdf2Iterations,
  });
  return { disk, records, report };
}

/** Deletes the store's data. */
export async function destroyDisk(name: string, options: StoreOptions): Promise<void> {
  if (options.persist === false) return;
  await DiskStore.destroy(name, { indexedDB: options.indexedDB });
}

/** Most page bytes an engine snapshot builds in engine memory at once. */
const ENCODE_GROUP_BYTES = 64 * 1024 * 1024;

/**
 * A checkpoint snapshot of `structures` (the keyspace's: Keyspace.structures()), which hold
 * every live entry of the store and must not change while the checkpoint reads it (one
 * synchronous step): the engine measures and encodes the pages over its own memory
 * (core/pages.ts), and only the finished pages are copied out. `groupBytes` bounds the page bytes
 * held in engine memory at once.
 */
export function engineSnapshot(engine: Engine, structures: readonly PageSourceStructure[], groupBytes = ENCODE_GROUP_BYTES): EncodingSnapshot {
  const each = (f: (s: PageSourceStructure) => void): void => structures.forEach(f);
  return {
    measure(pageCount) {
      const b = PageBuilder.create(engine, pageCount);
      try {
        each((s) => b.measure(s));
        const { entries, bytes } = b.measured();
        return {
          entries,
          bytes,
          encode(ids) {
            // In groups of about groupBytes, so a big checkpoint never holds all its pages
            // in engine memory at once (linear memory never shrinks); one more walk per group.
            const out: Uint8Array[] = [];
            for (let i = 0; i < ids.length; ) {
              let j = i;
              for (let sum = 0; j < ids.length && (j === i || sum + bytes[ids[j]!]! <= groupBytes); j++) sum += bytes[ids[j]!]!;
              const group = ids.slice(i, j);
              b.reserve(group);
              each((s) => b.collect(s));
              for (const id of group) out.push(b.finish(id));
              b.drop();
              i = j;
            }
            return out;
          },
          release: () => b.free(),
        };
      } catch (e) {
        b.free();
        throw e;
      }
    },
  };
}
