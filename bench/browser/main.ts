/**
 * The bench page's entry: exposes `window.bench.run(name, params)` for the driver, which calls it
 * through Playwright's `page.evaluate`, and sets `window.benchReady` once everything is loaded.
 */
import { workloads, type Params, type Sample, type WorkloadName } from './workloads.js';

declare global {
  interface Window {
    bench: { run(name: WorkloadName, params: Params): Promise<Sample> };
    benchReady: boolean;
  }
}

window.bench = {
  run(name, params) {
    const w = workloads[name] as ((p: Params) => Promise<Sample>) | undefined;
    if (!w) return Promise.reject(new Error(`unknown workload ${name}`));
    return w(params);
  },
};
window.benchReady = true;
