/**
 * The document view: MongoDB's query, update, index and aggregation language (issue 5).
 * Placeholder until the view lands: no methods yet.
 */
import type { View } from '../view.js';

/** The docs view, registered with the worker as target 'docs'. */
export const docsView: View = {
  name: 'docs',
  tag: 0x44, // 'D'
  methods: {},
};
