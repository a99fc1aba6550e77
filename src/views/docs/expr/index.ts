/**
 * The expression language, with every operator family registered. Import expressions from here
 * (not from evaluate.ts) so the operator table is filled.
 */
import './ops-math.js';
import './ops-string.js';
import './ops-array.js';
import './ops-logic.js';

export { compileExpression, evaluate, truthy, withVars, type Ev, type ExprCtx } from './evaluate.js';
export { fold } from './ops-array.js';
