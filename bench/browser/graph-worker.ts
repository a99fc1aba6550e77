/**
 * The graph benchmark inside a real Web Worker in Chromium (issue 6's "within the worker"): the
 * graph view's worker-side code (larderWorkerSuite, the view's methods as the store's worker calls
 * them, over a fresh in-memory keyspace) and graphology, both in this worker, on the same graph.
 * Posts `{ larder, gy }`, one sample per workload each, or `{ error }`.
 */
import { loadEngine } from '../../src/core/engine.js';
import { Keyspace } from '../../src/keyspace/keyspace.js';
import { graphView } from '../../src/views/graph/index.js';
import { graphologySuite, larderWorkerSuite, makeGraph } from '../graph-suite.js';

self.onmessage = async (ev: MessageEvent<{ n: number; e: number }>) => {
  try {
    const g = makeGraph(ev.data.n, ev.data.e);
    const ks = Keyspace.create(await loadEngine(), graphView.pointTags ?? []);
    const larder = larderWorkerSuite(g, ks);
    ks.free();
    const gy = graphologySuite(g);
    self.postMessage({ larder, gy });
  } catch (e) {
    self.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
