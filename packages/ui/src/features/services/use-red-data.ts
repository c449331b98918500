import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet, apiPost } from '../../api/api-client.ts';
import type { OperationsResponse, SearchResponse, ServicesResponse } from '../../api/api-types.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import type { SpanQuery } from '../../lib/red-search.ts';

/**
 * RED per service over the range (shared by the services list, a service's page and the map).
 * A refresh or a new range keeps showing the previous numbers until the new ones arrive.
 */
export function useServices(range: ResolvedRange) {
  return useQuery({
    queryKey: ['services', range.fromMs, range.toMs],
    queryFn: ({ signal }) =>
      apiGet<ServicesResponse>('/api/v1/services', { from: range.fromMs, to: range.toMs }, signal),
    placeholderData: keepPreviousData,
  });
}

/** RED per operation (SpanName of the entry spans) of one service; the previous range's stay while loading. */
export function useOperations(service: string, range: ResolvedRange) {
  return useQuery({
    queryKey: ['operations', service, range.fromMs, range.toMs],
    queryFn: ({ signal }) =>
      apiGet<OperationsResponse>(
        `/api/v1/services/${encodeURIComponent(service)}/operations`,
        { from: range.fromMs, to: range.toMs },
        signal,
      ),
    // Another service's operations must not stand in for this one's.
    placeholderData: (previous) => (previous?.service === service ? previous : undefined),
  });
}

/** Span rows of a search, newest first. */
export function searchSpans(
  query: SpanQuery,
  range: ResolvedRange,
  limit: number,
  signal: AbortSignal,
): Promise<SearchResponse> {
  return apiPost<SearchResponse>(
    '/api/v1/search',
    {
      signal: 'traces',
      query: query.text,
      language: query.language,
      from: range.fromMs,
      to: range.toMs,
      limit,
    },
    signal,
  );
}
