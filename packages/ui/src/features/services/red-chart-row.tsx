import type { ReactNode } from 'react';
import { SimpleGrid } from '@mantine/core';
import { TimeSeriesChart, type ChartSeries } from '../../components/time-series-chart.tsx';
import { ChartCard } from './chart-card.tsx';

/** One chart of a RED row: its card title and hint, and what TimeSeriesChart draws. */
export interface RedChart {
  readonly title: string;
  readonly hint?: ReactNode;
  readonly series: readonly ChartSeries[];
  readonly kind?: 'bars' | 'line';
  readonly stacked?: boolean;
  readonly formatValue: (v: number) => string;
  readonly testId: string;
}

/**
 * Rate, errors and latency side by side (one column on narrow screens), on one
 * time axis; dragging across any of them zooms the page's range.
 */
export function RedChartRow({
  x,
  charts,
  empty,
  onZoom,
}: {
  /** Bucket starts shared by every chart, epoch seconds. */
  x: readonly number[];
  charts: readonly RedChart[];
  /** Nothing in the range: each card says so instead of drawing an empty chart. */
  empty: boolean;
  onZoom: (fromMs: number, toMs: number) => void;
}) {
  return (
    <SimpleGrid cols={{ base: 1, lg: charts.length }} spacing="sm">
      {charts.map((chart) => (
        <ChartCard key={chart.testId} title={chart.title} hint={chart.hint} empty={empty}>
          <TimeSeriesChart
            x={x}
            series={chart.series}
            {...(chart.kind ? { kind: chart.kind } : {})}
            {...(chart.stacked ? { stacked: true } : {})}
            formatValue={chart.formatValue}
            onZoom={onZoom}
            testId={chart.testId}
          />
        </ChartCard>
      ))}
    </SimpleGrid>
  );
}
