/**
 * A small, safe parser for the MongoDB-shell-flavoured JSON people type into query boxes: JSON,
 * plus what JSON5 allows that matters here (unquoted keys, 'single quotes', trailing commas,
 * comments, +/-Infinity, NaN, hex numbers) and a few shell helpers: `ObjectId("…")`,
 * `ISODate("…")` / `new Date(…)` and `/regex/flags` literals. It builds values directly; nothing
 * is ever evaluated as code (the page runs under a CSP that forbids eval anyway).
 */
import { ObjectId } from '../../src/index.js';

/** A parse error with the position where it happened. */
export class ParseError extends Error {
  constructor(message: string, readonly pos: number) {
    super(`${message} at position ${pos}`);
  }
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$.]/; // dots: `address.city` is a common unquoted Mongo key

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new ParseError(msg, this.i);
  }

  ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) return;
      if (/\s/.test(c)) this.i++;
      else if (c === '/' && this.s[this.i + 1] === '/') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else if (c === '/' && this.s[this.i + 1] === '*') {
        const end = this.s.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('unterminated comment');
        this.i = end + 2;
      } else return;
    }
  }

  /** The whole input as one value. */
  document(): unknown {
    this.ws();
    if (this.i >= this.s.length) this.fail('empty input');
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected "${this.s[this.i]}"`);
    return v;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.string();
    if (c === '/') return this.regex();
    if (c === '-' || c === '+' || c === '.' || (c !== undefined && /[0-9]/.test(c))) return this.number();
    if (c !== undefined && IDENT_START.test(c)) return this.word();
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected "${c}"`);
  }

  object(): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.key();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected ":" after a key');
      this.i++;
      const v = this.value();
      // defineProperty: a key named __proto__ must stay data, not change the object's prototype.
      Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail('expected "," or "}"');
    }
  }

  key(): string {
    const c = this.s[this.i];
    if (c === '"' || c === "'") return this.string();
    if (c !== undefined && (IDENT_START.test(c) || /[0-9]/.test(c))) {
      const start = this.i;
      while (this.i < this.s.length && IDENT_PART.test(this.s[this.i]!)) this.i++;
      return this.s.slice(start, this.i);
    }
    return this.fail('expected a key');
  }

  array(): unknown[] {
    this.i++; // [
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== ']') this.fail('expected "," or "]"');
    }
  }

  string(): string {
    const q = this.s[this.i++];
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === q) return out;
      if (c === '\n') this.fail('newline in a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === 'u') {
        const hex = this.s.slice(this.i, this.i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 4;
      } else if (e === 'x') {
        const hex = this.s.slice(this.i, this.i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 2;
      } else if (e === '\n') {
        // JSON5 line continuation
      } else {
        const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };
        if (e === undefined) this.fail('unterminated string');
        out += map[e] ?? e;
      }
    }
  }

  number(): number {
    const rest = this.s.slice(this.i);
    const m = /^[+-]?(?:0[xX][0-9a-fA-F]+|Infinity|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest);
    if (!m) this.fail('bad number');
    this.i += m[0].length;
    const t = m[0];
    const sign = t.startsWith('-') ? -1 : 1;
    const body = t.replace(/^[+-]/, '');
    if (body === 'Infinity') return sign * Infinity;
    if (body === 'NaN') return NaN;
    if (/^0[xX]/.test(body)) return sign * parseInt(body.slice(2), 16);
    return Number(t);
  }

  regex(): RegExp {
    const start = this.i;
    this.i++;
    let body = '';
    let inClass = false;
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined || c === '\n') {
        this.i = start;
        this.fail('unterminated regular expression');
      }
      if (c === '\\') {
        body += c + (this.s[this.i++] ?? '');
        continue;
      }
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      body += c;
    }
    const flagsStart = this.i;
    while (this.i < this.s.length && /[a-z]/.test(this.s[this.i]!)) this.i++;
    try {
      return new RegExp(body, this.s.slice(flagsStart, this.i));
    } catch (e) {
      return this.fail(`bad regular expression (${(e as Error).message})`);
    }
  }

  word(): unknown {
    const start = this.i;
    while (this.i < this.s.length && /[A-Za-z0-9_$]/.test(this.s[this.i]!)) this.i++;
    const w = this.s.slice(start, this.i);
    switch (w) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'undefined':
        return null;
      case 'Infinity':
        return Infinity;
      case 'NaN':
        return NaN;
      case 'new':
        this.ws();
        return this.word();
      case 'ObjectId': {
        const arg = this.callArg();
        if (typeof arg !== 'string' || !/^[0-9a-fA-F]{24}$/.test(arg)) this.fail('ObjectId takes a 24-digit hex string');
        return new ObjectId(arg);
      }
      case 'ISODate':
      case 'Date': {
        const arg = this.callArg();
        const d = arg === undefined ? new Date() : new Date(arg as string | number);
        if (Number.isNaN(d.getTime())) this.fail('invalid date');
        return d;
      }
    }
    this.i = start;
    return this.fail(`unknown word "${w}" (strings need quotes)`);
  }

  /** `( value? )` after a helper's name. */
  callArg(): unknown {
    this.ws();
    if (this.s[this.i] !== '(') this.fail('expected "("');
    this.i++;
    this.ws();
    if (this.s[this.i] === ')') {
      this.i++;
      return undefined;
    }
    const v = this.value();
    this.ws();
    if (this.s[this.i] !== ')') this.fail('expected ")"');
    this.i++;
    return v;
  }
}

/** Parses relaxed JSON (see the module comment). Throws ParseError with a position. */
export function parseRelaxed(text: string): unknown {
  return new Parser(text).document();
}

/** Parses `text`, or returns `fallback` when it is blank. */
export function parseOr<T>(text: string, fallback: T): unknown {
  return text.trim() === '' ? fallback : parseRelaxed(text);
}
