/**
 * Random documents, filters, updates, projections, sorts and pipelines for the document view's
 * differential tests against mingo. Data avoids the places where mingo is known to differ from
 * MongoDB's comparison order (see docs/docs-differences.md): no NaN, no strings outside the BMP,
 * no binary, no ObjectId, no ordering comparisons against objects; those are tested directly.
 */
import fc from 'fast-check';

const D1 = new Date(Date.UTC(2020, 0, 1));
const D2 = new Date(Date.UTC(2021, 5, 15));

/** A scalar value. */
export const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, -1.5, 2.25) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'ab', 'B', '', 'abc', 'ba') },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(D1, D2) },
);

const sub = fc.record({ x: scalar, y: scalar }, { requiredKeys: [] });
/**
 * Array elements always have both fields: mingo skips elements missing the field where MongoDB
 * counts them as null (docs-differences.md).
 */
const fullSub = fc.record({ x: scalar, y: scalar });

/** A field value: scalars, arrays, sub-documents, arrays of sub-documents. */
export const value = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: sub },
  { weight: 1, arbitrary: fc.array(fullSub, { maxLength: 3 }) },
);

/** A document body (no _id). */
export const docBody = fc.record(
  { a: value, b: scalar, n: sub, arr: fc.uniqueArray(scalar, { maxLength: 4, selector: (v) => (v instanceof Date ? `D${v.getTime()}` : JSON.stringify(v)) }), objs: fc.array(fullSub, { maxLength: 3 }) },
  // arr is always present: mingo ignores $push modifiers on a missing field (docs-differences.md).
  { requiredKeys: ['arr'] },
);

/** Documents with _id 0..n-1. */
export const docs = fc.array(docBody, { minLength: 0, maxLength: 25 }).map((bodies) => bodies.map((b, i) => ({ _id: i, ...b })));

export const PATHS = ['a', 'b', 'n.x', 'n.y', 'arr', 'objs.x', 'objs.y', 'a.x', 'arr.0', 'objs.0.x', 'a.1', 'missing'];
const path = fc.constantFrom(...PATHS);

const cmpOp = fc.constantFrom('$gt', '$gte', '$lt', '$lte');
/** Operands of ordering comparisons: mingo treats { $gte: null } unlike MongoDB (docs-differences.md). */
const cmpValue = scalar.filter((v) => v !== null);

/** A condition on one field (operator object or literal). */
const cond = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: scalar.map((v) => ({ $eq: v })) },
  { weight: 2, arbitrary: scalar.map((v) => ({ $ne: v })) },
  { weight: 4, arbitrary: fc.tuple(cmpOp, cmpValue).map(([o, v]) => ({ [o]: v })) },
  { weight: 2, arbitrary: fc.tuple(cmpOp, cmpValue, cmpOp, cmpValue).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })) },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }).map((v) => ({ $in: v })) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }).map((v) => ({ $nin: v })) },
  { weight: 2, arbitrary: fc.boolean().map((v) => ({ $exists: v })) },
  { weight: 1, arbitrary: fc.constantFrom('^a', 'b', '^ab', 'a$', '^$', 'B', '^a|b', '^b|^a', 'x|^ab', '^a(b|c)').map((r) => ({ $regex: r })) },
  { weight: 1, arbitrary: fc.constantFrom('^a', 'b').map((r) => ({ $regex: r, $options: 'i' })) },
  { weight: 1, arbitrary: fc.tuple(cmpOp, cmpValue).map(([o, v]) => ({ $not: { [o]: v } })) },
);

/** $size only on paths without arrays on the way (mingo differs there, docs-differences.md). */
const sizeLeaf = fc.tuple(fc.constantFrom('a', 'arr', 'objs', 'b', 'n.x'), fc.integer({ min: 0, max: 3 })).map(([p, n]) => ({ [p]: { $size: n } }));
/** $type and array equality only where no array lies on the way (mingo differs there). */
const topPath = fc.constantFrom('a', 'arr', 'b', 'n.x', 'n.y');
const typeLeaf = fc.tuple(fc.constantFrom('b', 'n.x', 'n.y'), fc.constantFrom('string', 'number', 'array', 'object', 'null', 'bool', 'date')).map(([p, t]) => ({ [p]: { $type: t } }));
const arrayEqLeaf = fc.tuple(topPath, fc.array(scalar, { maxLength: 2 })).map(([p, v]) => ({ [p]: v }));
/** $elemMatch on the arrays themselves (mingo flattens `objs.x` into an array; MongoDB does not). */
const elemLeaf = fc.oneof(
  fc.tuple(fc.constantFrom('a', 'arr'), cmpOp, cmpValue).map(([p, o, v]) => ({ [p]: { $elemMatch: { [o]: v } } })),
  fc.tuple(fc.constantFrom('objs'), scalar).map(([p, v]) => ({ [p]: { $elemMatch: { x: v } } })),
  // $all on the array fields (mingo does not match a scalar field with $all: [v]).
  fc.tuple(fc.constantFrom('arr', 'objs.x'), fc.array(cmpValue, { minLength: 1, maxLength: 2 })).map(([p, v]) => ({ [p]: { $all: v } })),
);
const leaf = fc.oneof(
  { weight: 1, arbitrary: elemLeaf },
  { weight: 12, arbitrary: fc.tuple(path, cond).map(([p, c]) => ({ [p]: c })) },
  { weight: 1, arbitrary: sizeLeaf },
  { weight: 1, arbitrary: typeLeaf },
  { weight: 1, arbitrary: arrayEqLeaf },
);

/** Field conditions combined with $and/$or/$nor. */
function filterOf(leaf: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.letrec((tie) => ({
    f: fc.oneof(
      { weight: 5, arbitrary: leaf },
      { weight: 2, arbitrary: fc.tuple(leaf, leaf).map(([x, y]) => ({ ...x, ...y })) },
      { weight: 1, arbitrary: fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((l) => ({ $and: l })) },
      { weight: 1, arbitrary: fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((l) => ({ $or: l })) },
      { weight: 1, arbitrary: fc.array(tie('f'), { minLength: 1, maxLength: 2 }).map((l) => ({ $nor: l })) },
    ),
  })).f as fc.Arbitrary<Record<string, unknown>>;
}

/** A filter: field conditions combined with $and/$or/$nor. */
export const filter = filterOf(leaf);

/**
 * Conditions whose semantics mingo does not share with MongoDB but whose index plan must still
 * give the plain scan's answer: ordering comparisons against arrays and documents (index keys
 * hold an array's elements, not the array).
 */
const planOnlyCmp = fc.tuple(
  path,
  cmpOp,
  fc.oneof(fc.array(scalar, { maxLength: 2 }), fc.record({ x: scalar }, { requiredKeys: [] })),
).map(([p, o, v]) => ({ [p]: { [o]: v } }));

/** Values only the index test uses: NaN, -0, infinities, nested arrays, documents, null. */
const oddScalar = fc.oneof(scalar, fc.constantFrom(NaN, -0, Infinity, -Infinity, 1e300, 'A', 'a\n', '\u00e9', '\u{1F600}', '\uFFFF', '\uD83D', 'a\uDE00'));
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddScalar },
  { weight: 1, arbitrary: fc.array(oddScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.record({ x: oddScalar, y: scalar }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ x: fc.oneof(oddScalar, fc.array(scalar, { maxLength: 2 })), y: scalar }, { requiredKeys: [] }), { maxLength: 3 }) },
);
/** Paths the index test adds: numeric parts into arrays of arrays and documents. */
const planPath = fc.constantFrom(...PATHS, 'a.0', 'a.0.x', 'objs.1.x', 'arr.1', 'n', 'objs', 'a.x.0', '_id');
const opsOf = (v: fc.Arbitrary<unknown>) => fc.tuple(cmpOp, v).map(([o, x]) => ({ [o]: x }));
/** Operands only: bigints, one beyond what a double holds exactly (no index key has it). */
const operand = fc.oneof({ weight: 6, arbitrary: oddScalar }, { weight: 1, arbitrary: fc.constantFrom(5n, 2n ** 60n + 1n, -(2n ** 60n) - 1n) });
/** A condition of any shape a planner could get wrong (no mingo: compared only with the scan). */
const planCond: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oddValue },
  { weight: 1, arbitrary: oddValue.map((v) => ({ $eq: v })) },
  { weight: 1, arbitrary: oddValue.map((v) => ({ $ne: v })) },
  { weight: 3, arbitrary: opsOf(oddValue) },
  { weight: 1, arbitrary: fc.oneof(opsOf(operand), operand, operand.map((v) => ({ $in: [v, 1] }))) },
  { weight: 2, arbitrary: fc.tuple(cmpOp, operand, cmpOp, oddScalar).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })) },
  { weight: 2, arbitrary: fc.array(fc.oneof(oddValue, fc.constantFrom({ $regex: '^a' }, { $regex: 'b', $options: 'i' }, null, [], {})), { maxLength: 3 }).map((v) => ({ $in: v })) },
  { weight: 1, arbitrary: fc.array(oddValue, { maxLength: 2 }).map((v) => ({ $nin: v })) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), opsOf(oddScalar)).map(([e, c]) => ({ $exists: e, ...c })) },
  { weight: 1, arbitrary: fc.constantFrom('string', 'number', 'array', 'object', 'null', 'bool', 'date', 'double', 'int', 'undefined').map((t) => ({ $type: t })) },
  { weight: 2, arbitrary: opsOf(oddScalar).map((c) => ({ $elemMatch: c })) },
  { weight: 1, arbitrary: fc.tuple(opsOf(oddScalar), opsOf(oddScalar)).map(([c, d]) => ({ $elemMatch: { ...c, ...d } })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'y'), fc.oneof(oddScalar, opsOf(oddScalar))).map(([k, c]) => ({ $elemMatch: { [k]: c } })) },
  { weight: 1, arbitrary: fc.array(fc.oneof(oddScalar, opsOf(oddScalar).map((c) => ({ $elemMatch: c }))), { minLength: 1, maxLength: 2 }).map((v) => ({ $all: v })) },
  { weight: 2, arbitrary: fc.oneof(opsOf(oddScalar), fc.constantFrom({ $regex: '^a' }, { $regex: '^a|b' }, { $in: [null, 1] }, { $eq: null }, { $exists: true }, { $size: 1 })).map((c) => ({ $not: c })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('^a', '^ab*', '^a{0}b', '^(a|b)', '^a\\.', '^\\Qa', 'a$', '^A', '^\uD83D', '^\u{1F600}'), fc.constantFrom('', 'i', 'm', 's', 'x')).map(([r, o]) => ({ $regex: r, $options: o })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('^a', '^b'), cmpOp, oddScalar, fc.boolean()).map(([r, o, v, first]) => (first ? { $regex: r, [o]: v } : { [o]: v, $regex: r })) },
);
/** Two conditions on one multikey path that different elements may meet (['a', 'b'] and { $regex: '^a', $gt: 'ab' }). */
const multikeyLeaf = fc
  .tuple(fc.constantFrom('a', 'arr', 'objs.x'), fc.constantFrom('^a', '^b', '^ab'), cmpOp, fc.constantFrom('a', 'ab', 'b', 'B', 'ba', 1, 2))
  .map(([p, r, o, v]) => ({ [p]: { $regex: r, [o]: v } }));
/** Two bounds on one value ({ $gte: 5, $gt: 5 }): only one of them may become the interval's side. */
const sameValueLeaf = fc
  .tuple(fc.constantFrom('a', 'b', 'n.x', 'arr', '_id'), fc.constantFrom(['$gte', '$gt'], ['$gt', '$gte'], ['$lte', '$lt'], ['$lt', '$lte'], ['$gte', '$lte']), fc.oneof(scalar, fc.constantFrom(0, 1, 2, 'a', 'b')))
  .map(([p, [o1, o2], v]) => ({ [p]: { [o1!]: v, [o2!]: v } }));
const planLeaf = fc.oneof(
  { weight: 2, arbitrary: sameValueLeaf },
  { weight: 4, arbitrary: fc.tuple(planPath, planCond).map(([p, c]) => ({ [p]: c })) },
  { weight: 1, arbitrary: multikeyLeaf },
  { weight: 1, arbitrary: planOnlyCmp },
);

/** Filters for comparing a query with and without indexes (Larder against itself, no mingo). */
export const planFilter = filterOf(fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 4, arbitrary: planLeaf }));

/** Document bodies for the index test: the differential ones and ones with odd values everywhere. */
export const planDocs = fc
  .array(
    fc.oneof(
      { weight: 2, arbitrary: docBody },
      {
        weight: 1,
        arbitrary: fc.record(
          { a: oddValue, b: oddScalar, n: fc.oneof(fc.record({ x: oddValue, y: oddScalar }, { requiredKeys: [] }), oddScalar), arr: oddValue, objs: oddValue },
          { requiredKeys: [] },
        ),
      },
    ),
    { maxLength: 25 },
  )
  .map((bodies) => bodies.map((b, i) => ({ _id: i, ...b })));

/** Sorts for the index test: any indexed path, one or two fields, maybe without an _id tie-break. */
export const planSort = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'n.x', 'n.y', 'arr', 'objs.x', 'objs.y', 'arr.0', 'a.x', '_id', 'objs.0.x', 'n'), { minLength: 1, maxLength: 2 })
  .chain((fields) => fc.tuple(...fields.map(() => fc.constantFrom<1 | -1>(1, -1))).map((dirs) => Object.fromEntries(fields.map((f, i) => [f, dirs[i]]))));

/** A sort on one or two fields. */
export const sort = fc
  .uniqueArray(fc.constantFrom('b', 'n.x', 'n.y'), { minLength: 1, maxLength: 2 })
  .chain((fields) => fc.tuple(...fields.map(() => fc.constantFrom<1 | -1>(1, -1))).map((dirs) => Object.fromEntries(fields.map((f, i) => [f, dirs[i]]))));

/** Plain inclusion or exclusion of a few paths. */
const plainProjection = fc.uniqueArray(fc.constantFrom('a', 'b', 'n.x', 'n', 'objs.x', 'arr'), { minLength: 1, maxLength: 3 }).chain((ps) =>
  fc.constantFrom(0, 1).chain((m) =>
    fc.boolean().map((noId) => {
      const p: Record<string, unknown> = {};
      for (const x of ps) p[x] = m;
      // Drop paths that collide (n and n.x).
      if ('n' in p && 'n.x' in p) delete p['n.x'];
      if (noId && m === 1) p._id = 0;
      return p;
    }),
  ),
);

/** $slice arguments: n, -n (beyond the length too), [skip, n] with a negative skip. */
const sliceArg = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: 1, max: 3 })));

/**
 * An inclusion projection with the array operators: a few included paths (through arrays too:
 * 'objs.x'), $slice on arrays, scalars and missing fields, $elemMatch, and the _id rule. Shapes
 * where mingo departs from MongoDB are left out (docs-differences.md, tested in
 * docs-projection-semantics.test.ts): $slice without an inclusion (mingo makes it an inclusion,
 * MongoDB an exclusion), $slice on a nested path (mingo creates the missing parent and slices
 * through arrays of documents into one array), $elemMatch with operators on the elements
 * themselves (mingo refuses them) or on arrays holding scalars (mingo matches a scalar with a
 * field condition), $elemMatch in an exclusion, and `_id: 1` in an exclusion (mingo refuses both).
 */
const arrayProjection = fc
  .record({
    paths: fc.uniqueArray(fc.constantFrom('a', 'b', 'n.x', 'n', 'objs.x', 'objs.y', 'a.x', 'n.y', 'missing'), { maxLength: 3 }),
    slices: fc.array(fc.tuple(fc.constantFrom('arr', 'a', 'objs', 'b', 'missing'), sliceArg), { maxLength: 2 }),
    elem: fc.option(fc.oneof(scalar.map((v) => ({ x: v })), fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), scalar.filter((v) => v !== null)).map(([o, v]) => ({ y: { [o]: v } }))), { nil: undefined }),
    id: fc.constantFrom(undefined, 0, 1),
  })
  .map(({ paths, slices, elem, id }) => {
    const p: Record<string, unknown> = {};
    const taken: string[] = [];
    const clash = (x: string): boolean => taken.some((t) => t === x || t.startsWith(x + '.') || x.startsWith(t + '.'));
    for (const x of paths) if (!clash(x)) (p[x] = 1), taken.push(x);
    const included = taken.length > 0;
    for (const [x, s] of slices) if (!clash(x)) (p[x] = { $slice: s }), taken.push(x);
    if (elem && !clash('objs')) (p.objs = { $elemMatch: elem }), taken.push('objs');
    if (id !== undefined) p._id = id;
    // Without an included field MongoDB decides the type from _id, $slice and $elemMatch: keep to
    // the inclusions mingo shares ({ a: { $slice }, _id: 1 }; $elemMatch without $slice).
    if (!included && slices.length && taken.length) p._id = 1;
    if (!taken.length) p.b = 1;
    return p;
  });

/** A find projection: plain inclusion/exclusion, or an inclusion with $slice / $elemMatch. */
export const projection = fc.oneof({ weight: 1, arbitrary: plainProjection }, { weight: 2, arbitrary: arrayProjection });

/**
 * A positional projection (`arr.$`) with the filter it needs: a condition on the array that the
 * filter's match decides, and maybe another field. Only conditions on plain arrays of scalars:
 * the positional element of `objs.x` or of a condition under $or differs between the two.
 */
export const positionalQuery = fc
  .tuple(
    fc.oneof(
      scalar.filter((v) => v !== null).map((v) => ({ arr: v })),
      fc.tuple(cmpOp, cmpValue).map(([o, v]) => ({ arr: { [o]: v } })),
    ),
    fc.constantFrom<Record<string, unknown>>({}, { b: 1 }, { _id: 0 }, { 'n.x': 1 }),
  )
  .map(([f, extra]) => ({ filter: f, projection: { 'arr.$': 1, ...extra } }));

/** An update with one operator. */
const oneUpdate = fc.oneof(
  fc.tuple(fc.constantFrom('b', 'n.x', 'c', 'n.z', 'a'), scalar).map(([p, v]) => ({ $set: { [p]: v } })),
  fc.constantFrom('b', 'n.x', 'a', 'arr').map((p) => ({ $unset: { [p]: '' } })),
  fc.tuple(fc.constantFrom('b', 'n.x', 'c'), fc.integer({ min: -2, max: 3 })).map(([p, v]) => ({ $inc: { [p]: v } })),
  fc.tuple(fc.constantFrom('b', 'c'), fc.integer({ min: -2, max: 3 })).map(([p, v]) => ({ $mul: { [p]: v } })),
  fc.tuple(fc.constantFrom('b', 'n.x', 'c'), scalar).map(([p, v]) => ({ $min: { [p]: v } })),
  fc.tuple(fc.constantFrom('b', 'n.x', 'c'), scalar).map(([p, v]) => ({ $max: { [p]: v } })),
  fc.tuple(fc.constantFrom('arr', 'newArr'), scalar).map(([p, v]) => ({ $push: { [p]: v } })),
  fc.tuple(fc.constantFrom('arr'), fc.array(scalar, { maxLength: 3 }), fc.constantFrom(-3, -2, -1, 1, 2, 3)).map(([p, v, s]) => ({ $push: { [p]: { $each: v, $slice: s } } })),
  fc.tuple(fc.constantFrom('arr', 'newArr'), fc.uniqueArray(scalar, { maxLength: 3, selector: (v) => (v instanceof Date ? `D${v.getTime()}` : JSON.stringify(v)) })).map(([p, v]) => ({ $addToSet: { [p]: { $each: v } } })),
  fc.tuple(fc.constantFrom('arr'), scalar).map(([p, v]) => ({ $pull: { [p]: v } })),
  fc.tuple(fc.constantFrom('arr'), cmpOp, cmpValue).map(([p, o, v]) => ({ $pull: { [p]: { [o]: v } } })),
  fc.tuple(fc.constantFrom('arr'), fc.array(scalar, { maxLength: 3 })).map(([p, v]) => ({ $pullAll: { [p]: v } })),
  fc.tuple(fc.constantFrom('arr'), fc.constantFrom(1, -1)).map(([p, v]) => ({ $pop: { [p]: v } })),
  fc.constantFrom({ $rename: { b: 'bb' } }, { $rename: { 'n.x': 'nx' } }, { $rename: { b: 'n.q' } }),
);

/** The paths an update writes ($rename: both of its names). */
function writtenPaths(u: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(u).flatMap(([op, fields]) => Object.entries(fields).flatMap(([p, v]) => (op === '$rename' ? [p, v as string] : [p])));
}

/** True when two paths are the same or one lies inside the other (MongoDB refuses such an update). */
const overlaps = (p: string, q: string): boolean => p === q || p.startsWith(q + '.') || q.startsWith(p + '.');

/** An update with one or two operators (two on paths apart from each other). */
export const update = fc.oneof(
  { weight: 3, arbitrary: oneUpdate },
  {
    weight: 2,
    arbitrary: fc
      .tuple(oneUpdate, oneUpdate)
      .filter(([x, y]) => Object.keys(x)[0] !== Object.keys(y)[0] && !writtenPaths(x).some((p) => writtenPaths(y).some((q) => overlaps(p, q))))
      .map(([x, y]) => ({ ...x, ...y })),
  },
);

/** The collection $lookup reads in the random pipelines. */
export const LOOKUP_FROM = 'lookup_other';

/** Documents of the $lookup collection: `k` (maybe missing) to join on. */
export const lookupDocs = fc.array(fc.record({ k: scalar, w: scalar }, { requiredKeys: [] }), { maxLength: 6 }).map((bs) => bs.map((b, i) => ({ _id: i, ...b })));

const numRef = fc.constantFrom('$b', '$n.x', '$n.y');
/** `r` when a number, else 0: mingo compares and adds across types unlike MongoDB (docs-differences.md). */
const num = (r: string): unknown => ({ $cond: [{ $isNumber: r }, r, 0] });
/** `$arr` when an array, else []: $size/$arrayElemAt/$in of a non-array are errors in MongoDB, lenient in mingo. */
const arrOrEmpty = { $cond: [{ $isArray: '$arr' }, '$arr', []] };
/** Expressions: field paths, $cond, $ifNull, $add, $concat, $size, $arrayElemAt, $in, comparisons. */
const expression: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('$b', '$n.x', '$n.y', '$a', '$arr', '$missing', '$objs.x'),
  fc.tuple(fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$cmp'), numRef, fc.integer({ min: -3, max: 5 })).map(([o, r, v]) => ({ [o]: [num(r), v] })),
  fc.tuple(fc.constantFrom('$b', '$n.x'), scalar).map(([r, v]) => ({ $ifNull: [r, { $literal: v }] })),
  // The compared value is never missing: MongoDB's $eq tells missing from null, mingo's does not (docs-differences.md).
  fc.tuple(fc.constantFrom('$b', '$n.x'), scalar, scalar).map(([r, x, y]) => ({ $cond: [{ $eq: [{ $ifNull: [r, null] }, { $literal: x }] }, { $literal: y }, r] })),
  fc.tuple(numRef, numRef).map(([r, q]) => ({ $add: [num(r), num(q), 1] })),
  fc.constantFrom('$b', '$n.x').map((r) => ({ $concat: [{ $cond: [{ $eq: [{ $type: r }, 'string'] }, r, '?'] }, '-'] })),
  fc.constant({ $size: arrOrEmpty }),
  fc.integer({ min: -3, max: 3 }).map((i) => ({ $arrayElemAt: [arrOrEmpty, i] })),
  // $in of a missing value: MongoDB finds nothing, mingo finds null (docs-differences.md); kept non-missing.
  fc.constantFrom('$b', '$n.x').map((x) => ({ $in: [{ $ifNull: [x, null] }, arrOrEmpty] })),
);
/**
 * Accumulators: all of them on numbers, $first/$last on anything; $min/$max only on scalars
 * (mingo orders arrays and documents unlike MongoDB); $push/$addToSet of values never missing
 * (MongoDB skips missing values, mingo pushes null).
 */
const accumulator = fc.oneof(
  fc.tuple(fc.constantFrom('$sum', '$avg', '$min', '$max', '$first', '$last'), fc.oneof(numRef, fc.constant(1))).map(([o, r]) => ({ [o]: r })),
  fc.tuple(fc.constantFrom('$push', '$addToSet'), fc.constantFrom('$b', '$_id')).map(([o, r]) => ({ [o]: { $ifNull: [r, null] } })),
  fc.constant({ $count: {} }),
  fc.tuple(fc.constantFrom('$first', '$last'), fc.constantFrom('$a', '$arr', '$n')).map(([o, r]) => ({ [o]: r })),
);
/** Random stages (with the fixed ones below). */
const randomStage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .record({ path: fc.constantFrom('$arr', '$objs'), includeArrayIndex: fc.option(fc.constant('idx'), { nil: undefined }), preserveNullAndEmptyArrays: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: ['path'] })
    .map((u) => ({ $unwind: u })),
  fc.tuple(expression, expression).map(([x, y]) => ({ $project: { b: 1, e1: x, e2: y } })),
  expression.map((x) => ({ $project: { _id: 0, 'n.x': 1, e: x } })),
  // 'n.z' of a missing value: MongoDB still creates n (docs-differences.md); kept non-missing.
  fc.tuple(expression, expression).map(([x, y]) => ({ $addFields: { e: x, 'n.z': { $ifNull: [y, null] } } })),
  // b stays a scalar: the stages after sort and group on it, and mingo orders arrays unlike MongoDB.
  expression.filter((x) => !['$a', '$arr', '$objs.x'].includes(x as string)).map((x) => ({ $set: { b: x } })),
  fc.tuple(fc.constantFrom<unknown>(null, '$b', '$n.x', { k: '$b' }, { $type: '$a' }), accumulator, accumulator).map(([k, x, y]) => ({ $group: { _id: k, p: x, q: y } })),
  fc.constantFrom({ $sortByCount: '$n.x' }, { $unset: ['n.x', 'objs'] }, { $sort: { 'n.x': -1, _id: 1 } }),
  // `as: 'n.j'` is a path in MongoDB, a field name with a dot in mingo; an array localField that
  // matches nothing gives [] in MongoDB, [null] in mingo: only n.x (never an array here).
  fc.constant({ $lookup: { from: LOOKUP_FROM, localField: 'n.x', foreignField: 'k', as: 'j' } }),
  // No $count in a facet: on no input MongoDB gives [], mingo [{ n: 0 }].
  fc.constantFrom(
    { $facet: { c: [{ $skip: 1 }, { $project: { n: 1 } }], s: [{ $sort: { b: 1, _id: 1 } }, { $limit: 2 }, { $project: { b: 1 } }] } },
    { $facet: { g: [{ $group: { _id: null, s: { $sum: '$b' } } }], u: [{ $unwind: '$arr' }, { $project: { arr: 1 } }] } },
  ),
);

/** A pipeline of common stages. */
export const pipeline = fc.array(
  fc.oneof(
    filter.map((f) => ({ $match: f })),
    sort.map((s) => ({ $sort: { ...s, _id: 1 as const } })),
    fc.integer({ min: 0, max: 5 }).map((n) => ({ $skip: n })),
    fc.integer({ min: 1, max: 5 }).map((n) => ({ $limit: n })),
    fc.constantFrom(
      { $group: { _id: '$b', n: { $sum: 1 }, s: { $sum: '$n.x' }, mx: { $max: '$n.x' }, mn: { $min: '$b' }, av: { $avg: '$n.x' }, all: { $push: { $ifNull: ['$b', null] } }, set: { $addToSet: { $ifNull: ['$b', null] } } } },
      { $group: { _id: null, total: { $sum: '$b' }, c: { $count: {} } } },
      { $group: { _id: { t: { $type: '$b' } }, n: { $sum: 1 } } },
      { $unwind: '$arr' },
      { $unwind: { path: '$objs', preserveNullAndEmptyArrays: true } },
      { $project: { b: 1, x: '$n.x' } },
      { $project: { _id: 0, b: 1, sum: { $add: [{ $cond: [{ $isNumber: '$n.x' }, '$n.x', 0] }, 1] } } },
      { $addFields: { t: { $type: '$a' }, sz: { $size: { $cond: [{ $isArray: '$arr' }, '$arr', []] } } } },
      { $set: { c: { $cond: [{ $and: [{ $isNumber: '$b' }, { $gt: ['$b', 2] }] }, 'big', 'small'] } } },
      { $unset: ['a', 'objs'] },
      { $count: 'total' },
      { $sortByCount: '$b' },
      { $project: { arr2: { $filter: { input: { $cond: [{ $isArray: '$arr' }, '$arr', []] }, as: 'v', cond: { $and: [{ $isNumber: '$$v' }, { $gt: ['$$v', 1] }] } } } } },
      { $project: { m: { $map: { input: { $cond: [{ $isArray: '$arr' }, '$arr', []] }, in: { $type: '$$this' } } } } },
      { $replaceRoot: { newRoot: { k: '$b', id: '$_id' } } },
    ),
    randomStage,
    randomStage,
  ),
  { maxLength: 4 },
).map((stages) => {
  // $count ends the pipeline: on no input mingo emits { total: 0 }, MongoDB nothing (docs-differences.md).
  const i = stages.findIndex((st) => '$count' in st);
  const out = i < 0 ? stages : stages.slice(0, i + 1);
  // $unwind of a falsy scalar ('', 0, false) or of {}: MongoDB keeps it as one element, mingo drops
  // it. Only arr (always an array) and objs (missing or an array) are unwound, each at most once.
  const seen = new Set<string>();
  // $addFields of 'n.z' once n may be a scalar ($group's n, $count's...): MongoDB replaces the
  // scalar with { z }, mingo leaves it; after an $unwind, mingo's documents from one input share n
  // and the last write wins (docs-differences.md).
  let reshaped = false;
  return out.filter((st) => {
    if (['$group', '$replaceRoot', '$facet', '$sortByCount', '$count', '$unwind'].some((k) => k in st)) reshaped = true;
    if (reshaped && '$addFields' in st && 'n.z' in (st.$addFields as object)) return false;
    // $all on arr once arr is a scalar: MongoDB matches { $all: [v] } like v, mingo never (docs-differences.md).
    if ('$match' in st && seen.has('$arr') && JSON.stringify(st).includes('"$all"')) return false;
    // The $facet that unwinds arr again, after arr was unwound.
    if ('$facet' in st && seen.has('$arr') && JSON.stringify(st).includes('"$unwind":"$arr"')) return false;
    const u = (st as { $unwind?: string | { path: string } }).$unwind;
    if (u === undefined) return true;
    const path = typeof u === 'string' ? u : u.path;
    if (seen.has(path)) return false;
    seen.add(path);
    return true;
  });
});

/** A canonical string of a value: types distinguished, key order kept. */
export function canon(v: unknown, sortKeys = false): string {
  if (v === undefined) return 'u';
  if (v === null) return 'null';
  if (v instanceof Date) return `D(${v.getTime()})`;
  if (Array.isArray(v)) return `[${v.map((x) => canon(x, sortKeys)).join(',')}]`;
  if (typeof v === 'object') {
    // A field holding undefined is absent in MongoDB (mingo's $project leaves such fields).
    let keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (sortKeys) keys = keys.sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k], sortKeys)}`).join(',')}}`;
  }
  if (typeof v === 'number' && Object.is(v, -0)) return '0';
  return JSON.stringify(v);
}


/**
 * A sort with a condition on its first field (a range, a regex, points): where an index scan both
 * narrows and orders, and where a multikey document's sort key (its smallest element ascending,
 * largest descending) may lie outside the scanned bounds.
 */
export const planSortedQuery = planSort.chain((s) =>
  fc.tuple(
    fc.oneof(
      opsOf(oddScalar),
      fc.tuple(cmpOp, oddScalar, cmpOp, oddScalar).map(([o1, v1, o2, v2]) => ({ [o1]: v1, [o2]: v2 })),
      fc.constantFrom({ $regex: '^a' }, { $regex: '^b' }, { $in: [1, 'a', null] }, { $exists: true }),
      oddScalar,
    ).map((c) => ({ [Object.keys(s)[0]!]: c })),
    fc.constant(s),
  ),
);
