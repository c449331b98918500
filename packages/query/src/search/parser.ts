import type { MatchValue, SearchNode } from './ast.ts';
import { tokenize, type Token } from './lexer.ts';
import { SearchSyntaxError } from './search-error.ts';

/**
 * Parses a Lucene-style search (shared/docs/SEARCH.md) into a syntax tree.
 * AND (also implicit, and `&&`) binds tighter than OR (`||`); NOT and `-`
 * negate; `field:(a b)` scopes a group to a field. An empty query is
 * undefined (match everything). Throws SearchSyntaxError with the position
 * and what was expected.
 */
export function parseSearch(query: string): SearchNode | undefined {
  const tokens = tokenize(query);
  if (tokens[0]!.type === 'end') return undefined;
  const p = new Parser(query, tokens);
  const node = p.orExpr(undefined);
  p.expectEnd();
  return node;
}

class Parser {
  private i = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private fail(token: Token, expected: string): never {
    throw new SearchSyntaxError(this.query, token.start, expected);
  }

  expectEnd(): void {
    if (this.peek().type === 'rparen') this.fail(this.peek(), "unexpected ')' without a matching '('");
    if (this.peek().type !== 'end') this.fail(this.peek(), `unexpected "${this.peek().text}"`);
  }

  orExpr(field: string | undefined): SearchNode {
    const children = [this.andExpr(field)];
    while (this.peek().type === 'or') {
      const op = this.next();
      if (!this.startsUnary()) this.fail(this.peek(), `expected a search term after ${op.text}`);
      children.push(this.andExpr(field));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private andExpr(field: string | undefined): SearchNode {
    const children = [this.unary(field)];
    for (;;) {
      if (this.peek().type === 'and') {
        const op = this.next();
        if (!this.startsUnary()) this.fail(this.peek(), `expected a search term after ${op.text}`);
        children.push(this.unary(field));
      } else if (this.startsUnary()) {
        children.push(this.unary(field)); // implicit AND
      } else break;
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private startsUnary(): boolean {
    return ['word', 'phrase', 'lparen', 'not', 'minus'].includes(this.peek().type);
  }

  private unary(field: string | undefined): SearchNode {
    if (this.peek().type === 'not' || this.peek().type === 'minus') {
      const op = this.next();
      if (!this.startsUnary())
        this.fail(this.peek(), `expected a search term after ${op.text === '-' ? "'-'" : 'NOT'}`);
      return { kind: 'not', child: this.unary(field) };
    }
    return this.primary(field);
  }

  private primary(field: string | undefined): SearchNode {
    const t = this.peek();
    if (t.type === 'lparen') {
      this.next();
      if (this.peek().type === 'rparen') this.fail(this.peek(), 'expected a search term inside ( )');
      const inner = this.orExpr(field);
      if (this.peek().type !== 'rparen') this.fail(this.peek(), "expected ')'");
      this.next();
      return inner;
    }
    if (t.type === 'word' && this.tokens[this.i + 1]?.type === 'colon') {
      if (field !== undefined) this.fail(t, `a field inside a group already scoped to "${field}"`);
      if (t.leadingStar || t.trailingStar || t.text === '') this.fail(t, 'expected a field name before ":"');
      this.next();
      const colon = this.next();
      return this.fieldValue(t.text, colon);
    }
    if (t.type === 'phrase') {
      this.next();
      // Inside `field:("a b")` a phrase means "contains a b" (HyperDX); `field:"a b"` is equality.
      if (field !== undefined) return { kind: 'match', field, value: { type: 'term', text: t.text } };
      return { kind: 'match', field, value: { type: 'phrase', text: t.text } };
    }
    if (t.type === 'word') {
      this.next();
      return { kind: 'match', field, value: wordValue(t) };
    }
    return this.fail(t, 'expected a search term');
  }

  private fieldValue(field: string, colon: Token): SearchNode {
    const t = this.peek();
    switch (t.type) {
      case 'compare': {
        this.next();
        const v = this.next();
        if (v.type !== 'word' || v.text === '') this.fail(v, `expected a value after '${t.text}'`);
        return { kind: 'match', field, value: { type: 'compare', op: t.text as '>', text: v.text } };
      }
      case 'lparen': {
        this.next();
        if (this.peek().type === 'rparen') this.fail(this.peek(), `expected a value inside ${field}:( )`);
        const inner = this.orExpr(field);
        if (this.peek().type !== 'rparen') this.fail(this.peek(), "expected ')'");
        this.next();
        return inner;
      }
      case 'lbracket':
      case 'lbrace':
        return { kind: 'match', field, value: this.range() };
      case 'phrase':
        this.next();
        return { kind: 'match', field, value: { type: 'phrase', text: t.text } };
      case 'word':
        this.next();
        if (t.leadingStar && t.text === '') return { kind: 'match', field, value: { type: 'exists' } };
        // As HyperDX: `field:*bar` / `field:bar*` outside ( ) mean "contains"; `field:(*bar)` is anchored.
        if (t.leadingStar || t.trailingStar)
          return { kind: 'match', field, value: { type: 'term', text: t.text } };
        return { kind: 'match', field, value: wordValue(t) };
      default:
        return this.fail(t.type === 'end' ? colon : t, "expected a value after ':'");
    }
  }

  private range(): MatchValue {
    const open = this.next();
    const low = this.next();
    if (low.type !== 'word') this.fail(low, 'expected the lower bound of the range (a value or *)');
    const to = this.next();
    if (to.type !== 'word' || to.text !== 'TO') this.fail(to, "expected 'TO' in the range");
    const high = this.next();
    if (high.type !== 'word') this.fail(high, 'expected the upper bound of the range (a value or *)');
    const close = this.next();
    if (close.type !== 'rbracket' && close.type !== 'rbrace')
      this.fail(close, "expected ']' or '}' to close the range");
    const bound = (w: Token) => (w.leadingStar && w.text === '' ? undefined : w.text);
    return {
      type: 'range',
      low: bound(low),
      high: bound(high),
      lowInclusive: open.type === 'lbracket',
      highInclusive: close.type === 'rbracket',
    };
  }
}

function wordValue(t: Token): MatchValue {
  if (t.leadingStar || t.trailingStar)
    return { type: 'wildcard', text: t.text, leading: t.leadingStar, trailing: t.trailingStar };
  return { type: 'term', text: t.text };
}
