/**
 * The MongoDB filter language as a library: `compileFilter(filter)` gives a reusable predicate
 * over plain JS documents, `matches(doc, filter)` tests one. Used by the document view and by the
 * graph view's `where` clauses.
 */
export { compileFilter, matches, type Predicate } from './matcher.js';
export { compileRegex, literalPrefix, isRegexObject } from './regex.js';
