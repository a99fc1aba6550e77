/**
 * Byte-string comparison in memcmp order: the order every key in Larder is sorted by.
 * Shorter strings sort first when one is a prefix of the other.
 */

/** Compares `[a, a+la)` with `[b, b+lb)`; negative, zero or positive like memcmp. */
export function compareBytes(a: usize, la: u32, b: usize, lb: u32): i32 {
  let n = la < lb ? la : lb;
  // Eight bytes at a time, byte-swapped so an integer compare is a lexicographic compare.
  while (n >= 8) {
    const x = bswap<u64>(load<u64>(a));
    const y = bswap<u64>(load<u64>(b));
    if (x != y) return x < y ? -1 : 1;
    a += 8; b += 8; n -= 8;
  }
  while (n > 0) {
    const x = <i32>load<u8>(a);
    const y = <i32>load<u8>(b);
    if (x != y) return x - y;
    a++; b++; n--;
  }
  return la == lb ? 0 : (la < lb ? -1 : 1);
}

/** True when the two byte strings are equal. */
export function equalBytes(a: usize, la: u32, b: usize, lb: u32): bool {
  if (la != lb) return false;
  let n = la;
  while (n >= 8) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8; b += 8; n -= 8;
  }
  while (n > 0) {
    if (load<u8>(a) != load<u8>(b)) return false;
    a++; b++; n--;
  }
  return true;
}

/** True when `[a, a+la)` starts with `[p, p+lp)`. */
export function hasPrefix(a: usize, la: u32, p: usize, lp: u32): bool {
  if (lp > la) return false;
  return equalBytes(a, lp, p, lp);
}
