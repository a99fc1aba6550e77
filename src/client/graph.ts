/**
 * `store.graph(name)`: a property graph (issue 6). Placeholder until the view lands.
 */
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';

/** A property graph, bound to a store or a transaction. */
export class Graph {
  /** The graph's name. */
  readonly graphName: string;
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;

  /** @internal Use store.graph(name). */
  constructor(q: CallQueue, feed: Feed, name: string, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.graphName = name;
    this.tx = tx;
  }
}
