import { useMemo } from 'react';
import { SimpleGrid } from '@mantine/core';
import type { RedItem } from '../../api/api-types.ts';
import { TimeSeriesChart } from '../../components/time-series-chart.tsx';
import { ERROR_COLOUR } from '../../lib/palette.ts';
import { metricValues, redGrid } from '../../lib/red-series.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import { ChartCard } from './chart-card.tsx';
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
  const charts = useMemo(() => {
    const series = item?.series ?? [];
    const x = redGrid(item ? [item] : [], range.fromMs, range.toMs);
    return {
      x,
      rate: [{ label: 'requests/s', values: metricValues(series, 'rate', x), colour: '#228be6' }],
      errors: [{ label: 'error rate', values: metricValues(series, 'errorRate', x), colour: ERROR_COLOUR }],
      latency: (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((metric) => ({
        label: metric.replace('Ms', ''),
        values: metricValues(series, metric, x),
        colour: PERCENTILE_COLOURS[metric],
      })),
    };
  }, [item, range.fromMs, range.toMs]);
  const empty = item === undefined;
  return (
    <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="sm">
      <ChartCard title="Requests per second" empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.rate}
          kind="bars"
          formatValue={rateAxis}
          onZoom={onZoom}
          testId="service-rate-chart"
        />
      </ChartCard>
      <ChartCard title="Error rate" empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.errors}
          formatValue={percentAxis}
          onZoom={onZoom}
          testId="service-errors-chart"
        />
      </ChartCard>
      <ChartCard title="Latency" hint="p50 · p95 · p99" empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.latency}
          formatValue={durationAxis}
          onZoom={onZoom}
          testId="service-latency-chart"
        />
      </ChartCard>
    </SimpleGrid>
  );
}
