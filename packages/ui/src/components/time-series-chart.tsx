import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import { useElementSize } from '@mantine/hooks';

export interface ChartSeries {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly colour: string;
}

interface Props {
  /** Bucket starts, epoch seconds, ascending. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly kind?: 'bars' | 'line';
  /** Bars are stacked (series drawn as running totals). */
  readonly stacked?: boolean;
  readonly height?: number;
  readonly formatValue?: (v: number) => string;
  /** Called with the dragged-over range, epoch milliseconds. */
  readonly onZoom?: (fromMs: number, toMs: number) => void;
  readonly testId?: string;
}

/**
 * Time series on uPlot (canvas; tens of thousands of points stay fast). Dragging
 * across the chart selects a range and calls onZoom instead of zooming in place, so
 * the zoom lands in the URL like any other range change.
 */
export function TimeSeriesChart({
  x,
  series,
  kind = 'line',
  stacked = false,
  height = 160,
  formatValue,
  onZoom,
  testId,
}: Props) {
  const { ref: sizeRef, width } = useElementSize();
  const target = useRef<HTMLDivElement>(null);
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;

  useEffect(() => {
    const el = target.current;
    if (!el || width <= 0) return;
    const drawn = stacked ? stack(series) : series.map((s) => s.values);
    // Stacked series are drawn last-to-first so that each shorter bar paints over the taller total.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const bars = uPlot.paths.bars!({ size: [0.8, 64] });
    const opts: Options = {
      width,
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#868e96', grid: { stroke: 'rgba(128,128,128,0.12)' } },
        {
          stroke: '#868e96',
          grid: { stroke: 'rgba(128,128,128,0.12)' },
          size: 56,
          ...(formatValue ? { values: (_u: uPlot, ticks: number[]) => ticks.map(formatValue) } : {}),
        },
      ],
      series: [
        {},
        ...order.map((i) => ({
          label: series[i]!.label,
          stroke: series[i]!.colour,
          fill: kind === 'bars' ? series[i]!.colour + 'cc' : series[i]!.colour + '22',
          width: kind === 'bars' ? 0 : 1.5,
          points: { show: false },
          ...(kind === 'bars' ? { paths: bars } : {}),
          ...(formatValue
            ? { value: (_u: uPlot, v: number | null) => (v == null ? '–' : formatValue(v)) }
            : {}),
        })),
      ],
      hooks: {
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoomRef.current?.(from * 1000, to * 1000);
          },
        ],
      },
    };
    const data = [x as number[], ...order.map((i) => drawn[i] as Array<number | null>)] as AlignedData;
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [x, series, kind, stacked, height, width, formatValue]);

  return (
    <div ref={sizeRef} style={{ width: '100%' }} data-testid={testId}>
      <div ref={target} />
    </div>
  );
}

function stack(series: readonly ChartSeries[]): Array<Array<number | null>> {
  const totals: number[] = [];
  return series.map((s) =>
    s.values.map((v, i) => {
      totals[i] = (totals[i] ?? 0) + (v ?? 0);
      return totals[i]!;
    }),
  );
}
