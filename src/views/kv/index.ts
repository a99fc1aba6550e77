/**
 * The key-value view: Redis's data types and command semantics on the keyspace (issue 4).
 *
 * The worker-side surface is small on purpose: `cmd` runs one raw command, `exec` runs a
 * MULTI/EXEC block, and a few methods carry connection state the facade keeps (WATCH tokens,
 * subscription counts). Every typed facade method is sugar over `cmd`, so each command is
 * implemented once, in the t_*.ts files. See layout.ts for how values sit in the keyspace.
 *
 * Test clock: `debugSetClock(ms)` freezes this store's kv clock at `ms` (null thaws it), so unit
 * tests can move time across expiries. It is for tests only (the facade exposes it as
 * `kv.debug.setClock`) and lives in worker memory: a restart thaws it.
 */
import { LarderError } from '../../errors.js';
import type { View, ViewContext } from '../view.js';
import { str, toBytes } from './bytes.js';
import { runCommand } from './commands.js';
import { Db } from './db.js';
import { activeExpire } from './expire.js';
import { kvInfo, type KvInfo } from './info.js';
import { TAG } from './layout.js';
import { exec as execMulti, watch as watchKeys, type WatchToken } from './multi.js';
import { adjustSubscriptions } from './pubsub.js';
import { shape } from './reply.js';
import { stateOf } from './state.js';

/** Bytes of command names as the page sent them ('SET', 'get'...): shared, never written to. */
const nameBytes = new Map<string, Uint8Array>();

function argv(a: unknown): Uint8Array[] {
  if (!Array.isArray(a)) throw new LarderError('BAD_VALUE', 'a kv command is an array of arguments, e.g. ["SET", "k", "v"]');
  const n = a.length;
  const out: Uint8Array[] = new Array(n);
  const name = n > 0 ? a[0] : undefined;
  if (typeof name === 'string' && name.length <= 32) {
    let b = nameBytes.get(name);
    if (b === undefined) {
      b = toBytes(name);
      if (nameBytes.size < 1024) nameBytes.set(name, b);
    }
    out[0] = b;
  } else if (n > 0) out[0] = toBytes(name);
  for (let i = 1; i < n; i++) out[i] = toBytes(a[i]);
  return out;
}

/** Runs one raw command: `kv.cmd(['SET', 'k', 'v'], buffers?)`. */
function cmd(ctx: ViewContext, args: unknown, buffers?: unknown): unknown {
  const a = argv(args);
  return shape(runCommand(new Db(ctx), a, (args as unknown[])[0]), buffers === true);
}

/** Runs a MULTI/EXEC block atomically; null when a watched key changed. */
function exec(ctx: ViewContext, cmds: unknown, token?: unknown, buffers?: unknown): unknown {
  if (!Array.isArray(cmds)) throw new LarderError('BAD_VALUE', 'exec takes an array of commands');
  const r = execMulti(new Db(ctx), cmds.map(argv), (token ?? null) as WatchToken | null);
  return r === null ? null : shape(r, buffers === true);
}

/** WATCH: a token recording the keys' versions now (pass the previous token to extend it). */
function watch(ctx: ViewContext, keys: unknown, prev?: unknown): WatchToken {
  return watchKeys(new Db(ctx), argv(keys), (prev ?? undefined) as WatchToken | undefined);
}

/**
 * Listener bookkeeping: kind 'channel' or 'pattern' (PUBLISH's count and pattern matching) or
 * 'keyspace' (notification patterns: events are only built for keys someone listens to); delta
 * +1 or -1.
 */
function pubsub(ctx: ViewContext, kind: unknown, names: unknown, delta: unknown): void {
  if (delta !== 1 && delta !== -1) throw new LarderError('BAD_VALUE', 'delta must be 1 or -1');
  if (kind !== 'channel' && kind !== 'pattern' && kind !== 'keyspace') throw new LarderError('BAD_VALUE', "kind must be 'channel', 'pattern' or 'keyspace'");
  adjustSubscriptions(stateOf(ctx.ks), kind, argv(names), delta);
}

/** Stats of the kv keyspace. */
function info(ctx: ViewContext): KvInfo {
  return kvInfo(new Db(ctx));
}

/** Test only: freezes (ms) or thaws (null) this store's kv clock. */
function debugSetClock(ctx: ViewContext, ms: unknown): void {
  if (ms !== null && (typeof ms !== 'number' || !Number.isFinite(ms))) throw new LarderError('BAD_VALUE', 'setClock takes a time in ms or null');
  stateOf(ctx.ks).clock = ms === null ? undefined : Math.floor(ms);
}

/** The kv view, registered with the worker as target 'kv'. */
export const kvView: View = {
  name: 'kv',
  tag: TAG.K,
  tags: [TAG.H, TAG.L, TAG.S, TAG.Z, TAG.Y, TAG.X],
  pointTags: [TAG.K],
  methods: { cmd, exec, watch, pubsub, info, debugSetClock },
  describeKey: (key) => (key[0] === TAG.K ? str(key.subarray(1)) : undefined),
  housekeeping(ctx) {
    activeExpire(new Db(ctx));
  },
  info,
};
