/**
 * Shows stored values as a MongoDB shell would write them: compact, one line, with the types
 * JSON loses (ObjectId, dates, bytes, bigint) spelled out, so what is on screen can be pasted
 * back into a query box.
 */
import { ObjectId } from '../../src/index.js';

/** One-line text for any stored value; long output is cut at `max` characters. */
export function show(v: unknown, max = 200): string {
  const s = write(v, 0);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Multi-line text (two-space indent) for documents shown whole, like explain() output. */
export function showPretty(v: unknown, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => typeof x !== 'object' || x === null)) return write(v, 0);
    return `[\n${v.map((x) => `${indent}  ${showPretty(x, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  }
  if (isPlain(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${indent}  ${key(k)}: ${showPretty(v[k], `${indent}  `)}`).join(',\n')}\n${indent}}`;
  }
  return write(v, 0);
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function key(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k);
}

function write(v: unknown, depth: number): string {
  if (depth > 20) return '…';
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof ObjectId) return `ObjectId("${v.toHexString()}")`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `ISODate("${v.toISOString()}")`;
  if (v instanceof Uint8Array) return `Bytes(${v.length})`;
  if (v instanceof Error) return `Error(${JSON.stringify(v.message)})`;
  if (Array.isArray(v)) return `[${v.map((x) => write(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, x]) => `${key(k)}: ${write(x, depth + 1)}`).join(', ')} }`;
  }
  return String(v);
}

/** A human size: 1.2 MB. */
export function bytes(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let x = n;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${u === 0 ? x : x.toFixed(1)} ${units[u]}`;
}

/** An error's text, with the LarderError code when there is one. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.startsWith(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
