import type { HistogramResponse } from '../api/api-types.ts';

export interface HistogramSeries {
  /** Bucket starts, epoch seconds, every bucket of the range (empty ones too). */
  readonly x: number[];
  readonly series: Array<{ name: string; values: number[] }>;
  readonly total: number;
}

/**
 * The API returns only non-empty buckets; charts want every bucket of the range, so the
 * gaps are filled with zeros. Series are ordered by their total, largest first, `__other__` last.
 */
export function histogramSeries(
  response: Pick<HistogramResponse, 'bucketSeconds' | 'buckets'>,
  fromMs: number,
  toMs: number,
): HistogramSeries {
  const step = response.bucketSeconds;
  const first = Math.floor(fromMs / 1000 / step) * step;
  const last = Math.floor((toMs - 1) / 1000 / step) * step;
  const x: number[] = [];
  for (let t = first; t <= last; t += step) x.push(t);
  const index = new Map(x.map((t, i) => [t, i]));
  const byName = new Map<string, number[]>();
  let total = 0;
  for (const b of response.buckets) {
    const t = Math.floor(Date.parse(b.t) / 1000);
    const i = index.get(t);
    if (i === undefined) continue;
    const name = b.series ?? 'count';
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Array<number>(x.length).fill(0)));
    values[i]! += b.count;
    total += b.count;
  }
  const sum = (v: number[]) => v.reduce((a, n) => a + n, 0);
  const series = [...byName]
    .map(([name, values]) => ({ name, values }))
    .sort((a, b) =>
      a.name === '__other__' ? 1 : b.name === '__other__' ? -1 : sum(b.values) - sum(a.values),
    );
  return { x, series, total };
}
