/**
 * What redis-cli does around a command: split the typed line into arguments (its
 * `sdssplitargs` rules) and print the reply the way it prints replies on a terminal.
 */

/** Thrown for a line redis-cli would refuse ("Invalid argument(s)"). */
export class SplitError extends Error {}

const ESC: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits a line like redis-cli: whitespace separates arguments; "double quotes" take escapes
 * (\n \r \t \b \a \xHH, and \\ \" literally); 'single quotes' take only \'; a closing quote must
 * be followed by whitespace or the end.
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    for (;;) {
      const c = line[i];
      if (inDq) {
        if (c === undefined) throw new SplitError('Invalid argument(s)');
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += ESC[e] ?? e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) throw new SplitError('Invalid argument(s)');
          i++;
          break;
        } else cur += c;
      } else if (inSq) {
        if (c === undefined) throw new SplitError('Invalid argument(s)');
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) throw new SplitError('Invalid argument(s)');
          i++;
          break;
        } else cur += c;
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}

/** redis-cli's `sdscatrepr`: a quoted string with non-printable bytes escaped. */
export function repr(s: string | Uint8Array): string {
  const text = typeof s === 'string' ? s : Array.from(s, (b) => String.fromCharCode(b)).join('');
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Commands whose string reply is a status (+OK, +PONG, +string...), printed without quotes. */
const STATUS_COMMANDS = new Set(['SET', 'MSET', 'SETEX', 'PSETEX', 'PING', 'TYPE', 'RENAME', 'FLUSHDB', 'FLUSHALL', 'LSET', 'LTRIM', 'HMSET', 'SELECT', 'MULTI', 'DISCARD', 'WATCH', 'UNWATCH', 'SWAPDB', 'QUIT', 'RESET']);

/** One line of output: its text and whether it is an error (shown in red). */
export interface ReplyLine {
  text: string;
  error: boolean;
}

function isError(v: unknown): v is Error {
  return v instanceof Error;
}

/**
 * Formats a reply as redis-cli prints it on a terminal: `"bulk"`, `(integer) 1`, `(nil)`,
 * numbered (and nested, indented) arrays, `(empty array)`, `(error) ...`. `command` is the
 * command's name, used only to tell status replies (printed bare) from bulk strings.
 */
export function formatReply(reply: unknown, command = ''): ReplyLine[] {
  const status = STATUS_COMMANDS.has(command.toUpperCase()) || reply === 'QUEUED';
  return format(reply, '', status);
}

function format(v: unknown, prefix: string, status: boolean): ReplyLine[] {
  if (isError(v)) return [{ text: `(error) ${v.message}`, error: true }];
  if (v === null || v === undefined) return [{ text: '(nil)', error: false }];
  if (typeof v === 'number' || typeof v === 'bigint') return [{ text: Number.isInteger(Number(v)) ? `(integer) ${v}` : `(double) ${v}`, error: false }];
  if (typeof v === 'boolean') return [{ text: `(integer) ${v ? 1 : 0}`, error: false }];
  if (typeof v === 'string') return [{ text: status ? v : repr(v), error: false }];
  if (v instanceof Uint8Array) return [{ text: repr(v), error: false }];
  if (Array.isArray(v)) {
    if (v.length === 0) return [{ text: '(empty array)', error: false }];
    const width = String(v.length).length;
    const inner = prefix + ' '.repeat(width + 2);
    const lines: ReplyLine[] = [];
    v.forEach((item, i) => {
      const lead = `${String(i + 1).padStart(width, ' ')}) `;
      // Inside an EXEC reply each slot is its own command's reply: 'OK' there is a status too.
      const sub = format(item, inner, status || item === 'OK');
      sub.forEach((l, j) => lines.push({ text: (j === 0 ? (i === 0 ? '' : prefix) + lead : '') + l.text, error: l.error }));
    });
    return lines;
  }
  if (typeof v === 'object') {
    // Not a RESP shape (a facade would have reshaped it): show it as a flat map, as RESP3 does.
    return format(Object.entries(v as Record<string, unknown>).flat(), prefix, status);
  }
  return [{ text: String(v), error: false }];
}
