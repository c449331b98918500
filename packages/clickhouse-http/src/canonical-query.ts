import type { StoreDriver } from '@spyglass/store';
import { ClickHouseHttpError, ErrorCode, toClickHouseHttpError } from './errors.ts';
import { isPunct, tokenize, type Token } from './sql-tokens.ts';

const FORMAT_QUERY = 'SELECT formatQuerySingleLine({q:String})';
const SCOPE_MARKER = ': In scope SELECT formatQuerySingleLine(';

/**
 * Parses `sql` with ClickHouse's own parser and returns it re-formatted on one
 * line: exactly one statement, no comments, no trailing semicolon, literals and
 * identifiers quoted canonically. A query with several statements, or that does
 * not parse, fails with ClickHouse's syntax error.
 */
export async function canonicalize(driver: StoreDriver, sql: string, signal?: AbortSignal): Promise<string> {
  try {
    const out = await driver.queryRaw(FORMAT_QUERY, {
      format: 'RawBLOB',
      params: { q: sql },
      ...(signal ? { signal } : {}),
    });
    return out.toString('utf8');
  } catch (err) {
    throw withoutFormatQueryScope(toClickHouseHttpError(err), sql);
  }
}

/**
 * Syntax errors raised inside formatQuerySingleLine end with
 * `: In scope SELECT formatQuerySingleLine('<the whole query>')`; that tail is
 * noise for the client, so it is cut. The marker is searched from the end, and
 * only accepted where what follows is at least as long as the query itself (so
 * a marker inside the quoted query cannot be mistaken for it).
 */
function withoutFormatQueryScope(err: ClickHouseHttpError, sql: string): ClickHouseHttpError {
  for (
    let at = err.text.lastIndexOf(SCOPE_MARKER);
    at >= 0;
    at = err.text.lastIndexOf(SCOPE_MARKER, at - 1)
  ) {
    if (err.text.length - at - SCOPE_MARKER.length >= sql.length) {
      return new ClickHouseHttpError(err.code, err.text.slice(0, at).trimEnd(), err.type, err.httpStatus);
    }
    if (at === 0) break;
  }
  return err;
}

/** Statements that only read. */
export const READ_STATEMENTS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXISTS',
  'EXPLAIN',
]);

/** The first keyword of the statement (upper-cased), skipping opening parentheses. */
export function leadingKeyword(tokens: readonly Token[]): string | undefined {
  const first = tokens.find((t) => !isPunct(t, '('));
  return first?.kind === 'word' ? first.value.toUpperCase() : undefined;
}

/**
 * The engine accepts a bare expression as a query (`implicit_select`), so
 * `garbage` would run as `SELECT garbage`. ClickHouse's server rejects that;
 * so does this check, which looks at what the client actually wrote.
 */
export function assertWrittenAsReadStatement(originalSql: string): void {
  const keyword = writtenKeyword(originalSql);
  if (keyword === undefined || !(READ_STATEMENTS.has(keyword) || keyword === 'FROM')) {
    const start = originalSql.trimStart().slice(0, 40);
    throw new ClickHouseHttpError(
      ErrorCode.SYNTAX_ERROR,
      `Syntax error: failed at position 1 (${start}): expected one of: SELECT, WITH, SHOW, DESCRIBE, EXISTS, EXPLAIN`,
    );
  }
}

/** The first keyword of SQL as the client wrote it (comments and parentheses skipped). */
export function writtenKeyword(sql: string): string | undefined {
  return leadingKeyword(tokenize(sql.length > 1 << 20 ? sql.slice(0, 1 << 20) : sql));
}
