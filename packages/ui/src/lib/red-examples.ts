import type { Row } from '../api/api-types.ts';

/** A span found as an example of a service, operation, node or edge, read from a search row. */
export interface ExampleSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  readonly durationMs: number;
  readonly failed: boolean;
  readonly statusMessage: string;
  readonly timestamp: string;
}

/** A column's text; numbers (ids read as numbers by a client) are kept, anything else is ''. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** A search row (the table's column names) as an example span; undefined without a trace id. */
export function toExampleSpan(row: Row): ExampleSpan | undefined {
  const traceId = text(row['TraceId']);
  if (!traceId) return undefined;
  const status = text(row['StatusCode']);
  return {
    traceId,
    spanId: text(row['SpanId']),
    service: text(row['ServiceName']),
    name: text(row['SpanName']),
    // Duration is in nanoseconds, a number or (past 2^53) a string.
    durationMs: Number(row['Duration'] ?? 0) / 1e6,
    failed: status === 'Error' || status === 'STATUS_CODE_ERROR',
    statusMessage: text(row['StatusMessage']),
    timestamp: text(row['Timestamp']),
  };
}

export function toExampleSpans(rows: readonly Row[]): ExampleSpan[] {
  return rows.map(toExampleSpan).filter((s): s is ExampleSpan => s !== undefined);
}

/**
 * The `n` longest spans, longest first, at most one per trace (examples of different
 * requests say more than several spans of one).
 */
export function slowestSpans(spans: readonly ExampleSpan[], n: number): ExampleSpan[] {
  const seen = new Set<string>();
  return [...spans]
    .sort((a, b) => b.durationMs - a.durationMs)
    .filter((s) => !seen.has(s.traceId) && seen.add(s.traceId))
    .slice(0, n);
}

/** The first `n` spans of distinct traces, in the order given (the search's newest first). */
export function distinctTraces(spans: readonly ExampleSpan[], n: number): ExampleSpan[] {
  const seen = new Set<string>();
  return spans.filter((s) => !seen.has(s.traceId) && seen.add(s.traceId)).slice(0, n);
}
