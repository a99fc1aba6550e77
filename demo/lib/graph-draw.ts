/**
 * The graph drawing: nodes and relationships from a Cypher result laid out by force and drawn
 * as SVG. Nodes are coloured by label, focusable (Tab, Enter) and clickable; a returned path's
 * nodes and edges are highlighted.
 */
import type { GraphEdge, GraphNode } from '../../src/index.js';
import { h, svg } from './dom.js';
import { layout } from './force.js';
import { show } from './show.js';

const W = 800;
const H = 520;
const R = 13;
const PALETTE = ['#4c8bf5', '#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#1098ad', '#e03131', '#5c7cfa'];

type DrawNode = GraphNode & { x?: number; y?: number };

/** True for the shape a node has in query results and API replies. */
export function isNode(v: unknown): v is GraphNode {
  const o = v as GraphNode;
  return typeof o === 'object' && o !== null && typeof o.id === 'number' && Array.isArray(o.labels) && typeof o.properties === 'object';
}

/** True for the shape a relationship has in query results and API replies. */
export function isEdge(v: unknown): v is GraphEdge {
  const o = v as GraphEdge;
  return typeof o === 'object' && o !== null && typeof o.id === 'number' && typeof o.from === 'number' && typeof o.to === 'number' && typeof o.type === 'string';
}

/** Every node, edge and path (a `{ nodes, edges }` of entities) found anywhere in `rows`. */
export function collect(rows: unknown[]): { nodes: GraphNode[]; edges: GraphEdge[]; pathNodes: Set<number>; pathEdges: Set<number> } {
  const nodes = new Map<number, GraphNode>();
  const edges = new Map<number, GraphEdge>();
  const pathNodes = new Set<number>();
  const pathEdges = new Set<number>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || typeof v !== 'object' || v === null) return;
    if (isNode(v)) nodes.set(v.id, v);
    else if (isEdge(v)) edges.set(v.id, v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else {
      const p = v as { nodes?: unknown; edges?: unknown };
      if (Array.isArray(p.nodes) && Array.isArray(p.edges) && p.nodes.every(isNode) && p.edges.every(isEdge)) {
        for (const n of p.nodes) pathNodes.add(n.id);
        for (const e of p.edges) pathEdges.add(e.id);
      }
      Object.values(v).forEach((x) => walk(x, depth + 1));
    }
  };
  rows.forEach((r) => walk(r, 0));
  return { nodes: [...nodes.values()], edges: [...edges.values()], pathNodes, pathEdges };
}

function propsText(p: Record<string, unknown>): string {
  const keys = Object.keys(p);
  return keys.length ? ` ${show(p, 10_000)}` : '';
}

/**
 * A result value written the way Cypher shells print them: `(#1:Person {name: "Ada"})`,
 * `[#7:KNOWS {since: 2020}]`, a path as its chain of both; anything else as a value.
 */
export function cypherText(v: unknown): string {
  if (isNode(v)) return `(#${v.id}${v.labels.map((l) => `:${l}`).join('')}${propsText(v.properties as Record<string, unknown>)})`;
  if (isEdge(v)) return `[#${v.id}:${v.type}${propsText(v.properties as Record<string, unknown>)}]`;
  const p = v as { nodes?: unknown[]; edges?: unknown[] };
  if (p && typeof p === 'object' && Array.isArray(p.nodes) && Array.isArray(p.edges) && p.nodes.every(isNode) && p.edges.every(isEdge)) {
    let out = cypherText(p.nodes[0]);
    p.edges.forEach((e, i) => {
      const prev = p.nodes![i] as GraphNode;
      const fwd = (e as GraphEdge).from === prev.id;
      out += `${fwd ? '-' : '<-'}${cypherText(e)}${fwd ? '->' : '-'}${cypherText(p.nodes![i + 1])}`;
    });
    return out;
  }
  if (Array.isArray(v) && v.some((x) => isNode(x) || isEdge(x))) return `[${v.map(cypherText).join(', ')}]`;
  return show(v, 10_000);
}

/** A node's caption: its name or title, else its first property, else its id. */
export function caption(n: GraphNode): string {
  const p = n.properties as Record<string, unknown>;
  const v = p.name ?? p.title ?? Object.values(p).find((x) => typeof x === 'string' || typeof x === 'number');
  return v === undefined ? `#${n.id}` : String(v);
}

/** An SVG drawing that can be replaced (a new query) or grown (expanding a node). */
export class GraphDrawing {
  /** The element to put on the page. */
  readonly element: HTMLElement;
  private readonly root: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly empty: HTMLElement;
  private nodes = new Map<number, DrawNode>();
  private edges = new Map<number, GraphEdge>();
  private pathNodes = new Set<number>();
  private pathEdges = new Set<number>();
  private selected: number | undefined;
  private readonly colours = new Map<string, string>();

  constructor(private readonly onSelect: (n: GraphNode) => void) {
    this.root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Graph drawing', 'data-testid': 'graph-svg' });
    this.empty = h('div', { class: 'empty' }, 'Nodes and relationships returned by a query are drawn here.');
    this.legend = h('div', { class: 'legend', 'aria-label': 'Labels' });
    this.element = h('div', { class: 'stack' }, h('div', { class: 'graph-view' }, this.root, this.empty), this.legend);
  }

  /** Number of nodes drawn. */
  get size(): number {
    return this.nodes.size;
  }

  /** The colour of a label (stable for the page's lifetime). */
  colour(label: string | undefined): string {
    const key = label ?? '';
    let c = this.colours.get(key);
    if (!c) {
      c = PALETTE[this.colours.size % PALETTE.length]!;
      this.colours.set(key, c);
    }
    return c;
  }

  /** Replaces the drawing. */
  set(nodes: GraphNode[], edges: GraphEdge[], pathNodes = new Set<number>(), pathEdges = new Set<number>()): void {
    this.nodes = new Map(nodes.map((n) => [n.id, { ...n }]));
    this.edges = new Map(edges.map((e) => [e.id, e]));
    this.pathNodes = pathNodes;
    this.pathEdges = pathEdges;
    this.selected = undefined;
    this.relayout();
  }

  /** Adds nodes and edges, keeping what is drawn where it is (as far as the layout allows). */
  add(nodes: GraphNode[], edges: GraphEdge[]): void {
    for (const n of nodes) if (!this.nodes.has(n.id)) this.nodes.set(n.id, { ...n });
    for (const e of edges) this.edges.set(e.id, e);
    this.relayout();
  }

  /** Ids of edge ends that are not drawn (to fetch before drawing the edges). */
  missingEnds(edges: GraphEdge[], extra: GraphNode[] = []): number[] {
    const have = new Set([...this.nodes.keys(), ...extra.map((n) => n.id)]);
    return [...new Set(edges.flatMap((e) => [e.from, e.to]).filter((id) => !have.has(id)))];
  }

  private relayout(): void {
    const nodes = [...this.nodes.values()];
    const edges = [...this.edges.values()].filter((e) => this.nodes.has(e.from) && this.nodes.has(e.to));
    layout(nodes, edges, W, H);
    this.render(nodes, edges);
  }

  private render(nodes: DrawNode[], edges: GraphEdge[]): void {
    this.empty.hidden = nodes.length > 0;
    const defs = svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'currentColor' })));
    const edgeLayer = svg('g', { class: 'edges', color: '#8a93a6' });
    const showTypes = edges.length <= 80;
    for (const e of edges) {
      const a = this.nodes.get(e.from)!;
      const b = this.nodes.get(e.to)!;
      const dx = b.x! - a.x!;
      const dy = b.y! - a.y!;
      const d = Math.hypot(dx, dy) || 1;
      // Stop the line at the circle's rim so the arrowhead stays visible.
      const x2 = b.x! - (dx / d) * (R + 2);
      const y2 = b.y! - (dy / d) * (R + 2);
      const onPath = this.pathEdges.has(e.id);
      edgeLayer.append(svg('line', { class: `edge${onPath ? ' path' : ''}`, x1: a.x!, y1: a.y!, x2, y2, 'marker-end': 'url(#arrow)' }, svg('title', {}, `${e.type} (#${e.id})`)));
      if (showTypes) edgeLayer.append(svg('text', { class: 'edge-label', x: (a.x! + b.x!) / 2, y: (a.y! + b.y!) / 2 - 3, 'text-anchor': 'middle' }, e.type));
    }
    const nodeLayer = svg('g', { class: 'nodes' });
    for (const n of nodes) {
      const cls = ['node', this.pathNodes.has(n.id) ? 'path' : '', this.selected === n.id ? 'selected' : ''].filter(Boolean).join(' ');
      const g = svg('g', { class: cls, tabindex: 0, role: 'button', 'aria-label': `${n.labels.join(':') || 'node'} ${caption(n)}`, 'data-node-id': n.id, transform: `translate(${n.x!.toFixed(1)},${n.y!.toFixed(1)})` },
        svg('circle', { r: R, fill: this.colour(n.labels[0]) }),
        svg('text', { y: R + 12, 'text-anchor': 'middle' }, truncate(caption(n), 18)));
      const pick = () => this.select(n.id);
      g.addEventListener('click', pick);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          pick();
        }
      });
      nodeLayer.append(g);
    }
    this.root.replaceChildren(defs, edgeLayer, nodeLayer);
    const labels = [...new Set(nodes.map((n) => n.labels[0] ?? ''))];
    this.legend.replaceChildren(...labels.map((l) => {
      const s = h('span', {}, l || '(no label)');
      s.style.setProperty('--c', this.colour(l));
      return s;
    }));
  }

  /** Selects a node: highlights it and reports it. */
  select(id: number): void {
    const n = this.nodes.get(id);
    if (!n) return;
    this.selected = id;
    for (const g of this.root.querySelectorAll('.node')) g.classList.toggle('selected', (g as SVGGElement).dataset.nodeId === String(id));
    this.onSelect(n);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
