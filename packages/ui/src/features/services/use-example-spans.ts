import { useQuery } from '@tanstack/react-query';
import { distinctTraces, slowestSpans, toExampleSpans, type ExampleSpan } from '../../lib/red-examples.ts';
import { errorsOnly, slowerThan, type SpanQuery } from '../../lib/red-search.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import { searchSpans } from './use-red-data.ts';

/** How many examples each list shows. */
export const EXAMPLES = 5;

/**
 * The slowest spans of a set: the recent ones at or above `slowMs` (the set's p95, so the
 * search reads few rows), sorted by duration; when none are that slow (the percentile is an
 * estimate), the slowest of the latest spans instead.
 */
export function useSlowestSpans(spans: SpanQuery, slowMs: number | undefined, range: ResolvedRange) {
  return useQuery({
    queryKey: ['example-slowest', spans, slowMs, range.fromMs, range.toMs],
    queryFn: async ({ signal }): Promise<ExampleSpan[]> => {
      if (slowMs !== undefined && slowMs > 0) {
        const slow = await searchSpans(slowerThan(spans, slowMs), range, 50, signal);
        const found = slowestSpans(toExampleSpans(slow.rows), EXAMPLES);
        if (found.length > 0) return found;
      }
      const latest = await searchSpans(spans, range, 200, signal);
      return slowestSpans(toExampleSpans(latest.rows), EXAMPLES);
    },
  });
}

/** The latest failed spans of a set, one per trace. */
export function useLatestErrors(spans: SpanQuery, range: ResolvedRange) {
  return useQuery({
    queryKey: ['example-errors', spans, range.fromMs, range.toMs],
    queryFn: async ({ signal }): Promise<ExampleSpan[]> => {
      const result = await searchSpans(errorsOnly(spans), range, 25, signal);
      return distinctTraces(toExampleSpans(result.rows), EXAMPLES);
    },
  });
}
