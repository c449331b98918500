import { useMemo } from 'react';
import type { RedItem } from '../../api/api-types.ts';
import { ERROR_COLOUR } from '../../lib/palette.ts';
import { metricValues, redGrid } from '../../lib/red-series.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import { RedChartRow, type RedChart } from './red-chart-row.tsx';
import { PERCENTILE_COLOURS, durationAxis, percentAxis, rateAxis } from './chart-formats.ts';

/** Rate, error rate and latency percentiles over time of one service or one operation. */
export function ServiceRedCharts({
  item,
  range,
  onZoom,
}: {
  /** The service's or operation's numbers; undefined when it had no requests in the range. */
  item: RedItem | undefined;
  range: ResolvedRange;
  onZoom: (fromMs: number, toMs: number) => void;
}) {
  const charts = useMemo((): { x: number[]; list: RedChart[] } => {
    const series = item?.series ?? [];
    const x = redGrid(item ? [item] : [], range.fromMs, range.toMs);
    return {
      x,
      list: [
        {
          title: 'Requests per second',
          series: [{ label: 'requests/s', values: metricValues(series, 'rate', x), colour: '#228be6' }],
          kind: 'bars',
          formatValue: rateAxis,
          testId: 'service-rate-chart',
        },
        {
          title: 'Error rate',
          series: [
            { label: 'error rate', values: metricValues(series, 'errorRate', x), colour: ERROR_COLOUR },
          ],
          formatValue: percentAxis,
          testId: 'service-errors-chart',
        },
        {
          title: 'Latency',
          hint: 'p50 · p95 · p99',
          series: (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((metric) => ({
            label: metric.replace('Ms', ''),
            values: metricValues(series, metric, x),
            colour: PERCENTILE_COLOURS[metric],
          })),
          formatValue: durationAxis,
          testId: 'service-latency-chart',
        },
      ],
    };
  }, [item, range.fromMs, range.toMs]);
  return <RedChartRow x={charts.x} charts={charts.list} empty={item === undefined} onZoom={onZoom} />;
}
