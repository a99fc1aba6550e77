/**
 * The benchmark's data: N user records of about 100 bytes each, the same for Larder and every
 * peer, generated deterministically in the page so nothing large crosses the DevTools protocol.
 */

/** One benchmark record (about 100 bytes as JSON). */
export interface UserRecord {
  id: string;
  name: string;
  email: string;
  age: number;
  tags: string[];
}

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Leslie', 'Margaret', 'Niklaus', 'Radia'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Lamport', 'Hamilton', 'Wirth', 'Perlman'];
const TAGS = ['admin', 'beta', 'staff', 'trial', 'paid', 'eu', 'us', 'mobile'];

/** A small, fast, seeded PRNG (mulberry32), so every run reads the same random keys. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The key of record `i`: fixed width so keys sort like their numbers. */
export function keyOf(i: number): string {
  return 'user:' + String(i).padStart(7, '0');
}

/** Record `i`. */
export function makeRecord(i: number): UserRecord {
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i >>> 4) % LAST.length];
  return {
    id: keyOf(i),
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@example.com`,
    age: 18 + (i % 60),
    tags: [TAGS[i % TAGS.length], TAGS[(i >>> 3) % TAGS.length]],
  };
}

/** Records 0..n-1. */
export function makeRecords(n: number): UserRecord[] {
  const out = new Array<UserRecord>(n);
  for (let i = 0; i < n; i++) out[i] = makeRecord(i);
  return out;
}

/** 0..n-1 in a random order drawn from `r` (Fisher-Yates). */
export function shuffledOrder(n: number, r: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = (r() * (i + 1)) | 0;
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** The keys 0..n-1 in a seeded random order (so reads do not walk the keys in insert order). */
export function shuffledKeys(n: number, seed = 7): string[] {
  return Array.from(shuffledOrder(n, rng(seed)), keyOf);
}

/** `m` random keys out of 0..n-1 (with repeats, as point lookups in an app would have). */
export function randomKeys(n: number, m: number, seed = 11): string[] {
  const r = rng(seed);
  const out = new Array<string>(m);
  for (let i = 0; i < m; i++) out[i] = keyOf((r() * n) | 0);
  return out;
}
