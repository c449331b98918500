import { parseSearch } from '../search/parser.ts';
import { renderSql } from '../search/render-sql.ts';
import { explainSearch } from '../search/explain.ts';
import { SCHEMAS, type AttributeMapResolver, type Signal } from '../search/fields.ts';
import { toDateTime64Param, type TimeRange } from '../time/time-range.ts';

export type Language = 'lucene' | 'sql';

/** A query ready for the store: SQL with `{name:Type}` placeholders and their values. */
export interface BuiltQuery {
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

export interface FilterInput {
  readonly signal: Signal;
  readonly query: string;
  readonly language: Language;
  readonly range: TimeRange;
  readonly resolver?: AttributeMapResolver;
}

export interface BuiltFilter {
  /** The WHERE condition, time bound included. */
  readonly where: string;
  readonly params: Record<string, string | number>;
  readonly explanation: string;
}

/**
 * The WHERE clause of a search: always bounded by the time range (both bounds
 * are parameters), plus the search in the Lucene-style language or, in `sql`,
 * a raw SQL condition (which the caller must run read-only, see sql-guard).
 */
export function buildFilter(input: FilterInput): BuiltFilter {
  const time = `Timestamp >= parseDateTime64BestEffort({from:String}, 9) AND Timestamp < parseDateTime64BestEffort({to:String}, 9)`;
  const params: Record<string, string | number> = {
    from: toDateTime64Param(input.range.fromMs),
    to: toDateTime64Param(input.range.toMs),
  };
  if (input.language === 'sql') {
    const condition = input.query.trim();
    return {
      where: condition ? `${time} AND (${condition})` : time,
      params,
      explanation: condition ? `SQL: ${condition}` : 'everything',
    };
  }
  const tree = parseSearch(input.query);
  const rendered = renderSql(tree, input.signal, input.resolver ? { resolver: input.resolver } : {});
  return {
    where: rendered.sql === 'true' ? time : `${time} AND (${rendered.sql})`,
    params: { ...params, ...rendered.params },
    explanation: explainSearch(tree, input.signal, input.resolver),
  };
}

/** The row columns of each signal, in the tables' own vocabulary. */
export const ROW_COLUMNS: Record<Signal, readonly string[]> = {
  traces: [
    'Timestamp',
    'TraceId',
    'SpanId',
    'ParentSpanId',
    'ServiceName',
    'SpanName',
    'SpanKind',
    'Duration',
    'StatusCode',
    'StatusMessage',
    'SpanAttributes',
    'ResourceAttributes',
  ],
  logs: [
    'Timestamp',
    'TraceId',
    'SpanId',
    'ServiceName',
    'SeverityText',
    'SeverityNumber',
    'Body',
    'LogAttributes',
    'ResourceAttributes',
  ],
};

/** A stable position in a result ordered by (Timestamp, tie-breaker) descending. */
export interface Cursor {
  readonly ts: string;
  readonly tie: string;
}

const TIE_BREAKER: Record<Signal, string> = { traces: 'SpanId', logs: 'cityHash64(Body, TraceId, SpanId)' };

/** Opaque to clients; base64url of JSON (btoa/atob: runs in browsers too). */
export function encodeCursor(c: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify(c));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function decodeCursor(text: string): Cursor {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))),
    ) as Cursor;
    if (typeof c.ts === 'string' && typeof c.tie === 'string') return c;
  } catch {
    // fall through
  }
  throw new RangeError('cursor is not one returned by this API');
}

/**
 * The rows of a search, newest first, `limit` at a time. Pagination is by
 * cursor on (Timestamp, tie-breaker), so pages stay stable while data arrives.
 */
export function buildSearchQuery(
  filter: BuiltFilter,
  signal: Signal,
  limit: number,
  cursor?: Cursor,
): BuiltQuery {
  const tie = TIE_BREAKER[signal];
  const params: Record<string, string | number> = { ...filter.params, limit: limit + 1 };
  let where = filter.where;
  if (cursor) {
    where += ` AND (Timestamp, toString(${tie})) < (parseDateTime64BestEffort({cursorTs:String}, 9), {cursorTie:String})`;
    params['cursorTs'] = cursor.ts;
    params['cursorTie'] = cursor.tie;
  }
  const columns = ROW_COLUMNS[signal].join(', ');
  return {
    sql: `SELECT ${columns}, toString(${tie}) AS __tie FROM ${SCHEMAS[signal].table} WHERE ${where} ORDER BY Timestamp DESC, __tie DESC LIMIT {limit:UInt32}`,
    params,
  };
}
