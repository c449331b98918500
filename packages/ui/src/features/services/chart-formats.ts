import { formatPercent } from '../../lib/format.ts';
import { formatDurationTick, formatRateTick } from '../../lib/red-format.ts';
import { OTHER_COLOUR, colourFor } from '../../lib/palette.ts';
import { OTHER_LABEL } from '../../lib/red-series.ts';

/*
 * Value formatters for the RED charts (axis ticks and legend). TimeSeriesChart redraws when
 * its formatter changes, so these are module-level functions with stable identities.
 */
export const rateAxis = (v: number): string => formatRateTick(v);
export const percentAxis = (v: number): string => formatPercent(v);
export const durationAxis = (v: number): string => formatDurationTick(v);

/** A series' colour: the name's own colour everywhere, grey for the rest summed up. */
export function seriesColour(label: string): string {
  return label === OTHER_LABEL ? OTHER_COLOUR : colourFor(label);
}

/** Latency percentiles: one hue, darker for the slower percentile. */
export const PERCENTILE_COLOURS = { p50Ms: '#74c0fc', p95Ms: '#228be6', p99Ms: '#1864ab' } as const;
