import { useMemo } from 'react';
import { SimpleGrid } from '@mantine/core';
import type { RedItem } from '../../api/api-types.ts';
import { TimeSeriesChart } from '../../components/time-series-chart.tsx';
import { alignRedSeries, redGrid, type AlignedSeries } from '../../lib/red-series.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import { ChartCard } from './chart-card.tsx';
import { durationAxis, percentAxis, rateAxis, seriesColour } from './chart-formats.ts';

/** Services drawn separately in the charts; the rest are summed (rate) or left out (error rate, p95). */
const TOP_SERVICES = 8;

const coloured = (series: AlignedSeries[]) => series.map((s) => ({ ...s, colour: seriesColour(s.label) }));

/** The set of services over time: request rate stacked by service, error rate and p95 per service. */
export function ServicesCharts({
  services,
  range,
  onZoom,
}: {
  services: readonly RedItem[];
  range: ResolvedRange;
  onZoom: (fromMs: number, toMs: number) => void;
}) {
  const charts = useMemo(() => {
    const x = redGrid(services, range.fromMs, range.toMs);
    const top = { top: TOP_SERVICES };
    return {
      x,
      rate: coloured(alignRedSeries(services, 'rate', x, top)),
      errors: coloured(alignRedSeries(services, 'errorRate', x, top)),
      p95: coloured(alignRedSeries(services, 'p95Ms', x, top)),
    };
  }, [services, range.fromMs, range.toMs]);
  const empty = services.length === 0;
  const hint = services.length > TOP_SERVICES ? `top ${TOP_SERVICES} by requests` : undefined;
  return (
    <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="sm">
      <ChartCard title="Requests per second" hint="stacked by service" empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.rate}
          kind="bars"
          stacked
          formatValue={rateAxis}
          onZoom={onZoom}
          testId="services-rate-chart"
        />
      </ChartCard>
      <ChartCard title="Error rate" hint={hint} empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.errors}
          formatValue={percentAxis}
          onZoom={onZoom}
          testId="services-errors-chart"
        />
      </ChartCard>
      <ChartCard title="p95 latency" hint={hint} empty={empty}>
        <TimeSeriesChart
          x={charts.x}
          series={charts.p95}
          formatValue={durationAxis}
          onZoom={onZoom}
          testId="services-latency-chart"
        />
      </ChartCard>
    </SimpleGrid>
  );
}
