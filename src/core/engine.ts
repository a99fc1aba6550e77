/**
 * Engine: one instance of the WebAssembly core and the byte plumbing every binding shares.
 *
 * The same `.wasm` loads in Node (tests, benchmarks) and in a browser worker. JavaScript talks to
 * it through two regions of linear memory (see assembly/io.ts): it writes inputs into *scratch*
 * and reads multi-entry results from *out*; single values come back zero-copy through the status
 * block. Linear memory can grow during any call, which detaches old views of `memory.buffer`, so
 * every read goes through `view()`, which re-creates the views when the buffer changed.
 */
import { LarderError } from '../errors.js';
import type { EngineExports } from './exports.js';
import { IO } from './exports.js';
import { throwStatus } from './status.js';

/** Where the engine's wasm comes from: bytes, a compiled module, or a URL to fetch/read. */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

const defaultWasmUrl = (): URL => new URL('../../build/larder.wasm', import.meta.url);

let defaultModule: Promise<WebAssembly.Module> | undefined;

async function readSource(source: URL | string): Promise<ArrayBuffer | Uint8Array> {
  const url = typeof source === 'string' ? new URL(source, import.meta.url) : source;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode && url.protocol === 'file:') {
    // A variable specifier keeps bundlers from trying to resolve a Node module for the browser.
    const fsName = 'node:fs/promises';
    const urlName = 'node:url';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
    return fs.readFile(fileURLToPath(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new LarderError('INTERNAL', `could not load the engine from ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function compile(source: WasmSource | undefined): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source === undefined) {
    defaultModule ??= readSource(defaultWasmUrl()).then((b) => WebAssembly.compile(b as BufferSource));
    return defaultModule;
  }
  if (typeof source === 'string' || source instanceof URL) return WebAssembly.compile((await readSource(source)) as BufferSource);
  return WebAssembly.compile(source);
}

/** Loads a fresh engine instance (its own linear memory). */
export async function loadEngine(source?: WasmSource): Promise<Engine> {
  const module = await compile(source);
  let engine: Engine | undefined;
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        // Only reached when linear memory cannot grow (or a debug-build invariant fails).
        throw new LarderError('QUOTA_EXCEEDED', `engine aborted at ${line}:${col}: out of memory or a broken invariant${engine ? ` (memory ${engine.memoryBytes} bytes)` : ''}`);
      },
    },
  });
  engine = new Engine(instance.exports as unknown as EngineExports);
  return engine;
}

/** One wasm instance: its exports and fresh views of its memory. */
export class Engine {
  /** The raw exports; bindings call these. */
  readonly x: EngineExports;
  private buffer: ArrayBuffer;
  private _u8: Uint8Array;
  private _dv: DataView;
  private _io: Uint32Array;
  private readonly ioBase: number;

  /** Wraps an instantiated module; prefer `loadEngine`. */
  constructor(x: EngineExports) {
    this.x = x;
    this.ioBase = x.ioBase();
    this.buffer = x.memory.buffer;
    this._u8 = new Uint8Array(this.buffer);
    this._dv = new DataView(this.buffer);
    this._io = new Uint32Array(this.buffer, this.ioBase, 16);
  }

  /** Re-creates views when linear memory grew (its buffer was replaced). */
  private refresh(): void {
    const b = this.x.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this._u8 = new Uint8Array(b);
      this._dv = new DataView(b);
      this._io = new Uint32Array(b, this.ioBase, 16);
    }
  }

  /** Byte view of all linear memory, current as of now. */
  get u8(): Uint8Array {
    this.refresh();
    return this._u8;
  }

  /** DataView of all linear memory, current as of now. */
  get dv(): DataView {
    this.refresh();
    return this._dv;
  }

  /** The status block (see assembly/io.ts), current as of now. */
  get io(): Uint32Array {
    this.refresh();
    return this._io;
  }

  /** Makes scratch at least `n` bytes and returns its address. May grow memory. */
  scratch(n: number): number {
    if (n <= this.io[IO.SCRATCH_CAP]) return this._io[IO.SCRATCH_PTR];
    const p = this.x.ensureScratch(n);
    this.refresh();
    return p;
  }

  /** Copies `bytes` into scratch at `offset` (scratch must already be large enough). */
  put(bytes: Uint8Array, offset: number): void {
    this.u8.set(bytes, this._io[IO.SCRATCH_PTR] + offset);
  }

  /** Address of the out region (valid until the next call that can grow memory). */
  get outPtr(): number {
    return this.io[IO.OUT_PTR];
  }

  /** Copies `len` bytes at address `ptr` out of linear memory. */
  copy(ptr: number, len: number): Uint8Array {
    return this.u8.slice(ptr, ptr + len);
  }

  /** Returns `status` when non-negative; otherwise throws the LarderError it stands for. */
  check(status: number, what: string): number {
    if (status < 0 && status !== -1) throwStatus(status, what);
    return status;
  }

  /** Total linear memory in bytes. */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Allocator statistics: bytes live, blocks live, bytes allocated over the lifetime, memory. */
  stats(): EngineStats {
    this.x.engineStats();
    const io = this.io;
    return {
      liveBytes: io[IO.STAT0] + io[IO.STAT0 + 1] * 2 ** 32,
      liveBlocks: io[IO.STAT0 + 2] + io[IO.STAT0 + 3] * 2 ** 32,
      allocatedBytes: io[IO.STAT0 + 4] + io[IO.STAT0 + 5] * 2 ** 32,
      memoryBytes: this.memoryBytes,
    };
  }
}

/** What `Engine.stats()` reports. */
export interface EngineStats {
  /** Bytes requested by live allocations (structures, entries, scratch and out regions). */
  liveBytes: number;
  /** Live allocations. */
  liveBlocks: number;
  /** Bytes requested over the engine's lifetime. */
  allocatedBytes: number;
  /** Size of linear memory (never shrinks). */
  memoryBytes: number;
}
