/** Result tables for documents and for Cypher rows. Cells are text (see dom.ts). */
import { h } from './dom.js';
import { show } from './show.js';

/** A table of `rows` under `columns`; each cell shows the value on one line, full text on hover. */
export function rowsTable(columns: string[], rows: unknown[][], label: string, format: (v: unknown) => string = (v) => show(v, 400)): HTMLElement {
  const cell = (v: unknown) => {
    // undefined: the document has no such field (shown empty, unlike null).
    const text = v === undefined ? '' : format(v);
    return h('td', { title: text.length > 40 ? text : undefined }, text);
  };
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label },
    h('table', {},
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map(cell))))));
}

/**
 * A table of documents: one column per top-level field (in first-seen order, `_id` first), so
 * documents with different shapes line up. Non-documents show in a single "value" column.
 */
export function docTable(docs: unknown[], label: string): HTMLElement {
  const cols: string[] = [];
  const seen = new Set<string>();
  for (const d of docs.slice(0, 500)) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) continue;
    for (const k of Object.keys(d)) if (!seen.has(k)) { seen.add(k); cols.push(k); }
  }
  if (cols.length === 0) return rowsTable(['value'], docs.map((d) => [d]), label);
  cols.sort((a, b) => (a === '_id' ? -1 : b === '_id' ? 1 : 0));
  const rows = docs.map((d) => cols.map((c) => (typeof d === 'object' && d !== null ? (d as Record<string, unknown>)[c] : undefined)));
  return rowsTable(cols, rows, label);
}
