import { useMemo } from 'react';
import { Group, Loader, Select, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiPost } from '../../api/api-client.ts';
import type { HistogramResponse, Signal } from '../../api/api-types.ts';
import { TimeSeriesChart } from '../../components/time-series-chart.tsx';
import { formatCount } from '../../lib/format.ts';
import { histogramSeries } from '../../lib/histogram-series.ts';
import { colourFor, ERROR_COLOUR, OTHER_COLOUR } from '../../lib/palette.ts';
import type { ResolvedRange } from '../../lib/time-range.ts';

interface Props {
  readonly signal: Signal;
  readonly query: string;
  readonly language: 'lucene' | 'sql';
  readonly range: ResolvedRange;
  readonly splitBy: string | undefined;
  readonly splitOptions: readonly string[];
  readonly onSplitBy: (field: string | undefined) => void;
  readonly onZoom: (fromMs: number, toMs: number) => void;
  readonly enabled: boolean;
}

/** Matching events over time, optionally stacked by a field; drag across it to zoom. */
export function SearchHistogram(p: Props) {
  const histogram = useQuery({
    queryKey: ['histogram', p.signal, p.query, p.language, p.range.fromMs, p.range.toMs, p.splitBy],
    queryFn: ({ signal }) =>
      apiPost<HistogramResponse>(
        '/api/v1/histogram',
        {
          signal: p.signal,
          query: p.query,
          language: p.language,
          from: p.range.fromMs,
          to: p.range.toMs,
          ...(p.splitBy ? { splitBy: p.splitBy } : {}),
        },
        signal,
      ),
    placeholderData: keepPreviousData,
    enabled: p.enabled,
  });
  const chart = useMemo(() => {
    if (!histogram.data) return undefined;
    const h = histogramSeries(histogram.data, p.range.fromMs, p.range.toMs);
    return {
      x: h.x,
      total: h.total,
      series: h.series.map((s) => ({
        label: s.name === '__other__' ? 'other' : s.name === 'count' ? 'events' : s.name,
        values: s.values,
        colour:
          s.name === '__other__'
            ? OTHER_COLOUR
            : s.name === 'count'
              ? '#228be6'
              : /^(error|fatal)$/i.test(s.name)
                ? ERROR_COLOUR
                : colourFor(s.name),
      })),
    };
  }, [histogram.data, p.range.fromMs, p.range.toMs]);

  return (
    <div data-testid="search-histogram">
      <Group justify="space-between" mb={4}>
        <Text size="sm" c="dimmed" data-testid="histogram-total">
          {chart ? `${formatCount(chart.total)} ${p.signal === 'traces' ? 'spans' : 'log records'}` : ' '}
          {histogram.isFetching && <Loader size={10} ml={6} />}
        </Text>
        <Select
          size="xs"
          w={220}
          placeholder="Stack by…"
          clearable
          searchable
          data-testid="split-by"
          value={p.splitBy ?? null}
          data={[...new Set(p.splitOptions)]}
          onChange={(v) => p.onSplitBy(v ?? undefined)}
          comboboxProps={{ withinPortal: true }}
        />
      </Group>
      {chart && (
        <TimeSeriesChart
          x={chart.x}
          series={chart.series}
          kind="bars"
          stacked
          height={120}
          formatValue={formatCount}
          onZoom={p.onZoom}
          testId="histogram-chart"
        />
      )}
    </div>
  );
}
