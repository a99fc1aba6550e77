/**
 * Documents panel: collections with counts, a find() editor (filter / projection / sort / limit
 * in relaxed JSON), results, explain() beside them, index management, an insert box and an
 * aggregation pipeline box.
 */
import type { App, Panel } from '../app.js';
import { h, onRunChord, replace } from '../lib/dom.js';
import { parseOr, parseRelaxed } from '../lib/relaxed-json.js';
import { errorText, show, showPretty } from '../lib/show.js';
import { docTable } from '../lib/table.js';
import { loadDocsSample, SAMPLE_SIZES } from '../samples/docs-sample.js';

const DEFAULT_PIPELINE = `[
  { $match: { active: true } },
  { $group: { _id: '$address.country', people: { $sum: 1 }, avgAge: { $avg: '$age' } } },
  { $sort: { people: -1 } },
]`;

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a relaxed-JSON box that must hold a document (or be blank). */
function docField(el: HTMLTextAreaElement | HTMLInputElement, what: string): Doc | undefined {
  const v = parseOr(el.value, undefined);
  if (v === undefined) return undefined;
  if (!isDoc(v)) throw new Error(`${what} must be a document, like { age: 1 }`);
  return v;
}

/** The stage names of a winning plan, outermost first: LIMIT → FETCH → IXSCAN. */
function stages(plan: unknown): Array<{ stage: string; index?: string }> {
  const out: Array<{ stage: string; index?: string }> = [];
  let p = plan as Doc | undefined;
  while (isDoc(p)) {
    out.push({ stage: String(p.stage), index: typeof p.indexName === 'string' ? p.indexName : undefined });
    p = (p.inputStage ?? (Array.isArray(p.inputStages) ? p.inputStages[0] : undefined)) as Doc | undefined;
  }
  return out;
}

/** Builds the documents panel into `root`. */
export function docsPanel(app: App, root: HTMLElement): Panel {
  let current = 'people';

  // ---- collections ----
  const colls = h('ul', { class: 'colls', 'aria-label': 'Collections', 'data-testid': 'docs-collections' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Loading the sample' });
  const loadBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'docs-load-sample' }, 'Load sample');

  async function refreshCollections(): Promise<void> {
    const list = (await app.store.listCollections()).sort((a, b) => a.name.localeCompare(b.name));
    if (list.length === 0) {
      replace(colls, h('li', { class: 'hint' }, `No collections yet. Load the sample (${(SAMPLE_SIZES.people + SAMPLE_SIZES.orders).toLocaleString()} documents) or insert one.`));
      return;
    }
    replace(colls, ...list.map((c) => h('li', {}, h('button', {
      type: 'button',
      'aria-current': String(c.name === current),
      onclick: () => select(c.name),
    }, h('span', {}, c.name), h('span', { class: 'n' }, (c.count ?? 0).toLocaleString())))));
  }

  function select(name: string): void {
    current = name;
    collInput.value = name;
    if (name === 'orders' && filter.value.includes('age')) {
      filter.value = "{ status: 'shipped', total: { $gt: 300 } }";
      projection.value = '{ number: 1, customer: 1, total: 1, status: 1 }';
      sort.value = '{ total: -1 }';
    } else if (name === 'people' && filter.value.includes('status')) resetQuery();
    void refreshAll();
  }

  // ---- query editor ----
  const collInput = h('input', { id: 'docs-coll', value: current, 'aria-label': 'Collection', spellcheck: 'false' });
  const filter = h('textarea', { id: 'docs-filter', rows: 2, spellcheck: 'false' });
  const projection = h('textarea', { id: 'docs-projection', rows: 2, spellcheck: 'false' });
  const sort = h('textarea', { id: 'docs-sort', rows: 2, spellcheck: 'false' });
  const limit = h('input', { id: 'docs-limit', type: 'number', min: 0, value: 50 });
  const runBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'docs-run' }, 'Find');
  const resetQuery = () => {
    filter.value = "{ age: { $gte: 30 }, 'address.city': 'Lisbon' }";
    projection.value = '{ name: 1, age: 1, address: 1, tags: 1 }';
    sort.value = '{ age: -1 }';
  };
  resetQuery();
  const queryError = h('p', { class: 'error', role: 'alert' });
  const results = h('div', { 'data-testid': 'docs-results' }, h('p', { class: 'hint' }, 'Run a query to see documents here.'));
  const resultCount = h('span', { class: 'count', 'data-testid': 'docs-count' });
  const explainSummary = h('p', { class: 'plan', 'data-testid': 'docs-plan' });
  const explainOut = h('pre', { class: 'json', 'aria-label': 'explain() output' });

  async function runQuery(): Promise<void> {
    queryError.textContent = '';
    current = collInput.value.trim() || 'people';
    let f: Doc, opts: { projection?: Doc; sort?: Doc; limit?: number };
    try {
      f = docField(filter, 'The filter') ?? {};
      opts = { projection: docField(projection, 'The projection'), sort: docField(sort, 'The sort') as Record<string, 1 | -1> | undefined, limit: Number(limit.value) || 0 };
    } catch (e) {
      queryError.textContent = errorText(e);
      return;
    }
    try {
      const coll = app.store.collection(current);
      const t0 = performance.now();
      const [docs, total, plan] = await Promise.all([
        coll.find(f, opts as never).toArray(),
        coll.countDocuments(f),
        coll.find(f, opts as never).explain(),
      ]);
      const ms = performance.now() - t0;
      resultCount.textContent = `${docs.length.toLocaleString()} shown of ${total.toLocaleString()} matching · ${ms.toFixed(1)} ms`;
      replace(results, docs.length ? docTable(docs, `Documents of ${current}`) : h('p', { class: 'hint' }, 'No documents match.'));
      const win = (plan.queryPlanner as Doc | undefined)?.winningPlan;
      const st = (plan.executionStats ?? {}) as Doc;
      replace(explainSummary, ...stages(win).flatMap((s, i) => [i ? ' → ' : '', h('span', { class: `stage${s.stage === 'COLLSCAN' ? ' scan' : ''}` }, s.index ? `${s.stage} ${s.index}` : s.stage)]),
        h('br'), h('span', { class: 'muted' }, `keys examined ${st.totalKeysExamined}, documents examined ${st.totalDocsExamined}, returned ${st.nReturned}`));
      explainOut.textContent = showPretty(plan);
    } catch (e) {
      queryError.textContent = errorText(e);
    }
  }
  // A run asked for while one is in flight runs right after it, never dropped (the button is
  // disabled while busy, so a click or chord would otherwise be lost).
  let running = false;
  let again = false;
  function requestRun(): void {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void app.busy(runBtn, runQuery).finally(() => {
      running = false;
      if (again) {
        again = false;
        requestRun();
      }
    });
  }
  runBtn.addEventListener('click', requestRun);
  for (const el of [filter, projection, sort, limit, collInput]) onRunChord(el, requestRun);
  limit.addEventListener('keydown', (e) => { if (e.key === 'Enter') requestRun(); });
  collInput.addEventListener('change', () => select(collInput.value.trim() || 'people'));

  // ---- indexes ----
  const indexList = h('ul', { class: 'indexes', 'data-testid': 'docs-indexes' });
  const indexKeys = h('input', { id: 'docs-index-keys', value: '{ score: -1 }', spellcheck: 'false', 'aria-label': 'Index keys' });
  const unique = h('input', { type: 'checkbox', id: 'docs-index-unique' });
  const createIdx = h('button', { type: 'button' }, 'Create index');

  async function refreshIndexes(): Promise<void> {
    const idx = await app.store.collection(current).indexes();
    replace(indexList, ...idx.map((ix) => h('li', {},
      h('span', { class: 'mono' }, `${ix.name} `, h('span', { class: 'muted' }, show(ix.key) + (ix.unique ? ' unique' : ''))),
      ix.name === '_id_' ? null : h('button', { class: 'small danger', type: 'button', 'aria-label': `Drop index ${ix.name}`, onclick: (e: Event) => void app.busy(e.currentTarget as HTMLButtonElement, async () => {
        await app.store.collection(current).dropIndex(String(ix.name));
        app.toast(`Dropped index ${ix.name}`);
        await refreshIndexes();
      }) }, 'Drop'))));
    if (idx.length === 0) replace(indexList, h('li', { class: 'hint' }, 'The collection does not exist yet.'));
  }
  createIdx.addEventListener('click', () => void app.busy(createIdx, async () => {
    const keys = docField(indexKeys, 'The index keys');
    if (!keys) throw new Error('Give the index keys, like { score: -1 }');
    const name = await app.store.collection(current).createIndex(keys as Record<string, 1 | -1>, { unique: unique.checked });
    app.toast(`Created index ${name}`);
    await refreshIndexes();
  }));
  indexKeys.addEventListener('keydown', (e) => { if (e.key === 'Enter') createIdx.click(); });

  // ---- insert ----
  const insertBox = h('textarea', { id: 'docs-insert', rows: 3, spellcheck: 'false' });
  insertBox.value = "{ name: 'Ada Lovelace', age: 36, tags: ['math', 'engines'], address: { city: 'London', country: 'UK' } }";
  const insertBtn = h('button', { type: 'button' }, 'Insert');
  const insertOut = h('p', { class: 'hint', 'data-testid': 'docs-insert-result' });
  insertBtn.addEventListener('click', () => void app.busy(insertBtn, async () => {
    const v = parseRelaxed(insertBox.value);
    const docs = Array.isArray(v) ? v : [v];
    if (!docs.every(isDoc)) throw new Error('Insert takes a document or an array of documents');
    const r = await app.store.collection(current).insertMany(docs as Doc[]);
    insertOut.textContent = `Inserted ${r.insertedCount} into ${current}: ${Object.values(r.insertedIds).map((id) => show(id)).join(', ')}`;
    await refreshCollections();
  }));
  onRunChord(insertBox, () => insertBtn.click());

  // ---- aggregation ----
  const pipeline = h('textarea', { id: 'docs-pipeline', rows: 6, spellcheck: 'false' });
  pipeline.value = DEFAULT_PIPELINE;
  const aggBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'docs-aggregate' }, 'Aggregate');
  const aggError = h('p', { class: 'error', role: 'alert' });
  const aggOut = h('div', { 'data-testid': 'docs-agg-results' });
  aggBtn.addEventListener('click', () => void app.busy(aggBtn, async () => {
    aggError.textContent = '';
    try {
      const p = parseRelaxed(pipeline.value);
      if (!Array.isArray(p)) throw new Error('A pipeline is an array of stages: [{ $match: ... }, ...]');
      const t0 = performance.now();
      const docs = await app.store.collection(current).aggregate(p as Doc[]).toArray();
      replace(aggOut, h('p', { class: 'count' }, `${docs.length} result(s) · ${(performance.now() - t0).toFixed(1)} ms`), docs.length ? docTable(docs, 'Aggregation results') : null);
    } catch (e) {
      aggError.textContent = errorText(e);
    }
  }));
  onRunChord(pipeline, () => aggBtn.click());

  loadBtn.addEventListener('click', () => void app.busy(loadBtn, async () => {
    progress.hidden = false;
    try {
      await loadDocsSample(app.store, (f) => { progress.value = f; });
    } finally {
      progress.hidden = true;
    }
    app.toast(`Documents sample loaded: ${SAMPLE_SIZES.people.toLocaleString()} people, ${SAMPLE_SIZES.orders.toLocaleString()} orders`);
    current = 'people';
    collInput.value = current;
    resetQuery();
    await refreshAll();
    requestRun();
  }));

  async function refreshAll(): Promise<void> {
    try {
      await Promise.all([refreshCollections(), refreshIndexes()]);
    } catch (e) {
      app.toast(errorText(e), 'error');
    }
  }

  const field = (label: string, el: HTMLElement, id: string) => h('label', { class: 'field', for: id }, label, el);
  replace(root,
    h('p', { class: 'intro' }, 'MongoDB-style collections: queries, projections, sorts, indexes with a planner, and aggregation. Boxes take JSON or relaxed JSON (unquoted keys, single quotes, ', h('code', {}, 'ObjectId("…")'), ', ', h('code', {}, 'ISODate("…")'), ', ', h('code', {}, '/regex/i'), '). Ctrl+Enter runs.'),
    h('div', { class: 'grid side' },
      h('div', { class: 'stack' },
        h('div', { class: 'card stack' }, h('h3', {}, 'Collections'), colls),
        h('div', { class: 'card stack' }, h('h2', {}, 'Sample data'), h('p', { class: 'hint' }, `${SAMPLE_SIZES.people.toLocaleString()} people and ${SAMPLE_SIZES.orders.toLocaleString()} orders, with indexes.`), loadBtn, progress)),
      h('div', { class: 'stack' },
        h('div', { class: 'card stack' },
          h('div', { class: 'row' }, h('h2', { class: 'grow' }, 'find()'), h('label', { for: 'docs-coll', class: 'muted' }, 'collection'), collInput),
          h('div', { class: 'editor-grid' }, field('Filter', filter, 'docs-filter'), field('Projection', projection, 'docs-projection'), field('Sort', sort, 'docs-sort'), field('Limit', limit, 'docs-limit')),
          h('div', { class: 'row' }, runBtn, h('span', { class: 'hint grow' }, 'Ctrl+Enter in any box'), resultCount),
          queryError),
        h('div', { class: 'grid wide' },
          h('div', { class: 'card stack' }, h('h3', {}, 'Results'), results),
          h('div', { class: 'card stack' }, h('h3', {}, 'explain()'), explainSummary, explainOut)),
        h('div', { class: 'grid even' },
          h('div', { class: 'card stack' }, h('h3', {}, 'Indexes'), indexList,
            h('div', { class: 'row' }, indexKeys, h('label', { class: 'check' }, unique, 'unique'), createIdx)),
          h('div', { class: 'card stack' }, h('h3', {}, 'Insert'), insertBox, h('div', { class: 'row' }, insertBtn, h('span', { class: 'hint' }, 'a document or an array')), insertOut)),
        h('div', { class: 'card stack' }, h('h3', {}, 'Aggregation pipeline'), pipeline, h('div', { class: 'row' }, aggBtn, h('span', { class: 'hint' }, 'Ctrl+Enter')), aggError, aggOut))));

  app.onReset(() => void refreshAll());
  let shown = false;
  let visible = false;
  // Another tab (or this one) wrote: keep the counts current while the panel is on screen.
  app.onChange(() => { if (visible) void refreshCollections().catch(() => {}); });
  return {
    hide() {
      visible = false;
    },
    show() {
      visible = true;
      void refreshAll();
      if (!shown) {
        shown = true;
        requestRun();
      }
    },
  };
}
