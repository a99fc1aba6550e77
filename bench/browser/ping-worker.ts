/**
 * The transport baseline: a worker that does nothing but answer `ping` through Comlink. A point
 * read in Larder is this round trip plus the lookup, so its latency is the floor Larder is held to.
 * Works as a dedicated Worker and as a SharedWorker (Larder's own transport is a SharedWorker port).
 */
import * as Comlink from 'comlink';

const api = {
  /** Echoes its argument. */
  ping<T>(x: T): T {
    return x;
  },
};

/** The ping worker's API as the page sees it through Comlink. */
export type PingApi = typeof api;

const scope = self as unknown as { onconnect?: (e: MessageEvent) => void };
if ('onconnect' in scope) scope.onconnect = (e: MessageEvent) => Comlink.expose(api, e.ports[0]);
else Comlink.expose(api);
