import { useMemo } from 'react';
import type { RedItem } from '../../api/api-types.ts';
import { alignRedSeries, redGrid, type AlignedSeries } from '../../lib/red-series.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';
import { RedChartRow, type RedChart } from './red-chart-row.tsx';
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
  const charts = useMemo((): { x: number[]; list: RedChart[] } => {
    const x = redGrid(services, range.fromMs, range.toMs);
    const top = { top: TOP_SERVICES };
    const hint = services.length > TOP_SERVICES ? `top ${TOP_SERVICES} by requests` : undefined;
    return {
      x,
      list: [
        {
          title: 'Requests per second',
          hint: 'stacked by service',
          series: coloured(alignRedSeries(services, 'rate', x, top)),
          kind: 'bars',
          stacked: true,
          formatValue: rateAxis,
          testId: 'services-rate-chart',
        },
        {
          title: 'Error rate',
          hint,
          series: coloured(alignRedSeries(services, 'errorRate', x, top)),
          formatValue: percentAxis,
          testId: 'services-errors-chart',
        },
        {
          title: 'p95 latency',
          hint,
          series: coloured(alignRedSeries(services, 'p95Ms', x, top)),
          formatValue: durationAxis,
          testId: 'services-latency-chart',
        },
      ],
    };
  }, [services, range.fromMs, range.toMs]);
  return <RedChartRow x={charts.x} charts={charts.list} empty={services.length === 0} onZoom={onZoom} />;
}
