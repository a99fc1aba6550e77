/**
 * The dispatch fast path (src/worker/dispatch-port.ts, src/client/dispatch-port.ts): a dispatch
 * travels as a plain array on the port Comlink also uses. Over a real MessageChannel: results and
 * errors arrive as the host gave them, replies settle their own request whatever order they come
 * in, Comlink's object messages pass by untouched, big buffers are handed over rather than
 * copied, and a port that cannot send fails the request at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { DispatchPort } from '../src/client/dispatch-port.js';
import { serveDispatch, TRANSFER_BYTES, type Dispatcher } from '../src/worker/dispatch-port.js';
import { toWire } from '../src/worker/store-engine.js';
import { LarderError } from '../src/errors.js';
import type { Call, RequestId, WireResult } from '../src/worker/protocol.js';

const open: MessagePort[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

/** A page end and a worker end of one channel, the worker end served by `host`. */
function connect(host: Dispatcher): { page: DispatchPort; pagePort: MessagePort; workerPort: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  serveDispatch(host, port2 as never, toWire);
  return { page: new DispatchPort(port1 as never), pagePort: port1, workerPort: port2 };
}

describe('dispatch over a port', () => {
  it('brings back results, lists and errors with their code; each reply settles its own request', async () => {
    const seen: Array<[number, unknown, RequestId | undefined]> = [];
    const releases: Array<() => void> = [];
    const host: Dispatcher = {
      dispatch(conn: number, calls: Call[] | Uint8Array, rid?: RequestId) {
        seen.push([conn, calls, rid]);
        if (conn === 13) return Promise.reject(new LarderError('WRONGTYPE', 'not a list', { key: 'k' }));
        if (conn === 14) return Promise.reject(new Error('boom'));
        // conn 2 answers only after conn 3 has: replies come back out of order.
        if (conn === 2) return new Promise((r) => releases.push(() => r(new Uint8Array([2, 2]))));
        const out: WireResult[] | Uint8Array = Array.isArray(calls) ? [[1, 'list']] as unknown as WireResult[] : new Uint8Array([conn, ...calls]);
        return Promise.resolve(out);
      },
    };
    const { page } = connect(host);
    const rid: RequestId = { client: 'tab', seq: 4, waiting: 1 };
    const slow = page.dispatch(2, new Uint8Array([9]));
    const fast = page.dispatch(3, new Uint8Array([7, 8]), rid);
    expect(Array.from((await fast) as Uint8Array)).toEqual([3, 7, 8]);
    releases[0]!();
    expect(Array.from((await slow) as Uint8Array)).toEqual([2, 2]);
    expect(await page.dispatch(4, [{ t: 'values', m: 'get', a: new Uint8Array([1]) }])).toEqual([[1, 'list']]);
    const e = await page.dispatch(13, new Uint8Array([1])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LarderError);
    expect(e).toMatchObject({ code: 'WRONGTYPE', message: 'not a list', details: { key: 'k' } });
    await expect(page.dispatch(14, new Uint8Array([1]))).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('boom') });
    // The request id crossed as given; no request id stays undefined.
    expect(seen.find((s) => s[0] === 3)![2]).toEqual(rid);
    expect(seen.find((s) => s[0] === 2)![2]).toBeUndefined();
  });

  it("leaves Comlink's object messages to the listeners after it, both ways", async () => {
    const host: Dispatcher = { dispatch: async () => new Uint8Array([1]) };
    const { page, pagePort, workerPort } = connect(host);
    const atWorker: unknown[] = [];
    const atPage: unknown[] = [];
    workerPort.addEventListener('message', (ev) => atWorker.push((ev as unknown as MessageEvent).data));
    pagePort.addEventListener('message', (ev) => atPage.push((ev as unknown as MessageEvent).data));
    pagePort.postMessage({ id: 'c1', type: 'APPLY', path: ['open'] });
    await page.dispatch(1, new Uint8Array([5]));
    workerPort.postMessage({ id: 'c1', type: 'RAW', value: 7 });
    await new Promise((r) => setTimeout(r, 20));
    // The worker's later listener saw Comlink's message and not the dispatch; the page's saw both
    // replies (its own listener ignores objects, and a later one is not stopped).
    expect(atWorker).toEqual([{ id: 'c1', type: 'APPLY', path: ['open'] }]);
    expect(atPage).toContainEqual({ id: 'c1', type: 'RAW', value: 7 });
  });

  it('answers a request without a connection id with an error and ignores one without an id', async () => {
    let calls = 0;
    const host: Dispatcher = { dispatch: async () => { calls++; return new Uint8Array([1]); } };
    const { pagePort } = connect(host);
    const replies: unknown[] = [];
    pagePort.addEventListener('message', (ev) => replies.push((ev as unknown as MessageEvent).data));
    pagePort.postMessage([5, 'x', new Uint8Array([1])]);
    pagePort.postMessage(['no id', 1, new Uint8Array([1])]);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(0);
    expect(replies).toEqual([[5, 0, { code: 'BAD_VALUE', message: 'a dispatch request needs a connection id' }]]);
  });

  it('hands big messages and replies over instead of copying them; small ones are copied', async () => {
    const sent: Uint8Array[] = [];
    const host: Dispatcher = {
      async dispatch(_conn, calls) {
        const n = (calls as Uint8Array).length;
        const reply = new Uint8Array(n);
        reply[0] = 42;
        sent.push(reply);
        return reply;
      },
    };
    const { page } = connect(host);
    const big = new Uint8Array(TRANSFER_BYTES);
    const bigReply = (await page.dispatch(1, big)) as Uint8Array;
    expect(big.byteLength).toBe(0); // handed over
    expect(sent[0]!.byteLength).toBe(0); // and the reply too
    expect(bigReply.length).toBe(TRANSFER_BYTES);
    expect(bigReply[0]).toBe(42);
    const small = new Uint8Array(TRANSFER_BYTES - 1);
    await page.dispatch(1, small);
    expect(small.byteLength).toBe(TRANSFER_BYTES - 1); // copied
    expect(sent[1]!.byteLength).toBe(TRANSFER_BYTES - 1);
    // A view into a bigger buffer is copied: handing its buffer over would take the rest too.
    const whole = new Uint8Array(2 * TRANSFER_BYTES);
    await page.dispatch(1, whole.subarray(0, TRANSFER_BYTES));
    expect(whole.byteLength).toBe(2 * TRANSFER_BYTES);
  });

  it('a closed port fails the request with CLOSED instead of leaving it pending', async () => {
    const { port1 } = new MessageChannel();
    const page = new DispatchPort({
      addEventListener: port1.addEventListener.bind(port1) as never,
      postMessage: () => { throw new Error('port closed'); },
    });
    port1.close();
    await expect(page.dispatch(1, new Uint8Array([1]))).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
