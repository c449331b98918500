import type { PreciseInstant } from './format.ts';
import { addFilter } from './query-completion.ts';

/** The search page's time range around a trace: an hour either side, so its neighbours show too. */
export interface SearchRange {
  readonly fromMs: number;
  readonly toMs: number;
}

const MARGIN_MS = 3_600_000;

export function searchRangeOf(start: PreciseInstant, durationNs: number): SearchRange {
  const startMs = start.seconds * 1000 + start.nanos / 1e6;
  return {
    fromMs: Math.floor(startMs - MARGIN_MS),
    toMs: Math.ceil(startMs + durationNs / 1e6 + MARGIN_MS),
  };
}

/** /search for spans (or logs) whose `field` is `value`, around the trace's time. */
export function searchHref(
  signal: 'traces' | 'logs',
  field: string,
  value: string,
  range: SearchRange,
): string {
  const params = new URLSearchParams({
    signal,
    q: addFilter('', field, value),
    from: String(range.fromMs),
    to: String(range.toMs),
  });
  return `/search?${params.toString()}`;
}

/** A span of a trace (this one or another) as a link that opens it. */
export function traceHref(traceId: string, spanId?: string): string {
  return `/trace/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`;
}
