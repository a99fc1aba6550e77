/**
 * One writer per origin without SharedWorker (e.g. Chrome on Android): Web Locks leader election
 * with forwarding.
 *
 * Every tab that opens a store asks for the exclusive lock 'larder:leader'. The tab holding it
 * starts the dedicated worker (src/worker/worker-main.ts) and is the only writer; it uses its
 * worker directly and serves the other tabs over the BroadcastChannel 'larder:rpc'
 * (rpc-channel.ts). The lock is held for exactly as long as that worker may run, so two workers
 * never write at once: the tab releases it only after terminating its worker (pagehide), and the
 * browser releases it when the tab dies (which kills the worker with it).
 *
 * Handover: the next tab in the lock's queue gets it, starts its own worker (which recovers every
 * store from IndexedDB) and announces itself. Every tab then re-opens its stores on the new
 * leader — connection ids belong to one leader, so a tab hands its Store objects virtual
 * connection ids and maps them to the current leader's real ones — re-subscribes its change
 * feeds, and resends every request the old leader did not answer, in their original order.
 *
 * Delivery guarantee across a handover:
 * - A write whose promise resolved was committed by the old leader (strict durability) and is
 *   recovered by the new one: never lost.
 * - A request the old leader did not answer is sent again to the new leader, under the same name
 *   (this tab's id and a sequence number). The writer records the results of every message that
 *   wrote in the same commit as its writes (src/worker/request-log.ts), so if the old leader
 *   committed it but died before its reply got out, the new leader answers from that record and
 *   does not run it again: every write takes effect once. A message that begins a transaction is
 *   the exception: it is run again, and begins a new one.
 * - Interactive transactions live in the engine that began them, so one open during a handover is
 *   rolled back with the old worker; its later calls (and a commit in flight) fail with CLOSED
 *   instead of being resent. A commit in flight may nevertheless have been committed.
 * - Change events committed between the old leader's death and the re-subscription are not
 *   delivered (the change feed is not replayed).
 */
import * as Comlink from 'comlink';
import { LarderError } from '../errors.js';
import { decodeValue } from '../codec/value.js';
import type { Call, ChangeEvent, RequestId, StoreOptions, WireResult, WorkerApi } from '../worker/protocol.js';
import { isPackedCalls, isPackedResults, unpackCalls, unpackResults } from '../worker/wire.js';
import { LocalBackend, Relay, RemoteBackend, RPC_CHANNEL, TAB_LOCK_PREFIX, type Backend, type TabMessage } from './rpc-channel.js';

/** The exclusive lock whose holder runs the origin's one worker. */
export const LEADER_LOCK = 'larder:leader';

/** True when this environment has what the fallback needs (Web Locks and BroadcastChannel). */
export function canElectLeader(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel !== 'undefined' && typeof Worker !== 'undefined';
}

/** Thrown inside the tab client when the leader a request was waiting on is replaced. */
class LeaderChanged extends Error {}

/** One leadership as this tab uses it; `kill` fails everything still waiting on it. */
class Link {
  private readonly waiting = new Set<(e: unknown) => void>();
  private dead = false;

  constructor(readonly backend: Backend) {}

  /** Waits for `p`, or fails with LeaderChanged when this leadership ends first. */
  track<T>(p: Promise<T>): Promise<T> {
    if (this.dead) return Promise.reject(new LeaderChanged());
    // An explicit set rather than Promise.race with a shared promise: race would leave one
    // reaction per request on that promise for the whole life of the leader.
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      p.then(
        (v) => { this.waiting.delete(reject); resolve(v); },
        (e) => { this.waiting.delete(reject); reject(e); },
      );
    });
  }

  kill(): void {
    this.dead = true;
    this.backend.dispose();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const reject of waiting) reject(new LeaderChanged());
  }
}

/** A Store's connection as this tab sees it, mapped to one real connection per leader. */
interface VirtualConn {
  name: string;
  options: StoreOptions;
  /** The link (one leadership, as this tab joined it) `real` belongs to. */
  link?: Link;
  /** Opens (and re-subscribes) on that leader. */
  real?: Promise<number>;
  sub?: (e: ChangeEvent) => void;
  /** Interactive transaction id -> the link whose engine holds it. */
  txs: Map<number, Link>;
  closed: boolean;
}

/** What a dispatch message holds that matters across leaders. */
interface MessageShape {
  tx?: number;
  /** Index of a txBegin call, or -1. */
  begin: number;
  /** The message ends a transaction (commit or rollback). */
  ends: boolean;
}

function shapeOf(calls: Call[] | Uint8Array): MessageShape {
  let list: Call[];
  try {
    list = isPackedCalls(calls) ? unpackCalls(calls) : (calls as Call[]);
  } catch {
    return { begin: -1, ends: false }; // malformed: the worker reports it
  }
  if (!Array.isArray(list) || list.length === 0) return { begin: -1, ends: false };
  return {
    tx: list[0]?.tx,
    begin: list.findIndex((c) => c?.t === 'store' && c.m === 'txBegin'),
    ends: list.some((c) => c?.t === 'store' && (c.m === 'txCommit' || c.m === 'txRollback')),
  };
}

function txIdFrom(reply: WireResult[] | Uint8Array, index: number): number | undefined {
  try {
    const r = (isPackedResults(reply) ? unpackResults(reply) : reply)[index];
    if (r && r[0] === 1) {
      const id = r[1] instanceof Uint8Array ? decodeValue(r[1]) : r[1];
      if (typeof id === 'number') return id;
    }
  } catch {
    // An unreadable reply fails its call in the call queue; nothing to remember here.
  }
  return undefined;
}

const closedResult = (message: string): WireResult[] => [[0, { code: 'CLOSED', message }]];

/**
 * The WorkerApi a tab uses in the fallback: the current leader's worker, directly when this tab
 * leads and over the channel otherwise, with connections and pending requests carried across
 * leader changes.
 */
export class TabClient implements WorkerApi {
  /** This tab, for the life of the document. */
  readonly tab = crypto.randomUUID();
  private readonly channel = new BroadcastChannel(RPC_CHANNEL);
  private link: Link | null = null;
  private linkWaiters: Array<(l: Link) => void> = [];
  private readonly conns = new Map<number, VirtualConn>();
  private connSeq = 0;
  /** Set while this tab leads. */
  private leading: { id: string; worker: Worker; relay: Relay; release: () => void } | null = null;
  private leaderships = 0;
  private lockRequest: AbortController | null = null;
  /** Sequence number of this tab's last message (with `tab`, a message's RequestId). */
  private requestSeq = 0;
  /** Messages still waiting for an answer, in sending order (the first is the lowest). */
  private readonly waitingSeqs = new Set<number>();

  /** A client that starts workers with `createWorker` when this tab is elected. */
  constructor(private readonly createWorker: () => Worker) {
    this.channel.onmessage = (e: MessageEvent<TabMessage>) => this.receive(e.data);
    // The tab's life lock, held until the document goes away: the leader watches it to learn
    // that this tab died and close its connections. Joining waits until it is held, so no
    // leader can ask for it (and get it) while this tab is alive.
    void navigator.locks.request(TAB_LOCK_PREFIX + this.tab, () => {
      this.join();
      return new Promise<void>(() => {});
    });
    addEventListener('pagehide', () => this.leave());
    addEventListener('pageshow', (e) => { if ((e as PageTransitionEvent).persisted) this.join(); });
  }

  private join(): void {
    if (this.lockRequest) return;
    const abort = new AbortController();
    this.lockRequest = abort;
    navigator.locks
      .request(LEADER_LOCK, { signal: abort.signal }, () => {
        // Granted just as the tab left: give it straight back.
        if (abort.signal.aborted || this.lockRequest !== abort) return;
        return new Promise<void>((release) => this.lead(release));
      })
      .catch(() => {}); // aborted when the tab leaves before being elected
    this.post({ k: 'who' });
  }

  /** Elected: start the worker, serve the other tabs, announce. */
  private lead(release: () => void): void {
    const id = `${this.tab}/${++this.leaderships}`;
    const worker = this.createWorker();
    const remote = Comlink.wrap<WorkerApi>(worker);
    this.leading = { id, worker, relay: new Relay(id, this.channel, remote), release };
    this.setLink(new LocalBackend(id, remote));
    this.post({ k: 'leader', leader: id });
  }

  /**
   * The page is going away (or into the back/forward cache). The leader stops its worker BEFORE
   * releasing the lock, so the next leader never opens a store while this worker can still write.
   */
  private leave(): void {
    this.lockRequest?.abort();
    this.lockRequest = null;
    const leading = this.leading;
    if (leading) {
      this.leading = null;
      leading.relay.dispose();
      leading.worker.terminate();
      this.post({ k: 'gone', leader: leading.id });
      leading.release();
    } else {
      this.post({ k: 'bye', from: this.tab });
    }
    this.setLink(null);
  }

  private receive(msg: TabMessage): void {
    switch (msg.k) {
      case 'who':
        if (this.leading) this.post({ k: 'leader', leader: this.leading.id });
        break;
      case 'leader':
        if (!this.leading && this.lockRequest && this.link?.backend.leader !== msg.leader) {
          this.setLink(new RemoteBackend(msg.leader, this.channel, this.tab));
        }
        break;
      case 'gone':
        // Wait (requests queue) until the next leader announces itself.
        if (this.link?.backend.leader === msg.leader) this.setLink(null);
        break;
      case 'req':
      case 'bye':
        this.leading?.relay.receive(msg);
        break;
      case 'res':
      case 'ev':
        if (this.link?.backend instanceof RemoteBackend) this.link.backend.receive(msg);
        break;
    }
  }

  private post(msg: TabMessage): void {
    this.channel.postMessage(msg);
  }

  /** Replaces the current leader: whatever waited on the old one is resent to the next. */
  private setLink(backend: Backend | null): void {
    const old = this.link;
    this.link = backend ? new Link(backend) : null;
    old?.kill();
    if (this.link) {
      const waiters = this.linkWaiters;
      this.linkWaiters = [];
      for (const w of waiters) w(this.link);
    }
  }

  private current(): Promise<Link> {
    if (this.link) return Promise.resolve(this.link);
    return new Promise((resolve) => this.linkWaiters.push(resolve));
  }

  /** The real connection of `v` on `link`'s leader: opened (and re-subscribed) once per leader. */
  private realConn(v: VirtualConn, link: Link): Promise<number> {
    // Keyed by link, not leader id: a tab back from the back/forward cache rejoins the same
    // leader, which closed this tab's connections when it left.
    const b = link.backend;
    if (v.link === link && v.real) return v.real;
    v.link = link;
    const real = (async () => {
      const conn = (await b.call('open', [v.name, v.options])) as number;
      if (v.sub) await b.subscribe(conn, v.sub);
      return conn;
    })();
    v.real = real;
    // A failed open is not remembered: the next request tries again.
    real.catch(() => { if (v.real === real) { v.real = undefined; v.link = undefined; } });
    return real;
  }

  /**
   * Runs `op` on the current leader with `v`'s connection there. When the leader changes before
   * the answer, it runs again on the next one (at least once; see the module comment).
   */
  private async run<T>(v: VirtualConn, op: (b: Backend, conn: number, link: Link) => Promise<T>): Promise<T> {
    for (;;) {
      if (v.closed) throw new LarderError('CLOSED', `store "${v.name}" is closed`);
      const link = await this.current();
      try {
        const conn = await link.track(this.realConn(v, link));
        return await link.track(op(link.backend, conn, link));
      } catch (e) {
        if (!(e instanceof LeaderChanged)) throw e;
      }
    }
  }

  private conn(id: number): VirtualConn {
    const v = this.conns.get(id);
    if (!v) throw new LarderError('CLOSED', 'the store is closed');
    return v;
  }

  /** Opens the store on the current leader; the id stays valid across leader changes. */
  async open(name: string, options: StoreOptions): Promise<number> {
    const id = ++this.connSeq;
    const v: VirtualConn = { name, options, txs: new Map(), closed: false };
    this.conns.set(id, v);
    try {
      await this.run(v, async (_b, conn) => conn);
    } catch (e) {
      this.conns.delete(id);
      throw e;
    }
    return id;
  }

  /** Runs calls; resent to the next leader if unanswered, except a transaction's (see above). */
  async dispatch(conn: number, calls: Call[] | Uint8Array): Promise<WireResult[] | Uint8Array> {
    const v = this.conns.get(conn);
    if (!v) return closedResult('the store is closed');
    const shape = shapeOf(calls);
    if (shape.tx !== undefined) return this.dispatchTx(v, shape, calls);
    let answeredBy: Link | undefined;
    // The message's name, the same on every leader it is sent to: a leader that finds it in the
    // store's request log answers from there instead of running it again.
    const seq = ++this.requestSeq;
    this.waitingSeqs.add(seq);
    const rid: RequestId = { client: this.tab, seq, waiting: this.waitingSeqs.values().next().value as number };
    let reply: WireResult[] | Uint8Array;
    try {
      reply = await this.run(v, (b, real, link) => {
        answeredBy = link;
        return b.call('dispatch', [real, calls, rid]) as Promise<WireResult[] | Uint8Array>;
      });
    } finally {
      this.waitingSeqs.delete(seq);
    }
    if (shape.begin >= 0) {
      const id = txIdFrom(reply, shape.begin);
      if (id !== undefined) {
        v.txs.set(id, answeredBy!);
        if (v.txs.size > 64) v.txs.delete(v.txs.keys().next().value as number);
      }
    }
    return reply;
  }

  /**
   * A transaction's calls go only to the leader whose engine began it: after a handover the new
   * engine may have an unrelated transaction with the same id, which they must never join.
   */
  private async dispatchTx(v: VirtualConn, shape: MessageShape, calls: Call[] | Uint8Array): Promise<WireResult[] | Uint8Array> {
    const lost = `transaction ${shape.tx} was rolled back: the tab running the database closed during it`;
    const link = this.link;
    const owner = v.txs.get(shape.tx!);
    if (!link || owner !== link || v.link !== link || !v.real) return closedResult(lost);
    if (shape.ends) v.txs.delete(shape.tx!);
    try {
      const real = await link.track(v.real);
      return await link.track(link.backend.call('dispatch', [real, calls]) as Promise<WireResult[] | Uint8Array>);
    } catch (e) {
      if (e instanceof LeaderChanged) return closedResult(lost);
      throw e;
    }
  }

  /** Subscribes the connection's change feed, now and on every later leader. */
  async subscribe(conn: number, cb: (e: ChangeEvent) => void): Promise<void> {
    const v = this.conn(conn);
    v.sub = cb;
    await this.run(v, (b, real) => b.subscribe(real, cb));
  }

  /** Writes a checkpoint now. */
  async checkpoint(conn: number): Promise<void> {
    await this.run(this.conn(conn), (b, real) => b.call('checkpoint', [real]));
  }

  /** The store's export chunks. */
  exportChunks(conn: number): Promise<Uint8Array[]> {
    return this.run(this.conn(conn), (b, real) => b.call('exportChunks', [real]) as Promise<Uint8Array[]>);
  }

  /** Closes the connection; a leader that never opened it has nothing to close. */
  async close(conn: number): Promise<void> {
    const v = this.conns.get(conn);
    if (!v) return;
    this.conns.delete(conn);
    v.closed = true;
    const link = this.link;
    if (!link || v.link !== link || !v.real) return;
    try {
      const real = await link.track(v.real);
      await link.track(link.backend.call('close', [real]));
    } catch (e) {
      if (!(e instanceof LeaderChanged)) throw e;
    }
  }

  /** Closes every connection of the store and deletes its data. */
  async destroy(conn: number): Promise<void> {
    const v = this.conn(conn);
    await this.run(v, (b, real) => b.call('destroy', [real]));
    // The worker closed every connection of the store: ours must not reopen it on a new leader.
    for (const [id, other] of this.conns) {
      if (other.name === v.name) {
        other.closed = true;
        this.conns.delete(id);
      }
    }
  }
}

/** Starts the fallback for this tab; `createWorker` starts the dedicated worker when elected. */
export function connectTabs(createWorker: () => Worker): TabClient {
  return new TabClient(createWorker);
}
