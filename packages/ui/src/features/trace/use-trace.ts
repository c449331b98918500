import { useMemo } from 'react';
import { queryOptions, usePrefetchQuery, useQuery } from '@tanstack/react-query';
import { ApiFailure, apiGet } from '../../api/api-client.ts';
import type { TraceResponse } from '../../api/api-types.ts';
import { criticalPath, type CriticalPath } from '../../lib/critical-path.ts';
import { traceLogs, type TraceLog } from '../../lib/trace-logs.ts';
import { buildTraceTree, type TraceTree } from '../../lib/trace-tree.ts';

export interface TraceModel {
  readonly tree: TraceTree;
  readonly critical: CriticalPath;
  readonly logs: readonly TraceLog[];
  readonly notice: string | undefined;
}

/** 4xx answers are final: no retry. */
const traceQuery = (traceId: string) =>
  queryOptions({
    queryKey: ['trace', traceId],
    queryFn: ({ signal }) =>
      apiGet<TraceResponse>(`/api/v1/traces/${encodeURIComponent(traceId)}`, {}, signal),
    retry: (count, error) =>
      !(error instanceof ApiFailure && error.status >= 400 && error.status < 500) && count < 1,
    staleTime: 60_000,
  });

/**
 * The trace from the API, built into its tree once per response. The request starts during
 * the first render: the route's Suspense boundary may hold the commit (and so useQuery's
 * own fetch) back for a few hundred milliseconds, and big traces take time to arrive.
 */
export function useTrace(traceId: string) {
  usePrefetchQuery(traceQuery(traceId));
  const query = useQuery(traceQuery(traceId));
  const model = useMemo((): TraceModel | undefined => {
    if (!query.data) return undefined;
    const tree = buildTraceTree(query.data.spans);
    return {
      tree,
      critical: criticalPath(tree),
      logs: traceLogs(query.data.logs, tree.start),
      notice: query.data.notice ?? undefined,
    };
  }, [query.data]);
  return { query, model };
}
