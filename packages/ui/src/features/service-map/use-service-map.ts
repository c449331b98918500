import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../api/api-client.ts';
import type { ServiceMapResponse } from '../../api/api-types.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';

/** The service map's nodes and edges over the range; a refresh keeps the map drawn until the new one arrives. */
export function useServiceMap(range: ResolvedRange) {
  return useQuery({
    queryKey: ['service-map', range.fromMs, range.toMs],
    queryFn: ({ signal }) =>
      apiGet<ServiceMapResponse>('/api/v1/service-map', { from: range.fromMs, to: range.toMs }, signal),
    placeholderData: keepPreviousData,
  });
}
