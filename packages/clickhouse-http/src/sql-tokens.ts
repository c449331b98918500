/**
 * A small lexer for ClickHouse SQL, enough to inspect a query that ClickHouse
 * itself has already parsed and re-formatted (see canonical-query.ts): words,
 * quoted identifiers, string literals, numbers and punctuation, each with its
 * bracket depth. Comments and whitespace are skipped. It never throws: an
 * unterminated literal or comment simply runs to the end of the text.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** The exact source text of the token. */
  readonly text: string;
  /** Words and punctuation: the text; quoted identifiers and strings: the unescaped content. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** Nesting depth of (), [] and {} the token sits at (an opening bracket has the outer depth). */
  readonly depth: number;
}

const MULTI_CHAR_PUNCT = ['<=>', '::', '->', '<=', '>=', '!=', '<>', '==', '||'];
const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    if (kind === 'punct' && CLOSERS.has(text)) depth = Math.max(0, depth - 1);
    tokens.push({ kind, text, value: value ?? text, start, end, depth });
    if (kind === 'punct' && OPENERS.has(text)) depth++;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (
      (c === '-' && next === '-') ||
      (c === '#' && (next === undefined || next === '!' || /\s/.test(next)))
    ) {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'" || c === '"' || c === '`') {
      const { end, value } = readQuoted(sql, i, c);
      push(c === "'" ? 'string' : 'quoted', i, end, value);
      i = end;
    } else if (c === '$' && /^\$[A-Za-z0-9_]*\$/.test(sql.slice(i, i + 256))) {
      const tag = /^\$[A-Za-z0-9_]*\$/.exec(sql.slice(i, i + 256))?.[0] ?? '$$';
      const close = sql.indexOf(tag, i + tag.length);
      const end = close === -1 ? sql.length : close + tag.length;
      push('string', i, end, sql.slice(i + tag.length, close === -1 ? sql.length : close));
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const end = readNumber(sql, i);
      push('number', i, end);
      i = end;
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql[end] as string)) end++;
      push('word', i, end);
      i = end;
    } else {
      const multi = MULTI_CHAR_PUNCT.find((p) => sql.startsWith(p, i));
      const end = i + (multi ? multi.length : 1);
      push('punct', i, end);
      i = end;
    }
  }
  return tokens;
}

/** True when the token is the bare (unquoted) word `keyword`, in any case. */
export function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token?.kind === 'word' && token.value.toUpperCase() === keyword;
}

/** True for a token that can name something: a bare word or a quoted identifier. */
export function isName(token: Token | undefined): token is Token {
  return token?.kind === 'word' || token?.kind === 'quoted';
}

export function isPunct(token: Token | undefined, punct: string): boolean {
  return token?.kind === 'punct' && token.text === punct;
}

function isWordStart(c: string): boolean {
  return /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;
}

function skipBlockComment(sql: string, from: number): number {
  // ClickHouse block comments nest.
  let level = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      level++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      level--;
      i += 2;
      if (level === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function readQuoted(sql: string, from: number, quote: string): { end: number; value: string } {
  let value = '';
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === '\\' && i + 1 < sql.length) {
      const escape = decodeEscape(sql, i + 1);
      value += escape.char;
      i += 1 + escape.length;
    } else if (c === quote) {
      if (sql[i + 1] === quote) {
        value += quote;
        i += 2;
      } else {
        return { end: i + 1, value };
      }
    } else {
      value += c;
      i++;
    }
  }
  return { end: sql.length, value };
}

function readNumber(sql: string, from: number): number {
  const m =
    /^(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9]+)?|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(
      sql.slice(from, from + 512),
    );
  let end = from + Math.max(1, m?.[0].length ?? 1);
  while (end < sql.length && isWordChar(sql[end] as string)) end++;
  return end;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  a: '\x07',
  e: '\x1b',
  '0': '\0',
};

/**
 * Decodes the escape sequence whose first character (after the backslash) is at
 * `at`, the way ClickHouse reads escaped text: \b \f \n \r \t \v \a \e \0, \xHH,
 * and any other character standing for itself.
 */
export function decodeEscape(text: string, at: number): { char: string; length: number } {
  const c = text[at];
  if (c === undefined) return { char: '\\', length: 0 };
  if ((c === 'x' || c === 'X') && /^[0-9a-fA-F]{2}$/.test(text.slice(at + 1, at + 3))) {
    return { char: String.fromCharCode(parseInt(text.slice(at + 1, at + 3), 16)), length: 3 };
  }
  return { char: SIMPLE_ESCAPES[c] ?? c, length: 1 };
}
