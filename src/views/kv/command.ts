/**
 * The shape of a command implementation: a function over a Db and the raw arguments (argv[0] is
 * the command name), returning a Reply. Arity follows Redis: n > 0 exactly n arguments (name
 * included), n < 0 at least -n.
 */
import type { Db } from './db.js';
import type { Reply } from './reply.js';

/** A command implementation. */
export type CommandFn = (db: Db, argv: Uint8Array[]) => Reply;

/** A command table entry. */
export interface Command {
  fn: CommandFn;
  arity: number;
}

/** A table of commands by lower-case name. */
export type CommandTable = Record<string, Command>;
