/**
 * The request log (src/worker/request-log.ts): a write message resent under the same RequestId —
 * what a tab does after the leader tab died before answering — takes effect once, also when the
 * new writer is another engine that recovered the store from disk. Driven through WorkerHost, the
 * worker's API, as the leader's worker runs it (fake-indexeddb for the disk).
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeValue } from '../src/codec/value.js';
import { WorkerHost } from '../src/worker/host.js';
import { decodeExport } from '../src/worker/export-format.js';
import type { Call, ChangeEvent, RequestId, WireResult } from '../src/worker/protocol.js';
import { REQUEST_TAG } from '../src/worker/request-log.js';

let seq = 0;
const fresh = (): string => `request-log-${Date.now()}-${seq++}`;
const kv = (...args: string[]): Call => ({ t: 'kv', m: 'cmd', a: [args] });
const rid = (s: number, waiting = s, client = 'tab-a'): RequestId => ({ client, seq: s, waiting });
const hosts: Array<{ host: WorkerHost; conn: number }> = [];

async function open(name: string): Promise<{ host: WorkerHost; conn: number }> {
  const host = new WorkerHost();
  const conn = await host.open(name, {});
  const h = { host, conn };
  hosts.push(h);
  return h;
}

/** The decoded value of each result (errors as their code). */
async function send(h: { host: WorkerHost; conn: number }, calls: Call[], r?: RequestId): Promise<unknown[]> {
  const results = (await h.host.dispatch(h.conn, calls, r)) as WireResult[];
  return results.map(([ok, v]) => (ok ? decodeValue(v as Uint8Array) : (v as { code: string }).code));
}

afterEach(async () => {
  while (hosts.length) {
    const h = hosts.pop()!;
    await h.host.close(h.conn).catch(() => {});
  }
});

describe('request log', () => {
  it('answers a resent write message from the record instead of running it again', async () => {
    const name = fresh();
    const a = await open(name);
    expect(await send(a, [kv('INCR', 'n'), kv('INCR', 'm')], rid(1))).toEqual([1, 1]);
    expect(await send(a, [kv('INCR', 'n'), kv('INCR', 'm')], rid(1))).toEqual([1, 1]);
    expect(await send(a, [kv('INCR', 'n')], rid(2))).toEqual([2]);
    expect(await send(a, [kv('INCR', 'n')], rid(2))).toEqual([2]);
    // Another tab's message with the same sequence number is another message.
    expect(await send(a, [kv('INCR', 'n')], rid(2, 2, 'tab-b'))).toEqual([3]);
    expect(await send(a, [kv('GET', 'n'), kv('GET', 'm')])).toEqual(['3', '1']);
    // A failed call inside a message that wrote is recorded as failed, and stays failed.
    expect(await send(a, [kv('SET', 's', 'x'), kv('INCR', 's')], rid(3))).toEqual(['OK', 'BAD_VALUE']);
    expect(await send(a, [kv('SET', 's', 'x'), kv('INCR', 's')], rid(3))).toEqual(['OK', 'BAD_VALUE']);
  });

  it('survives the writer: an engine that recovered the store answers from the record', async () => {
    const name = fresh();
    const a = await open(name);
    expect(await send(a, [kv('INCR', 'n')], rid(1))).toEqual([1]);
    expect(await send(a, [kv('INCR', 'n')], rid(2, 1))).toEqual([2]);
    // The leader dies with both answers lost; the next leader opens the store from disk.
    await a.host.close(a.conn);
    hosts.pop();
    const b = await open(name);
    expect(await send(b, [kv('INCR', 'n')], rid(1))).toEqual([1]);
    expect(await send(b, [kv('INCR', 'n')], rid(2, 1))).toEqual([2]);
    expect(await send(b, [kv('GET', 'n')])).toEqual(['2']);
    // A message that was never recorded runs: the tab's next one.
    expect(await send(b, [kv('INCR', 'n')], rid(3))).toEqual([3]);
  });

  it('forgets what the tab has had answers to, records only messages that wrote, and keeps the log out of the feed and the export', async () => {
    const name = fresh();
    const a = await open(name);
    const events: ChangeEvent[] = [];
    await a.host.subscribe(a.conn, (e) => void events.push(e));
    const logEntries = async (): Promise<number> => {
      let n = 0;
      for (const chunk of await a.host.exportChunks(a.conn)) for (const [k] of decodeExport(chunk)) if (k[0] === REQUEST_TAG) n++;
      return n;
    };
    const entries = async (): Promise<number> => ((await send(a, [{ t: 'store', m: 'info', a: [] }]))[0] as { entries: number }).entries;
    await send(a, [kv('SET', 'k', '1')], rid(1));
    await send(a, [kv('SET', 'k', '2')], rid(2, 1));
    const withTwo = await entries();
    // waiting = 3: messages 1 and 2 were answered, so their records go.
    await send(a, [kv('SET', 'k', '3')], rid(3));
    expect(await entries()).toBe(withTwo - 1);
    // A read-only message is not recorded (running it again is harmless).
    await send(a, [kv('GET', 'k')], rid(4));
    expect(await entries()).toBe(withTwo - 1);
    // The answered message 1 is no longer known: resent (which a tab never does), it runs again.
    expect(await send(a, [kv('INCR', 'c')], rid(1))).toEqual([1]);
    expect(await send(a, [kv('INCR', 'c')], rid(1))).toEqual([1]);
    expect(await logEntries()).toBe(0);
    for (const e of events) for (const c of e.changes) expect(c.target).toBe('kv');
    expect(events.length).toBeGreaterThan(0);
  });

  it('rejects a malformed request id and runs nothing', async () => {
    const a = await open(fresh());
    for (const bad of [{}, { client: '', seq: 1, waiting: 1 }, { client: 'x'.repeat(65), seq: 1, waiting: 1 }, { client: 't', seq: 0, waiting: 0 },
      { client: 't', seq: 2, waiting: 3 }, { client: 't', seq: 1.5, waiting: 1 }, { client: 5, seq: 1, waiting: 1 }]) {
      expect(await send(a, [kv('INCR', 'n')], bad as unknown as RequestId)).toEqual(['BAD_VALUE']);
    }
    expect(await send(a, [kv('GET', 'n')])).toEqual([null]);
  });
});
