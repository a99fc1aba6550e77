/**
 * Per-store memory of the kv view that is not data: WATCH versions, pub/sub subscription counts,
 * member-scan cursors and the test clock. It lives in the worker (the single writer), keyed by
 * the store's Keyspace, so every tab sees the same counts and versions; it is lost on reload,
 * which is what Redis does with the same things on restart.
 */
import type { Keyspace } from '../../keyspace/keyspace.js';

/** What the kv view remembers about one store between calls. */
export interface KvState {
  /** A frozen clock for tests (ms since epoch), or undefined for ctx.now. */
  clock?: number;
  /** Bumped when `versions` is cleared, so older WATCHes fail safe rather than pass wrongly. */
  epoch: number;
  /**
   * Modification counter per WATCHed key (bkey form). Only keys someone has watched are tracked,
   * so writes cost nothing extra while nobody watches.
   */
  versions: Map<string, number>;
  /** Global modification sequence. */
  seq: number;
  /** Subscribers per channel and per pattern (bkey form), across every tab. */
  channels: Map<string, number>;
  patterns: Map<string, number>;
  /** HSCAN/SSCAN/ZSCAN cursors: id -> [container key, last member or score+member]. */
  cursors: Map<number, { key: string; after: Uint8Array }>;
  cursorSeq: number;
  /** Keyspace-notification patterns (bkey form) with listener counts: events are only built when one matches. */
  keyspacePatterns: Map<string, number>;
}

const states = new WeakMap<Keyspace, KvState>();

/** Versions kept before the map is reset (a reset only makes pending WATCHes fail). */
export const MAX_VERSIONS = 200_000;
/** Member-scan cursors kept (oldest dropped first; a dropped cursor restarts its scan). */
export const MAX_CURSORS = 1024;

/** The state of the store whose keyspace is `ks`. */
export function stateOf(ks: Keyspace): KvState {
  let s = states.get(ks);
  if (!s) {
    s = { epoch: 1, versions: new Map(), seq: 0, channels: new Map(), patterns: new Map(), cursors: new Map(), cursorSeq: 0, keyspacePatterns: new Map() };
    states.set(ks, s);
  }
  return s;
}

/** Starts tracking `key` for WATCH; returns its current version. */
export function trackVersion(s: KvState, key: string): number {
  let v = s.versions.get(key);
  if (v === undefined) {
    if (s.versions.size >= MAX_VERSIONS) {
      s.versions.clear();
      s.epoch++;
    }
    v = 0;
    s.versions.set(key, v);
  }
  return v;
}

/** Records that `key` (raw bytes) changed, when it is watched. */
export function bumpVersion(s: KvState, key: Uint8Array, toKey: (b: Uint8Array) => string): void {
  if (s.versions.size === 0) return;
  const k = toKey(key);
  if (s.versions.has(k)) s.versions.set(k, ++s.seq);
}
