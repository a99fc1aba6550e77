/**
 * Graph panel: a Cypher box over `graph.query`, the result as a table and as a force-laid-out
 * drawing; clicking a node shows its properties and can expand its neighbours.
 */
import type { App, Panel } from '../app.js';
import type { GraphNode } from '../../src/index.js';
import { h, onRunChord, replace } from '../lib/dom.js';
import { caption, collect, cypherText, GraphDrawing } from '../lib/graph-draw.js';
import { errorText, show } from '../lib/show.js';
import { rowsTable } from '../lib/table.js';
import { GRAPH_NAME, loadGraphSample } from '../samples/graph-sample.js';

const EXAMPLES: Array<[string, string]> = [
  ['Cast of The Matrix', "MATCH (p:Person)-[r:ACTED_IN]->(m:Movie {title: 'The Matrix'})\nRETURN p, r, m"],
  ['Shortest path', "MATCH p = shortestPath((a:Person {name: 'Keanu Reeves'})-[*]-(b:Person {name: 'Kevin Bacon'}))\nRETURN p"],
  ['Tom Hanks’ co-actors', "MATCH (tom:Person {name: 'Tom Hanks'})-[:ACTED_IN]->(m)<-[:ACTED_IN]-(co:Person)\nRETURN co.name AS coActor, collect(m.title) AS movies\nORDER BY size(movies) DESC, coActor"],
  ['Busiest directors', 'MATCH (d:Director)-[:DIRECTED]->(m:Movie)\nRETURN d.name AS director, count(m) AS movies\nORDER BY movies DESC, director LIMIT 5'],
  ['Movies since 2000', 'MATCH (m:Movie) WHERE m.released >= 2000\nRETURN m.title AS title, m.released AS year ORDER BY year'],
  ['Whole graph', 'MATCH (a)-[r]->(b) RETURN a, r, b'],
  ['Create a node', "CREATE (p:Person {name: 'You', born: 2000})-[:ACTED_IN {roles: ['Yourself']}]->(m:Movie {title: 'The Demo', released: 2025})\nRETURN p, m"],
];

/** Builds the graph panel into `root`. */
export function graphPanel(app: App, root: HTMLElement): Panel {
  const graph = () => app.store.graph(GRAPH_NAME);
  const editor = h('textarea', { id: 'graph-query', rows: 4, spellcheck: 'false', 'aria-label': 'Cypher query' });
  editor.value = EXAMPLES[0]![1];
  const runBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'graph-run' }, 'Run');
  const loadBtn = h('button', { type: 'button', 'data-testid': 'graph-load-sample' }, 'Load sample');
  const errorEl = h('p', { class: 'error', role: 'alert' });
  const summary = h('span', { class: 'count', 'data-testid': 'graph-summary' });
  const table = h('div', { 'data-testid': 'graph-table' }, h('p', { class: 'hint' }, 'Rows appear here.'));
  const props = h('div', { class: 'props stack', 'data-testid': 'graph-props' }, h('p', { class: 'hint' }, 'Click a node (or Tab to it and press Enter) to see its properties.'));
  const statsEl = h('p', { class: 'hint', 'data-testid': 'graph-stats' });

  const drawing = new GraphDrawing(showNode);

  function showNode(n: GraphNode): void {
    const expand = h('button', { type: 'button', 'data-testid': 'graph-expand' }, 'Expand neighbours');
    expand.addEventListener('click', () => void app.busy(expand, async () => {
      const edges = await graph().edges(n.id);
      const ends = drawing.missingEnds(edges);
      const nodes = (await Promise.all(ends.map((id) => graph().getNode(id)))).filter((x): x is GraphNode => x !== null);
      drawing.add(nodes, edges);
      drawing.select(n.id);
      app.toast(`${edges.length} relationship(s), ${nodes.length} new node(s)`);
    }));
    const entries = Object.entries(n.properties as Record<string, unknown>);
    replace(props,
      h('h2', {}, caption(n)),
      h('p', { class: 'muted' }, `#${n.id} · ${n.labels.map((l) => `:${l}`).join('') || 'no labels'}`),
      entries.length ? h('dl', {}, ...entries.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, show(v))])) : h('p', { class: 'hint' }, 'No properties.'),
      h('div', { class: 'row' }, expand));
  }

  async function run(): Promise<void> {
    errorEl.textContent = '';
    try {
      const t0 = performance.now();
      const res = await graph().query(editor.value);
      const ms = performance.now() - t0;
      const s = res.stats;
      const writes = [s.nodesCreated && `${s.nodesCreated} node(s) created`, s.relationshipsCreated && `${s.relationshipsCreated} relationship(s) created`, s.nodesDeleted && `${s.nodesDeleted} node(s) deleted`, s.relationshipsDeleted && `${s.relationshipsDeleted} relationship(s) deleted`, s.propertiesSet && `${s.propertiesSet} propert(ies) set`].filter(Boolean);
      summary.textContent = `${res.rows.length} row(s) · ${ms.toFixed(1)} ms${writes.length ? ` · ${writes.join(', ')}` : ''}`;
      replace(table, res.columns.length ? rowsTable(res.columns, res.rows, 'Query result', cypherText) : h('p', { class: 'hint' }, 'No columns returned.'));
      const found = collect(res.rows);
      // A RETURN of relationships alone still draws: fetch the nodes at their ends.
      const ends = found.edges.flatMap((e) => [e.from, e.to]).filter((id) => !found.nodes.some((n) => n.id === id));
      const extra = (await Promise.all([...new Set(ends)].map((id) => graph().getNode(id)))).filter((x): x is GraphNode => x !== null);
      drawing.set([...found.nodes, ...extra], found.edges, found.pathNodes, found.pathEdges);
      void refreshStats();
    } catch (e) {
      errorEl.textContent = errorText(e);
    }
  }

  async function refreshStats(): Promise<void> {
    try {
      const st = await graph().stats();
      statsEl.textContent = st.nodes === 0 ? 'The movie graph is empty: load the sample.' : `Graph “${GRAPH_NAME}”: ${st.nodes} nodes (${Object.entries(st.labels).map(([l, n]) => `${n} ${l}`).join(', ')}), ${st.edges} relationships.`;
    } catch (e) {
      statsEl.textContent = errorText(e);
    }
  }

  runBtn.addEventListener('click', () => void app.busy(runBtn, run));
  onRunChord(editor, () => runBtn.click());
  loadBtn.addEventListener('click', () => void app.busy(loadBtn, async () => {
    const r = await loadGraphSample(graph());
    app.toast(`Movie graph loaded: ${r.nodes} nodes, ${r.edges} relationships`);
    editor.value = EXAMPLES[0]![1];
    await run();
  }));

  const examples = h('div', { class: 'examples', 'aria-label': 'Example queries' }, ...EXAMPLES.map(([label, q]) => h('button', {
    class: 'small', type: 'button', onclick: () => { editor.value = q; editor.focus(); runBtn.click(); },
  }, label)));

  replace(root,
    h('p', { class: 'intro' }, 'A property graph with a Cypher subset: patterns, variable-length paths, shortest paths, aggregation, writes. Queries go through ', h('code', {}, `store.graph('${GRAPH_NAME}').query(cypher)`), '.'),
    h('div', { class: 'card stack' },
      h('div', { class: 'row' }, h('h2', { class: 'grow' }, 'Cypher'), loadBtn),
      editor,
      h('div', { class: 'row' }, runBtn, h('span', { class: 'hint' }, 'Ctrl+Enter'), h('span', { class: 'grow' }), summary),
      errorEl, examples, statsEl),
    h('div', { class: 'grid' },
      h('div', { class: 'card stack' }, h('h3', {}, 'Drawing'), drawing.element),
      h('div', { class: 'card' }, h('h3', {}, 'Node'), props)),
    h('div', { class: 'card stack' }, h('h3', {}, 'Rows'), table));

  app.onReset(() => { drawing.set([], []); void refreshStats(); });
  let shown = false;
  let visible = false;
  app.onChange(() => { if (visible) void refreshStats(); });
  return {
    hide() {
      visible = false;
    },
    show() {
      visible = true;
      void refreshStats();
      if (!shown) {
        shown = true;
        void run();
      }
    },
  };
}
