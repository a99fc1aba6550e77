/**
 * Formats a path inside a value the way a user writes it in JS: `a.b[3]`, `["odd key"].x`.
 * Used in BAD_VALUE messages so the caller can find the offending part of a large document.
 */
export function formatPath(segments: readonly (string | number)[]): string {
  let s = '';
  for (const seg of segments) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) s += s ? `.${seg}` : seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s || '(root)';
}
