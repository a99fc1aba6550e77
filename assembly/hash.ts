/**
 * A fast, non-cryptographic hash of byte strings for the hash table.
 *
 * Shape: one 64-bit lane fed eight bytes at a time with an xxHash64-style round
 * (`acc = rotl(acc + v * P2, 31) * P1`), the last (possibly overlapping) eight bytes read as one
 * word so there is no byte-at-a-time tail, and an xxHash64/murmur avalanche at the end so every
 * output bit depends on every input bit. wasm has a native 64x64->64 multiply but no 128-bit one,
 * so this avoids wyhash's folded 128-bit multiply, which would cost four 32-bit multiplies here.
 *
 * Reads never go past `p + n`: keys shorter than eight bytes are assembled from 4-byte or single
 * byte loads. The length is mixed into the seed so that strings which are prefixes of one
 * another (and the empty string) hash differently.
 */

// @ts-ignore: decorator
@inline const P1: u64 = 0x9E3779B185EBCA87;
// @ts-ignore: decorator
@inline const P2: u64 = 0xC2B2AE3D27D4EB4F;
// @ts-ignore: decorator
@inline const P3: u64 = 0x165667B19E3779F9;
// @ts-ignore: decorator
@inline const SEED: u64 = 0x27D4EB2F165667C5;

// @ts-ignore: decorator
@inline
function round(acc: u64, v: u64): u64 {
  return rotl<u64>(acc + v * P2, 31) * P1;
}

/** 64-bit hash of the `n` bytes at `p`. */
export function hash64(p: usize, n: u32): u64 {
  let h: u64 = SEED ^ (<u64>n * P3);
  if (n >= 8) {
    let q = p;
    let rem = n;
    while (rem > 8) {
      h = round(h, load<u64>(q));
      q += 8;
      rem -= 8;
    }
    // The last eight bytes, overlapping the previous word when n is not a multiple of eight.
    h = round(h, load<u64>(p + <usize>n - 8));
  } else if (n >= 4) {
    h = round(h, (<u64>load<u32>(p) << 32) | <u64>load<u32>(p + <usize>n - 4));
  } else if (n > 0) {
    h = round(h, (<u64>load<u8>(p) << 16) | (<u64>load<u8>(p + (<usize>n >> 1)) << 8) | <u64>load<u8>(p + <usize>n - 1));
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/** 32-bit hash of the `n` bytes at `p` (the low half of `hash64`, already avalanched). */
// @ts-ignore: decorator
@inline
export function hash32(p: usize, n: u32): u32 {
  return <u32>hash64(p, n);
}
