/**
 * How a statement quotes: `standard` (PostgreSQL and most others: "..." is an
 * identifier) or `mysql` (MySQL and MariaDB: "..." is a string literal unless
 * the server runs with ANSI_QUOTES, and `#` starts a comment).
 */
export type SqlDialect = 'standard' | 'mysql';

/**
 * Replaces the literals of a SQL statement by `?` (strings, numbers, hex and
 * dollar-quoted strings), keeping identifiers, keywords, placeholders ($1, ?,
 * :name) and comments' absence. A linear scan, no regular-expression
 * backtracking: statements can be long.
 */
export function sanitizeSql(sql: string, dialect: SqlDialect = 'standard'): string {
  const mysql = dialect === 'mysql';
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    // 'string' (with '' escapes) and E'...' / N'...' prefixes handled by the identifier branch
    // MySQL: "string" too (an identifier under ANSI_QUOTES, which the agent cannot see: a ? is the safe side)
    if (c === "'" || (c === '"' && mysql)) {
      i = skipQuoted(sql, i, c, true);
      out += '?';
      continue;
    }
    // "identifier" and `identifier` are kept
    if (c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c, false);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    // -- line comment and /* block comment */ are dropped (they can carry values)
    if ((c === '-' && sql[i + 1] === '-') || (c === '#' && mysql)) {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    // $tag$ ... $tag$ dollar-quoted strings; $1 placeholders are kept
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
        out += '?';
        continue;
      }
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (isDigit(sql.charCodeAt(i)) || (c === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      // a number unless it is part of an identifier (t1, col_2)
      const prev = out.length > 0 ? out.charCodeAt(out.length - 1) : 32;
      if (isWord(prev)) {
        out += c;
        i++;
        continue;
      }
      let j = i;
      if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
        j += 2;
        while (j < n && /[0-9a-fA-F]/.test(sql[j]!)) j++;
      } else {
        while (j < n && (isDigit(sql.charCodeAt(j)) || sql[j] === '.')) j++;
        if (j < n && (sql[j] === 'e' || sql[j] === 'E')) {
          j++;
          if (sql[j] === '+' || sql[j] === '-') j++;
          while (j < n && isDigit(sql.charCodeAt(j))) j++;
        }
      }
      out += '?';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** The end of a quoted run; in string literals a backslash escapes the next character. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWord(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
