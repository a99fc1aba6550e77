/**
 * Scope: every model's API bound to one context — the store itself, or one transaction — so a
 * transaction spans plain values, kv, collections and graphs with the same methods.
 */
import { LarderError } from '../errors.js';
import type { CallQueue } from './call-queue.js';
import { Collection, listCollections } from './collection.js';
import type { Feed } from './feed.js';
import { Graph } from './graph.js';
import { KvApi } from './kv.js';
import { ValuesApi } from './values.js';

/** Values, kv, collections and graphs, bound to a store or a transaction. */
export class Scope extends ValuesApi {
  /** @internal */
  protected readonly feed: Feed;
  private kvApi?: KvApi;

  /** @internal */
  constructor(q: CallQueue, feed: Feed, tx?: number) {
    super(q, tx);
    this.feed = feed;
  }

  /** Redis-style key-value API. */
  get kv(): KvApi {
    return (this.kvApi ??= new KvApi(this.q, this.feed, this.tx));
  }

  /** The collection `name` (created on first write). */
  collection<T = Record<string, unknown>>(name: string): Collection<T> {
    if (typeof name !== 'string' || name.length === 0) throw new LarderError('BAD_VALUE', 'collection name must be a non-empty string');
    return new Collection<T>(this.q, this.feed, name, this.tx);
  }

  /** The property graph `name`. */
  graph(name = 'default'): Graph {
    if (typeof name !== 'string' || name.length === 0) throw new LarderError('BAD_VALUE', 'graph name must be a non-empty string');
    return new Graph(this.q, this.feed, name, this.tx);
  }

  /** The store's collections with their document counts. */
  listCollections(): Promise<Array<{ name: string; count?: number }>> {
    return listCollections(this.q, this.tx);
  }
}
