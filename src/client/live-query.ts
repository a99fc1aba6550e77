/**
 * Live queries: re-run a query whenever a committed change touches its collection and call back
 * when the answer changed. Changes are recognised from the change feed: 'docs' keys are described
 * as JSON `[collection, id]` by the view, and a drop arrives as a 'docs' event. Re-runs are
 * coalesced: while one is in flight, further changes only mark the result stale, so a burst of
 * writes costs at most two queries.
 */
import { encodeValue } from '../codec/value.js';
import type { ChangeEvent } from '../worker/protocol.js';
import type { Feed } from './feed.js';

/** True when a committed change touches `coll`. */
export function touches(e: ChangeEvent, coll: string): boolean {
  for (const c of e.changes) {
    if (c.target !== 'docs') continue;
    try {
      const d = JSON.parse(c.key) as unknown;
      if (Array.isArray(d) && d[0] === coll) return true;
    } catch {
      // not a document key
    }
  }
  for (const ev of e.events ?? []) {
    if (ev.type === 'docs' && (ev.data as { c?: unknown } | null)?.c === coll) return true;
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `run` now and after every relevant change; calls `cb` when the result differs. */
export function liveQuery<T>(feed: Feed, coll: string, run: () => Promise<T[]>, cb: (docs: T[]) => void, onError?: (e: unknown) => void): () => void {
  let stopped = false;
  let running = false;
  let stale = false;
  let last: Uint8Array | undefined;
  const refresh = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      stale = true;
      return;
    }
    running = true;
    try {
      do {
        stale = false;
        const docs = await run();
        if (stopped) return;
        const bytes = encodeValue(docs);
        if (!last || !sameBytes(last, bytes)) {
          last = bytes;
          // A throwing callback must not end the loop: a change that arrived meanwhile would be lost.
          try {
            cb(docs);
          } catch (e) {
            if (onError) onError(e);
          }
        }
      } while (stale && !stopped);
    } catch (e) {
      if (onError) onError(e);
    } finally {
      running = false;
    }
  };
  const unsubscribe = feed((e) => {
    if (!stopped && touches(e, coll)) void refresh();
  });
  void refresh();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
