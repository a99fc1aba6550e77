/**
 * `store.kv`: Redis for the browser (issue 4). Placeholder until the view lands.
 */
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';

/** The key-value API, bound to a store or a transaction. */
export class KvApi {
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;

  /** @internal Use store.kv. */
  constructor(q: CallQueue, feed: Feed, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.tx = tx;
  }
}
