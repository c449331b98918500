import { infiniteQueryOptions, keepPreviousData } from '@tanstack/react-query';
import { apiPost } from '../../api/api-client.ts';
import type { SearchResponse, Signal } from '../../api/api-types.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';

export const SEARCH_PAGE_SIZE = 200;

export interface SearchInput {
  readonly signal: Signal;
  readonly query: string;
  readonly language: 'lucene' | 'sql';
  readonly range: ResolvedRange;
}

/** What the search page shows, read from its URL (the start-up prefetch reads it the same way). */
export function searchInputFromUrl(params: URLSearchParams): Omit<SearchInput, 'range'> {
  return {
    signal: params.get('signal') === 'logs' ? 'logs' : 'traces',
    language: params.get('lang') === 'sql' ? 'sql' : 'lucene',
    query: params.get('q') ?? '',
  };
}

/** The results, page after page (cursor), newest first: one definition for the page and the prefetch. */
export function searchQueryOptions(input: SearchInput) {
  return infiniteQueryOptions({
    queryKey: ['search', input.signal, input.query, input.language, input.range.fromMs, input.range.toMs],
    queryFn: ({ pageParam, signal: abort }) =>
      apiPost<SearchResponse>(
        '/api/v1/search',
        {
          signal: input.signal,
          query: input.query,
          language: input.language,
          from: input.range.fromMs,
          to: input.range.toMs,
          limit: SEARCH_PAGE_SIZE,
          ...(pageParam ? { cursor: pageParam } : {}),
        },
        abort,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}
