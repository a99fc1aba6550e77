/**
 * INFO for the kv view: a few of Redis's INFO fields that mean something here (keys, keys with an
 * expire time, pub/sub counts), as the text INFO returns and as an object for `kv.info()`.
 */
import { utf8 } from './bytes.js';
import type { Db } from './db.js';
import { TAG } from './layout.js';
import type { Reply } from './reply.js';

/** Stats of the kv keyspace. */
export interface KvInfo {
  keys: number;
  expires: number;
  pubsubChannels: number;
  pubsubPatterns: number;
  keyspacePatterns: number;
}

/** Gathers the stats (counting expiring keys walks the TTL queue: O(keys with a TTL)). */
export function kvInfo(db: Db): KvInfo {
  let expires = 0;
  for (const _ of db.range({ prefix: Uint8Array.of(TAG.X), keysOnly: true })) expires++;
  return {
    keys: db.count(),
    expires,
    pubsubChannels: db.st.channels.size,
    pubsubPatterns: db.st.patterns.size,
    keyspacePatterns: db.st.keyspacePatterns.size,
  };
}

/** INFO [section]: Redis-style text. */
export function info(db: Db): Reply {
  const i = kvInfo(db);
  return utf8(
    '# Server\r\nredis_version:7.0.15\r\nlarder:1\r\n\r\n' +
      `# Stats\r\npubsub_channels:${i.pubsubChannels}\r\npubsub_patterns:${i.pubsubPatterns}\r\n\r\n` +
      `# Keyspace\r\n${i.keys ? `db0:keys=${i.keys},expires=${i.expires},avg_ttl=0\r\n` : ''}`,
  );
}
