/**
 * Glob matching with Redis's rules (util.c stringmatchlen), used by KEYS, SCAN MATCH, the member
 * scans, PSUBSCRIBE and keyspace-notification patterns:
 *   *  any run of bytes        ?  any one byte          \x  the byte x literally
 *   [abc] one of   [^abc] none of   [a-z] a range (ends swapped when reversed)   \ inside [...]
 * An unterminated '[' matches up to the pattern's end, as in Redis. It is a port rather than a
 * regex so odd patterns ("[", "a\\", "[a-]") behave byte for byte like redis-server, and bytes
 * compare as C's signed char in ranges, also like redis-server.
 */

/** True when `s` matches the glob `pattern` (both byte strings). */
export function globMatch(pattern: Uint8Array, s: Uint8Array, nocase = false): boolean {
  const skip = { longer: false };
  return match(pattern, 0, pattern.length, s, 0, s.length, nocase, skip);
}

const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 32 : c);
const signed = (c: number): number => (c << 24) >> 24;

function match(pat: Uint8Array, p: number, pl: number, str: Uint8Array, s: number, sl: number, nocase: boolean, skip: { longer: boolean }): boolean {
  // pat[i] past the end reads as 0, like the C string's terminator.
  const P = (i: number): number => (i < pat.length ? pat[i] : 0);
  const S = (i: number): number => (i < str.length ? str[i] : 0);
  while (pl > 0 && sl > 0) {
    const c = P(p);
    if (c === 0x2a /* * */) {
      while (pl > 0 && P(p + 1) === 0x2a) { p++; pl--; }
      if (pl === 1) return true;
      while (sl > 0) {
        if (match(pat, p + 1, pl - 1, str, s, sl, nocase, skip)) return true;
        if (skip.longer) return false;
        s++; sl--;
      }
      skip.longer = true;
      return false;
    } else if (c === 0x3f /* ? */) {
      s++; sl--;
    } else if (c === 0x5b /* [ */) {
      p++; pl--;
      const not = P(p) === 0x5e;
      if (not) { p++; pl--; }
      let ok = false;
      for (;;) {
        if (P(p) === 0x5c && pl >= 2) {
          p++; pl--;
          if (P(p) === S(s)) ok = true;
        } else if (P(p) === 0x5d) {
          break;
        } else if (pl === 0) {
          p--; pl++;
          break;
        } else if (pl >= 3 && P(p + 1) === 0x2d) {
          let start = signed(P(p)), end = signed(P(p + 2)), ch = signed(S(s));
          if (start > end) { const t = start; start = end; end = t; }
          if (nocase) { start = lower(start); end = lower(end); ch = lower(ch); }
          p += 2; pl -= 2;
          if (ch >= start && ch <= end) ok = true;
        } else if (nocase ? lower(P(p)) === lower(S(s)) : P(p) === S(s)) {
          ok = true;
        }
        p++; pl--;
      }
      if (not) ok = !ok;
      if (!ok) return false;
      s++; sl--;
    } else {
      if (c === 0x5c /* \ */ && pl >= 2) { p++; pl--; }
      const pc = P(p);
      if (nocase ? lower(pc) !== lower(S(s)) : pc !== S(s)) return false;
      s++; sl--;
    }
    p++; pl--;
    if (sl === 0) {
      while (P(p) === 0x2a) { p++; pl--; }
      break;
    }
  }
  return pl === 0 && sl === 0;
}
