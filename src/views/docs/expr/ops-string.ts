/** String expression operators: $concat $toLower $toUpper $substr* $strLenCP $strLenBytes $split $trim $ltrim $rtrim $indexOfCP $strcasecmp $regexMatch $replaceOne $replaceAll. */
import { compareStrings } from '../../../keys/compare.js';
import { compileRegex } from '../query/regex.js';
import { compileExpression, exprError, namedArgs, nullish, registerOps, simple, variadic, type Ev } from './evaluate.js';

/** The string form $toLower/$substr use: numbers and dates are converted, null is "". */
function str(op: string, v: unknown): string {
  if (nullish(v)) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  return exprError(op, `can't convert to string: ${typeof v}`);
}

function needString(op: string, v: unknown): string {
  if (typeof v !== 'string') exprError(op, `requires a string argument`);
  return v;
}

function trimmer(mode: 'both' | 'start' | 'end') {
  return (arg: unknown, op: string): Ev => {
    const a = namedArgs(op, arg, ['input'], ['chars']);
    const input = compileExpression(a.input);
    const chars = a.chars === undefined ? undefined : compileExpression(a.chars);
    return (c) => {
      const s = input(c);
      if (nullish(s)) return null;
      const set = chars ? chars(c) : undefined;
      const strip = nullish(set) ? ' \t\n\r\v\f\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\0' : needString(op, set);
      const cs = [...needString(op, s)];
      let i = 0;
      let j = cs.length;
      if (mode !== 'end') while (i < j && strip.includes(cs[i]!)) i++;
      if (mode !== 'start') while (j > i && strip.includes(cs[j - 1]!)) j--;
      return cs.slice(i, j).join('');
    };
  };
}

function substrCP(vals: unknown[], op: string): string {
  const s = [...str(op, vals[0])];
  const start = Number(vals[1]);
  const len = Number(vals[2]);
  if (!Number.isFinite(start) || start < 0) return '';
  return s.slice(start, len < 0 ? undefined : start + len).join('');
}

function replacer(all: boolean) {
  return (arg: unknown, op: string): Ev => {
    const a = namedArgs(op, arg, ['input', 'find', 'replacement']);
    const [i, f, r] = [compileExpression(a.input), compileExpression(a.find), compileExpression(a.replacement)];
    return (c) => {
      const [s, x, y] = [i(c), f(c), r(c)];
      if (nullish(s) || nullish(x) || nullish(y)) return null;
      const [ss, xs, ys] = [needString(op, s), needString(op, x), needString(op, y)];
      return all ? ss.split(xs).join(ys) : ss.replace(xs, () => ys);
    };
  };
}

registerOps({
  $concat: variadic((vals, op) => {
    let out = '';
    for (const v of vals) {
      if (nullish(v)) return null;
      out += needString(op, v);
    }
    return out;
  }),
  $toLower: simple(1, 1, ([v], op) => str(op, v).toLowerCase()),
  $toUpper: simple(1, 1, ([v], op) => str(op, v).toUpperCase()),
  $substr: simple(3, 3, substrCP),
  $substrCP: simple(3, 3, substrCP),
  $substrBytes: simple(3, 3, (vals, op) => {
    const b = new TextEncoder().encode(str(op, vals[0]));
    const start = Number(vals[1]);
    const len = Number(vals[2]);
    return new TextDecoder().decode(b.subarray(start, len < 0 ? undefined : start + len));
  }),
  $strLenCP: simple(1, 1, ([v], op) => [...needString(op, v)].length),
  $strLenBytes: simple(1, 1, ([v], op) => new TextEncoder().encode(needString(op, v)).length),
  $split: simple(2, 2, ([s, d], op) => {
    if (nullish(s)) return null;
    const sep = needString(op, d);
    if (sep === '') exprError(op, 'requires a non-empty separator');
    return needString(op, s).split(sep);
  }),
  $trim: trimmer('both'),
  $ltrim: trimmer('start'),
  $rtrim: trimmer('end'),
  $indexOfCP: simple(2, 4, ([s, sub, start, end], op) => {
    if (nullish(s)) return null;
    const cs = [...needString(op, s)];
    const target = [...needString(op, sub)];
    const from = start === undefined ? 0 : Number(start);
    const to = end === undefined ? cs.length : Math.min(Number(end), cs.length);
    for (let i = from; i + target.length <= to; i++) {
      let ok = true;
      for (let j = 0; j < target.length; j++) if (cs[i + j] !== target[j]) { ok = false; break; }
      if (ok) return i;
    }
    return -1;
  }),
  $strcasecmp: simple(2, 2, ([a, b], op) => {
    const c = compareStrings(str(op, a).toUpperCase(), str(op, b).toUpperCase());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }),
  $regexMatch: (arg, op) => {
    const a = namedArgs(op, arg, ['input', 'regex'], ['options']);
    const input = compileExpression(a.input);
    const regex = compileExpression(a.regex);
    const options = a.options === undefined ? undefined : compileExpression(a.options);
    return (c) => {
      const s = input(c);
      const r = regex(c);
      if (nullish(r)) return false;
      if (nullish(s)) return false;
      const { re } = compileRegex(r, options ? options(c) ?? '' : '');
      return re.test(needString(op, s));
    };
  },
  $replaceOne: replacer(false),
  $replaceAll: replacer(true),
});
