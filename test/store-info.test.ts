/**
 * `store.info()` end to end in Node (openStore({ worker: false }) over fake-indexeddb): every
 * field the issue names — entries, wasm memory, WAL records and bytes, the last checkpoint, ops
 * served and commit latency — is checked against the calls the test made, not just for presence.
 *
 * What counts as one op served (StoreEngine.dispatchCalls / dispatchTx): every call that reaches
 * the worker in a message — reads, writes, calls that fail there, `info()` itself (counted after
 * it ran, so an info reports the calls before it), one `batch([...])` or `setMany` as one call,
 * and a transaction's begin, inner calls and commit. Calls refused on the page before they leave
 * (a value that cannot be encoded) and the control calls (`checkpoint()`, `export()`, `close()`)
 * are not calls in that sense.
 *
 * Commit latency gets one sample per message that wrote, once its commit settled: calls of one
 * tick share a message and so one sample; reads add none.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore, LarderError, type Store } from '../src/index.js';

let seq = 0;
const fresh = (tag: string): string => `t-info-${tag}-${Date.now()}-${++seq}`;
const open = (name: string, opts: Parameters<typeof openStore>[1] = {}): Promise<Store> =>
  openStore(name, { worker: false, ...opts });

/** opsServed as seen by an info() call; the info call itself is counted after it answers. */
const ops = async (s: Store): Promise<number> => (await s.info()).opsServed as number;

describe('store.info(): ops served', () => {
  it('grows by exactly the calls that reached the worker, info itself included', async () => {
    const s = await open(fresh('ops'), { persist: false });
    const o0 = await ops(s);
    // The first info reports what came before it: nothing but itself is counted afterwards.
    expect(await ops(s)).toBe(o0 + 1);

    // Awaited one by one: 3 calls, each its own message.
    await s.set('a', 1);
    await s.get('a');
    await s.has('b');
    expect(await ops(s)).toBe(o0 + 1 + 1 + 3);

    // 10 calls in one tick: one message, still 10 calls.
    let base = await ops(s);
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.set(`k${i}`, i)));
    expect(await ops(s)).toBe(base + 1 + 10);

    // A call that fails in the worker is served (it got an answer); one refused on the page
    // (a function cannot be encoded) never left and is not.
    base = await ops(s);
    const bad = await s.batch([{ op: 'set', key: 'x', value: 1 }, { op: 'delete', key: 42 as unknown as string }]).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(LarderError);
    const refused = await s.set('f', () => 1).catch((e: unknown) => e);
    expect((refused as LarderError).code).toBe('BAD_VALUE');
    expect(await ops(s)).toBe(base + 1 + 1);

    // batch and setMany are one call each, however many entries they carry.
    base = await ops(s);
    await s.batch([{ op: 'set', key: 'p', value: 1 }, { op: 'set', key: 'q', value: 2 }, { op: 'delete', key: 'p' }]);
    await s.setMany([['m1', 1], ['m2', 2], ['m3', 3]]);
    expect(await ops(s)).toBe(base + 1 + 2);

    // A transaction: txBegin, two calls inside, txCommit.
    base = await ops(s);
    await s.transaction(async (tx) => {
      await tx.set('t1', 1);
      await tx.get('t1');
    });
    expect(await ops(s)).toBe(base + 1 + 4);

    // checkpoint() is a control call, not a dispatched one.
    base = await ops(s);
    await s.checkpoint();
    expect(await ops(s)).toBe(base + 1);
    await s.close();
  });
});

describe('store.info(): commit latency', () => {
  it('p50 and p99 are numbers with p99 >= p50; one sample per strict commit, none for reads', async () => {
    const s = await open(fresh('lat'));
    const i0 = await s.info();
    expect(i0.commitLatencyMs).toEqual({ p50: null, p99: null, samples: 0 });
    for (let i = 0; i < 5; i++) await s.set(`k${i}`, i);
    const i1 = await s.info();
    expect(i1.commitLatencyMs.samples).toBe(5);
    expect(typeof i1.commitLatencyMs.p50).toBe('number');
    expect(typeof i1.commitLatencyMs.p99).toBe('number');
    expect(i1.commitLatencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(i1.commitLatencyMs.p99).toBeGreaterThanOrEqual(i1.commitLatencyMs.p50);
    // Reads commit nothing.
    await s.get('k1');
    await s.getMany(['k1', 'k2']);
    expect((await s.info()).commitLatencyMs.samples).toBe(5);
    // Ten writes of one tick are one message and one commit: one sample.
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.set(`t${i}`, i)));
    expect((await s.info()).commitLatencyMs.samples).toBe(6);
    // A delete that finds nothing writes nothing.
    await s.delete('absent');
    expect((await s.info()).commitLatencyMs.samples).toBe(6);
    await s.delete('k0');
    const i2 = await s.info();
    expect(i2.commitLatencyMs.samples).toBe(7);
    expect(i2.commitLatencyMs.p99).toBeGreaterThanOrEqual(i2.commitLatencyMs.p50);
    // Every strict commit is one store-level commit too.
    expect(i2.commits - i0.commits).toBe(7);
    await s.destroy();
  });
});

describe('store.info(): WAL and checkpoint', () => {
  it('counts WAL records and bytes after writes; a checkpoint empties the WAL and sets its time and duration', async () => {
    const name = fresh('wal');
    const s = await open(name);
    const i0 = await s.info();
    expect(i0.persist).toBe(true);
    expect(i0.wal).toMatchObject({ records: 0, bytes: 0 });
    expect(i0.checkpoint).toMatchObject({ sinceOpen: 0, lastMs: null });

    // Awaited strict writes: one WAL record each (one group commit each).
    await s.set('a', 'x'.repeat(100));
    const i1 = await s.info();
    expect(i1.wal.records).toBe(1);
    expect(i1.wal.bytes).toBeGreaterThan(100);
    await s.set('b', 2);
    await s.delete('a');
    const i2 = await s.info();
    expect(i2.wal.records).toBe(3);
    expect(i2.wal.bytes).toBeGreaterThan(i1.wal.bytes);
    // A tick's writes share one message, one batch and one WAL record.
    await Promise.all([s.set('c', 3), s.set('d', 4), s.set('e', 5)]);
    const i3 = await s.info();
    expect(i3.wal.records).toBe(4);
    expect(i3.diskCommits.transactions - i0.diskCommits.transactions).toBe(4);

    const before = Date.now();
    await s.checkpoint();
    const after = Date.now();
    const i4 = await s.info();
    expect(i4.wal).toMatchObject({ records: 0, bytes: 0 });
    expect(i4.checkpoint.sinceOpen).toBe(1);
    expect(i4.checkpoint.time).toBeGreaterThanOrEqual(before);
    expect(i4.checkpoint.time).toBeLessThanOrEqual(after);
    expect(typeof i4.checkpoint.lastMs).toBe('number');
    expect(i4.checkpoint.lastMs).toBeGreaterThanOrEqual(0);
    expect(i4.checkpoint.seq).toBe(4); // covers every WAL record written so far
    expect(i4.pages.entries).toBe(i4.entries);

    // The WAL starts again after the checkpoint.
    await s.set('f', 6);
    expect((await s.info()).wal.records).toBe(1);
    await s.close();

    // Reopened: the checkpoint and the WAL record since are what recovery reports and finds.
    const r = await open(name);
    const ir = await r.info();
    expect(ir.entries).toBe(5);
    expect(ir.checkpoint).toMatchObject({ seq: 4, time: i4.checkpoint.time, sinceOpen: 0, lastMs: null });
    expect(ir.recovery).toMatchObject({ checkpointSeq: 4, walRecordsReplayed: 1 });
    await r.destroy();
  });
});

describe('store.info(): entries and memory', () => {
  it('entries follows sets and deletes; wasm memory is whole wasm pages and grows with the data', async () => {
    const s = await open(fresh('entries'));
    const i0 = await s.info();
    expect(i0.entries).toBe(0);
    expect(i0.memory.wasmBytes).toBeGreaterThan(0);
    expect(i0.memory.wasmBytes % 65536).toBe(0);
    await s.setMany(Array.from({ length: 100 }, (_, i) => [`k${i}`, i] as [string, unknown]));
    expect((await s.info()).entries).toBe(100);
    await s.deleteMany(['k1', 'k2', 'k3', 'nope']);
    await s.delete('k4');
    await s.delete('k4'); // gone already: nothing changes
    expect((await s.info()).entries).toBe(96);
    await s.set('k5', 'overwritten'); // an overwrite is not a new entry
    expect((await s.info()).entries).toBe(96);
    // 8 MiB of values: the wasm memory holding them grows past it.
    await s.set('big', new Uint8Array(8 << 20));
    const i1 = await s.info();
    expect(i1.entries).toBe(97);
    expect(i1.memory.wasmBytes).toBeGreaterThanOrEqual(8 << 20);
    expect(i1.memory.liveBytes).toBeGreaterThan(i0.memory.liveBytes + (8 << 20));
    await s.clear();
    expect((await s.info()).entries).toBe(0);
    await s.destroy();
  });

  it('a memory-only store reports no disk: wal, checkpoint, pages and disk commits are null', async () => {
    const s = await open(fresh('mem'), { persist: false });
    await s.set('a', 1);
    await s.set('b', 2);
    await s.delete('a');
    await s.checkpoint(); // succeeds, and writes nothing anywhere
    const info = await s.info();
    expect(info.persist).toBe(false);
    expect(info.wal).toBeNull();
    expect(info.checkpoint).toBeNull();
    expect(info.pages).toBeNull();
    expect(info.diskCommits).toBeNull();
    expect(info.recovery).toBeNull();
    // Memory-side fields still count.
    expect(info.entries).toBe(1);
    expect(info.commitLatencyMs.samples).toBe(3);
    expect(info.commits).toBe(3);
    expect(info.memory.wasmBytes).toBeGreaterThan(0);
    await s.close();
  });
});
