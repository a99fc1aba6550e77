/**
 * The graph view: a property graph with traversals, shortest paths and a Cypher subset (issue 6).
 * Placeholder until the view lands: no methods yet.
 */
import type { View } from '../view.js';

/** The graph view, registered with the worker as target 'graph'. */
export const graphView: View = {
  name: 'graph',
  tag: 0x4e, // 'N'
  methods: {},
};
