/**
 * Store panel: `store.info()` refreshed live, export to a file, import from one, destroy, the
 * proof that data survives a reload (a visit counter kept in the store itself), and the passphrase
 * option (an encrypted second store, secure-store.ts).
 */
import { importInto } from '../../src/index.js';
import type { App, Panel } from '../app.js';
import { download, h, replace } from '../lib/dom.js';
import { bytes, showPretty } from '../lib/show.js';
import { secureStoreCard } from './secure-store.js';

const VISITS_KEY = 'demo:visits';

type Info = Record<string, any>;

function stat(label: string, value: string, sub?: string): HTMLElement {
  return h('div', { class: 'stat' }, h('div', { class: 'k' }, label), h('div', { class: 'v' }, value), sub ? h('div', { class: 's' }, sub) : null);
}

function ms(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` : '—';
}

function ago(t: unknown): string {
  const n = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : NaN;
  if (!Number.isFinite(n) || n <= 0) return 'never';
  const s = Math.max(0, Math.round((Date.now() - n) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(n).toLocaleString();
}

/** Builds the store panel into `root`. */
export function storePanel(app: App, root: HTMLElement): Panel {
  const stats = h('div', { class: 'stats', 'data-testid': 'store-stats' });
  const raw = h('pre', { class: 'json', 'aria-label': 'store.info() output' });
  const visitsEl = h('p', { 'data-testid': 'store-visits' }, '…');
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy = false;

  async function refresh(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const [info, kvKeys, colls, graphs] = await Promise.all([
        app.store.info() as Promise<Info>,
        app.store.kv.sendCommand(['DBSIZE']) as Promise<number>,
        app.store.listCollections(),
        app.store.graph().listGraphs(),
      ]);
      const wal = (info.wal ?? {}) as Info;
      const cp = (info.checkpoint ?? {}) as Info;
      const lat = (info.commitLatencyMs ?? {}) as Info;
      const docs = colls.reduce((s, c) => s + (c.count ?? 0), 0);
      replace(stats,
        stat('Entries', Number(info.entries ?? 0).toLocaleString(), 'keys in the engine'),
        stat('Key-value keys', kvKeys.toLocaleString()),
        stat('Documents', docs.toLocaleString(), `${colls.length} collection(s)`),
        stat('Graphs', String(graphs.length), graphs.join(', ') || undefined),
        stat('Wasm memory', bytes(info.memory?.wasmBytes), `${bytes(info.memory?.liveBytes)} live`),
        stat('WAL since checkpoint', typeof wal.records === 'number' ? `${wal.records.toLocaleString()} records` : '—', typeof wal.bytes === 'number' ? bytes(wal.bytes) : undefined),
        stat('Last checkpoint', ago(cp.time), `${cp.sinceOpen ?? 0} since open`),
        stat('Commit latency', ms(lat.p50), `p99 ${ms(lat.p99)} · ${lat.samples ?? 0} samples`));
      raw.textContent = showPretty(info);
    } catch (e) {
      raw.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      busy = false;
    }
  }

  async function countVisit(): Promise<void> {
    const n = ((await app.store.get<number>(VISITS_KEY)) ?? 0) + 1;
    await app.store.set(VISITS_KEY, n);
    visitsEl.textContent = n === 1 ? 'This is the first time this page opened the store.' : `This page has opened the store ${n} times: the counter lives in the store itself, so it is still here after a reload or a browser restart.`;
  }

  const exportBtn = h('button', { type: 'button', 'data-testid': 'store-export' }, 'Export to a file');
  exportBtn.addEventListener('click', () => void app.busy(exportBtn, async () => {
    const blob = await app.store.export();
    download(blob, `larder-demo-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.larder`);
    app.toast(`Exported ${bytes(blob.size)}`);
  }));

  const fileInput = h('input', { type: 'file', accept: '.larder,application/octet-stream', 'aria-label': 'Import from a file', 'data-testid': 'store-import' });
  const importLabel = h('label', { class: 'button file-input' }, 'Import from a file…', fileInput);
  fileInput.addEventListener('change', () => void app.busy(null, async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    const n = await importInto(app.store, file);
    app.toast(`Imported ${n.toLocaleString()} entries from ${file.name}`);
    app.resetAll();
    await refresh();
  }));

  const destroyBtn = h('button', { class: 'danger', type: 'button', 'data-testid': 'store-destroy' }, 'Destroy the store…');
  destroyBtn.addEventListener('click', () => {
    if (!confirm('Delete every key, document and graph of “larder-demo”? This cannot be undone.')) return;
    void app.busy(destroyBtn, async () => {
      await app.destroyAndReopen();
      app.toast('Store destroyed; a fresh, empty one is open');
      await countVisit();
      await refresh();
    });
  });

  const checkpointBtn = h('button', { type: 'button', 'data-testid': 'store-checkpoint' }, 'Checkpoint now');
  checkpointBtn.addEventListener('click', () => void app.busy(checkpointBtn, async () => {
    await app.store.checkpoint();
    app.toast('Checkpoint written: the WAL starts again from empty');
    await refresh();
  }));

  const reloadBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'store-reload' }, 'Reload the page');
  reloadBtn.addEventListener('click', () => location.reload());

  replace(root,
    h('p', { class: 'intro' }, 'One store holds every model. It lives in a SharedWorker (one writer for all tabs), keeps a write-ahead log in IndexedDB and checkpoints it; a write resolves once it is on disk.'),
    h('div', { class: 'grid' },
      h('div', { class: 'stack' },
        h('div', { class: 'card stack' }, h('div', { class: 'row' }, h('h2', { class: 'grow' }, 'store.info()'), h('span', { class: 'hint' }, 'live, every second')), stats,
          h('div', { class: 'row' }, checkpointBtn, h('span', { class: 'hint' }, 'Checkpoints also happen on their own as the WAL grows.'))),
        h('div', { class: 'card stack' }, h('h3', {}, 'Raw'), raw)),
      h('div', { class: 'stack' },
        h('div', { class: 'card stack' }, h('h2', {}, 'Data survives reload'), visitsEl,
          h('p', { class: 'hint' }, 'Load a sample in any tab, then reload: it is all still there, read back from IndexedDB.'), h('div', { class: 'row' }, reloadBtn)),
        h('div', { class: 'card stack' }, h('h2', {}, 'Backup'),
          h('p', { class: 'hint' }, 'An export is a portable snapshot of everything (self-checking chunks). Importing one loads it atomically.'),
          h('div', { class: 'row' }, exportBtn, importLabel)),
        secureStoreCard(),
        h('div', { class: 'card stack' }, h('h2', {}, 'Danger zone'), h('p', { class: 'hint' }, 'Closes the store and deletes its IndexedDB database; the demo then opens a new, empty one.'), h('div', { class: 'row' }, destroyBtn)))));

  void countVisit().catch((e) => app.toast(String(e), 'error'));
  app.onReset(() => void refresh());
  return {
    show() {
      void refresh();
      timer ??= setInterval(() => void refresh(), 1000);
    },
    hide() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
