/**
 * failWhenGone (src/client/open-store.ts): every call to the SharedWorker goes through it. Its
 * calls settle as the worker answers them, all fail with CLOSED once the worker has ended, and a
 * settled call's reply is not kept alive by the guard (it once was, for the worker's whole life).
 */
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { failWhenGone } from '../src/client/open-store.js';
import { LarderError } from '../src/errors.js';
import type { WorkerApi } from '../src/worker/protocol.js';

/** A LockManager whose only lock is granted when the test says the worker has ended. */
function fakeLocks(): { locks: LockManager; end(): void } {
  let granted: (() => void) | null = null;
  const locks = {
    request(_name: string, cb: () => unknown) {
      granted = () => void cb();
      return new Promise(() => {});
    },
  } as unknown as LockManager;
  return { locks, end: () => granted!() };
}

/** A worker api whose dispatch answers with whatever `answer` gives, when the test releases it. */
function fakeApi(answer: (calls: unknown) => Promise<unknown>): WorkerApi {
  const refuse = () => Promise.reject(new Error('not used'));
  return {
    holdLifeLock: async () => true,
    open: async () => 1,
    dispatch: (_conn: number, calls: unknown) => answer(calls),
    subscribe: refuse,
    checkpoint: refuse,
    exportChunks: refuse,
    close: refuse,
    destroy: refuse,
  } as unknown as WorkerApi;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('failWhenGone', () => {
  it('passes results and errors through while the worker lives', async () => {
    const { locks } = fakeLocks();
    const api = failWhenGone(fakeApi(async (calls) => {
      if (calls === 'bad') throw new LarderError('BAD_VALUE', 'no');
      return [calls, 'ok'];
    }), locks, () => {});
    expect(await api.dispatch(1, 'x' as never)).toEqual(['x', 'ok']);
    await expect(api.dispatch(1, 'bad' as never)).rejects.toMatchObject({ code: 'BAD_VALUE', message: 'no' });
    expect(await api.open('s', {})).toBe(1);
  });

  it('fails the calls in flight and every later call with CLOSED once the worker has ended', async () => {
    const { locks, end } = fakeLocks();
    let told: WorkerApi | null = null;
    const api = failWhenGone(fakeApi(() => new Promise(() => {})), locks, (g) => { told = g; });
    await tick(); // holdLifeLock resolves, the lock is requested
    const inFlight = [api.dispatch(1, 'a' as never), api.dispatch(1, 'b' as never)];
    const order: string[] = [];
    inFlight.forEach((p, i) => p.catch(() => order.push(String(i))));
    end();
    for (const p of inFlight) await expect(p).rejects.toMatchObject({ code: 'CLOSED' });
    expect(order).toEqual(['0', '1']);
    expect(told).toBe(api);
    await expect(api.dispatch(1, 'c' as never)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(api.open('s', {})).rejects.toBeInstanceOf(LarderError);
  });

  it('keeps no settled reply alive', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { locks } = fakeLocks();
    const api = failWhenGone(fakeApi(async () => new Uint8Array(1 << 20)), locks, () => {});
    const refs: Array<WeakRef<object>> = [];
    for (let i = 0; i < 8; i++) refs.push(new WeakRef((await api.dispatch(1, 'x' as never)) as object));
    await tick();
    gc();
    await tick();
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
