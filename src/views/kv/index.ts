/**
 * The key-value view: Redis's data types and command semantics on the keyspace (issue 4).
 * Placeholder until the view lands: no methods yet.
 */
import type { View } from '../view.js';

/** The kv view, registered with the worker as target 'kv'. */
export const kvView: View = {
  name: 'kv',
  tag: 0x4b, // 'K'
  pointTags: [0x4b],
  methods: {},
};
