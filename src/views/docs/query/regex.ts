/**
 * $regex: MongoDB's PCRE patterns mapped onto JS RegExp (close enough for the common syntax), and
 * the literal prefix an anchored pattern gives the planner (`^abc` scans the index range of strings
 * starting with "abc").
 */
import { LarderError } from '../../../errors.js';
import { isPlainObject, own } from '../util.js';

/** A compiled regex plus what the planner needs. */
export interface RegexSpec {
  re: RegExp;
  source: string;
  options: string;
}

/** Compiles a pattern and MongoDB options (i, m, s, x). */
export function compileRegex(source: unknown, options: unknown = ''): RegexSpec {
  if (isRegexObject(source)) {
    // `{ $regex: /a/i }`: the client sends the RegExp as `{ $regex, $options }`. MongoDB takes its
    // flags, or $options when it has none, and refuses both (expression_parser.cpp, code 51075).
    const inner = source.$options ?? '';
    if (inner !== '' && options !== '') throw new LarderError('BAD_QUERY', 'options set in both $regex and $options', { code: 51075 });
    return compileRegex(source.$regex, inner !== '' ? inner : options);
  }
  if (typeof source !== 'string') throw new LarderError('BAD_QUERY', '$regex has to be a string');
  if (typeof options !== 'string') throw new LarderError('BAD_QUERY', '$options has to be a string');
  let flags = '';
  let pattern = source;
  for (const o of options) {
    if (o === 'i' || o === 'm' || o === 's') {
      if (!flags.includes(o)) flags += o;
    } else if (o === 'x') {
      // Extended: whitespace and #-comments outside character classes are ignored.
      pattern = stripExtended(pattern);
    } else if (o !== 'u') {
      throw new LarderError('BAD_QUERY', `invalid flag in regex options: ${o}`);
    }
  }
  try {
    return { re: new RegExp(pattern, flags), source, options };
  } catch (e) {
    throw new LarderError('BAD_QUERY', `invalid regular expression /${source}/: ${(e as Error).message}`);
  }
}

function stripExtended(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      out += c + (p[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

/** True for `{ $regex, $options? }`, the form the client sends RegExp literals in. */
export function isRegexObject(v: unknown): v is { $regex: string; $options?: string } {
  if (!isPlainObject(v) || typeof own(v, '$regex') !== 'string') return false;
  const keys = Object.keys(v);
  return keys.every((k) => k === '$regex' || k === '$options');
}

/**
 * The literal prefix of a `^`-anchored pattern without the i/m/x options, or undefined. Stops at
 * the first metacharacter; a quantifier makes the last literal optional, so it is dropped. A
 * pattern with an alternative outside any group (`^a|b`) has none: `^` anchors only the first.
 * Never ends in half a surrogate pair.
 */
export function literalPrefix(spec: RegexSpec): string | undefined {
  if (/[imx]/.test(spec.options)) return undefined;
  const s = spec.source;
  if (!s.startsWith('^') || s.startsWith('^(?') || hasTopLevelAlternative(s)) return undefined;
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) break; // \d, \w, \b, \1 ...: not literal
      out += n;
      i++;
      continue;
    }
    if ('.^$|()[]{}*+?'.includes(c)) {
      if ('*?{'.includes(c) && out.length) out = out.slice(0, -1);
      break;
    }
    out += c;
  }
  // A trailing high surrogate is half a character: /^\uD83D/ matches '😀' (JS regexes work on
  // UTF-16 code units), whose key bytes (UTF-8 F0 9F..) do not start with the lone surrogate's.
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out.includes('\0') ? undefined : out;
}

/** True when `source` has a `|` outside every group and character class. */
function hasTopLevelAlternative(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}
