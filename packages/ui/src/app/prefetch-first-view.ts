import type { QueryClient } from '@tanstack/react-query';
import { searchInputFromUrl, searchQueryOptions } from '../features/search/search-query.ts';
import { traceQuery } from '../features/trace/trace-query.ts';
import { peekStartupNow } from '../lib/startup-clock.ts';
import { DEFAULT_RANGE, resolveRange } from '../lib/time-range.ts';

/**
 * Starts the first view's main request while its code is still loading: the search results
 * for /search, the trace for /trace/:id. The view's own query has the same key (the range
 * is resolved against the same start-up instant), so it picks up this request.
 */
export function prefetchFirstView(location: Location, client: QueryClient): void {
  const params = new URLSearchParams(location.search);
  if (location.pathname === '/search') {
    const input = searchInputFromUrl(params);
    if (input.language === 'lucene' && input.query.trim() !== '') return; // may not parse; the page decides
    const range = resolveRange(
      { from: params.get('from') ?? DEFAULT_RANGE.from, to: params.get('to') ?? DEFAULT_RANGE.to },
      peekStartupNow(),
    );
    void client.prefetchInfiniteQuery(searchQueryOptions({ ...input, range }));
    return;
  }
  const trace = /^\/trace\/([0-9a-fA-F]{32})$/.exec(location.pathname);
  if (trace) void client.prefetchQuery(traceQuery(trace[1]!));
}
