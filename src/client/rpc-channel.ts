/**
 * The tab-to-tab protocol of the Web Locks fallback (see leader-election.ts), over one
 * BroadcastChannel ('larder:rpc'). Where SharedWorker does not exist, one tab (the leader) runs
 * the dedicated worker; the others reach it through this channel:
 *
 * - `RemoteBackend` (a non-leader tab): the WorkerApi methods as requests with ids; the leader's
 *   reply is matched by (asking tab, request id, leader id) and errors come back as LarderErrors
 *   with their code. Change-feed events for this tab's subscriptions arrive as `ev` messages.
 * - `Relay` (the leader tab): answers requests addressed to it by calling its worker and
 *   broadcasting the reply, forwards other tabs' change feeds, and closes the connections of a
 *   tab that left or died, so a dead tab's subscriptions do not keep being served.
 *
 * Everything crossing is structured-cloned; dispatch's calls and results are already packed into
 * Uint8Arrays by the call queue, so they clone as one buffer.
 */
import * as Comlink from 'comlink';
import { isLarderError } from '../errors.js';
import type { ChangeEvent, WireError, WorkerApi } from '../worker/protocol.js';
import { fromWire } from './replies.js';

/** The channel name shared by every tab of the origin. */
export const RPC_CHANNEL = 'larder:rpc';

/** Prefix of the lock each tab holds for its whole life, so the leader learns when a tab dies. */
export const TAB_LOCK_PREFIX = 'larder:tab:';

/** A WorkerApi method, as named in requests. */
export type Method = keyof WorkerApi;

/** Every message on the channel. `leader` ids name one leadership (a tab may lead twice). */
export type TabMessage =
  | { k: 'who' }
  | { k: 'leader'; leader: string }
  | { k: 'gone'; leader: string }
  | { k: 'bye'; from: string }
  | { k: 'req'; to: string; from: string; id: number; m: Method; a: unknown[] }
  | { k: 'res'; to: string; leader: string; id: number; ok: true; v: unknown }
  | { k: 'res'; to: string; leader: string; id: number; ok: false; err: WireError }
  | { k: 'ev'; to: string; leader: string; conn: number; e: ChangeEvent };

/** One leader as a tab sees it: the WorkerApi of the current writer, with its real conn ids. */
export interface Backend {
  /** The leadership this backend talks to. */
  readonly leader: string;
  /** Calls a WorkerApi method other than subscribe. */
  call(m: Exclude<Method, 'subscribe'>, args: unknown[]): Promise<unknown>;
  /** Subscribes `cb` to the change feed of `conn`. */
  subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void>;
  /** Forgets every pending request and subscription (the leader changed). */
  dispose(): void;
}

/** The leader tab's own path: its dedicated worker, directly through Comlink. */
export class LocalBackend implements Backend {
  /** A backend over the worker behind `remote`, for the leadership `leader`. */
  constructor(readonly leader: string, private readonly remote: Comlink.Remote<WorkerApi>) {}

  call(m: Exclude<Method, 'subscribe'>, args: unknown[]): Promise<unknown> {
    return (this.remote[m] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
  }

  subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void> {
    return this.remote.subscribe(conn, Comlink.proxy(cb));
  }

  dispose(): void {
    // Nothing to drop: a terminated worker's Comlink promises never settle, and the tab client
    // stops waiting for them when the leader changes.
  }
}

function toWireError(e: unknown): WireError {
  if (isLarderError(e)) return { code: e.code, message: e.message, details: e.details };
  return { code: 'INTERNAL', message: String((e as Error)?.message ?? e) };
}

/** A non-leader tab's path: requests over the channel to the leader `leader`. */
export class RemoteBackend implements Backend {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly subs = new Map<number, (e: ChangeEvent) => void>();

  /** A backend that asks `leader` on `channel`, answering to `tab`. */
  constructor(readonly leader: string, private readonly channel: BroadcastChannel, private readonly tab: string) {}

  call(m: Method, args: unknown[]): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.channel.postMessage({ k: 'req', to: this.leader, from: this.tab, id, m, a: args } satisfies TabMessage);
      } catch (e) {
        // Uncloneable arguments fail here, synchronously, as they would on a Comlink port.
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  async subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void> {
    this.subs.set(conn, cb);
    await this.call('subscribe', [conn]);
  }

  /** Takes a reply or a change event addressed to this tab from this backend's leader. */
  receive(msg: TabMessage): void {
    if (msg.k === 'res' && msg.to === this.tab && msg.leader === this.leader) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.v);
      else p.reject(fromWire(msg.err));
    } else if (msg.k === 'ev' && msg.to === this.tab && msg.leader === this.leader) {
      this.subs.get(msg.conn)?.(msg.e);
    }
  }

  dispose(): void {
    // The tab client has already stopped waiting on these (it resends them to the next leader).
    this.pending.clear();
    this.subs.clear();
  }
}

/**
 * The leader tab's service to the other tabs: every request addressed to this leadership is run
 * on the worker and answered on the channel, in arrival order (the channel keeps one sender's
 * order, and each request is handed to Comlink synchronously, which keeps it too).
 */
export class Relay {
  /** Connections each tab opened, closed when the tab leaves or dies. */
  private readonly tabs = new Map<string, { conns: Set<number>; watch: AbortController }>();
  private disposed = false;

  /** A relay for the leadership `leader`, serving the worker behind `remote` on `channel`. */
  constructor(readonly leader: string, private readonly channel: BroadcastChannel, private readonly remote: Comlink.Remote<WorkerApi>) {}

  /** Handles a channel message (requests and goodbyes; the rest is not for the relay). */
  receive(msg: TabMessage): void {
    if (this.disposed) return;
    if (msg.k === 'bye') this.forget(msg.from);
    else if (msg.k === 'req' && msg.to === this.leader) this.serve(msg);
  }

  private serve(msg: Extract<TabMessage, { k: 'req' }>): void {
    const { from, id, m, a } = msg;
    const tab = this.watch(from);
    let p: Promise<unknown>;
    if (m === 'subscribe') {
      const conn = a[0] as number;
      p = this.remote.subscribe(conn, Comlink.proxy((e: ChangeEvent) => {
        if (!this.disposed) this.post({ k: 'ev', to: from, leader: this.leader, conn, e });
      }));
    } else {
      p = (this.remote[m] as unknown as (...x: unknown[]) => Promise<unknown>)(...a);
    }
    p.then(
      (v) => {
        if (m === 'open') tab.conns.add(v as number);
        else if (m === 'close' || m === 'destroy') tab.conns.delete(a[0] as number);
        this.post({ k: 'res', to: from, leader: this.leader, id, ok: true, v });
      },
      (e) => this.post({ k: 'res', to: from, leader: this.leader, id, ok: false, err: toWireError(e) }),
    );
  }

  /**
   * Starts watching a tab the first time it asks something: its life lock is granted to us only
   * once the tab is gone (closed, crashed, navigated), which is when its connections can close.
   */
  private watch(from: string): { conns: Set<number>; watch: AbortController } {
    let tab = this.tabs.get(from);
    if (tab) return tab;
    tab = { conns: new Set(), watch: new AbortController() };
    this.tabs.set(from, tab);
    navigator.locks
      .request(TAB_LOCK_PREFIX + from, { signal: tab.watch.signal }, () => this.forget(from))
      .catch(() => {}); // aborted: the relay was disposed or the tab said goodbye first
    return tab;
  }

  private forget(from: string): void {
    const tab = this.tabs.get(from);
    if (!tab) return;
    this.tabs.delete(from);
    tab.watch.abort();
    for (const conn of tab.conns) void this.remote.close(conn).catch(() => {});
  }

  private post(msg: TabMessage): void {
    if (this.disposed) return;
    try {
      this.channel.postMessage(msg);
    } catch (e) {
      // A result or event that cannot be cloned (it crossed from the worker, so this is rare):
      // the asking tab still gets an answer instead of waiting for ever.
      if (msg.k === 'res') this.channel.postMessage({ k: 'res', to: msg.to, leader: msg.leader, id: msg.id, ok: false, err: { code: 'INTERNAL', message: `reply could not be sent between tabs: ${(e as Error).message}` } });
    }
  }

  /** Stops serving (this tab is leaving the leadership). */
  dispose(): void {
    this.disposed = true;
    for (const tab of this.tabs.values()) tab.watch.abort();
    this.tabs.clear();
  }
}
