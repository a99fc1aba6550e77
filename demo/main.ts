/**
 * The demo's entry: opens the store, builds the five panels, runs the tab strip (ARIA tabs:
 * arrow keys, Home/End, the URL hash remembers the tab across reloads) and sets up offline use.
 */
import { App, type Panel } from './app.js';
import { byId } from './lib/dom.js';
import { errorText } from './lib/show.js';
import { kvPanel } from './panels/kv.js';
import { docsPanel } from './panels/docs.js';
import { graphPanel } from './panels/graph.js';
import { storePanel } from './panels/store.js';
import { benchPanel } from './panels/bench.js';
import { keepOffline, type OfflineState } from './lib/offline.js';

const TABS = ['kv', 'docs', 'graph', 'store', 'bench'] as const;
type TabId = (typeof TABS)[number];

const app = new App();
const panels = new Map<TabId, Panel>();
let active: TabId | undefined;

function select(id: TabId, focus = false): void {
  if (active === id) return;
  if (active) panels.get(active)?.hide?.();
  active = id;
  for (const t of TABS) {
    const tab = byId(`tab-${t}`);
    const on = t === id;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(`panel-${t}`).hidden = !on;
  }
  if (focus) byId(`tab-${id}`).focus();
  if (location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
  panels.get(id)?.show?.();
}

function initTabs(): void {
  for (const t of TABS) byId(`tab-${t}`).addEventListener('click', () => select(t));
  byId('tab-kv').parentElement!.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(active ?? 'kv');
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    select(TABS[next]!, true);
  });
  window.addEventListener('hashchange', () => {
    const id = location.hash.slice(1) as TabId;
    if (TABS.includes(id)) select(id);
  });
}

async function start(): Promise<void> {
  const status = byId('status');
  initTabs();
  try {
    await app.open();
  } catch (e) {
    status.textContent = `Could not open the store: ${errorText(e)}`;
    status.className = 'status bad';
    return;
  }
  status.textContent = `Store “${app.store.name}” open`;
  status.className = 'status ok';
  panels.set('kv', kvPanel(app, byId('panel-kv')));
  panels.set('docs', docsPanel(app, byId('panel-docs')));
  panels.set('graph', graphPanel(app, byId('panel-graph')));
  panels.set('store', storePanel(app, byId('panel-store')));
  panels.set('bench', benchPanel(app, byId('panel-bench')));
  const fromHash = location.hash.slice(1) as TabId;
  select(TABS.includes(fromHash) ? fromHash : 'kv');
  document.body.dataset.ready = 'true'; // for the browser tests: panels are built
}

/** Shows in the footer whether the next visit works offline (and marks it for the tests). */
function showOffline(s: OfflineState): void {
  const el = byId('offline');
  document.body.dataset.offline = s.state;
  el.textContent = s.state === 'ready' ? `· Works offline (${s.files} files kept)` : s.state === 'caching' ? '· Saving for offline use…' : s.state === 'failed' ? `· No offline copy: ${s.error}` : '';
}

// After the store opens: the crawl for the offline copy would otherwise compete with startup.
void start().then(() => keepOffline(showOffline));
