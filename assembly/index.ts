/**
 * The engine's exports. The protocol (scratch/out regions, record lists, status codes) is
 * documented once, in src/core/exports.ts; this file only gathers the exports.
 */
import { IO, initIO, ensureScratch as ensureScratchRegion, trimOut as trimOutRegion } from "./io";
import { liveBytes, liveBlocks, allocatedBytes } from "./memory";

initIO();

/** Address of the status block. */
export function ioBase(): usize {
  return IO;
}

/** Grows scratch to at least n bytes; returns its address. */
export function ensureScratch(n: u32): usize {
  return ensureScratchRegion(n);
}

/** Shrinks out back to its default size. */
export function trimOut(): void {
  trimOutRegion();
}

/** Fills status slots 8..13 with liveBytes, liveBlocks and allocatedBytes (each lo, hi). */
export function engineStats(): void {
  store<u64>(IO + 32, liveBytes);
  store<u64>(IO + 40, liveBlocks);
  store<u64>(IO + 48, allocatedBytes);
}

export {
  tableNew, tableFree, tablePut, tableGet, tableHas, tableDel, tableCount, tableCursorEnd, tableClear,
  tableScan, tablePutMany, tableGetMany, tableDelMany,
} from "./hashtable";

export {
  treeNew, treeFree, treePut, treeGet, treeHas, treeDel, treeCount, treeClear, treeEnd,
  treeRange, treeBulkLoad, treePutMany, treeSwapMany, treeGetMany, treeGetManyOfRecords, treeDelMany, treeCheck,
} from "./btree";

export { pagesNew, pagesMeasure, pagesReserve, pagesCollect, pagesInfo, pagesFinish, pagesDrop, pagesFree } from "./pages";
