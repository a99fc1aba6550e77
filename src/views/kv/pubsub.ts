/**
 * Pub/sub (Redis's pubsub.c) across every tab of the origin. Messages travel on the store's change
 * feed as view events ('message'), which every connected tab receives; each tab's facade delivers
 * them to its own SUBSCRIBE / PSUBSCRIBE callbacks. The worker keeps subscriber counts per channel
 * and pattern (facades report subscribe / unsubscribe), so PUBLISH can answer how many
 * subscriptions received the message. The count is approximate in one way: a tab that dies
 * without unsubscribing (crash, kill) stays counted until the worker restarts.
 */
import { bkey, str, unbkey } from './bytes.js';
import type { CommandTable } from './command.js';
import type { Db } from './db.js';
import { globMatch } from './glob.js';
import type { Reply } from './reply.js';
import type { KvState } from './state.js';

/** The payload of a 'message' event. */
export interface MessageEvent {
  channel: Uint8Array;
  message: Uint8Array;
  /** The subscribed patterns the channel matches (so tabs need no glob matching of their own). */
  patterns: string[];
}

function publish(db: Db, a: Uint8Array[]): Reply {
  const st = db.st;
  let n = st.channels.get(bkey(a[1])) ?? 0;
  const patterns: string[] = [];
  for (const [p, c] of st.patterns) {
    if (globMatch(unbkey(p), a[1])) {
      n += c;
      patterns.push(str(unbkey(p)));
    }
  }
  db.ctx.emit('message', { channel: a[1], message: a[2], patterns } satisfies MessageEvent);
  return n;
}

/**
 * Adjusts the listener count of channels, patterns or keyspace-notification patterns by `delta`
 * (+1 subscribe, -1 leave).
 */
export function adjustSubscriptions(st: KvState, kind: 'channel' | 'pattern' | 'keyspace', names: Uint8Array[], delta: number): void {
  const map = kind === 'pattern' ? st.patterns : kind === 'keyspace' ? st.keyspacePatterns : st.channels;
  for (const name of names) {
    const k = bkey(name);
    const n = (map.get(k) ?? 0) + delta;
    if (n > 0) map.set(k, n);
    else map.delete(k);
  }
}

/** Pub/sub commands that run in the worker (SUBSCRIBE lives in the facade). */
export const pubsubCommands: CommandTable = {
  publish: { fn: publish, arity: 3 },
};
