/**
 * The `where` filters of findNodes/findEdges/traverse: the document view's filter language,
 * through the docs matcher, so a graph `where` means exactly what a collection filter means.
 * Compiled filters are cached per filter object, since one `where` is applied to many nodes.
 */
import { LarderError } from '../../errors.js';
import { compileFilter, type Predicate } from '../docs/query/index.js';
import { isPlainObject } from './validate.js';

/** A filter predicate over a property map. */
export type Matcher = (doc: Record<string, unknown>, filter: unknown) => boolean;

const compiled = new WeakMap<object, Predicate>();

function predicateOf(filter: unknown): Predicate {
  if (!isPlainObject(filter)) throw new LarderError('BAD_QUERY', 'where must be a filter object');
  let p = compiled.get(filter);
  if (!p) {
    p = compileFilter(filter);
    compiled.set(filter, p);
  }
  return p;
}

/** Throws BAD_QUERY unless `filter` is a valid filter document (unknown operators included). */
export function checkFilter(filter: unknown): void {
  if (filter === undefined || filter === null) return;
  predicateOf(filter);
}

/** True when `doc` satisfies `filter` (an absent filter matches everything). */
export const matches: Matcher = (doc, filter) => {
  if (filter === undefined || filter === null) return true;
  return predicateOf(filter)(doc);
};
