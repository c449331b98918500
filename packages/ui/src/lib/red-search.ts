import type { UrlRange } from './time-range.ts';

/**
 * Searches and links for the RED views. Lucene-style searches (docs/search.md) quote every
 * value (`field:"value"` is an exact match); a few questions the language cannot ask (which
 * spans were called from another service) are SQL conditions, which the search API also takes.
 */
export interface SpanQuery {
  readonly language: 'lucene' | 'sql';
  readonly text: string;
}

export function lucene(text: string): SpanQuery {
  return { language: 'lucene', text };
}

export function quoteSearchValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A ClickHouse string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** The entry spans RED is computed from (docs/api.md): kinds Server and Consumer. */
export const ENTRY_SPANS = '(kind:Server OR kind:Consumer)';
export const ENTRY_SPANS_SQL = "SpanKind IN ('Server', 'Consumer', 'SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER')";

/**
 * The spans behind a service's RED numbers: its entry spans, or one operation's (an
 * operation is a SpanName of the service's entry spans).
 */
export function redSpansQuery(service: string, operation?: string): string {
  const scope = operation === undefined ? ENTRY_SPANS : `span:${quoteSearchValue(operation)}`;
  return `service:${quoteSearchValue(service)} ${scope}`;
}

export function errorsOnly(query: SpanQuery): SpanQuery {
  return query.language === 'sql'
    ? { language: 'sql', text: `(${query.text}) AND StatusCode IN ('Error', 'STATUS_CODE_ERROR')` }
    : lucene(`${query.text} status:Error`);
}

/**
 * Spans at least `ms` long, floored to a tenth of a millisecond so that the span that set
 * a percentile is itself included. (The search's `duration` is in milliseconds, the
 * Duration column in nanoseconds.)
 */
export function slowerThan(query: SpanQuery, ms: number): SpanQuery {
  const floored = Math.floor(ms * 10) / 10;
  return query.language === 'sql'
    ? { language: 'sql', text: `(${query.text}) AND Duration >= ${Math.round(floored * 1e6)}` }
    : lucene(`${query.text} duration:>=${floored}`);
}

/**
 * A link to the search view (Lucene unless the query says SQL: `lang=sql`), keeping the
 * range as it is in the URL (relative stays relative).
 */
export function searchHref(signal: 'traces' | 'logs', query: string | SpanQuery, range: UrlRange): string {
  const { text, language } = typeof query === 'string' ? lucene(query) : query;
  const params = new URLSearchParams({ signal, q: text, from: range.from, to: range.to });
  if (language === 'sql') params.set('lang', 'sql');
  return `/search?${params.toString()}`;
}

/** A link to a trace, opened at one of its spans. */
export function traceHref(traceId: string, spanId?: string): string {
  const base = `/trace/${encodeURIComponent(traceId)}`;
  return spanId ? `${base}?span=${encodeURIComponent(spanId)}` : base;
}
