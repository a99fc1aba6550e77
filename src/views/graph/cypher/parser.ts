/**
 * The Cypher parser: tokens -> AST (ast.ts), by recursive descent. One function per grammar rule;
 * expression precedence, loosest first:
 *
 *   OR < XOR < AND < NOT < comparison (= <> < > <= >=)
 *      < predicates (IN, STARTS WITH, ENDS WITH, CONTAINS, IS [NOT] NULL)
 *      < + - < * / % < ^ < unary - < postfix (.prop, [i], [a..b], :Label) < atom
 *
 * Every error is LarderError('SYNTAX') naming line:column and what was expected. After parsing,
 * a scope pass checks that every variable is defined where it is used and that the clauses are in
 * a legal order (RETURN last, a read-only query ends with RETURN).
 */
import { LarderError } from '../../../errors.js';
import type { Clause, Expr, NodePat, PatternPart, Projection, ProjItem, Query, RelPat, RemoveItem, SetItem, SortItem } from './ast.js';
import { checkScopes } from './scope.js';
import { syntaxError, tokenize, type Token } from './lexer.js';

const CLAUSE_START = ['MATCH', 'OPTIONAL', 'UNWIND', 'WITH', 'RETURN', 'CREATE', 'MERGE', 'SET', 'REMOVE', 'DELETE', 'DETACH'];

/** Names that end an expression list or item when met as a bare word. */
const RESERVED = new Set([...CLAUSE_START, 'WHERE', 'ORDER', 'SKIP', 'LIMIT', 'AS', 'ON', 'AND', 'OR', 'XOR', 'NOT', 'IN', 'IS', 'STARTS', 'ENDS', 'CONTAINS', 'DESC', 'ASC', 'DESCENDING', 'ASCENDING', 'BY', 'DISTINCT', 'THEN', 'ELSE', 'END', 'WHEN', 'CASE']);

class Parser {
  private readonly t: Token[];
  private i = 0;

  constructor(private readonly src: string) {
    this.t = tokenize(src);
  }

  // -- token helpers ----------------------------------------------------------------------------

  private get tok(): Token {
    return this.t[this.i];
  }

  private atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  private peek(n = 1): Token {
    return this.t[Math.min(this.i + n, this.t.length - 1)];
  }

  private fail(expected: string, at: Token = this.tok): never {
    const found = at.kind === 'eof' ? 'end of input' : at.kind === 'string' ? `'${at.value}'` : String(at.value);
    return syntaxError(this.src, at.pos, `Invalid input ${at.kind === 'eof' ? 'at end of input' : JSON.stringify(found)}: expected ${expected}`, expected);
  }

  /** True when the current token is keyword `kw` (case-insensitive, unquoted identifier). */
  private isKw(kw: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && !t.quoted && (t.value as string).toUpperCase() === kw;
  }

  private acceptKw(kw: string): boolean {
    if (this.isKw(kw)) { this.i++; return true; }
    return false;
  }

  private expectKw(kw: string): Token {
    if (!this.isKw(kw)) this.fail(kw);
    return this.t[this.i++];
  }

  private isP(p: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.value === p;
  }

  private acceptP(p: string): boolean {
    if (this.isP(p)) { this.i++; return true; }
    return false;
  }

  private expectP(p: string, what = `'${p}'`): Token {
    if (!this.isP(p)) this.fail(what);
    return this.t[this.i++];
  }

  /** A name (variable, label, type, property key, alias). */
  private name(what: string): string {
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(what);
    this.i++;
    return t.value as string;
  }

  // -- query and clauses ------------------------------------------------------------------------

  parse(): Query {
    const clauses: Clause[] = [];
    if (this.atEnd()) this.fail('a clause (MATCH, CREATE, MERGE, UNWIND, WITH, RETURN...)');
    while (!this.atEnd()) {
      if (this.acceptP(';')) {
        if (!this.atEnd()) this.fail('end of input (one statement per query)');
        break;
      }
      clauses.push(this.clause());
    }
    return { clauses, source: this.src };
  }

  private clause(): Clause {
    const at = this.tok.pos;
    if (this.acceptKw('MATCH')) return this.match(false, at);
    if (this.acceptKw('OPTIONAL')) { this.expectKw('MATCH'); return this.match(true, at); }
    if (this.acceptKw('UNWIND')) {
      const expr = this.expr();
      this.expectKw('AS');
      return { k: 'unwind', expr, variable: this.name('a variable name'), at };
    }
    if (this.acceptKw('WITH')) {
      const p = this.projection();
      const where = this.acceptKw('WHERE') ? this.expr() : undefined;
      return { k: 'with', ...p, where, at };
    }
    if (this.acceptKw('RETURN')) return { k: 'return', ...this.projection(), at };
    if (this.acceptKw('CREATE')) return { k: 'create', patterns: this.patternList(), at };
    if (this.acceptKw('MERGE')) {
      const pattern = this.patternPart();
      const onCreate: SetItem[] = [], onMatch: SetItem[] = [];
      while (this.isKw('ON')) {
        this.i++;
        const which = this.acceptKw('CREATE') ? onCreate : this.acceptKw('MATCH') ? onMatch : this.fail('CREATE or MATCH after ON');
        this.expectKw('SET');
        which.push(...this.setItems());
      }
      return { k: 'merge', pattern, onCreate, onMatch, at };
    }
    if (this.acceptKw('SET')) return { k: 'set', items: this.setItems(), at };
    if (this.acceptKw('REMOVE')) return { k: 'remove', items: this.removeItems(), at };
    if (this.acceptKw('DETACH')) { this.expectKw('DELETE'); return { k: 'delete', detach: true, exprs: this.exprList(), at }; }
    if (this.acceptKw('DELETE')) return { k: 'delete', detach: false, exprs: this.exprList(), at };
    return this.fail('a clause (MATCH, OPTIONAL MATCH, UNWIND, WITH, RETURN, CREATE, MERGE, SET, REMOVE, DELETE, DETACH DELETE)');
  }

  private match(optional: boolean, at: number): Clause {
    const patterns = this.patternList();
    const where = this.acceptKw('WHERE') ? this.expr() : undefined;
    return { k: 'match', optional, patterns, where, at };
  }

  private exprList(): Expr[] {
    const out = [this.expr()];
    while (this.acceptP(',')) out.push(this.expr());
    return out;
  }

  private projection(): Projection {
    const distinct = this.acceptKw('DISTINCT');
    let star = false;
    const items: ProjItem[] = [];
    if (this.acceptP('*')) {
      star = true;
      if (this.acceptP(',')) items.push(...this.projItems());
    } else items.push(...this.projItems());
    const order: SortItem[] = [];
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do {
        const expr = this.expr();
        let desc = false;
        if (this.acceptKw('DESC') || this.acceptKw('DESCENDING')) desc = true;
        else if (this.acceptKw('ASC') || this.acceptKw('ASCENDING')) desc = false;
        order.push({ expr, desc });
      } while (this.acceptP(','));
    }
    const skip = this.acceptKw('SKIP') ? this.expr() : undefined;
    const limit = this.acceptKw('LIMIT') ? this.expr() : undefined;
    return { distinct, star, items, order, skip, limit };
  }

  private projItems(): ProjItem[] {
    const out: ProjItem[] = [];
    do {
      const start = this.tok.pos;
      const expr = this.expr();
      const end = this.t[this.i - 1].end;
      if (this.acceptKw('AS')) out.push({ expr, name: this.name('an alias after AS'), aliased: true });
      else out.push({ expr, name: this.src.slice(start, end).trim(), aliased: expr.k === 'var' });
    } while (this.acceptP(','));
    return out;
  }

  private setItems(): SetItem[] {
    const out: SetItem[] = [];
    do {
      const at = this.tok.pos;
      const variable = this.name('a variable to SET');
      if (this.acceptP('.')) {
        const key = this.name('a property name');
        this.expectP('=');
        out.push({ k: 'prop', variable, key, value: this.expr(), at });
      } else if (this.acceptP('=')) out.push({ k: 'replace', variable, value: this.expr(), at });
      else if (this.acceptP('+=')) out.push({ k: 'merge', variable, value: this.expr(), at });
      else if (this.isP(':')) out.push({ k: 'labels', variable, labels: this.labelList(), at });
      else this.fail("'.', '=', '+=' or ':'");
    } while (this.acceptP(','));
    return out;
  }

  private removeItems(): RemoveItem[] {
    const out: RemoveItem[] = [];
    do {
      const at = this.tok.pos;
      const variable = this.name('a variable to REMOVE from');
      if (this.acceptP('.')) out.push({ k: 'prop', variable, key: this.name('a property name'), at });
      else if (this.isP(':')) out.push({ k: 'labels', variable, labels: this.labelList(), at });
      else this.fail("'.' or ':'");
    } while (this.acceptP(','));
    return out;
  }

  private labelList(): string[] {
    const out: string[] = [];
    while (this.acceptP(':')) out.push(this.name('a label'));
    return out;
  }

  // -- patterns ---------------------------------------------------------------------------------

  private patternList(): PatternPart[] {
    const out = [this.patternPart()];
    while (this.acceptP(',')) out.push(this.patternPart());
    return out;
  }

  private patternPart(): PatternPart {
    const at = this.tok.pos;
    let variable: string | undefined;
    if (this.tok.kind === 'ident' && this.isP('=', this.peek())) {
      variable = this.name('a path variable');
      this.i++;
    }
    const fn = this.tok;
    if (fn.kind === 'ident' && !fn.quoted && this.isP('(', this.peek()) && ['SHORTESTPATH', 'ALLSHORTESTPATHS'].includes((fn.value as string).toUpperCase())) {
      this.i += 2;
      const chain = this.chain(at);
      this.expectP(')');
      if (chain.rels.length !== 1) syntaxError(this.src, fn.pos, `${fn.value} needs a pattern of exactly one relationship`, 'one relationship');
      return { ...chain, variable, shortest: (fn.value as string).toUpperCase() === 'SHORTESTPATH' ? 'one' : 'all' };
    }
    return { ...this.chain(at), variable };
  }

  private chain(at: number): PatternPart {
    const nodes = [this.nodePat()];
    const rels: RelPat[] = [];
    while (this.isP('-') || this.isP('<-')) {
      rels.push(this.relPat());
      nodes.push(this.nodePat());
    }
    return { nodes, rels, at };
  }

  private nodePat(): NodePat {
    const at = this.expectP('(', "'(' to start a node pattern").pos;
    let variable: string | undefined;
    if (this.tok.kind === 'ident') variable = this.name('a variable');
    const labels = this.labelList();
    const props = this.isP('{') || this.tok.kind === 'param' ? this.atom() : undefined;
    this.expectP(')', "')' to close the node pattern");
    return { variable, labels, props, at };
  }

  private relPat(): RelPat {
    const at = this.tok.pos;
    const left = this.acceptP('<-') ? 'in' : (this.expectP('-'), '');
    let variable: string | undefined;
    const types: string[] = [];
    let range: RelPat['range'];
    let props: Expr | undefined;
    if (this.acceptP('[')) {
      if (this.tok.kind === 'ident') variable = this.name('a variable');
      if (this.acceptP(':')) {
        types.push(this.name('a relationship type'));
        while (this.acceptP('|')) { this.acceptP(':'); types.push(this.name('a relationship type')); }
      }
      if (this.acceptP('*')) range = this.rangeSpec();
      if (this.isP('{') || this.tok.kind === 'param') props = this.atom();
      this.expectP(']', "']' to close the relationship pattern");
    }
    const right = this.acceptP('->') ? 'out' : (this.expectP('-', "'-' or '->'"), '');
    if (left === 'in' && right === 'out') syntaxError(this.src, at, 'A relationship cannot point both ways', "'-' or '->'");
    return { variable, types, dir: left === 'in' ? 'in' : right === 'out' ? 'out' : 'both', props, range, at };
  }

  private rangeSpec(): { min: number; max: number } {
    const int = (): number | undefined => {
      if (this.tok.kind !== 'number') return undefined;
      const v = this.tok.value as number;
      if (!Number.isInteger(v) || v < 0) this.fail('a non-negative integer hop count');
      this.i++;
      return v;
    };
    const lo = int();
    if (this.acceptP('..')) {
      const hi = int();
      return { min: lo ?? 1, max: hi ?? Infinity };
    }
    return lo === undefined ? { min: 1, max: Infinity } : { min: lo, max: lo };
  }

  // -- expressions ------------------------------------------------------------------------------

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let a = this.xor();
    while (this.isKw('OR')) { const at = this.tok.pos; this.i++; a = { k: 'or', a, b: this.xor(), at }; }
    return a;
  }

  private xor(): Expr {
    let a = this.and();
    while (this.isKw('XOR')) { const at = this.tok.pos; this.i++; a = { k: 'xor', a, b: this.and(), at }; }
    return a;
  }

  private and(): Expr {
    let a = this.not();
    while (this.isKw('AND')) { const at = this.tok.pos; this.i++; a = { k: 'and', a, b: this.not(), at }; }
    return a;
  }

  private not(): Expr {
    if (this.isKw('NOT')) { const at = this.tok.pos; this.i++; return { k: 'not', x: this.not(), at }; }
    return this.comparison();
  }

  private comparison(): Expr {
    let a = this.predicate();
    for (;;) {
      const t = this.tok;
      if (t.kind === 'punct' && ['=', '<>', '<', '>', '<=', '>='].includes(t.value as string)) {
        this.i++;
        a = { k: 'cmp', op: t.value as '=', a, b: this.predicate(), at: t.pos };
      } else if (this.isP('=~')) {
        syntaxError(this.src, t.pos, 'Regular expressions (=~) are not supported', 'a comparison operator');
      } else return a;
    }
  }

  private predicate(): Expr {
    let a = this.additive();
    for (;;) {
      const at = this.tok.pos;
      if (this.isKw('IN')) { this.i++; a = { k: 'in', a, b: this.additive(), at }; continue; }
      if (this.isKw('STARTS')) { this.i++; this.expectKw('WITH'); a = { k: 'strop', op: 'starts', a, b: this.additive(), at }; continue; }
      if (this.isKw('ENDS')) { this.i++; this.expectKw('WITH'); a = { k: 'strop', op: 'ends', a, b: this.additive(), at }; continue; }
      if (this.isKw('CONTAINS')) { this.i++; a = { k: 'strop', op: 'contains', a, b: this.additive(), at }; continue; }
      if (this.isKw('IS')) {
        this.i++;
        const not = this.acceptKw('NOT');
        this.expectKw('NULL');
        a = { k: 'isNull', x: a, not, at };
        continue;
      }
      return a;
    }
  }

  private additive(): Expr {
    let a = this.multiplicative();
    while (this.isP('+') || this.isP('-')) {
      const t = this.t[this.i++];
      a = { k: 'arith', op: t.value as '+', a, b: this.multiplicative(), at: t.pos };
    }
    return a;
  }

  private multiplicative(): Expr {
    let a = this.power();
    while (this.isP('*') || this.isP('/') || this.isP('%')) {
      const t = this.t[this.i++];
      a = { k: 'arith', op: t.value as '*', a, b: this.power(), at: t.pos };
    }
    return a;
  }

  private power(): Expr {
    let a = this.unary();
    while (this.isP('^')) {
      const t = this.t[this.i++];
      a = { k: 'arith', op: '^', a, b: this.unary(), at: t.pos };
    }
    return a;
  }

  private unary(): Expr {
    if (this.isP('-')) { const at = this.tok.pos; this.i++; return { k: 'neg', x: this.unary(), at }; }
    if (this.isP('+')) { this.i++; return this.unary(); }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      const at = this.tok.pos;
      if (this.isP('.')) {
        this.i++;
        e = { k: 'prop', obj: e, key: this.name('a property name after "."'), at };
      } else if (this.isP('[')) {
        this.i++;
        if (this.acceptP('..')) {
          const to = this.isP(']') ? undefined : this.expr();
          this.expectP(']');
          e = { k: 'slice', obj: e, to, at };
          continue;
        }
        const idx = this.expr();
        if (this.acceptP('..')) {
          const to = this.isP(']') ? undefined : this.expr();
          this.expectP(']');
          e = { k: 'slice', obj: e, from: idx, to, at };
          continue;
        }
        this.expectP(']');
        e = { k: 'index', obj: e, idx, at };
      } else if (this.isP(':') && (e.k === 'var')) {
        e = { k: 'hasLabels', obj: e, labels: this.labelList(), at };
      } else return e;
    }
  }

  private atom(): Expr {
    const t = this.tok;
    const at = t.pos;
    switch (t.kind) {
      case 'number': this.i++; return { k: 'lit', v: t.value, at };
      case 'string': this.i++; return { k: 'lit', v: t.value, at };
      case 'param': this.i++; return { k: 'param', name: t.value as string, at };
      case 'eof': return this.fail('an expression');
      case 'punct':
        if (this.acceptP('(')) {
          const e = this.expr();
          this.expectP(')');
          return e;
        }
        if (this.acceptP('[')) return this.listOrComprehension(at);
        if (this.acceptP('{')) {
          const entries: Array<[string, Expr]> = [];
          if (!this.isP('}')) {
            do {
              const key = this.tok.kind === 'string' ? String(this.t[this.i++].value) : this.name('a map key');
              this.expectP(':');
              entries.push([key, this.expr()]);
            } while (this.acceptP(','));
          }
          this.expectP('}', "'}' or ','");
          return { k: 'map', entries, at };
        }
        return this.fail('an expression');
      case 'ident': {
        if (!t.quoted) {
          const up = (t.value as string).toUpperCase();
          if (up === 'TRUE') { this.i++; return { k: 'lit', v: true, at }; }
          if (up === 'FALSE') { this.i++; return { k: 'lit', v: false, at }; }
          if (up === 'NULL') { this.i++; return { k: 'lit', v: null, at }; }
          if (up === 'CASE') { this.i++; return this.caseExpr(at); }
        }
        if (this.isP('(', this.peek())) return this.call();
        if (!t.quoted && RESERVED.has((t.value as string).toUpperCase())) this.fail('an expression');
        this.i++;
        return { k: 'var', name: t.value as string, at };
      }
    }
  }

  private listOrComprehension(at: number): Expr {
    // [x IN list WHERE pred | expr]
    if (this.tok.kind === 'ident' && this.isKw('IN', this.peek())) {
      const variable = this.name('a variable');
      this.i++;
      const list = this.expr();
      const where = this.acceptKw('WHERE') ? this.expr() : undefined;
      const map = this.acceptP('|') ? this.expr() : undefined;
      this.expectP(']');
      return { k: 'listComp', variable, list, where, map, at };
    }
    const items: Expr[] = [];
    if (!this.isP(']')) {
      do items.push(this.expr()); while (this.acceptP(','));
    }
    this.expectP(']', "']' or ','");
    return { k: 'list', items, at };
  }

  private caseExpr(at: number): Expr {
    const subject = this.isKw('WHEN') ? undefined : this.expr();
    const whens: Array<[Expr, Expr]> = [];
    while (this.acceptKw('WHEN')) {
      const w = this.expr();
      this.expectKw('THEN');
      whens.push([w, this.expr()]);
    }
    if (whens.length === 0) this.fail('WHEN');
    const otherwise = this.acceptKw('ELSE') ? this.expr() : undefined;
    this.expectKw('END');
    return { k: 'case', subject, whens, otherwise, at };
  }

  private call(): Expr {
    const t = this.t[this.i];
    const name = (t.value as string).toLowerCase();
    this.i += 2;
    if (this.acceptP('*')) {
      if (name !== 'count') syntaxError(this.src, t.pos, `${t.value}(*) is not allowed; only count(*)`, 'an argument');
      this.expectP(')');
      return { k: 'call', name, args: [], distinct: false, star: true, at: t.pos };
    }
    const distinct = this.acceptKw('DISTINCT');
    const args: Expr[] = [];
    if (!this.isP(')')) {
      do args.push(this.expr()); while (this.acceptP(','));
    }
    this.expectP(')', "')' or ','");
    return { k: 'call', name, args, distinct, star: false, at: t.pos };
  }
}

/** Parses a Cypher query and checks its variables; throws LarderError('SYNTAX'). */
export function parse(src: unknown): Query {
  if (typeof src !== 'string') throw new LarderError('BAD_VALUE', 'a query must be a string');
  const q = new Parser(src).parse();
  checkScopes(q);
  return q;
}
