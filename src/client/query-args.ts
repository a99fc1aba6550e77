/**
 * Preparing query arguments on the page: RegExp literals (`{ name: /^a/i }`) become
 * `{ $regex, $options }` (a RegExp cannot cross to the worker), and a function anywhere in a
 * filter, update or pipeline is refused with BAD_QUERY at once: nothing is ever evaluated as code.
 */
import { LarderError } from '../errors.js';

const MAX_DEPTH = 200;

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Returns `v` with RegExps replaced; throws BAD_QUERY on a function. Other values pass unchanged. */
export function queryArg(v: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  if (typeof v === 'function') throw new LarderError('BAD_QUERY', 'functions are not allowed in queries, updates or pipelines: nothing is evaluated as code');
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof RegExp) {
    const options = v.flags.replace(/[^imsx]/g, '');
    return options ? { $regex: v.source, $options: options } : { $regex: v.source };
  }
  // Cycles and absurd depth are left as they are: the value codec reports them (BAD_VALUE).
  if (depth > MAX_DEPTH || seen.has(v)) return v;
  if (Array.isArray(v)) {
    seen.add(v);
    const out = v.map((x) => queryArg(x, depth + 1, seen));
    seen.delete(v);
    return out;
  }
  if (!isPlain(v)) return v;
  seen.add(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = queryArg((v as Record<string, unknown>)[k], depth + 1, seen);
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
    else out[k] = x;
  }
  seen.delete(v);
  return out;
}
