/**
 * `store.collection(name)`: MongoDB for the browser (issue 5). Placeholder until the view lands.
 */
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';

/** A collection of documents, bound to a store or a transaction. */
export class Collection<T = Record<string, unknown>> {
  /** The collection's name. */
  readonly collectionName: string;
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;
  /** @internal Phantom use of T so the type parameter is kept. */
  protected readonly _t?: T;

  /** @internal Use store.collection(name). */
  constructor(q: CallQueue, feed: Feed, name: string, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.collectionName = name;
    this.tx = tx;
  }
}

/** Names and counts of the store's collections (store.listCollections). */
export function listCollections(q: CallQueue, tx?: number): Promise<Array<{ name: string; count?: number }>> {
  return q.call('docs', 'listCollections', [], tx);
}
