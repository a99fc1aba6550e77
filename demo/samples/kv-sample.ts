/**
 * The key-value sample: short-lived login sessions (hashes with TTLs, so they visibly count
 * down and expire), a game leaderboard (a sorted set) and a few plain strings.
 */
import type { KvApi } from '../../src/index.js';

const USERS = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald', 'ken', 'margaret', 'linus', 'radia'];
const PLAYERS = ['nova', 'pixel', 'quasar', 'ember', 'glitch', 'zephyr', 'onyx', 'vortex', 'lumen', 'cobalt', 'raven', 'sable', 'tango', 'umbra', 'willow', 'yeti', 'aurora', 'blaze', 'cipher', 'delta'];

function hex(n: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Writes the sample (replacing an earlier one) and returns how many keys it wrote. */
export async function loadKvSample(kv: KvApi): Promise<number> {
  const old = (await kv.sendCommand(['KEYS', 'session:*'])) as string[];
  const cmds: string[][] = [];
  if (old.length) cmds.push(['DEL', ...old]);
  cmds.push(['DEL', 'leaderboard']);
  USERS.forEach((user, i) => {
    const key = `session:${hex(4)}`;
    cmds.push(['HSET', key, 'user', user, 'ip', `10.0.0.${i + 10}`, 'agent', i % 2 ? 'Firefox' : 'Chromium', 'createdAt', new Date().toISOString()]);
    // 25 s to 250 s: the first ones expire while you watch.
    cmds.push(['EXPIRE', key, String(25 * (i + 1))]);
  });
  const zadd = ['ZADD', 'leaderboard'];
  PLAYERS.forEach((p, i) => zadd.push(String(1000 + ((i * 7919) % 9000)), p));
  cmds.push(zadd);
  cmds.push(['SET', 'greeting', 'Hello from Larder!']);
  cmds.push(['SET', 'visits', '0']);
  cmds.push(['RPUSH', 'queue:emails', 'welcome:ada', 'welcome:grace', 'digest:alan']);
  cmds.push(['SADD', 'tags', 'wasm', 'indexeddb', 'redis', 'mongodb', 'cypher']);
  // Sent in one tick: the library carries them to the worker in one message.
  await Promise.all(cmds.map((c) => kv.sendCommand(c)));
  return USERS.length + 5;
}
