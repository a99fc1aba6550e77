/**
 * A bar chart of speed ratios, in plain DOM and CSS (no chart library, no inline style sheet: bar
 * geometry is set through the CSSOM, which the page's CSP allows).
 *
 * Ratios span orders of magnitude (a Map in the page is 100× faster than any database; Larder's
 * batching can be 50× faster than an IndexedDB wrapper), so the scale is logarithmic and centred
 * on 1×: a bar grows right when Larder is faster, left when it is slower, and equal distances
 * mean equal factors.
 */
import { h } from './dom.js';

/** One bar: a ratio (peer time / Larder time), or why there is none. */
export interface RatioBar {
  op: string;
  peer: string;
  ratio?: number;
  /** Shown instead of a bar: an error, or "too fast to time". */
  note?: string;
}

/** "12.3×": enough digits to read, never a misleading "0.00×". */
export function formatRatio(r: number): string {
  const digits = r >= 100 ? 0 : r >= 10 ? 1 : r >= 0.1 ? 2 : 3;
  return `${r.toFixed(digits)}×`;
}

/** The chart, as a figure with a caption, one row per bar, and the scale's end labels. */
export function ratioChart(title: string, bars: RatioBar[], testId: string): HTMLElement {
  const logs = bars.flatMap((b) => (b.ratio !== undefined && b.ratio > 0 ? [Math.abs(Math.log10(b.ratio))] : []));
  // Whole decades, at least one: the axis ends read 0.1× and 10×, or 0.01× and 100×, …
  const decades = Math.max(1, Math.ceil(Math.max(0, ...logs)));
  const rows = bars.map((b) => {
    if (b.ratio === undefined || !(b.ratio > 0)) {
      return h('li', { class: 'bar-row none' }, label(b), h('span', { class: 'bar-note' }, b.note ?? 'no figure'));
    }
    const x = Math.max(-1, Math.min(1, Math.log10(b.ratio) / decades)); // -1 … 1 around 1×
    const fill = h('span', { class: 'bar-fill' });
    fill.style.left = `${50 + Math.min(0, x) * 50}%`;
    fill.style.width = `${Math.abs(x) * 50}%`;
    const faster = b.ratio >= 1;
    const how = faster ? `Larder is ${formatRatio(b.ratio)} as fast as ${b.peer}` : `Larder takes ${formatRatio(1 / b.ratio)} as long as ${b.peer}`;
    return h('li', { class: `bar-row ${faster ? 'faster' : 'slower'}`, title: how },
      label(b), h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill), h('span', { class: 'ratio', 'aria-label': how }, formatRatio(b.ratio)));
  });
  const end = (e: number): string => `${Number((10 ** e).toPrecision(1))}×`;
  // The scale sits under the bars' column: the same grid as a row, with empty label and ratio cells.
  const axis = h('div', { class: 'bar-row axis', 'aria-hidden': 'true' }, h('span', { class: 'bar-label' }),
    h('span', { class: 'axis-ticks' }, h('span', {}, `← ${end(-decades)}`), h('span', {}, '1×'), h('span', {}, `${end(decades)} →`)), h('span'));
  return h('figure', { class: 'chart', 'data-testid': testId },
    h('figcaption', {}, title),
    h('ul', { class: 'bars' }, ...rows),
    axis);
}

function label(b: RatioBar): HTMLElement {
  return h('span', { class: 'bar-label' }, b.op, h('span', { class: 'muted' }, ` vs ${b.peer}`));
}
