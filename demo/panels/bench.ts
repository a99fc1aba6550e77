/**
 * Benchmark panel: runs the `npm run bench` workloads here, in this tab, against the same peers
 * (Dexie, idb-keyval, raw IndexedDB, a Map, graphology, LokiJS, mingo), one run each at a size the
 * user picks, and draws each comparison as a ratio bar. A progress bar follows the runs.
 *
 * The workloads are bench/browser/'s own, loaded on the first Run (a dynamic import), so the peers'
 * code never weighs on the rest of the demo. Every database a run creates is named for that run
 * and deleted by it; the demo's own stores are never touched.
 */
import type { Params, Sample } from '../../bench/browser/workloads.js';
import { openStore } from '../../src/index.js';
import type { App, Panel } from '../app.js';
import { BENCH_SIZES, benchPlan, type Group } from '../lib/bench-plan.js';
import { h, replace } from '../lib/dom.js';
import { ratioChart, type RatioBar } from '../lib/ratio-chart.js';
import { errorText } from '../lib/show.js';

type Workload = (p: Params) => Promise<Sample>;

/** Builds the benchmark panel into `root`. */
export function benchPanel(_app: App, root: HTMLElement): Panel {
  const size = h('select', { id: 'bench-size', 'aria-label': 'Records per workload' },
    ...BENCH_SIZES.map((n) => h('option', { value: n, selected: n === BENCH_SIZES[1] }, `${n.toLocaleString()} records`)));
  const runBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'bench-run' }, 'Run');
  const stopBtn = h('button', { type: 'button', 'data-testid': 'bench-stop', disabled: true }, 'Stop');
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Benchmark progress', 'data-testid': 'bench-progress' });
  const status = h('p', { class: 'hint', role: 'status', 'data-testid': 'bench-status' }, 'Not run yet.');
  const charts = h('div', { class: 'charts', 'data-testid': 'bench-charts' });
  let stopping = false;

  async function run(): Promise<void> {
    const n = Number(size.value);
    const runId = `demo-bench-${Date.now().toString(36)}`;
    const plan = benchPlan(n, runId);
    const total = plan.groups.reduce((a, g) => a + g.runs.length, 0) + 1; // + the cleanup
    let done = 0;
    const step = (text: string): void => {
      progress.max = total;
      progress.value = done;
      progress.setAttribute('aria-valuenow', String(done));
      status.textContent = text;
    };
    stopping = false;
    runBtn.disabled = true;
    size.disabled = true;
    stopBtn.disabled = false;
    charts.replaceChildren();
    root.dataset.state = 'running';
    step('Loading the workloads and the peers…');
    const t0 = performance.now();
    const results = new Map<string, Sample>();
    const failures = new Map<string, string>();
    try {
      const { workloads } = await import('../../bench/browser/workloads.js');
      for (const group of plan.groups) {
        if (stopping) break;
        for (const r of group.runs) {
          if (stopping) break;
          step(`${group.title} — ${r.label} (${done + 1} of ${total})`);
          await nextFrame(); // let the progress bar paint: some peers run synchronously for a while
          try {
            const s = await (workloads[r.name] as Workload)(r.params);
            results.set(r.key, s);
            for (const [part, x] of Object.entries(s.parts ?? {})) results.set(`${r.key}/${part}`, x);
          } catch (e) {
            failures.set(r.key, errorText(e));
          }
          done++;
        }
        charts.append(ratioChart(group.title, bars(group, results, failures), `bench-chart-${group.id}`));
      }
      step(`Cleaning up (${done + 1} of ${total})…`);
      await cleanup(workloads, plan.fixtures);
      done++;
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      step(stopping ? `Stopped after ${secs} s.` : `Done in ${secs} s: ${results.size} figures, ${failures.size} failure${failures.size === 1 ? '' : 's'}.`);
      root.dataset.state = stopping ? 'stopped' : 'done';
    } catch (e) {
      step(`The benchmark could not run: ${errorText(e)}`);
      root.dataset.state = 'failed';
    } finally {
      runBtn.disabled = false;
      size.disabled = false;
      stopBtn.disabled = true;
    }
  }

  runBtn.addEventListener('click', () => void run());
  stopBtn.addEventListener('click', () => {
    stopping = true;
    stopBtn.disabled = true;
    status.textContent = 'Stopping after the current workload…';
  });

  replace(root,
    h('p', { class: 'intro' }, 'The workloads of ', h('code', {}, 'npm run bench'), ' (bench/browser/), run here in this tab against the same peers. Each bar compares one operation: the peer’s time per operation divided by Larder’s, so right of 1× Larder is faster, left of it slower (the scale is logarithmic). One run of each at a small size, so expect noise; the published table is the median of five runs at 100,000 records.'),
    h('div', { class: 'card stack' },
      h('div', { class: 'row' }, h('label', { for: 'bench-size', class: 'hint' }, 'Size'), size, runBtn, stopBtn),
      h('p', { class: 'hint' }, '1,000 records take a few seconds; larger sizes give steadier ratios (fixed costs weigh less) but take longer: 10,000 about half a minute on a two-core laptop. The tab stays usable between workloads.'),
      progress, status),
    charts);

  return {};
}

/** The group's bars from the figures gathered so far; a missing figure says why. */
function bars(group: Group, results: Map<string, Sample>, failures: Map<string, string>): RatioBar[] {
  const get = (key: string): Sample | string => {
    const s = results.get(key);
    if (s?.error) return s.error;
    return s ?? failures.get(key.split('/')[0]!) ?? 'not run';
  };
  return group.pairs.map((p) => {
    const ours = get(p.ours);
    const peer = get(p.peer);
    if (typeof ours === 'string') return { op: p.op, peer: p.peerLabel, note: `Larder: ${ours}` };
    if (typeof peer === 'string') return { op: p.op, peer: p.peerLabel, note: `${p.peerLabel}: ${peer}` };
    if (!(ours.ms > 0) || !(peer.ms > 0)) return { op: p.op, peer: p.peerLabel, note: 'too fast to time at this size' };
    return { op: p.op, peer: p.peerLabel, ratio: (peer.ms / peer.ops) / (ours.ms / ours.ops) };
  });
}

/**
 * Closes and deletes the read fixtures the record group kept open. Not the bench's own `cleanup`
 * workload: that one also sweeps every other database of the origin, the demo's stores included.
 */
async function cleanup(workloads: { closeFixtures(): Promise<Sample> }, fixtures: { larder: string; dexie: string }): Promise<void> {
  const { deleteDexie } = await import('../../bench/browser/peers.js');
  await workloads.closeFixtures().catch(() => undefined);
  await openStore(fixtures.larder).then((s) => s.destroy()).catch(() => undefined);
  await deleteDexie(fixtures.dexie).catch(() => undefined);
}

/** After the next paint, or 100 ms (a hidden tab does not paint, and the run must go on). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); resolve(); }, 0));
  });
}
