import { SearchSyntaxError } from './search-error.ts';

export type TokenType =
  | 'word'
  | 'phrase'
  | 'colon'
  | 'lparen'
  | 'rparen'
  | 'lbracket'
  | 'rbracket'
  | 'lbrace'
  | 'rbrace'
  | 'and'
  | 'or'
  | 'not'
  | 'minus'
  | 'compare'
  | 'end';

export interface Token {
  readonly type: TokenType;
  /** The unescaped text (words and phrases), or the operator. */
  readonly text: string;
  /** Whether a word had an unescaped `*` at its start / end (wildcards). */
  readonly leadingStar: boolean;
  readonly trailingStar: boolean;
  readonly start: number;
  readonly end: number;
}

const SPECIAL = new Set([':', '(', ')', '[', ']', '{', '}', '"']);

/**
 * Splits a search into tokens. Backslash escapes any character inside words
 * and phrases (`\:`, `\"`, `\*`). `AND`, `OR`, `NOT` (upper case), `&&`, `||`
 * are operators; `-` right before a term negates it.
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (
    type: TokenType,
    text: string,
    start: number,
    end: number,
    leadingStar = false,
    trailingStar = false,
  ) => tokens.push({ type, text, start, end, leadingStar, trailingStar });
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      let text = '';
      i++;
      while (i < query.length && query[i] !== '"') {
        if (query[i] === '\\' && i + 1 < query.length) i++;
        text += query[i];
        i++;
      }
      if (i >= query.length)
        throw new SearchSyntaxError(query, start, "expected a closing '\"' for this phrase");
      i++;
      push('phrase', text, start, i);
      continue;
    }
    const single: Record<string, TokenType> = {
      ':': 'colon',
      '(': 'lparen',
      ')': 'rparen',
      '[': 'lbracket',
      ']': 'rbracket',
      '{': 'lbrace',
      '}': 'rbrace',
    };
    if (single[c]) {
      push(single[c], c, i, i + 1);
      i++;
      continue;
    }
    if (query.startsWith('&&', i)) {
      push('and', '&&', i, i + 2);
      i += 2;
      continue;
    }
    if (query.startsWith('||', i)) {
      push('or', '||', i, i + 2);
      i += 2;
      continue;
    }
    if ((c === '>' || c === '<') && tokens.at(-1)?.type === 'colon') {
      const op = query[i + 1] === '=' ? c + '=' : c;
      push('compare', op, i, i + op.length);
      i += op.length;
      continue;
    }
    if (c === '-' && i + 1 < query.length && !/\s/.test(query[i + 1]!) && tokens.at(-1)?.type !== 'colon') {
      push('minus', '-', i, i + 1);
      i++;
      continue;
    }
    // URLs and host:port are terms, not `field:value` (as HyperDX does).
    const url = /^(?:https?:\/\/|localhost:\d)[^\s()"]*/.exec(query.slice(i));
    if (url) {
      i += url[0].length;
      push('word', url[0], start, i);
      continue;
    }
    // A word: up to whitespace or a special character; backslash escapes.
    let text = '';
    let leadingStar = false;
    let trailingStar = false;
    let escapedLast = false;
    while (i < query.length && !/\s/.test(query[i]!) && !SPECIAL.has(query[i]!)) {
      if (query[i] === '\\' && i + 1 < query.length) {
        text += query[i + 1];
        i += 2;
        escapedLast = true;
        continue;
      }
      if (query[i] === '*' && text === '' && !leadingStar) {
        leadingStar = true;
        i++;
        continue;
      }
      text += query[i];
      escapedLast = false;
      i++;
    }
    if (text.endsWith('*') && !escapedLast) {
      trailingStar = true;
      text = text.slice(0, -1);
    }
    const word = query.slice(start, i);
    if (word === 'AND') push('and', 'AND', start, i);
    else if (word === 'OR') push('or', 'OR', start, i);
    else if (word === 'NOT') push('not', 'NOT', start, i);
    else push('word', text, start, i, leadingStar, trailingStar);
  }
  push('end', '', query.length, query.length);
  return tokens;
}
