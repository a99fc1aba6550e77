/**
 * Comparison, boolean, conditional, type, object, date and literal expression operators:
 * $eq $ne $gt $gte $lt $lte $cmp $and $or $not $cond $ifNull $switch $literal $let $type
 * $toString $toInt $toLong $toDouble $toDecimal $toBool $toDate $toObjectId $convert $isNumber
 * $mergeObjects $getField $setField? (no) $year $month $dayOfMonth $hour $minute $second
 * $millisecond $dayOfWeek $dayOfYear $week? (no) $dateToString $toHashedIndexKey? (no).
 */
import { ObjectId } from '../../../codec/object-id.js';
import { LarderError } from '../../../errors.js';
import { bsonType, isPlainObject, own, setOwn, show, type Doc } from '../util.js';
import { argList, compareExpr, compileExpression, exprError, namedArgs, nullish, registerOps, simple, truthy, variadic, withVars, type Ev, type OpCompiler } from './evaluate.js';

function cmp(test: (c: number) => boolean): OpCompiler {
  return simple(2, 2, ([a, b]) => test(compareExpr(a, b)));
}

function toNumber(op: string, v: unknown, int: boolean): unknown {
  if (nullish(v)) return null;
  let x: number;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'bigint') x = Number(v);
  else if (typeof v === 'boolean') x = v ? 1 : 0;
  else if (v instanceof Date) x = v.getTime();
  else if (typeof v === 'string') {
    if (v.trim() === '' || !/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity|NaN)$/.test(v.trim())) exprError(op, `failed to parse number '${v}'`);
    x = Number(v);
    if (int && !Number.isInteger(x)) exprError(op, `failed to parse number '${v}' as an integer`);
  } else return exprError(op, `unsupported conversion from ${bsonType(v)}`);
  return int ? Math.trunc(x) : x;
}

function toStr(op: string, v: unknown): unknown {
  if (nullish(v)) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof ObjectId) return v.toHexString();
  return exprError(op, `unsupported conversion from ${bsonType(v)} to string`);
}

function toDate(op: string, v: unknown): unknown {
  if (nullish(v)) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v));
  if (typeof v === 'string') {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) exprError(op, `cannot parse date '${v}'`);
    return d;
  }
  if (v instanceof ObjectId) return v.getTimestamp();
  return exprError(op, `unsupported conversion from ${bsonType(v)} to date`);
}

const CONVERTERS: Record<string, (op: string, v: unknown) => unknown> = {
  string: toStr,
  int: (op, v) => toNumber(op, v, true),
  long: (op, v) => toNumber(op, v, true),
  double: (op, v) => toNumber(op, v, false),
  decimal: (op, v) => toNumber(op, v, false),
  bool: (_op, v) => (nullish(v) ? null : truthy(v)),
  date: toDate,
  objectId: (op, v) => {
    if (nullish(v)) return null;
    if (v instanceof ObjectId) return v;
    if (typeof v === 'string' && ObjectId.isValid(v)) return new ObjectId(v);
    return exprError(op, `cannot convert ${show(v)} to objectId`);
  },
};

function dateExtract(f: (d: Date) => number): OpCompiler {
  return (arg, op) => {
    const date = compileExpression(isPlainObject(arg) && 'date' in arg ? arg.date : Array.isArray(arg) ? arg[0] : arg);
    return (c) => {
      const d = date(c);
      if (nullish(d)) return null;
      if (d instanceof ObjectId) return f(d.getTimestamp());
      if (!(d instanceof Date)) exprError(op, `can't convert from ${bsonType(d)} to Date`);
      return f(d);
    };
  };
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function formatDate(d: Date, fmt: string): string {
  return fmt.replace(/%([YmdHMSLjwuGVUZz%])/g, (_m, k: string) => {
    switch (k) {
      case 'Y': return pad(d.getUTCFullYear(), 4);
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'd': return pad(d.getUTCDate());
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'L': return pad(d.getUTCMilliseconds(), 3);
      case 'j': return pad(dayOfYear(d), 3);
      case 'w': return String(d.getUTCDay() + 1);
      case 'u': return String(d.getUTCDay() || 7);
      case 'z': return '+0000';
      case 'Z': return '0';
      case '%': return '%';
      default: return '%' + k;
    }
  });
}

registerOps({
  $eq: cmp((c) => c === 0),
  $ne: cmp((c) => c !== 0),
  $gt: cmp((c) => c > 0),
  $gte: cmp((c) => c >= 0),
  $lt: cmp((c) => c < 0),
  $lte: cmp((c) => c <= 0),
  $cmp: simple(2, 2, ([a, b]) => {
    const r = compareExpr(a, b);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  }),
  $and: (arg) => {
    const evs = argList(arg);
    return (c) => evs.every((e) => truthy(e(c)));
  },
  $or: (arg) => {
    const evs = argList(arg);
    return (c) => evs.some((e) => truthy(e(c)));
  },
  $not: simple(1, 1, ([v]) => !truthy(v)),
  $cond: (arg, op) => {
    let parts: unknown[];
    if (Array.isArray(arg)) parts = arg;
    else {
      const a = namedArgs(op, arg, ['if', 'then', 'else']);
      parts = [a.if, a.then, a.else];
    }
    if (parts.length !== 3) exprError(op, 'takes exactly 3 arguments');
    const [i, t, e] = parts.map(compileExpression) as [Ev, Ev, Ev];
    return (c) => (truthy(i(c)) ? t(c) : e(c));
  },
  $ifNull: (arg, op) => {
    const evs = argList(arg);
    if (evs.length < 2) exprError(op, 'needs at least two arguments');
    return (c) => {
      for (let i = 0; i < evs.length - 1; i++) {
        const v = evs[i]!(c);
        if (!nullish(v)) return v;
      }
      return evs[evs.length - 1]!(c);
    };
  },
  $switch: (arg, op) => {
    const a = namedArgs(op, arg, ['branches'], ['default']);
    if (!Array.isArray(a.branches)) exprError(op, 'branches must be an array');
    const branches = a.branches.map((b) => {
      const x = namedArgs(op, b, ['case', 'then']);
      return [compileExpression(x.case), compileExpression(x.then)] as const;
    });
    const dflt = a.default === undefined ? undefined : compileExpression(a.default);
    return (c) => {
      for (const [k, t] of branches) if (truthy(k(c))) return t(c);
      if (!dflt) exprError(op, 'could not find a matching branch for an input, and no default was specified');
      return dflt(c);
    };
  },
  $literal: (arg) => () => arg,
  $let: (arg, op) => {
    const a = namedArgs(op, arg, ['vars', 'in']);
    if (!isPlainObject(a.vars)) exprError(op, 'vars must be an object');
    const vars = Object.keys(a.vars).map((k) => [k, compileExpression((a.vars as Doc)[k])] as const);
    const body = compileExpression(a.in);
    return (c) => {
      const bound: Record<string, unknown> = {};
      for (const [k, e] of vars) bound[k] = e(c);
      return body(withVars(c, bound));
    };
  },
  $type: simple(1, 1, ([v]) => bsonType(v)),
  $isNumber: simple(1, 1, ([v]) => typeof v === 'number' || typeof v === 'bigint'),
  $toString: simple(1, 1, ([v], op) => toStr(op, v)),
  $toInt: simple(1, 1, ([v], op) => toNumber(op, v, true)),
  $toLong: simple(1, 1, ([v], op) => toNumber(op, v, true)),
  $toDouble: simple(1, 1, ([v], op) => toNumber(op, v, false)),
  $toDecimal: simple(1, 1, ([v], op) => toNumber(op, v, false)),
  $toBool: simple(1, 1, ([v]) => (nullish(v) ? null : truthy(v))),
  $toDate: simple(1, 1, ([v], op) => toDate(op, v)),
  $toObjectId: simple(1, 1, ([v], op) => CONVERTERS.objectId!(op, v)),
  $convert: (arg, op) => {
    const a = namedArgs(op, arg, ['input', 'to'], ['onError', 'onNull']);
    const [input, to] = [compileExpression(a.input), compileExpression(a.to)];
    const onError = a.onError === undefined ? undefined : compileExpression(a.onError);
    const onNull = a.onNull === undefined ? undefined : compileExpression(a.onNull);
    return (c) => {
      const v = input(c);
      if (nullish(v)) return onNull ? onNull(c) : null;
      const conv = CONVERTERS[String(to(c))];
      if (!conv) exprError(op, `unknown target type ${show(to(c))}`);
      try {
        return conv(op, v);
      } catch (e) {
        if (onError && e instanceof LarderError) return onError(c);
        throw e;
      }
    };
  },
  $mergeObjects: variadic((vals, op) => {
    const list = vals.length === 1 && Array.isArray(vals[0]) ? (vals[0] as unknown[]) : vals;
    const o: Doc = {};
    for (const v of list) {
      if (nullish(v)) continue;
      if (!isPlainObject(v)) exprError(op, `requires object inputs, but input ${show(v)} is of type ${bsonType(v)}`);
      for (const k of Object.keys(v)) setOwn(o, k, v[k]);
    }
    return o;
  }),
  $getField: (arg, op) => {
    const a = isPlainObject(arg) && 'field' in arg ? namedArgs(op, arg, ['field'], ['input']) : { field: arg };
    const field = compileExpression(a.field);
    const input = a.input === undefined ? (c: { cur: unknown }) => c.cur : compileExpression(a.input);
    return (c) => {
      const o = input(c as never);
      const f = field(c);
      if (typeof f !== 'string') exprError(op, 'field must be a string');
      return isPlainObject(o) ? own(o, f) : null;
    };
  },
  $year: dateExtract((d) => d.getUTCFullYear()),
  $month: dateExtract((d) => d.getUTCMonth() + 1),
  $dayOfMonth: dateExtract((d) => d.getUTCDate()),
  $hour: dateExtract((d) => d.getUTCHours()),
  $minute: dateExtract((d) => d.getUTCMinutes()),
  $second: dateExtract((d) => d.getUTCSeconds()),
  $millisecond: dateExtract((d) => d.getUTCMilliseconds()),
  $dayOfWeek: dateExtract((d) => d.getUTCDay() + 1),
  $dayOfYear: dateExtract(dayOfYear),
  $dateToString: (arg, op) => {
    const a = namedArgs(op, arg, ['date'], ['format', 'timezone', 'onNull']);
    const date = compileExpression(a.date);
    const format = a.format === undefined ? () => '%Y-%m-%dT%H:%M:%S.%LZ' : compileExpression(a.format);
    const onNull = a.onNull === undefined ? undefined : compileExpression(a.onNull);
    return (c) => {
      const d = date(c);
      if (nullish(d)) return onNull ? onNull(c) : null;
      if (!(d instanceof Date)) exprError(op, 'date must be a Date');
      return formatDate(d, String(format(c)));
    };
  },
});
