/** The change feed as facades see it: subscribe a callback, get an unsubscribe function. */
import type { ChangeEvent } from '../worker/protocol.js';

/** Subscribes `cb` to committed changes (and view events) of the store, from every tab. */
export type Feed = (cb: (e: ChangeEvent) => void) => () => void;
