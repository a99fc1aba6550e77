/**
 * The Cypher lexer: source text -> tokens with line:column positions.
 *
 * Keywords are not a token kind: they are identifiers compared case-insensitively by the parser,
 * so `count`, `type` or `end` stay usable as names where the grammar allows. A backquoted name
 * (`` `weird name` ``) is an identifier that is never a keyword. Strings take '…' or "…" with
 * the usual backslash escapes (\n \t \\ \' \" \uXXXX). Numbers: integers, decimals, exponents,
 * hex (0x…). Comments: // to end of line and /* … *\/.
 */
import { LarderError } from '../../../errors.js';

/** Kinds of token. */
export type TokenKind = 'ident' | 'string' | 'number' | 'param' | 'punct' | 'eof';

/** One token. `value` is the identifier/punctuation text, the decoded string or the number. */
export interface Token {
  kind: TokenKind;
  value: string | number;
  /** True for a backquoted identifier (never a keyword). */
  quoted?: boolean;
  /** Offset in the source, and the 1-based line and column of the first character. */
  pos: number;
  line: number;
  col: number;
  /** Offset just past the token. */
  end: number;
}

// Longest first, so '<=' wins over '<' and '..' over '.'.
const PUNCT = ['<>', '<=', '>=', '->', '<-', '..', '+=', '=~', '(', ')', '[', ']', '{', '}', ',', '.', ':', '|', '-', '+', '*', '/', '%', '^', '=', '<', '>', ';', '$'];

/** Throws LarderError('SYNTAX') with the position and what was expected. */
export function syntaxError(src: string, pos: number, message: string, expected?: string): never {
  const { line, col } = lineCol(src, pos);
  const near = src.slice(pos, pos + 20).split('\n')[0];
  const text = `${message} at ${line}:${col}${near ? ` (near "${near}")` : ' (end of input)'}`;
  throw new LarderError('SYNTAX', text, { line, column: col, offset: pos, expected });
}

/** 1-based line and column of an offset. */
export function lineCol(src: string, pos: number): { line: number; col: number } {
  let line = 1, last = -1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) { line++; last = i; }
  return { line, col: pos - last };
}

function isIdentStart(c: string): boolean {
  return /[A-Za-z_\u00C0-\uFFFF]/.test(c);
}

function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_\u00C0-\uFFFF]/.test(c);
}

/** Splits `src` into tokens (the last one is 'eof'). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1, lineStart = 0;
  const n = src.length;
  const push = (kind: TokenKind, value: string | number, start: number, startLine: number, startCol: number, quoted?: boolean) => {
    out.push({ kind, value, pos: start, line: startLine, col: startCol, end: i, ...(quoted ? { quoted } : {}) });
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') { i++; line++; lineStart = i; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0') { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < n && src[i] !== '\n') i++; continue; }
    if (c === '/' && src[i + 1] === '*') {
      const start = i;
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) { if (src[i] === '\n') { line++; lineStart = i + 1; } i++; }
      if (i >= n) syntaxError(src, start, 'Unterminated comment', '*/');
      i += 2;
      continue;
    }
    const start = i, sl = line, sc = i - lineStart + 1;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src[i])) i++;
      push('ident', src.slice(start, i), start, sl, sc);
      continue;
    }
    if (c === '`') {
      i++;
      let s = '';
      for (;;) {
        if (i >= n) syntaxError(src, start, 'Unterminated quoted name', '`');
        if (src[i] === '`') { if (src[i + 1] === '`') { s += '`'; i += 2; continue; } i++; break; }
        if (src[i] === '\n') { line++; lineStart = i + 1; }
        s += src[i++];
      }
      if (s === '') syntaxError(src, start, 'Empty quoted name', 'a name');
      push('ident', s, start, sl, sc, true);
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let s = '';
      for (;;) {
        if (i >= n) syntaxError(src, start, 'Unterminated string', c);
        const d = src[i];
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '\\': '\\', "'": "'", '"': '"', '`': '`' };
          if (e !== undefined && e in map) { s += map[e]; i += 2; continue; }
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) { s += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16)); i += 6; continue; }
          syntaxError(src, i, 'Invalid escape sequence in string', 'one of \\n \\t \\r \\b \\f \\\\ \\\' \\" \\uXXXX');
        }
        if (d === '\n') { line++; lineStart = i + 1; }
        s += d;
        i++;
      }
      push('string', s, start, sl, sc);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? '') && !(out.length && out[out.length - 1].value === '.' ))) {
      if (c === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
        i += 2;
        while (i < n && /[0-9a-fA-F]/.test(src[i])) i++;
        push('number', parseInt(src.slice(start + 2, i), 16), start, sl, sc);
      } else {
        while (i < n && /[0-9]/.test(src[i])) i++;
        // A '.' followed by a digit is a fraction; '..' is a range (1..3).
        if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) { i++; while (i < n && /[0-9]/.test(src[i])) i++; }
        if ((src[i] === 'e' || src[i] === 'E') && /[-+0-9]/.test(src[i + 1] ?? '')) {
          i++;
          if (src[i] === '-' || src[i] === '+') i++;
          if (!/[0-9]/.test(src[i] ?? '')) syntaxError(src, i, 'Invalid number', 'an exponent');
          while (i < n && /[0-9]/.test(src[i])) i++;
        }
        push('number', Number(src.slice(start, i)), start, sl, sc);
      }
      if (i < n && isIdentStart(src[i])) syntaxError(src, start, 'Invalid number', 'a number');
      continue;
    }
    if (c === '$') {
      i++;
      if (src[i] === '`') {
        const t = tokenize(src.slice(i)).find(() => true)!;
        i += t.end;
        push('param', String(t.value), start, sl, sc);
        continue;
      }
      const s = i;
      while (i < n && isIdentPart(src[i])) i++;
      if (i === s) syntaxError(src, start, 'Invalid parameter', 'a parameter name after $');
      push('param', src.slice(s, i), start, sl, sc);
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) syntaxError(src, i, `Unexpected character ${JSON.stringify(c)}`, 'a token');
    i += p.length;
    push('punct', p, start, sl, sc);
  }
  out.push({ kind: 'eof', value: '', pos: n, line, col: n - lineStart + 1, end: n });
  return out;
}
