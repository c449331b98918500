import type { UrlRange } from '../../lib/time-range.ts';

/** A service's page, for the same range (and, optionally, one of its operations selected). */
export function servicePath(service: string, range: UrlRange, operation?: string): string {
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (operation !== undefined) params.set('op', operation);
  return `/services/${encodeURIComponent(service)}?${params.toString()}`;
}
