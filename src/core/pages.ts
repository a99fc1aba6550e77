/**
 * PageBuilder: checkpoint pages encoded by the engine (assembly/pages.ts) straight from the
 * memory of its trees and tables, in the page format of src/persist/page.ts (header, page hash,
 * CRC-32C: the same bytes its PageWriter writes for the same entries in the same order). No entry
 * crosses into JavaScript; each finished page is copied out once.
 *
 * Use: `measure` each structure (every page's entry count and payload bytes), pick the pages to write from `measured()`, `reserve` them, `collect` the same
 * structures in the same order, `finish` each reserved page, `free` (or `drop` the pages and
 * reserve others). The structures must not
 * change from the first measure to the last collect (one synchronous step); a page that no longer
 * fits fails with INTERNAL.
 */
import { LarderError } from '../errors.js';
import type { Engine } from './engine.js';
import { IO } from './exports.js';
import { STATUS } from './status.js';
import type { Table } from './table.js';
import type { Tree } from './tree.js';

/** What a page builder reads entries from. */
export type PageSourceStructure = Tree | Table;

/** Measured figures per page: entry counts and encoded payload bytes (header excluded). */
export interface PageFigures {
  entries: Uint32Array;
  bytes: Uint32Array;
}

/** A set of pages being built in an engine; free() it when done (its pages live in engine memory). */
export class PageBuilder {
  private h: number;

  private constructor(
    private readonly engine: Engine,
    handle: number,
    /** The page count the entries are partitioned by. */
    readonly pageCount: number,
  ) {
    this.h = handle;
  }

  /** A builder partitioning by `pageCount` pages (a power of two, 1 to 2^20). */
  static create(engine: Engine, pageCount: number): PageBuilder {
    return new PageBuilder(engine, engine.check(engine.x.pagesNew(pageCount), 'PageBuilder.create'), pageCount);
  }

  private handle(what: string): number {
    if (this.h === 0) throw new LarderError('CLOSED', `${what}: the page builder was freed`);
    return this.h;
  }

  /** Counts every entry of `s` into the measured figures; returns how many. */
  measure(s: PageSourceStructure): number {
    const what = 'PageBuilder.measure';
    return this.engine.check(this.engine.x.pagesMeasure(this.handle(what), s.handle(what)), what);
  }

  /** A copy of the figures measured so far. */
  measured(): PageFigures {
    const at = this.engine.check(this.engine.x.pagesInfo(this.handle('PageBuilder.measured')), 'PageBuilder.measured');
    const recs = new Uint32Array(this.engine.u8.buffer, at, this.pageCount * 4);
    const entries = new Uint32Array(this.pageCount);
    const bytes = new Uint32Array(this.pageCount);
    for (let p = 0; p < this.pageCount; p++) {
      entries[p] = recs[p * 4]!;
      bytes[p] = recs[p * 4 + 1]!;
    }
    return { entries, bytes };
  }

  /** Reserves pages `ids` (those with entries) at their measured size, to be collected. */
  reserve(ids: Iterable<number>): void {
    const what = 'PageBuilder.reserve';
    const h = this.handle(what);
    const e = this.engine;
    const at = e.scratch(this.pageCount * 4);
    const flags = new Uint32Array(e.u8.buffer, at, this.pageCount);
    flags.fill(0);
    for (const id of ids) {
      if (!(id >= 0 && id < this.pageCount)) throw new LarderError('BAD_VALUE', `${what}: page ${id} out of range`);
      flags[id] = 1;
    }
    e.check(e.x.pagesReserve(h), what);
  }

  /** Copies the entries of the reserved pages from `s`, measured before and unchanged since. */
  collect(s: PageSourceStructure): void {
    const what = 'PageBuilder.collect';
    const r = this.engine.x.pagesCollect(this.handle(what), s.handle(what));
    if (r === STATUS.BAD_INPUT) throw new LarderError('INTERNAL', `${what}: the entries changed since they were measured`);
    this.engine.check(r, what);
  }

  /** Page `id`, sealed: a copy of its bytes. It must be reserved and collected from every structure. */
  finish(id: number): Uint8Array {
    const what = 'PageBuilder.finish';
    const e = this.engine;
    const n = e.x.pagesFinish(this.handle(what), id);
    if (n < 0) {
      if (n === STATUS.BAD_INPUT) throw new LarderError('INTERNAL', `${what}: page ${id} was not reserved, or not collected whole`);
      e.check(n, what);
    }
    return e.copy(e.io[IO.RESULT_PTR]!, n);
  }

  /** Frees the pages reserved so far (finished or not), keeping the measured figures: reserve() may pick others next. */
  drop(): void {
    this.engine.check(this.engine.x.pagesDrop(this.handle('PageBuilder.drop')), 'PageBuilder.drop');
  }

  /** Frees the builder and its pages. Calling it again does nothing. */
  free(): void {
    if (this.h === 0) return;
    const h = this.h;
    this.h = 0;
    this.engine.check(this.engine.x.pagesFree(h), 'PageBuilder.free');
  }
}
