import { useMemo } from 'react';
import { usePrefetchQuery, useQuery } from '@tanstack/react-query';
import { traceQuery } from './trace-query.ts';
import { criticalPath, type CriticalPath } from '../../lib/critical-path.ts';
import { traceLogs, type TraceLog } from '../../lib/trace-logs.ts';
import { buildTraceTree, type TraceTree } from '../../lib/trace-tree.ts';

export interface TraceModel {
  readonly tree: TraceTree;
  readonly critical: CriticalPath;
  readonly logs: readonly TraceLog[];
  readonly notice: string | undefined;
}

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
