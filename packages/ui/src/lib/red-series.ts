import { bucketSeconds } from '@spyglass/query';
import type { RedItem, RedNumbers } from '../api/api-types.ts';

export type RedMetric = keyof RedNumbers;

export interface AlignedSeries {
  readonly label: string;
  readonly values: Array<number | null>;
}

export interface AlignedChart {
  /** Bucket starts, epoch seconds, ascending (what TimeSeriesChart takes). */
  readonly x: number[];
  readonly series: AlignedSeries[];
}

/** Label of the series that sums the items left out of a stacked chart. */
export const OTHER_LABEL = 'other';

/** Cap on buckets drawn; past it the grid is only the buckets that have data. */
const MAX_BUCKETS = 2000;

/**
 * The bucket width the API used for a range's RED series. The responses do not carry it;
 * the same function the backend uses (from @spyglass/query) gives it.
 */
export function redBucketSeconds(fromMs: number, toMs: number): number {
  return bucketSeconds({ fromMs, toMs });
}

/**
 * Every bucket start of the range (epoch seconds, multiples of the bucket width, as
 * ClickHouse's toStartOfInterval aligns them), plus any data time that is off that grid,
 * so a quiet period shows as a gap or zero instead of being skipped.
 */
export function bucketGrid(
  fromMs: number,
  toMs: number,
  bucketSec: number,
  dataTimes: Iterable<number> = [],
): number[] {
  const times = new Set<number>(dataTimes);
  const step = Math.max(1, bucketSec);
  const first = Math.floor(fromMs / 1000 / step) * step;
  if ((toMs / 1000 - first) / step <= MAX_BUCKETS) {
    for (let t = first; t < toMs / 1000; t += step) times.add(t);
  }
  return [...times].sort((a, b) => a - b);
}

/** Epoch seconds of a series point's `t` (ISO-8601, e.g. `2026-11-26T11:18:00Z`). */
export function pointSeconds(t: string): number {
  return Math.floor(Date.parse(t) / 1000);
}

/**
 * The value of a metric a bucket without data stands for: no requests means a rate of
 * zero, but an error rate or a latency is undefined there (a gap in the line).
 */
export function emptyBucketValue(metric: RedMetric): number | null {
  return metric === 'requests' || metric === 'rate' ? 0 : null;
}

/** One item's metric on the grid `x`, gaps filled as emptyBucketValue says. */
export function metricValues(
  series: RedItem['series'],
  metric: RedMetric,
  x: readonly number[],
): Array<number | null> {
  const byTime = new Map<number, number>();
  for (const point of series) byTime.set(pointSeconds(point.t), point[metric]);
  const empty = emptyBucketValue(metric);
  return x.map((t) => byTime.get(t) ?? empty);
}

/** The grid for a set of items over a range: the range's buckets and every time the items have. */
export function redGrid(items: readonly RedItem[], fromMs: number, toMs: number): number[] {
  const times = items.flatMap((item) => item.series.map((p) => pointSeconds(p.t)));
  return bucketGrid(fromMs, toMs, redBucketSeconds(fromMs, toMs), times);
}

/**
 * One series per item for a metric, on a shared time axis. With `top`, only the `top`
 * items with the most requests get their own series; for additive metrics (requests,
 * rate) the rest are summed into an `other` series, for the others they are left out.
 */
export function alignRedSeries(
  items: readonly RedItem[],
  metric: RedMetric,
  x: readonly number[],
  options: { top?: number } = {},
): AlignedSeries[] {
  const ranked = [...items].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
  const top = options.top ?? ranked.length;
  const shown = ranked.slice(0, top);
  const rest = ranked.slice(top);
  const series: AlignedSeries[] = shown.map((item) => ({
    label: item.name,
    values: metricValues(item.series, metric, x),
  }));
  if (rest.length > 0 && emptyBucketValue(metric) === 0) {
    const sums = x.map(() => 0);
    for (const item of rest) {
      metricValues(item.series, metric, x).forEach((v, i) => (sums[i] = sums[i]! + (v ?? 0)));
    }
    series.push({ label: OTHER_LABEL, values: sums });
  }
  return series;
}
