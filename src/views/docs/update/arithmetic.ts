/**
 * `$inc` / `$mul` of two numbers with MongoDB's result types (SafeNum): the wider of the two
 * types wins (int < long < double). A long is a bigint; an "int" is a JS integer in int32 range
 * and any other number a double, as src/views/docs/util.ts names them for `$type`.
 *
 * One departure, kept on purpose (docs/docs-differences.md): int + int overflowing int32 stays a
 * JS number (a double to `$type`) where MongoDB makes a long, so counters never turn into
 * bigints under the caller's feet.
 */
import { LarderError } from '../../../errors.js';
import { isInt32 } from '../util.js';

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** `cur (+|*) arg` typed as MongoDB types it; a long result outside int64 is BAD_VALUE (code 2). */
export function arithmetic(op: '$inc' | '$mul', cur: number | bigint, arg: number | bigint): number | bigint {
  // long with long or int stays a long (a long plus an int is NumberLong in MongoDB, not a double).
  const asLong = (v: number | bigint): bigint | undefined => (typeof v === 'bigint' ? v : isInt32(v) ? BigInt(v) : undefined);
  if (typeof cur === 'bigint' || typeof arg === 'bigint') {
    const x = asLong(cur);
    const y = asLong(arg);
    if (x !== undefined && y !== undefined) {
      const r = op === '$inc' ? x + y : x * y;
      if (r < LONG_MIN || r > LONG_MAX) {
        throw new LarderError('BAD_VALUE', `Failed to apply ${op} operations to current value (${String(cur)}): the result overflows a long`, { code: 2 });
      }
      return r;
    }
  }
  return op === '$inc' ? Number(cur) + Number(arg) : Number(cur) * Number(arg);
}
