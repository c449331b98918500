import { useMemo, useRef } from 'react';
import { Box, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Row } from '../../api/api-types.ts';
import { TimeSeriesChart } from '../../components/time-series-chart.tsx';
import { displayText } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import { CLIP, gridRowStyle } from '../../components/grid-rows.ts';
import { sqlChartData, type SqlColumn } from '../../lib/sql-chart.ts';

const ROW_HEIGHT = 26;

/** A result as a virtualised table (any number of rows stays fast). */
export function SqlResultTable({ rows, columns }: { rows: readonly Row[]; columns: readonly SqlColumn[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const template = `repeat(${columns.length}, minmax(120px, 1fr))`;
  return (
    <Box
      data-testid="sql-table"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4, overflowX: 'auto' }}
    >
      <div style={{ minWidth: columns.length * 128 }}>
        <div
          className="mono"
          style={{
            display: 'grid',
            gridTemplateColumns: template,
            gap: 8,
            padding: '4px 8px',
            fontWeight: 600,
          }}
        >
          {columns.map((c) => (
            <div key={c.name} style={CLIP} title={c.type}>
              {c.name}{' '}
              <Text span size="xs" c="dimmed">
                {c.type}
              </Text>
            </div>
          ))}
        </div>
        <div ref={scroller} style={{ maxHeight: 'calc(100vh - 420px)', minHeight: 120, overflowY: 'auto' }}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index]!;
              return (
                <div
                  key={item.index}
                  data-testid="sql-row"
                  className="mono"
                  style={gridRowStyle(item.start, template, ROW_HEIGHT)}
                >
                  {columns.map((c) => {
                    const v = row[c.name];
                    const text = v === null ? 'NULL' : displayText(v);
                    return (
                      <div
                        key={c.name}
                        style={CLIP}
                        title={text.length > 40 ? text.slice(0, 2000) : undefined}
                      >
                        {text}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </Box>
  );
}

/** A result as a chart: time (or categories) across, each numeric column a line. */
export function SqlResultChart({ rows, columns }: { rows: readonly Row[]; columns: readonly SqlColumn[] }) {
  const data = useMemo(() => sqlChartData(rows, columns), [rows, columns]);
  const series = useMemo(
    () => data?.series.map((s) => ({ label: s.name, values: s.values, colour: colourFor(s.name) })) ?? [],
    [data],
  );
  if (!data) {
    return (
      <Text size="sm" c="dimmed" data-testid="sql-chart-empty">
        Nothing to chart: a chart needs at least one numeric column (and a time or label column across).
      </Text>
    );
  }
  if (data.labels) {
    return <CategoryBars labels={data.labels} series={data.series} />;
  }
  return <TimeSeriesChart x={data.x} series={series} kind="line" height={280} testId="sql-chart" />;
}

/** Categories as plain horizontal bars: easier to read than a chart axis of labels. */
function CategoryBars({
  labels,
  series,
}: {
  labels: string[];
  series: Array<{ name: string; values: Array<number | null> }>;
}) {
  const first = series[0]!;
  const max = Math.max(1, ...first.values.map((v) => v ?? 0));
  return (
    <Box data-testid="sql-chart" maw={900}>
      <Text size="xs" c="dimmed" mb={4}>
        {first.name}
      </Text>
      {labels.slice(0, 200).map((label, i) => (
        <div
          key={i}
          style={{ display: 'grid', gridTemplateColumns: '220px 1fr 90px', gap: 8, alignItems: 'center' }}
        >
          <Text size="xs" className="mono" truncate>
            {label}
          </Text>
          <div
            style={{
              height: 14,
              width: `${(100 * (first.values[i] ?? 0)) / max}%`,
              background: colourFor(first.name),
              borderRadius: 2,
            }}
          />
          <Text size="xs" className="mono" ta="right">
            {first.values[i] ?? '–'}
          </Text>
        </div>
      ))}
    </Box>
  );
}
