/**
 * The command table and dispatcher (Redis's processCommand): looks a command up by its
 * case-insensitive name, checks its arity, and runs it. Errors are thrown as LarderError with
 * Redis's text; the worker then undoes the command's writes.
 */
import { str, upper } from './bytes.js';
import type { Command, CommandTable } from './command.js';
import type { Db } from './db.js';
import { expireCommands } from './expire.js';
import { info } from './info.js';
import { pubsubCommands } from './pubsub.js';
import { arityError, rerr, type Reply } from './reply.js';
import { hashCommands } from './t_hash.js';
import { keyCommands } from './t_keys.js';
import { listCommands } from './t_list.js';
import { setCommands } from './t_set.js';
import { stringCommands } from './t_string.js';
import { zsetCommands } from './t_zset.js';

/** Every command the worker runs, by lower-case name. */
export const COMMANDS: CommandTable = Object.assign(
  Object.create(null) as CommandTable,
  stringCommands,
  keyCommands,
  expireCommands,
  hashCommands,
  listCommands,
  setCommands,
  zsetCommands,
  pubsubCommands,
  { info: { fn: info, arity: -1 }, dbsize: keyCommands.dbsize },
);

/** Commands that only make sense on a connection; the facade implements them. */
const CONNECTION = new Set(['MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'SUBSCRIBE', 'PSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE']);

/**
 * Commands already resolved, by the name exactly as the page sent it ('GET', 'get'...): most
 * calls skip building and case-folding the name. Only hits are cached, so every error path below
 * runs as before.
 */
const byName = new Map<string, Command>();

/**
 * The command for argv, after the unknown-command and arity checks Redis makes before running.
 * `sent` is argv[0] as the page sent it, when known (a string enables the cache).
 */
export function resolve(argv: Uint8Array[], sent?: unknown): Command {
  if (argv.length === 0) throw rerr('SYNTAX', "ERR unknown command '', with args beginning with: ");
  let cmd = typeof sent === 'string' ? byName.get(sent) : undefined;
  if (cmd !== undefined) {
    if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) throw arityError(upper(argv[0]));
    return cmd;
  }
  const name = upper(argv[0]);
  cmd = name ? COMMANDS[name.toLowerCase()] : undefined;
  if (cmd && typeof sent === 'string' && byName.size < 1024) byName.set(sent, cmd);
  if (!cmd) {
    if (CONNECTION.has(name)) throw rerr('SYNTAX', `ERR ${name} is a connection command: use kv.${name === 'MULTI' ? 'multi()' : name.toLowerCase() + '()'} (or sendCommand on a KvApi, which keeps the connection state)`);
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${str(argv[i]).slice(0, 128 - args.length)}' `;
    throw rerr('SYNTAX', `ERR unknown command '${str(argv[0]).slice(0, 128)}', with args beginning with: ${args}`.replace(/[\r\n]/g, ' '));
  }
  if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) throw arityError(name);
  return cmd;
}

/** Runs one command (`sent`: argv[0] as the page sent it, see resolve). */
export function runCommand(db: Db, argv: Uint8Array[], sent?: unknown): Reply {
  return resolve(argv, sent).fn(db, argv);
}
