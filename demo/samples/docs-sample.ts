/**
 * The documents sample: 3,000 people and 1,500 orders, generated from a seeded random source so
 * every visitor gets the same data (and the example queries always find something).
 */
import type { Store } from '../../src/index.js';

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Margaret', 'Linus', 'Radia', 'Frances', 'John', 'Katherine', 'Dennis', 'Hedy', 'Tim', 'Sophie', 'Niklaus', 'Anita', 'Guido'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Hamilton', 'Torvalds', 'Perlman', 'Allen', 'McCarthy', 'Johnson', 'Ritchie', 'Lamarr', 'Berners-Lee', 'Wilson', 'Wirth', 'Borg', 'van Rossum'];
const CITIES: Array<[string, string]> = [['London', 'UK'], ['Paris', 'France'], ['Berlin', 'Germany'], ['Lisbon', 'Portugal'], ['Oslo', 'Norway'], ['Madrid', 'Spain'], ['Rome', 'Italy'], ['Vienna', 'Austria'], ['Tokyo', 'Japan'], ['Austin', 'USA'], ['Toronto', 'Canada'], ['Nairobi', 'Kenya']];
const TAGS = ['wasm', 'rust', 'typescript', 'databases', 'graphs', 'music', 'hiking', 'chess', 'coffee', 'cycling', 'photography', 'gardening'];
const PRODUCTS: Array<[string, number]> = [['keyboard', 89], ['mouse', 25], ['monitor', 239], ['laptop stand', 45], ['usb hub', 19], ['headphones', 129], ['webcam', 69], ['desk lamp', 35]];
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

/** Mulberry32: tiny, seeded, good enough for sample data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Number of people and orders the sample writes. */
export const SAMPLE_SIZES = { people: 3000, orders: 1500 };

/**
 * Replaces the `people` and `orders` collections with the sample, with a couple of indexes so
 * explain() has something to show. `onProgress` gets a 0..1 fraction.
 */
export async function loadDocsSample(store: Store, onProgress?: (f: number) => void): Promise<void> {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const people = store.collection('people');
  const orders = store.collection('orders');
  await Promise.all([people.drop(), orders.drop()]);
  const total = SAMPLE_SIZES.people + SAMPLE_SIZES.orders;
  let done = 0;
  const names: string[] = [];
  const batch = 500;
  for (let i = 0; i < SAMPLE_SIZES.people; i += batch) {
    const docs = [];
    for (let j = i; j < Math.min(i + batch, SAMPLE_SIZES.people); j++) {
      const first = pick(FIRST);
      const last = pick(LAST);
      const [city, country] = pick(CITIES);
      const tags = [...new Set([pick(TAGS), pick(TAGS), pick(TAGS)])].slice(0, 1 + Math.floor(r() * 3));
      const name = `${first} ${last}`;
      names.push(name);
      docs.push({
        name,
        email: `${first}.${last}.${j}@example.org`.toLowerCase().replace(/\s+/g, ''),
        age: 18 + Math.floor(r() * 60),
        active: r() > 0.25,
        score: Math.round(r() * 1000) / 10,
        tags,
        address: { city, country, zip: String(10000 + Math.floor(r() * 89999)) },
        joined: new Date(Date.UTC(2015 + Math.floor(r() * 10), Math.floor(r() * 12), 1 + Math.floor(r() * 28))),
      });
    }
    await people.insertMany(docs);
    done += docs.length;
    onProgress?.(done / total);
  }
  for (let i = 0; i < SAMPLE_SIZES.orders; i += batch) {
    const docs = [];
    for (let j = i; j < Math.min(i + batch, SAMPLE_SIZES.orders); j++) {
      const items = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const [sku, price] = pick(PRODUCTS);
        return { sku, qty: 1 + Math.floor(r() * 3), price };
      });
      docs.push({
        number: 100000 + j,
        customer: pick(names),
        status: pick(STATUSES),
        items,
        total: items.reduce((s, it) => s + it.qty * it.price, 0),
        placed: new Date(Date.UTC(2024, Math.floor(r() * 12), 1 + Math.floor(r() * 28))),
      });
    }
    await orders.insertMany(docs);
    done += docs.length;
    onProgress?.(done / total);
  }
  await Promise.all([people.createIndex({ age: 1 }), people.createIndex({ 'address.city': 1 }), orders.createIndex({ status: 1, total: -1 })]);
}
