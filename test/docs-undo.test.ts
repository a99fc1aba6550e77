/**
 * Document writes undo exactly: updates, replaces and deletes log the previous values they know
 * (the fetched document, an index entry's empty value) instead of reading them back, so these
 * tests check the whole keyspace, byte for byte, after writes that are rolled back (a transaction
 * that throws, a call that fails on a duplicate key) and the indexes' agreement with a collection
 * scan after writes that commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';
import { decodeExport, splitExport } from '../src/worker/export-format.js';
import { Query } from 'mingo';
import { rng } from '../bench/browser/records.js';
import { codeOf } from './fixtures/code-of.js';

let store: Store;
beforeAll(async () => {
  store = await openStore(`docs-undo-${Date.now()}`, { worker: false, persist: false });
});
afterAll(async () => {
  await store.close();
});

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Every key and value in the store, as hex. */
async function dump(): Promise<Map<string, string>> {
  const bytes = new Uint8Array(await (await store.export()).arrayBuffer());
  const out = new Map<string, string>();
  for (const chunk of splitExport(bytes)) for (const [k, v] of decodeExport(chunk)) out.set(hex(k), hex(v));
  return out;
}

describe('document writes undo exactly', () => {
  for (const seed of [1, 2, 3]) {
    it(`random updates, replaces and deletes: rollbacks restore every byte, commits keep indexes consistent (seed ${seed})`, async () => {
      const name = `u${seed}`;
      const c = store.collection(name);
      await c.createIndex({ a: 1, b: -1 });
      await c.createIndex({ tags: 1 });
      await c.createIndex({ u: 1 }, { unique: true, sparse: true });
      const r = rng(seed);
      const int = (n: number): number => Math.floor(r() * n);
      const tags = (): string[] => Array.from({ length: int(4) }, () => 't' + int(5));
      await c.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: i, a: int(5), b: int(3), tags: tags(), ...(i % 3 === 0 ? { u: i } : {}) })));
      const queries: Array<Record<string, unknown>> = [{ a: 2 }, { a: { $gte: 1, $lte: 3 }, b: 1 }, { tags: 't1' }, { tags: { $in: ['t0', 't4'] } }, { u: { $gte: 10 } }];
      /** Each index answers its queries as mingo does over a collection scan. */
      const consistent = async (): Promise<void> => {
        for (const q of queries) {
          const viaIndex = await c.find(q).sort({ _id: 1 }).toArray();
          const scanned = new Query(q).find(await c.find({}).sort({ _id: 1 }).toArray()).all();
          expect(viaIndex).toEqual(scanned);
        }
      };
      /** One random write of the collection `col` (the store's or a transaction's). */
      const write = async (col: typeof c): Promise<unknown> => {
        const k = int(6);
        const f = { a: int(5) };
        if (k === 0) return col.updateMany(f, { $inc: { a: 1 }, $set: { b: int(3) } });
        if (k === 1) return col.updateMany(f, { $push: { tags: 't' + int(5) } });
        if (k === 2) return col.replaceOne({ _id: int(60) }, { a: int(5), b: int(3), tags: tags() });
        if (k === 3) return col.deleteMany({ a: int(5), b: int(3) });
        if (k === 4) return col.updateOne({ _id: int(60) }, { $unset: { tags: '' }, $set: { a: int(5) } });
        return col.updateMany({ tags: 't' + int(5) }, { $pull: { tags: 't' + int(5) } });
      };
      for (let step = 0; step < 40; step++) {
        const before = await dump();
        const kind = r();
        if (kind < 0.4) {
          // A transaction of a few writes that throws: everything it did is undone.
          await expect(
            store.transaction(async (tx) => {
              const col = tx.collection(name) as unknown as typeof c;
              for (let i = 0, n = 1 + int(4); i < n; i++) await write(col);
              throw new Error('undo');
            }),
          ).rejects.toThrow('undo');
          expect(await dump()).toEqual(before);
        } else if (kind < 0.6) {
          // A multi-document update that fails part way on the unique index: nothing stays.
          const taken = (await c.findOne({ u: { $exists: true } })) as { u: number } | null;
          if (!taken) continue;
          expect(await codeOf(c.updateMany({}, { $set: { u: taken.u } }))).toBe('DUPLICATE_KEY');
          expect(await dump()).toEqual(before);
        } else {
          await write(c);
          await consistent();
        }
      }
      await consistent();
    });
  }

  it('an update whose $in names a document twice updates it once', async () => {
    const c = store.collection('twice');
    await c.createIndex({ a: 1 });
    await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 5 }]);
    const res = await c.updateMany({ _id: { $in: [1, 1, 2, 1] } }, { $inc: { a: 1 } });
    expect(res.matchedCount).toBe(2);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, a: 2 }, { _id: 2, a: 6 }]);
    expect(await c.find({ a: { $gte: 0 } }).sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, a: 2 }, { _id: 2, a: 6 }]);
  });
});
