import { queryOptions } from '@tanstack/react-query';
import { ApiFailure, apiGet } from '../../api/api-client.ts';
import type { TraceResponse } from '../../api/api-types.ts';

/** 4xx answers are final: no retry. */
export const traceQuery = (traceId: string) =>
  queryOptions({
    queryKey: ['trace', traceId],
    queryFn: ({ signal }) =>
      apiGet<TraceResponse>(`/api/v1/traces/${encodeURIComponent(traceId)}`, {}, signal),
    retry: (count, error) =>
      !(error instanceof ApiFailure && error.status >= 400 && error.status < 500) && count < 1,
    staleTime: 60_000,
  });
