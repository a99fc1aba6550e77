/**
 * CSV in the style of Neo4j's bulk import (neo4j-admin database import), as pure functions: the
 * facade parses files with these and sends rows to the worker in batches (so it can report
 * progress); nothing here touches the keyspace.
 *
 * Node files: a header such as `personId:ID(Person),name,born:int,tags:string[],:LABEL`.
 *   - `:ID` (optionally named, optionally with an id space in parentheses) identifies the row for
 *     relationship files; a named id column is also stored as a property (Neo4j does the same).
 *   - `:LABEL` holds labels separated by the array delimiter (';').
 * Relationship files: `:START_ID(Person),:END_ID(Movie),:TYPE,role,since:int`.
 * Property types: string (default), int, long, short, byte, float, double, boolean, char, date,
 * datetime (a Date), and arrays of any of them (`int[]`, values split by ';'). `:IGNORE` columns
 * are skipped. An empty unquoted field means "no property".
 */
import { LarderError } from '../../errors.js';

/** One parsed field: its text and whether it was quoted (an empty quoted field is ""). */
export interface Field {
  text: string;
  quoted: boolean;
}

/**
 * Splits CSV text into rows of fields (RFC 4180: quoted fields may hold delimiters, quotes as
 * "" and line breaks; CRLF or LF line ends). Blank lines are skipped.
 */
export function parseCsv(text: string, delimiter = ','): Field[][] {
  if (typeof text !== 'string') throw new LarderError('BAD_VALUE', 'CSV input must be a string');
  const rows: Field[][] = [];
  let row: Field[] = [];
  let i = 0;
  const n = text.length;
  let line = 1;
  const endRow = () => {
    if (!(row.length === 1 && row[0].text === '' && !row[0].quoted)) rows.push(row);
    row = [];
  };
  while (i <= n) {
    if (i === n) { if (row.length) endRow(); break; }
    let text_ = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      i++;
      const startLine = line;
      for (;;) {
        if (i >= n) throw new LarderError('SYNTAX', `CSV: unterminated quoted field starting on line ${startLine}`);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') { text_ += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === '\n') line++;
        text_ += c;
        i++;
      }
    } else {
      const s = i;
      while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
      text_ = text.slice(s, i);
    }
    row.push({ text: text_, quoted });
    if (i >= n) { endRow(); break; }
    const c = text[i];
    if (c === delimiter) { i++; if (i === n) { row.push({ text: '', quoted: false }); endRow(); break; } continue; }
    if (c === '\r') i++;
    if (text[i] === '\n') i++;
    else if (c !== '\r') throw new LarderError('SYNTAX', `CSV: unexpected character ${JSON.stringify(c)} after a quoted field on line ${line}`);
    line++;
    endRow();
  }
  return rows;
}

/** What a header column means. */
export interface Column {
  role: 'id' | 'label' | 'start' | 'end' | 'type' | 'prop' | 'ignore';
  /** Property name (for 'prop', and for a named 'id'). */
  name: string;
  /** Value type (for properties). */
  type: string;
  array: boolean;
  /** Id space of an id/start/end column ('' for the global space). */
  space: string;
}

const TYPES = new Set(['string', 'int', 'long', 'short', 'byte', 'float', 'double', 'boolean', 'char', 'date', 'datetime', 'localdatetime']);

/** Parses a Neo4j-style header row. */
export function parseHeader(fields: Field[]): Column[] {
  return fields.map((f, i) => {
    const h = f.text.trim();
    const colon = h.lastIndexOf(':');
    const name = colon < 0 ? h : h.slice(0, colon);
    let spec = colon < 0 ? 'string' : h.slice(colon + 1);
    const m = /^(ID|START_ID|END_ID)\((.*)\)$/i.exec(spec);
    const space = m ? m[2] : '';
    if (m) spec = m[1];
    switch (spec.toUpperCase()) {
      case 'ID': return { role: 'id', name, type: 'string', array: false, space };
      case 'START_ID': return { role: 'start', name, type: 'string', array: false, space };
      case 'END_ID': return { role: 'end', name, type: 'string', array: false, space };
      case 'LABEL': return { role: 'label', name, type: 'string', array: true, space };
      case 'TYPE': return { role: 'type', name, type: 'string', array: false, space };
      case 'IGNORE': return { role: 'ignore', name, type: 'string', array: false, space };
    }
    const array = spec.endsWith('[]');
    const type = (array ? spec.slice(0, -2) : spec).toLowerCase();
    if (!TYPES.has(type)) throw new LarderError('SYNTAX', `CSV header column ${i + 1} ("${h}"): unknown type "${spec}"`);
    if (!name) throw new LarderError('SYNTAX', `CSV header column ${i + 1}: a property column needs a name`);
    return { role: 'prop', name, type, array, space };
  });
}

function convert(text: string, type: string, where: string): unknown {
  switch (type) {
    case 'string':
    case 'char':
      return text;
    case 'int':
    case 'long':
    case 'short':
    case 'byte': {
      const t = text.trim();
      if (!/^[-+]?\d+$/.test(t)) throw new LarderError('BAD_VALUE', `${where}: "${text}" is not an integer`);
      const v = Number(t);
      return Number.isSafeInteger(v) ? v : BigInt(t);
    }
    case 'float':
    case 'double': {
      const v = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(v) && text.trim() !== 'NaN') throw new LarderError('BAD_VALUE', `${where}: "${text}" is not a number`);
      return v;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t !== 'true' && t !== 'false') throw new LarderError('BAD_VALUE', `${where}: "${text}" is not a boolean`);
      return t === 'true';
    }
    default: {
      const d = new Date(text.trim());
      if (Number.isNaN(d.getTime())) throw new LarderError('BAD_VALUE', `${where}: "${text}" is not a date`);
      return d;
    }
  }
}

/** A node row: its id (with space) if any, labels and properties. */
export interface NodeRow {
  key?: string;
  labels: string[];
  properties: Record<string, unknown>;
}

/** A relationship row: the keys of its ends, its type and properties. */
export interface EdgeRow {
  start: string;
  end: string;
  type?: string;
  properties: Record<string, unknown>;
}

/** The lookup key of an id in a space. */
export function idKey(space: string, id: string): string {
  return `${space}\u0000${id}`;
}

function rowProps(cols: Column[], row: Field[], arrayDelimiter: string, line: number, out: Record<string, unknown>): void {
  cols.forEach((c, i) => {
    if (c.role !== 'prop' && !(c.role === 'id' && c.name)) return;
    const f = row[i];
    if (!f || (f.text === '' && !f.quoted)) return;
    const where = `line ${line}, column "${c.name}"`;
    out[c.name] = c.array ? f.text.split(arrayDelimiter).map((x) => convert(x, c.type, where)) : convert(f.text, c.type, where);
  });
}

/** Converts one data row of a node file (line is its 1-based line for messages). */
export function nodeRow(cols: Column[], row: Field[], line: number, defaults: string[], arrayDelimiter = ';'): NodeRow {
  const properties: Record<string, unknown> = {};
  const labels = [...defaults];
  let key: string | undefined;
  cols.forEach((c, i) => {
    const f = row[i];
    if (!f) return;
    if (c.role === 'id') key = idKey(c.space, f.text);
    else if (c.role === 'label') for (const l of f.text.split(arrayDelimiter)) if (l && !labels.includes(l)) labels.push(l);
  });
  rowProps(cols, row, arrayDelimiter, line, properties);
  return { key, labels, properties };
}

/** Converts one data row of a relationship file. */
export function edgeRow(cols: Column[], row: Field[], line: number, defaultType: string | undefined, arrayDelimiter = ';'): EdgeRow {
  const properties: Record<string, unknown> = {};
  let start: string | undefined, end: string | undefined, type = defaultType;
  cols.forEach((c, i) => {
    const f = row[i];
    if (!f) return;
    if (c.role === 'start') start = idKey(c.space, f.text);
    else if (c.role === 'end') end = idKey(c.space, f.text);
    else if (c.role === 'type' && f.text) type = f.text;
  });
  if (start === undefined || end === undefined) throw new LarderError('SYNTAX', `CSV line ${line}: a relationship file needs :START_ID and :END_ID columns`);
  rowProps(cols, row, arrayDelimiter, line, properties);
  return { start, end, type, properties };
}
